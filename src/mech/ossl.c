#include "mech/ossl.h"

#include <openssl/err.h>
#include <openssl/provider.h>

#include "mech/prim.h"
#include "util/log.h"

static OSSL_LIB_CTX *ossl_ctx;
static OSSL_PROVIDER *ossl_default;

CK_RV
ossl_init(void)
{
    if (ossl_ctx != NULL) return CKR_OK;
    ossl_ctx = OSSL_LIB_CTX_new();
    if (ossl_ctx == NULL) return ossl_fail("libctx", CKR_GENERAL_ERROR);
    ossl_default = OSSL_PROVIDER_load(ossl_ctx, "default");
    if (ossl_default == NULL) {
        OSSL_LIB_CTX_free(ossl_ctx);
        ossl_ctx = NULL;
        return ossl_fail("default provider", CKR_GENERAL_ERROR);
    }
    if (prim_init() != CKR_OK) {
        ossl_cleanup();
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}

void
ossl_cleanup(void)
{
    prim_cleanup();
    if (ossl_default != NULL) OSSL_PROVIDER_unload(ossl_default);
    if (ossl_ctx != NULL) OSSL_LIB_CTX_free(ossl_ctx);
    ossl_default = NULL;
    ossl_ctx = NULL;
}

OSSL_LIB_CTX *
ossl_libctx(void)
{
    return ossl_ctx;
}

CK_RV
ossl_fail(const char *what, CK_RV rv)
{
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        if (log_enabled(LOG_DEBUG)) {
            char msg[256];
            ERR_error_string_n(e, msg, sizeof msg);
            log_debug("%s: %s", what, msg);
        }
    }
    return rv;
}
