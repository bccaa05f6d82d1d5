/* general.c: general-purpose functions, PKCS#11 3.0 §5.4. */
#include <string.h>

#include "pkcs11/entry.h"
#include "pkcs11/gate.h"
#include "util/text.h"

CK_RV
ct_C_Initialize(CK_VOID_PTR pInitArgs)
{
    /* §5.4.1 */
    return gate_initialize(pInitArgs);
}

CK_RV
ct_C_Finalize(CK_VOID_PTR pReserved)
{
    /* §5.4.2 */
    if (pReserved != NULL) return CKR_ARGUMENTS_BAD;
    return gate_finalize();
}

CK_RV
ct_C_GetInfo(CK_INFO_PTR pInfo)
{
    /* §5.4.2 */
    if (pInfo == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv == CKR_OK) {
        memset(pInfo, 0, sizeof *pInfo);
        pInfo->cryptokiVersion = (CK_VERSION){3, 0};
        text_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, "credtoken");
        text_pad(pInfo->libraryDescription, sizeof pInfo->libraryDescription,
                 "credtoken PKCS#11 module");
        pInfo->libraryVersion = (CK_VERSION){0, 1};
    }
    return gate_leave(&g, rv);
}
