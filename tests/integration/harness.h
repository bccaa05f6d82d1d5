/*
 * harness.h: shared fixture of the integration suites. Each test gets a
 * fresh store directory and config (cheap PIN KDF), loads the module with
 * dlopen from CREDTOKEN_TEST_MODULE, and reaches it through C_GetInterface
 * (3.0 list) or C_GetFunctionList (2.40 list), as applications do.
 */
#ifndef CT_TEST_HARNESS_H
#define CT_TEST_HARNESS_H

#include <check.h>
#include <stdbool.h>

#include "credtoken/pkcs11.h"

#define SO_PIN "12345678"
#define USER_PIN "1234"

extern CK_FUNCTION_LIST_3_0 *p11; /* the 3.0 list */
extern CK_FUNCTION_LIST *p11_240; /* the 2.40 list */
extern char h_store[512];         /* this test's store directory */

/* Fresh store + config (max_pin_failures given), dlopen, lists; no
 * C_Initialize. */
void h_setup_with(unsigned max_failures);
void h_setup(void);
/* The same with a PIN KDF costed to ms milliseconds. */
void h_setup_kdf(unsigned ms);
void h_setup_conf(unsigned max_failures, unsigned kdf_ms);
/* C_Finalize (ignoring the result), dlclose, remove the store. */
void h_teardown(void);
/* C_Initialize(NULL) and assert OK. */
void h_init(void);
/* Initialize a token labelled label with SO_PIN and USER_PIN; returns its slot. */
CK_SLOT_ID h_token(const char *label);
/* Open a session on slot (rw or ro) and optionally log the user in. */
CK_SESSION_HANDLE h_session(CK_SLOT_ID slot, bool rw, bool user);
/* The first slot whose token is not initialized. */
CK_SLOT_ID h_free_slot(void);
/* Generate an EC (curve "P-256"/"P-384") or RSA (bits) token key pair. */
void h_ec_pair(CK_SESSION_HANDLE s, const char *curve, const char *label, CK_OBJECT_HANDLE *pub,
               CK_OBJECT_HANDLE *priv);
void h_rsa_pair(CK_SESSION_HANDLE s, CK_ULONG bits, const char *label, CK_OBJECT_HANDLE *pub,
                CK_OBJECT_HANDLE *priv);
/* Count objects matching a template, the token's profile objects aside. */
CK_ULONG h_count(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n);
/* Read an attribute into a malloc()ed buffer (caller frees); asserts OK. */
void *h_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, CK_ULONG *len);
/* Run the suite with CK_RUN_DIR-style output; returns failures. */
int h_run(Suite *s);

#endif
