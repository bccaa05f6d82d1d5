/*
 * module.h: loading a PKCS#11 module and calling it.
 *
 * The tool reaches a token only through the function list of the module it
 * loads with dlopen. It uses 2.40 functions only, so it keeps a copy of the
 * few pointers it needs, taken from the 3.0 list when the module offers one
 * (C_GetInterface "PKCS 11") and from C_GetFunctionList otherwise.
 */
#ifndef CREDTOKEN_TOOL_MODULE_H
#define CREDTOKEN_TOOL_MODULE_H

#include <credtoken/credsets.h>
#include <credtoken/pkcs11.h>
#include <credtoken/tokens.h>

/* The functions the tool calls; X(Name) stands for C_Name. */
#define MODULE_FUNCS(X)                                                                            \
    X(Initialize)                                                                                  \
    X(Finalize)                                                                                    \
    X(GetSlotList)                                                                                 \
    X(GetTokenInfo)                                                                                \
    X(InitToken)                                                                                   \
    X(InitPIN)                                                                                     \
    X(OpenSession)                                                                                 \
    X(CloseSession)                                                                                \
    X(Login)                                                                                       \
    X(Logout)                                                                                      \
    X(GetAttributeValue)                                                                           \
    X(FindObjectsInit)                                                                             \
    X(FindObjects)                                                                                 \
    X(FindObjectsFinal)                                                                            \
    X(SignInit)                                                                                    \
    X(Sign)                                                                                        \
    X(DigestInit)                                                                                  \
    X(Digest)

struct module {
    void *dl;
    CK_VERSION version;   /* of the function list in use */
    CK_BBOOL initialized; /* C_Initialize succeeded: module_unload finalizes */
    /* credtoken's vendor interface, NULL for other modules. */
    const CT_CREDSETS_FUNCTION_LIST *credsets;
    const CT_TOKENS_FUNCTION_LIST *tokens;
#define MODULE_FIELD(name) CK_C_##name C_##name;
    MODULE_FUNCS(MODULE_FIELD)
#undef MODULE_FIELD
};

/*
 * module_load: dlopen the module and C_Initialize it with CKF_OS_LOCKING_OK.
 * path: from --module, or NULL for $CREDTOKEN_MODULE (secure_getenv), else
 * CREDTOKEN_MODULE_DEFAULT. Returns 0, or -1 after reporting one error line;
 * m is then left empty. Call module_unload on every path either way.
 */
int module_load(struct module *m, const char *path);

/* module_unload: C_Finalize if initialized, dlclose; leaves m empty. Idempotent. */
void module_unload(struct module *m);

/* ckr_name: "CKR_..." for every value the 3.0 spec defines, "CKR_VENDOR_DEFINED"
 * for the vendor range, "CKR_UNKNOWN" otherwise. Never NULL. */
const char *ckr_name(CK_RV rv);

/* ckr_is_known: nonzero when ckr_name(rv) names exactly rv. */
int ckr_is_known(CK_RV rv);

#endif
