/*
 * family.h: what the mechanism families share inside src/mech/.
 *
 * Private to src/mech/ (and its unit test): the core includes mech.h only.
 * registry.c owns the descriptor table and the OpenSSL algorithm objects
 * fetched once by mech_init(); each family file (digest.c, hmac.c, cmac.c,
 * aes.c, aes_modes.c, aes_kw.c, ec.c, eddsa.c, rsa.c) exports one vtable;
 * key.c owns struct mech_key; ec_key.c, ed_key.c, rsa_key.c and curves.c
 * turn attributes into key material and back; pkcs8.c, wrap.c and derive.c
 * implement the key-management half of mech.h.
 * Nothing here locks; everything is safe to call from several threads at
 * once after mech_init().
 */
#ifndef CT_MECH_FAMILY_H
#define CT_MECH_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mech/mech.h"

/* ---- family vtables ---- */

extern const struct mech_ops digest_ops;
extern const struct mech_ops hmac_ops;
extern const struct mech_ops cmac_ops; /* CKM_AES_CMAC, CKM_AES_CMAC_GENERAL */
extern const struct mech_ops aes_gcm_ops;
extern const struct mech_ops aes_block_ops; /* CKM_AES_ECB, _CBC, _CBC_PAD, _CTR */
extern const struct mech_ops aes_kw_ops;    /* CKM_AES_KEY_WRAP, _KEY_WRAP_PAD */
extern const struct mech_ops ec_ecdsa_ops;
extern const struct mech_ops eddsa_ops;
extern const struct mech_ops rsa_ops;
extern const struct mech_ops aws_sigv4_ops; /* CKM_CREDTOKEN_AWS_SIGV4 (sigv4.c) */

/* ---- registry.c: algorithm objects cached on the private libctx ---- */

/* The EVP_MD of CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384 or
 * CKM_SHA512; NULL for any other value or before mech_init(). Borrowed. */
const EVP_MD *registry_md(CK_MECHANISM_TYPE hash);
/* The "HMAC" and "CMAC" EVP_MACs; NULL before mech_init(). Borrowed. */
EVP_MAC *registry_hmac(void);
EVP_MAC *registry_cmac(void);
/* The "HKDF" and "X963KDF" EVP_KDFs; NULL before mech_init(). Borrowed. */
EVP_KDF *registry_hkdf(void);
EVP_KDF *registry_x963(void);

enum registry_aes {
    REG_AES_ECB,
    REG_AES_CBC,
    REG_AES_CTR,
    REG_AES_GCM,
    REG_AES_WRAP,     /* RFC 3394 */
    REG_AES_WRAP_PAD, /* RFC 5649 */
    REG_AES_NMODES
};
/* AES-{128,192,256}-<mode> by key length in bytes; NULL for other lengths.
 * Borrowed. */
const EVP_CIPHER *registry_aes(enum registry_aes mode, size_t key_len);
/* CKR_OK when m carries no parameter (m may be NULL), else
 * CKR_MECHANISM_PARAM_INVALID. */
CK_RV registry_param_none(const CK_MECHANISM *m);

/* ---- digest.c: the streaming hash under the hashed signatures ---- */

/* A fresh EVP_MD_CTX for a CKM_SHA* hash. CKR_OK, CKR_HOST_MEMORY,
 * CKR_FUNCTION_FAILED. The caller frees it with EVP_MD_CTX_free. */
CK_RV digest_ctx_new(CK_MECHANISM_TYPE hash, EVP_MD_CTX **out);
/* An independent copy of a running hash. CKR_OK, CKR_HOST_MEMORY,
 * CKR_FUNCTION_FAILED. */
CK_RV digest_ctx_dup(const EVP_MD_CTX *in, EVP_MD_CTX **out);
CK_RV digest_ctx_update(EVP_MD_CTX *ctx, const CK_BYTE *in, CK_ULONG len);
/* out has room for EVP_MAX_MD_SIZE bytes. */
CK_RV digest_ctx_final(EVP_MD_CTX *ctx, uint8_t *out, size_t *len);

/* ---- key.c ---- */

/* Whether kt is a secret-key type credtoken knows (CKA_VALUE holds the key):
 * generic secret, AES, the CKK_SHA*_HMAC types and CKK_HKDF. */
bool mech_secret_type(CK_KEY_TYPE kt);

/* The EVP_PKEY of an asymmetric key; NULL for secret keys. Borrowed for as
 * long as the caller holds a reference to k. */
EVP_PKEY *mech_key_pkey(const struct mech_key *k);
/* A context initialized with EVP_PKEY_sign_init() on the key and holding
 * no per-operation parameters, ready for another signature (NULL: none
 * kept; make one). Give it back when done: kept if a slot is free, else
 * freed. Safe from any thread; lets a signature skip making a context and
 * touching the shared key's reference count. */
EVP_PKEY_CTX *mech_key_sign_ctx_take(struct mech_key *k);
void mech_key_sign_ctx_give(struct mech_key *k, EVP_PKEY_CTX *c);
/* The private operations of a key made by mech_key_new_ext (*ctx: their
 * context); NULL for every other key. */
const struct mech_ext *mech_key_ext(const struct mech_key *k, void **ctx);
/* The bytes of a secret key; NULL (and *len 0) for asymmetric keys. */
const uint8_t *mech_key_secret(const struct mech_key *k, size_t *len);
/* The current reference count (tests only: racy by nature). */
unsigned long mech_key_refs(const struct mech_key *k);
/* Add CKA_PUBLIC_KEY_INFO (DER SubjectPublicKeyInfo of pkey) to a.
 * CKR_OK, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED. */
CK_RV mech_key_put_spki(EVP_PKEY *pkey, struct attr_set *a);
/* Add the big-endian bytes of bn (minimal length, or exactly pad bytes when
 * pad != 0) as attribute type. Wipes its scratch copy. */
CK_RV mech_key_put_bn(struct attr_set *a, CK_ATTRIBUTE_TYPE type, const BIGNUM *bn, size_t pad);
/* A key-less context for key type alg ("EC", "RSA", "ED25519") on the
 * private library context, never routed to an application's ENGINE. NULL
 * on failure. */
EVP_PKEY_CTX *mech_pkey_ctx_for(const char *alg);
/* EVP_PKEY_fromdata of algorithm alg ("EC", "RSA") on the private libctx
 * with the parameters pushed to bld (private BIGNUMs must be BN_secure_new
 * ones: OpenSSL then keeps them in the cleared part of the array).
 * CKR_OK, CKR_HOST_MEMORY, CKR_ATTRIBUTE_VALUE_INVALID (OpenSSL refused the
 * material; logged at debug level). */
CK_RV mech_key_fromdata(const char *alg, int selection, OSSL_PARAM_BLD *bld, EVP_PKEY **out);

/* ---- curves.c: the named curves credtoken supports ---- */

struct curve {
    const char *name;   /* OpenSSL group name */
    int nid;            /* for EC_GROUP_new_by_curve_name_ex */
    const uint8_t *oid; /* DER of the namedCurve OID, as in CKA_EC_PARAMS */
    size_t oid_len;
    size_t field_len; /* bytes of a coordinate (and of the scalar) */
    CK_ULONG bits;    /* field size in bits, the key size of the key */
};

/* Match CKA_EC_PARAMS (a DER OID) against the table. CKR_OK,
 * CKR_CURVE_NOT_SUPPORTED (well-formed DER naming another curve or explicit
 * parameters), CKR_ATTRIBUTE_VALUE_INVALID (not one DER element). */
CK_RV curves_find(const uint8_t *params, size_t len, const struct curve **out);
/* The table entry of an OpenSSL group name; NULL for a curve we lack. */
const struct curve *curves_by_name(const char *group);
/* Match the CKA_EC_PARAMS of a CKK_EC_EDWARDS key: edwards25519 given as
 * the OID 1.3.101.112 (RFC 8410) or as the PrintableString "edwards25519"
 * (PKCS#11 3.0 curveName). CKR_OK, CKR_CURVE_NOT_SUPPORTED (well-formed,
 * another curve), CKR_ATTRIBUTE_VALUE_INVALID (not one DER element). */
CK_RV curves_find_edwards(const uint8_t *params, size_t len);
/* DER of the Ed25519 OID, as written to CKA_EC_PARAMS on import. */
extern const uint8_t curves_ed25519_oid[5];
/* Decode CKA_EC_POINT given raw or wrapped in a DER OCTET STRING,
 * compressed or not, and write the uncompressed point (1 + 2 * field_len
 * bytes) to raw. CKR_OK, CKR_HOST_MEMORY, CKR_ATTRIBUTE_VALUE_INVALID (bad
 * encoding, or not on the curve). */
CK_RV curves_point_decode(const struct curve *c, const uint8_t *in, size_t len, uint8_t *raw);
/* The uncompressed point d*G into raw (1 + 2 * field_len bytes). d must
 * satisfy 1 <= d < order (CKR_ATTRIBUTE_VALUE_INVALID otherwise). */
CK_RV curves_point_mul(const struct curve *c, const BIGNUM *d, uint8_t *raw);
/* Wrap a raw point as a DER OCTET STRING and store it as CKA_EC_POINT. */
CK_RV curves_put_point(struct attr_set *a, const uint8_t *raw, size_t len);
/* Largest encodings, for stack buffers. */
#define CURVES_MAX_FIELD 48
#define CURVES_MAX_POINT (1 + 2 * CURVES_MAX_FIELD)

/* ---- ec_key.c and rsa_key.c: key material ---- */

/* Build the EVP_PKEY of an EC or RSA key object from its attributes, as
 * mech_key_new() needs it. *bits receives the key size. CKR_OK,
 * CKR_HOST_MEMORY, CKR_TEMPLATE_INCOMPLETE, CKR_ATTRIBUTE_VALUE_INVALID,
 * CKR_CURVE_NOT_SUPPORTED, CKR_FUNCTION_FAILED. */
CK_RV ec_key_load(const struct attr_set *a, CK_OBJECT_CLASS cls, EVP_PKEY **out, CK_ULONG *bits);
CK_RV ed_key_load(const struct attr_set *a, CK_OBJECT_CLASS cls, EVP_PKEY **out, CK_ULONG *bits);
CK_RV rsa_key_load(const struct attr_set *a, CK_OBJECT_CLASS cls, EVP_PKEY **out, CK_ULONG *bits);
/* mech_generate_key_pair() and mech_key_complete() of each family, with the
 * contracts of mech.h. */
CK_RV ec_key_generate(struct attr_set *pub, struct attr_set *priv);
CK_RV ed_key_generate(struct attr_set *pub, struct attr_set *priv);
CK_RV rsa_key_generate(struct attr_set *pub, struct attr_set *priv);
CK_RV ec_key_complete(CK_OBJECT_CLASS cls, struct attr_set *a);
CK_RV ed_key_complete(CK_OBJECT_CLASS cls, struct attr_set *a);
CK_RV rsa_key_complete(CK_OBJECT_CLASS cls, struct attr_set *a);
/* The parts of an RSA private key pkey as attributes: all eight to priv,
 * the modulus and public exponent to pub too unless pub is NULL. A part
 * pkey lacks gives missing. */
CK_RV rsa_key_export(EVP_PKEY *pkey, struct attr_set *pub, struct attr_set *priv, CK_RV missing);
/* The public EVP_PKEY of an uncompressed point raw (1 + 2 * field_len
 * bytes) on curve c. CKR_OK, CKR_HOST_MEMORY, CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV ec_key_public(const struct curve *c, const uint8_t *raw, EVP_PKEY **out);

/* Ed25519: 32-byte seeds and public keys; the key size is the field size. */
#define ED25519_LEN 32
#define ED25519_BITS 255
#define ED25519_SIG_LEN 64

/* ---- derive.c ---- */

/* The ANSI X9.63 KDF (SEC 1 §3.6.1) with a CKM_SHA* hash: outlen bytes of
 * Hash(z || counter || info) blocks. CKR_OK, CKR_HOST_MEMORY,
 * CKR_FUNCTION_FAILED. */
CK_RV derive_x963(CK_MECHANISM_TYPE hash, const uint8_t *z, size_t zlen, const uint8_t *info,
                  size_t infolen, uint8_t *out, size_t outlen);

/* Secret-key size limits (bytes) shared by generation, import and HMAC. */
#define MECH_SECRET_MIN 1
#define MECH_SECRET_MAX 512

/* mac.c: the keyed-MAC skeleton of the HMAC and CMAC families. mac_start
 * keys mac with one named parameter (param = value); the MAC computes full
 * bytes and gives out the leading len. The rest are mech_ops entries. */
CK_RV mac_start(EVP_MAC *mac, const char *param, const char *value, const uint8_t *k, size_t klen,
                size_t full, size_t len, void **state);
/* The same for a key held elsewhere: ext->hmac computes the full MAC
 * (full bytes) over the data gathered by mac_update (up to 64 MiB: then
 * CKR_DATA_LEN_RANGE). */
CK_RV mac_start_ext(const struct mech_ext *ext, void *ctx, size_t full, void **state);
CK_RV mac_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact);
CK_RV mac_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len);
CK_RV mac_final(void *state, CK_BYTE *out, CK_ULONG *out_len);
CK_RV mac_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len);
CK_RV mac_verify(void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
                 CK_ULONG sig_len);
CK_RV mac_dup(const void *state, void **copy);
void mac_free(void *state);

#endif
