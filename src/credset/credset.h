/*
 * credset.h: typed credential sets, from a JSON body to the objects of the
 * token that presents the set.
 *
 * A body is {"type": T, "description": D, "credentials": {...}} (README,
 * "Credential sets", documents each type's fields). credset_parse()
 * validates it completely (JSON syntax, the type, every field present and
 * no other, PEM material, a key that matches its certificate, a chain that
 * verifies to the CA, validity dates) before anything is built, and
 * answers every problem with one line naming the field. On success it
 * returns the set's objects as templates: every attribute the object will
 * have, secrets included, plus for private keys their PKCS#8 form, which
 * the core turns into key attributes (mech_key_import). Nothing is stored
 * here.
 *
 * Every object carries CKA_CREDTOKEN_SET_ID, CKA_CREDTOKEN_SET_TYPE,
 * CKA_CREDTOKEN_CREATED and CKA_CREDTOKEN_UPDATED ("YYYY-MM-DDThh:mm:ssZ"),
 * and, when the set has a certificate, CKA_CREDTOKEN_NOT_AFTER (the
 * device certificate's notAfter, same format). Secrets become sensitive,
 * non-extractable keys (CKO_PRIVATE_KEY, or CKO_SECRET_KEY generic secrets
 * usable for HMAC and derivation); other fields become CKO_DATA objects
 * (CKA_APPLICATION "credtoken", CKA_LABEL the field name) or certificates.
 * Only certificates are public objects; everything else is private, so it
 * is encrypted at rest.
 *
 * Stateless; thread-safe once ossl_init() ran (it uses OpenSSL for PEM,
 * X.509 and base64).
 */
#ifndef CT_CREDSET_CREDSET_H
#define CT_CREDSET_CREDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "credtoken/pkcs11.h"
#include "util/attr.h"

#define CREDSET_ID_MAX 32      /* a set is a token: its ID is the token label */
#define CREDSET_BODY_MAX 65536 /* bytes of JSON */
#define CREDSET_ERR_LEN 256

enum credset_type {
    CREDSET_X509,
    CREDSET_AWS,
    CREDSET_AWS_ROLE,
    CREDSET_AZURE,
    CREDSET_AZURE_IOT,
    CREDSET_GOOGLE_IOT,
    CREDSET_GOOGLE_SA,
    CREDSET_PUBNUB,
    CREDSET_PSK,
    CREDSET_TYPES
};

struct credset_opts {
    time_t now;         /* creation (and update) time; also the validity check's */
    time_t created;     /* for an update: the set's original creation time; 0: now */
    bool allow_expired; /* accept a certificate outside its validity period */
    bool exportable;    /* psk only: the key's value can be read (TLS-PSK stacks) */
    bool aws_labels;    /* x509 only: AWS corePKCS11's labels (README) */
};

struct credset_obj {
    struct attr_set *tmpl; /* complete but for a private key's material */
    uint8_t *pkcs8;        /* private keys: PrivateKeyInfo DER (wipe_free) */
    size_t pkcs8_len;
    CK_KEY_TYPE pkcs8_type; /* CKK_RSA, CKK_EC or CKK_EC_EDWARDS */
};

struct credset {
    char id[CREDSET_ID_MAX + 1];
    enum credset_type type;
    struct credset_obj *objs;
    size_t nobj;
};

/* The type's name as it appears in a body ("psk"...); NULL for an unknown
 * value. credset_type_of() is the reverse (false when unknown). */
const char *credset_type_name(enum credset_type t);
bool credset_type_of(const char *name, enum credset_type *out);

/* Whether id can name a set (1..32 printable characters from
 * [A-Za-z0-9._:@+=-]); err says why not. */
bool credset_id_ok(const char *id, char err[CREDSET_ERR_LEN]);

/* Validate body (len bytes of JSON) and build the objects of set id.
 * CKR_OK; CKR_DATA_INVALID (the body is malformed or names an unknown type,
 * a field is missing, unexpected, of the wrong kind or malformed),
 * CKR_DATA_LEN_RANGE (too long), CKR_ATTRIBUTE_VALUE_INVALID (key material
 * or certificates that do not parse, do not match, do not verify, or are
 * outside their validity period), CKR_ARGUMENTS_BAD (bad id),
 * CKR_HOST_MEMORY. On failure err holds one line for the user. */
CK_RV credset_parse(const char *id, const uint8_t *body, size_t len, const struct credset_opts *o,
                    struct credset **out, char err[CREDSET_ERR_LEN]);
/* Wipe and free (NULL is a no-op). */
void credset_free(struct credset *c);

#endif
