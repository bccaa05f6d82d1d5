/* random.c: random numbers (§5.15) and the legacy parallel functions (§5.16). */
#include "mech/prim.h"
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"

CK_RV
ct_C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
    /* §5.15.1: the seed is mixed in as additional input; the DRBG keeps
     * reseeding itself from the operating system. */
    if (pSeed == NULL && ulSeedLen > 0) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    gate_unlock(&g);
    rv = prim_seed(pSeed, ulSeedLen);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen)
{
    /* §5.15.2 */
    if (RandomData == NULL && ulRandomLen > 0) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    gate_unlock(&g);
    rv = prim_random(RandomData, ulRandomLen);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
    /* §5.16.1 */
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = CKR_FUNCTION_NOT_PARALLEL;
    return gate_leave(&g, rv);
}

CK_RV
ct_C_CancelFunction(CK_SESSION_HANDLE hSession)
{
    /* §5.16.2 */
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = CKR_FUNCTION_NOT_PARALLEL;
    return gate_leave(&g, rv);
}
