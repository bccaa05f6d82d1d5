/*
 * credset_int.h: what the parts of src/credset/ share. credset.c reads the
 * JSON and checks the fields; build.c makes objects; pem.c reads keys and
 * certificates; types.c knows each type.
 */
#ifndef CT_CREDSET_CREDSET_INT_H
#define CT_CREDSET_CREDSET_INT_H

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "credset/credset.h"

#define CS_TIME_LEN 21 /* "YYYY-MM-DDThh:mm:ssZ" and the NUL */

/* One set being built. */
struct cs_build {
    struct credset *c;
    const struct credset_opts *o;
    char *err; /* CREDSET_ERR_LEN */
    char created[CS_TIME_LEN], updated[CS_TIME_LEN], not_after[CS_TIME_LEN];
    bool has_not_after;
    const char *description;
    size_t cap;
};

/* Record a failure: err gets the message (the first one wins); returns rv. */
CK_RV cs_fail(struct cs_build *b, CK_RV rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The string value of field name of obj (already checked to exist and be a
 * string); *len its length. */
const char *cs_str(json_object *obj, const char *name, size_t *len);

/* Time as "YYYY-MM-DDThh:mm:ssZ". */
void cs_time(time_t t, char out[CS_TIME_LEN]);

/* ---- objects (build.c) ---- */

/* A new object of class cls with the set's common attributes (token,
 * private unless a certificate, not modifiable, copyable or destroyable,
 * the vendor attributes) and label; *out is owned by the set. */
CK_RV cs_obj(struct cs_build *b, CK_OBJECT_CLASS cls, const char *label, struct credset_obj **out);
/* A CKO_DATA object: CKA_APPLICATION "credtoken", the label, the value. */
CK_RV cs_data(struct cs_build *b, const char *label, const void *val, size_t len);
/* A generic secret for HMAC and derivation; exportable only for a psk
 * created so (sensitive otherwise, never extractable). */
CK_RV cs_secret(struct cs_build *b, const char *label, const char *id, const void *val, size_t len,
                bool exportable);
/* A private key from pkey (its PKCS#8 form; the core adds the material)
 * and its public key object. */
CK_RV cs_key_pair(struct cs_build *b, EVP_PKEY *pkey, const char *priv_label, const char *pub_label,
                  const void *id, size_t id_len);
/* A certificate object; authority for a CA. */
CK_RV cs_cert(struct cs_build *b, X509 *x, const char *label, const char *id, bool authority);

/* ---- PEM and X.509 (pem.c) ---- */

/* A private key (PKCS#8 or traditional, CRLF accepted; not encrypted). */
CK_RV cs_pem_key(struct cs_build *b, const char *field, const char *pem, size_t len,
                 EVP_PKEY **out);
/* One certificate, or every certificate (at least one). */
CK_RV cs_pem_cert(struct cs_build *b, const char *field, const char *pem, size_t len, X509 **out);
CK_RV cs_pem_certs(struct cs_build *b, const char *field, const char *pem, size_t len,
                   STACK_OF(X509) * *out);
/* The device certificate against its key, its validity and the CA chain. */
CK_RV cs_check_cert(struct cs_build *b, EVP_PKEY *key, X509 *cert, STACK_OF(X509) * ca);
/* base64 (standard alphabet, padding required) to bytes; heap, wipe_free. */
CK_RV cs_base64(struct cs_build *b, const char *field, const char *in, size_t len, uint8_t **out,
                size_t *outlen);

/* ---- the types (types.c) ---- */

struct cs_type {
    const char *name;
    const char *const *fields; /* the credentials' fields, NULL-terminated */
    CK_RV (*build)(struct cs_build *b, json_object *cred);
};
extern const struct cs_type cs_types[CREDSET_TYPES];

#endif
