/*
 * tpmkey.h: the keys of a token of the TPM backend (store_tok_tpm_keys).
 *
 * Such a token's key pairs are made inside the TPM, under its storage
 * primary key: the private key object holds only the TPM-wrapped blob
 * (CKA_CREDTOKEN_TPM_KEY, never revealed) next to its public attributes,
 * and every private operation is a TPM command. Its records are still
 * sealed by the store (its header is sealed to the TPM as well), so the
 * blob of a key is read only after a login.
 *
 * The TPM is reached through tpm_use_begin() at the library's tpm_where
 * (set once at start: the configuration's TCTI or CREDTOKEN_TCTI, and
 * <store>/tpm.lock), one caller at a time; keys keep a pointer to it, so
 * the library must outlive them (it does: it frees them). Nothing here holds the library lock
 * while it talks to the TPM, except tpmkey_caps_inlock() (once).
 */
#ifndef CT_CORE_TPMKEY_H
#define CT_CORE_TPMKEY_H

#include <stdbool.h>

#include "credtoken/pkcs11.h"
#include "mech/mech.h"
#include "tpm/tpm.h"
#include "util/attr.h"
#include "util/conf.h"

struct library;

/* C_GenerateKeyPair's work on a TPM token (pub and priv after
 * manage_gen_prepare): CKM_EC_KEY_PAIR_GEN on P-256 or P-384, made by the
 * TPM. pub gets CKA_EC_POINT and CKA_PUBLIC_KEY_INFO; priv gets
 * CKA_EC_PARAMS, CKA_EC_POINT, CKA_PUBLIC_KEY_INFO and the blob. The
 * private key must stay sensitive and unextractable. CKR_OK,
 * CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID,
 * CKR_TEMPLATE_INCOMPLETE, CKR_TEMPLATE_INCONSISTENT (CKA_SENSITIVE false
 * or CKA_EXTRACTABLE true), CKR_CURVE_NOT_SUPPORTED, CKR_HOST_MEMORY,
 * CKR_DEVICE_MEMORY, CKR_DEVICE_ERROR (the TPM: logged). */
CK_RV tpmkey_generate_pair(const struct tpm_where *w, const CK_MECHANISM *m, struct attr_set *pub,
                           struct attr_set *priv);

/* C_GenerateKey on a TPM token: CKM_GENERIC_SECRET_KEY_GEN of
 * TPMKEY_SECRET_LEN bytes (CKA_VALUE_LEN), an HMAC key the TPM makes and
 * never shows. tmpl gets the blob. CKR_OK, CKR_MECHANISM_INVALID,
 * CKR_MECHANISM_PARAM_INVALID, CKR_TEMPLATE_INCOMPLETE,
 * CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_VALUE_INVALID (another length),
 * the TPM's answers as for tpmkey_generate_pair. */
#define TPMKEY_SECRET_LEN 32
CK_RV tpmkey_generate_secret(const struct tpm_where *w, const CK_MECHANISM *m,
                             struct attr_set *tmpl);
/* C_CreateObject of a secret key on a TPM token: an HMAC key
 * (CKK_GENERIC_SECRET, CKK_SHA*_HMAC) of 1..TPM_HMAC_KEY_MAX bytes is
 * wrapped by the TPM; tmpl keeps CKA_VALUE_LEN and the blob, and loses
 * CKA_VALUE (a SigV4-only key, tpmkey_aws4(): "AWS4" || value). Other key
 * types: CKR_TEMPLATE_INCONSISTENT. Also
 * CKR_ATTRIBUTE_VALUE_INVALID (length), the answers of
 * tpmkey_generate_secret. */
CK_RV tpmkey_import_secret(const struct tpm_where *w, struct attr_set *tmpl, char *why);

/* A key from outside onto a TPM token (tpmimport.c): C_CreateObject,
 * C_UnwrapKey and credential sets call it with the completed attributes
 * (mech_key_complete / mech_key_import) before the object is stored.
 *   CKO_PRIVATE_KEY  an EC key on P-256 or P-384, or an RSA key of 2048 or
 *                    3072 bits with its prime factors, imported into the
 *                    TPM (TPM2_Import): tmpl keeps its public attributes
 *                    and the blob, and loses CKA_VALUE, CKA_PRIVATE_EXPONENT
 *                    and the CRT values
 *   CKO_SECRET_KEY   tpmkey_import_secret()
 *   other classes    nothing to do: CKR_OK
 * The key must be sensitive and unextractable. CKR_OK,
 * CKR_TEMPLATE_INCONSISTENT (another key type; CKA_SENSITIVE false or
 * CKA_EXTRACTABLE true), CKR_TEMPLATE_INCOMPLETE (an RSA key without its
 * primes), CKR_CURVE_NOT_SUPPORTED, CKR_ATTRIBUTE_VALUE_INVALID (a size or
 * exponent the TPM does not take), CKR_HOST_MEMORY, CKR_DEVICE_MEMORY,
 * CKR_DEVICE_ERROR (the TPM: logged). why: NULL, or TPMKEY_WHY_LEN bytes
 * that receive the reason for a refusal of the key (else it is logged). */
#define TPMKEY_WHY_LEN 160
CK_RV tpmkey_import(const struct tpm_where *w, CK_OBJECT_CLASS cls, struct attr_set *tmpl,
                    char *why);

/* Shared by tpmkey.c and tpmimport.c: a refusal's reason into why (when
 * not NULL) or the log; CKR_TEMPLATE_INCONSISTENT (said so) unless the key
 * is to be sensitive and unextractable; a TPM answer as the PKCS#11 object
 * and crypto functions may return it. */
void tpmkey_why(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
CK_RV tpmkey_check_template(const struct attr_set *tmpl, char *why);
CK_RV tpmkey_rv(CK_RV rv);

/* Whether attrs are those of a generic secret for CKM_CREDTOKEN_AWS_SIGV4
 * only (CKA_ALLOWED_MECHANISMS, which never changes after creation): on a
 * TPM token such a key's TPM value is "AWS4" || secret, the key of SigV4's
 * first HMAC, so the secret itself never reaches host memory again; no
 * other HMAC takes it. */
bool tpmkey_aws4(const struct attr_set *attrs);

/* Whether attrs are those of a key held by a TPM. */
bool tpmkey_is(const struct attr_set *attrs);
/* The mech_key of such a private or secret key: it signs (ECDSA, RSA,
 * HMAC) through the TPM at w, which must outlive it.
 * CKR_OK, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED (not a key blob: logged). */
CK_RV tpmkey_mech_key(const struct tpm_where *w, const struct attr_set *attrs,
                      struct mech_key **out);

/* What the TPM can do, asked once per library (under its lock).
 * CKR_OK, CKR_DEVICE_ERROR (no TPM: logged), CKR_HOST_MEMORY. */
CK_RV tpmkey_caps_inlock(struct library *lib, const struct tpm_caps **out);
/* Whether a TPM token with caps offers mechanism type, and its info
 * there (key sizes from the TPM's curves, CKF_HW). */
bool tpmkey_mech(const struct tpm_caps *caps, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

#endif
