/*
 * ossl.h: the module's private OpenSSL library context, and the one place
 * OpenSSL errors become CK_RV values.
 */
#ifndef CT_MECH_OSSL_H
#define CT_MECH_OSSL_H

#include <openssl/types.h>

#include "credtoken/pkcs11.h"

/* Create the private OSSL_LIB_CTX and load its default provider.
 * CKR_OK or CKR_GENERAL_ERROR. Not thread-safe: C_Initialize calls it under
 * the library lock. Calling it twice without ossl_cleanup() is a no-op. */
CK_RV ossl_init(void);
/* Free the context. Safe to call when ossl_init() never ran or failed. */
void ossl_cleanup(void);
/* The context; NULL before ossl_init(). */
OSSL_LIB_CTX *ossl_libctx(void);

/* Log the OpenSSL error queue (at debug level) with a context word, clear
 * it, and return rv. Use as: return ossl_fail("ecdsa sign", CKR_FUNCTION_FAILED); */
CK_RV ossl_fail(const char *what, CK_RV rv);

#endif
