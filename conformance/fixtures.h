/*
 * fixtures.h: objects and keys the cases create through the module under
 * test. Each helper ends the case (ct_fail/ct_skip) when it cannot make its
 * object, so a case body reads straight through. Keys are session objects
 * unless asked otherwise; private and secret keys are CKA_PRIVATE and
 * CKA_SENSITIVE, so the user must be logged in first.
 */
#ifndef CT_CONF_FIXTURES_H
#define CT_CONF_FIXTURES_H

#include "harness.h"

/* PKCS#11 3.0 §2.11 (current mechanisms): the per-message AES-GCM
 * parameters, which <credtoken/pkcs11.h> does not declare. */
#ifndef CKG_NO_GENERATE
#define CKG_NO_GENERATE 0x00000000UL
#endif
typedef struct {
    CK_BYTE_PTR pIv;
    CK_ULONG ulIvLen;
    CK_ULONG ulIvFixedBits;
    CK_ULONG ivGenerator; /* CK_GENERATOR_FUNCTION */
    CK_BYTE_PTR pTag;
    CK_ULONG ulTagBits;
} ct_gcm_message_params;

struct fx_key {
    bool no_sign;       /* CKA_SIGN / CKA_VERIFY (and CKA_ENCRYPT / CKA_DECRYPT) FALSE */
    bool token;         /* CKA_TOKEN TRUE */
    bool not_sensitive; /* CKA_SENSITIVE FALSE, CKA_EXTRACTABLE TRUE */
    const char *label;  /* CKA_LABEL of both keys, or none */
};

/* DER of the P-256 OID (CKA_EC_PARAMS). */
extern const CK_BYTE fx_p256_oid[10];

/* A CKO_DATA object with CKA_VALUE "conformance". */
CK_OBJECT_HANDLE fx_data(struct cx *cx, CK_SESSION_HANDLE s, bool token, bool priv,
                         const char *label);
/* An EC P-256 key pair (CKM_EC_KEY_PAIR_GEN); o may be NULL. */
void fx_ec_pair(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o, CK_OBJECT_HANDLE *pub,
                CK_OBJECT_HANDLE *priv);
/* An RSA-2048 key pair (CKM_RSA_PKCS_KEY_PAIR_GEN, e = 65537). */
void fx_rsa_pair(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o, CK_OBJECT_HANDLE *pub,
                 CK_OBJECT_HANDLE *priv);
/* A 32-byte generic secret (CKM_GENERIC_SECRET_KEY_GEN) for HMAC. */
CK_OBJECT_HANDLE fx_hmac_key(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o);
/* An AES-256 key (CKM_AES_KEY_GEN). */
CK_OBJECT_HANDLE fx_aes_key(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o);
/* A generic secret key created with C_CreateObject from a known value
 * (skips on a token that lists no CKM_GENERIC_SECRET_KEY_GEN, and for a
 * non-sensitive or extractable key when that mechanism is CKF_HW). */
CK_OBJECT_HANDLE fx_secret_object(struct cx *cx, CK_SESSION_HANDLE s, bool sensitive,
                                  bool extractable);

/* Count the objects a C_FindObjects walk over template t returns. */
CK_ULONG fx_count(struct cx *cx, CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n);
/* Read one CK_BBOOL attribute (the case fails if it cannot). */
CK_BBOOL fx_bool(struct cx *cx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
/* Set one CK_BBOOL attribute; returns the module's answer. */
CK_RV fx_set_bool(struct cx *cx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                  CK_BBOOL v);

/* The mechanisms the crypto cases use. */
extern CK_MECHANISM fx_ecdsa, fx_ecdsa_sha256, fx_sha256_rsa, fx_rsa_pkcs, fx_rsa_x509, fx_hmac,
    fx_sha256;

#endif
