/*
 * mech.h: the mechanism registry and the operations behind it.
 *
 * One sorted static table of descriptors (registry.c) drives
 * C_GetMechanismList/Info and every crypto call. Each family lives in its own
 * file (ec.c, eddsa.c, rsa.c, hmac.c, cmac.c, digest.c, aes.c, aes_modes.c,
 * aes_kw.c) and exposes a `struct mech_ops` vtable; keys, wrapping and
 * derivation live in key.c, keygen.c, pkcs8.c, wrap.c and derive.c. All
 * OpenSSL fetches use the private library context of ossl.h.
 *
 * Threading: descriptors are immutable. A mech_key is immutable after
 * creation and reference-counted atomically, so N threads may run N
 * operations on one key at once. A mech_op belongs to one caller at a time.
 * Nothing here takes a lock.
 *
 * Error precedence (the core relies on it): the core checks the mechanism is
 * known and supports the function (CKR_MECHANISM_INVALID), then
 * mech_key_type_ok() (CKR_KEY_TYPE_INCONSISTENT), then the key's CKA_SIGN...
 * flags (CKR_KEY_FUNCTION_NOT_PERMITTED), then calls mech_op_new() which checks
 * the parameter (CKR_MECHANISM_PARAM_INVALID) and key size
 * (CKR_KEY_SIZE_RANGE).
 */
#ifndef CT_MECH_MECH_H
#define CT_MECH_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"
#include "util/attr.h"

struct mech_ops;

struct mech_desc {
    CK_MECHANISM_TYPE type;
    CK_MECHANISM_INFO info;     /* key sizes in bits (bytes for secret keys), CKF_* flags */
    CK_KEY_TYPE key_types[3];   /* accepted key types; unused entries are CKK_VENDOR_DEFINED */
    const struct mech_ops *ops; /* NULL for key-generation-only mechanisms */
};

/* Lifecycle of the family code. ossl_init() must have succeeded first. */
CK_RV mech_init(void);
void mech_cleanup(void);

/* The registry, sorted by type ascending. */
size_t mech_count(void);
const struct mech_desc *mech_at(size_t i);
/* NULL when credtoken does not implement the mechanism. */
const struct mech_desc *mech_find(CK_MECHANISM_TYPE type);
/* Whether the descriptor accepts a key of this type. */
bool mech_key_type_ok(const struct mech_desc *d, CK_KEY_TYPE kt);

/* ---- keys ---- */

/* The parsed form of a key object (EVP_PKEY, or the secret bytes). Built
 * once per login and cached by the core, never per operation. */
struct mech_key;

/* Build from an object's attributes: CKA_CLASS, CKA_KEY_TYPE and the key
 * material (CKA_EC_PARAMS/CKA_EC_POINT/CKA_VALUE for EC and EC_EDWARDS,
 * CKA_MODULUS/CKA_PUBLIC_EXPONENT/CKA_PRIVATE_EXPONENT/CRT parts for RSA,
 * CKA_VALUE for secret keys: generic, AES, CKK_SHA*_HMAC, CKK_HKDF).
 * Returns CKR_OK, CKR_HOST_MEMORY, CKR_KEY_TYPE_INCONSISTENT (a key type
 * credtoken cannot use), or CKR_FUNCTION_FAILED (material that does not
 * parse; logged). The new key has one reference. */
CK_RV mech_key_new(const struct attr_set *attrs, struct mech_key **out);
/* A key whose secret operations run elsewhere (a TPM, through
 * core/tpmkey.c): the key holds ctx and calls ext with it; nothing here
 * ever sees the private or secret key. attrs are the key object's:
 *   CKK_EC private keys (CKA_EC_PARAMS, CKA_EC_POINT): ECDSA signing calls
 *   ext->ecdsa with what ECDSA signs (CKM_ECDSA's input, or the digest of
 *   the hashed mechanisms: any length, the usual ECDSA truncation applies)
 *   and wants r || s, each flen bytes, in sig; verification uses the public
 *   half in software.
 *   CKK_RSA private keys (CKA_MODULUS, CKA_PUBLIC_EXPONENT): signing and
 *   decryption call ext->rsa; PKCS#1 v1.5 signatures are a raw operation
 *   on the block built here. PSS needs MGF1 of the message hash and a salt
 *   of the hash's length, OAEP MGF1 of its hash and no label (else
 *   CKR_MECHANISM_PARAM_INVALID at init). Public operations run here.
 *   secret keys of the HMAC types (CKK_GENERIC_SECRET, CKK_SHA*_HMAC;
 *   CKA_VALUE_LEN): the HMAC mechanisms gather the data and call ext->hmac
 *   with the digest length mdlen (20, 32, 48, 64) for the full MAC, for
 *   signing and for verifying alike; a mechanism of another hash than
 *   ext->hmac_len's is CKR_KEY_TYPE_INCONSISTENT at init.
 * Their CK_RV is passed on (CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, ...).
 * ext->free(ctx) runs when the key is freed, and also when this fails.
 * CKR_OK, CKR_HOST_MEMORY, CKR_KEY_TYPE_INCONSISTENT, CKR_FUNCTION_FAILED. */
enum mech_ext_rsa {
    MECH_EXT_RSA_RAW,   /* in^d mod n; in: k bytes, below n */
    MECH_EXT_RSA_PSS,   /* RSASSA-PSS of the digest in: MGF1 of its hash, salt of its length */
    MECH_EXT_RSA_PKCS1, /* PKCS#1 v1.5 decryption */
    MECH_EXT_RSA_OAEP,  /* OAEP decryption: hash and MGF1 of digest length hlen, no label */
};
struct mech_ext {
    CK_RV (*ecdsa)(void *ctx, const uint8_t *tbs, size_t len, uint8_t *sig, size_t flen);
    /* out: *outlen bytes of room in, the result's length out. */
    CK_RV(*rsa)
    (void *ctx, enum mech_ext_rsa op, size_t hlen, const uint8_t *in, size_t len, uint8_t *out,
     size_t *outlen);
    CK_RV (*hmac)(void *ctx, size_t mdlen, const uint8_t *data, size_t len, uint8_t *mac);
    size_t (*hmac_len)(void *ctx); /* the one digest length the key takes */
    /* Whether the HMAC key's value is "AWS4" || an AWS secret access key:
     * CKM_CREDTOKEN_AWS_SIGV4's first key, which it then uses (NULL: no). */
    bool (*aws4)(void *ctx);
    void (*free)(void *ctx);
};
CK_RV mech_key_new_ext(const struct attr_set *attrs, const struct mech_ext *ext, void *ctx,
                       struct mech_key **out);
/* Take another reference; returns k. Atomic. */
struct mech_key *mech_key_ref(struct mech_key *k);
/* Drop a reference; the last one wipes and frees. NULL is a no-op. Atomic. */
void mech_key_unref(struct mech_key *k);
CK_KEY_TYPE mech_key_type(const struct mech_key *k);
CK_OBJECT_CLASS mech_key_class(const struct mech_key *k);
/* Size in bits (RSA modulus, EC field; 255 for Ed25519) or bytes (secret
 * keys). */
CK_ULONG mech_key_size(const struct mech_key *k);

/* ---- key generation and import ---- */

/* C_GenerateKeyPair. pub and priv hold the caller's templates after the
 * core's defaults and schema checks. Adds the key material:
 *   EC (CKM_EC_KEY_PAIR_GEN; CKA_EC_PARAMS from pub, named curves P-256 and
 *   P-384 by OID): pub gets CKA_EC_POINT (DER OCTET STRING of the
 *   uncompressed point); priv gets CKA_EC_PARAMS, CKA_VALUE, CKA_EC_POINT.
 *   Ed25519 (CKM_EC_EDWARDS_KEY_PAIR_GEN; CKA_EC_PARAMS from pub, the OID
 *   1.3.101.112 or the PrintableString "edwards25519"): pub gets
 *   CKA_EC_POINT (DER OCTET STRING of the 32-byte public key); priv gets
 *   CKA_EC_PARAMS (as given), CKA_VALUE (the 32-byte seed), CKA_EC_POINT.
 *   RSA (CKM_RSA_PKCS_KEY_PAIR_GEN; CKA_MODULUS_BITS 2048..4096 and optional
 *   CKA_PUBLIC_EXPONENT from pub, default 65537): pub gets CKA_MODULUS,
 *   CKA_PUBLIC_EXPONENT; priv gets CKA_MODULUS, CKA_PUBLIC_EXPONENT,
 *   CKA_PRIVATE_EXPONENT, CKA_PRIME_1/2, CKA_EXPONENT_1/2, CKA_COEFFICIENT.
 *   Both get CKA_PUBLIC_KEY_INFO (DER SubjectPublicKeyInfo).
 * Returns CKR_OK, CKR_HOST_MEMORY, CKR_MECHANISM_INVALID,
 * CKR_MECHANISM_PARAM_INVALID (a parameter was given), CKR_TEMPLATE_INCOMPLETE
 * (no CKA_EC_PARAMS / CKA_MODULUS_BITS), CKR_CURVE_NOT_SUPPORTED,
 * CKR_KEY_SIZE_RANGE, CKR_ATTRIBUTE_VALUE_INVALID, CKR_FUNCTION_FAILED. */
CK_RV mech_generate_key_pair(const CK_MECHANISM *m, struct attr_set *pub, struct attr_set *priv);

/* The size in bits of the named curve in a's CKA_EC_PARAMS (P-256: 256).
 * CKR_OK, CKR_TEMPLATE_INCOMPLETE (no CKA_EC_PARAMS),
 * CKR_ATTRIBUTE_VALUE_INVALID (not DER), CKR_CURVE_NOT_SUPPORTED. */
CK_RV mech_ec_curve_bits(const struct attr_set *a, CK_ULONG *bits);

/* C_GenerateKey: CKM_GENERIC_SECRET_KEY_GEN (CKA_VALUE_LEN 1..512 bytes
 * required) and CKM_AES_KEY_GEN (CKA_VALUE_LEN 16, 24 or 32 required). Adds
 * CKA_VALUE. Same return values as above. */
CK_RV mech_generate_key(const CK_MECHANISM *m, struct attr_set *tmpl);

/* C_CreateObject of a key: validate the material the caller supplied and add
 * the derived attributes. EC private: computes CKA_EC_POINT; EC public:
 * checks the point is on the curve and stores CKA_EC_POINT as a DER OCTET
 * STRING even when given raw; EC_EDWARDS: likewise, with the 32-byte seed as
 * CKA_VALUE and a 32-byte CKA_EC_POINT (bare or DER); RSA private: requires
 * modulus, public and private exponent (CRT parts optional, all or none);
 * RSA public: adds CKA_MODULUS_BITS; secret: sets CKA_VALUE_LEN (AES:
 * 16/24/32 bytes). Every asymmetric key gets CKA_PUBLIC_KEY_INFO. Returns
 * CKR_OK, CKR_HOST_MEMORY, CKR_TEMPLATE_INCOMPLETE (material missing),
 * CKR_ATTRIBUTE_VALUE_INVALID (material malformed, inconsistent, or of an
 * unsupported size), CKR_CURVE_NOT_SUPPORTED. */
CK_RV mech_key_complete(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, struct attr_set *attrs);

/* ---- operations ---- */

enum mech_fn {
    MECH_SIGN = 1,
    MECH_VERIFY,
    MECH_ENCRYPT,
    MECH_DECRYPT,
    MECH_DIGEST,
    MECH_SIGN_RECOVER,   /* CKF_SIGN_RECOVER: one-shot, like MECH_SIGN */
    MECH_VERIFY_RECOVER, /* CKF_VERIFY_RECOVER: one-shot; in = signature, out = data;
                            a private key works as well as a public one */
};

/* CKF_SIGN, CKF_VERIFY... for the function. */
CK_FLAGS mech_fn_flag(enum mech_fn fn);

struct mech_op;

/* Start an operation. key is NULL for digests; otherwise the op takes its
 * own reference. m->pParameter is copied as needed (the caller's memory is
 * not kept). Returns CKR_OK, CKR_HOST_MEMORY, CKR_MECHANISM_INVALID (fn not
 * supported by d), CKR_MECHANISM_PARAM_INVALID, CKR_KEY_SIZE_RANGE,
 * CKR_KEY_TYPE_INCONSISTENT, CKR_FUNCTION_FAILED. */
CK_RV mech_op_new(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m,
                  struct mech_key *key, struct mech_op **out);
void mech_op_free(struct mech_op *op);

/* The output size of the next call: a one-shot over in_len bytes
 * (final == false) or the Final of a multi-part operation (final == true,
 * in_len ignored). *exact is true when the real output has exactly this
 * length (signatures, digests, MACs, GCM encryption), false when it is an
 * upper bound (RSA, GCM, CBC_PAD and KEY_WRAP_PAD decryption, and verify-
 * recover). CKR_OK, or CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE
 * (CKR_SIGNATURE_LEN_RANGE for verify-recover) when in_len can never be
 * valid, or when a Final could not succeed (ECB/CBC data left over). */
CK_RV mech_op_out_len(struct mech_op *op, CK_ULONG in_len, bool final, CK_ULONG *out_len,
                      bool *exact);

/* One-shot sign/encrypt/decrypt/digest/sign-recover/verify-recover. out has
 * room for at least the mech_op_out_len() answer; *out_len receives the real
 * length. Returns CKR_OK, CKR_DATA_LEN_RANGE, CKR_DATA_INVALID,
 * CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID,
 * CKR_FUNCTION_FAILED; verify-recover: CKR_SIGNATURE_INVALID,
 * CKR_SIGNATURE_LEN_RANGE. */
CK_RV mech_op_oneshot(struct mech_op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
                      CK_ULONG *out_len);

/* Multi-part input (sign, verify, digest, encrypt, decrypt). For
 * encrypt/decrypt, out (room for in_len + 16 bytes) may receive output and
 * *out_len its length; for the others pass NULL, NULL. Returns CKR_OK,
 * CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE (a CTR counter that
 * would wrap), or CKR_FUNCTION_FAILED, also when the mechanism or function
 * is single-part only (CKM_ECDSA, CKM_EDDSA, CKM_RSA_PKCS, CKM_RSA_X_509,
 * CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP, CKM_AES_KEY_WRAP(_PAD), sign- and
 * verify-recover): the Update and Final functions may not return
 * CKR_MECHANISM_INVALID. Final and verify-final likewise (Final adds
 * CKR_ENCRYPTED_DATA_INVALID for bad CBC_PAD padding). */
CK_RV mech_op_update(struct mech_op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
                     CK_ULONG *out_len);
/* Multi-part end for sign/encrypt/decrypt/digest. out as for oneshot. */
CK_RV mech_op_final(struct mech_op *op, CK_BYTE *out, CK_ULONG *out_len);

/* Verification, one-shot over data, or the end of a multi-part verify
 * (data == NULL after updates). Returns CKR_OK, CKR_SIGNATURE_INVALID,
 * CKR_SIGNATURE_LEN_RANGE (checked first: a signature of the wrong length
 * is never passed to OpenSSL), CKR_DATA_LEN_RANGE, CKR_DATA_INVALID,
 * CKR_FUNCTION_FAILED. */
CK_RV mech_op_verify(struct mech_op *op, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
                     CK_ULONG sig_len);
CK_RV mech_op_verify_final(struct mech_op *op, const CK_BYTE *sig, CK_ULONG sig_len);

/* An independent copy of an operation in its current state (for
 * C_GetOperationState / C_SetOperationState), before any output was
 * produced: digests, HMAC, CMAC and the hashed signatures (CKM_ECDSA_SHA*,
 * CKM_SHA*_RSA_PKCS(_PSS)), sign or verify. The copy holds its own key
 * reference. CKR_OK, CKR_HOST_MEMORY, CKR_STATE_UNSAVEABLE (any other
 * mechanism, or an operation whose one-shot/Final/verify already ran). */
CK_RV mech_op_dup(const struct mech_op *op, struct mech_op **out);
/* The descriptor and function the operation was started with. */
const struct mech_desc *mech_op_desc(const struct mech_op *op);
enum mech_fn mech_op_fn(const struct mech_op *op);

/* ---- wrapping, unwrapping and derivation ---- */

/* The byte form in which a key travels inside a wrap: a secret key's
 * CKA_VALUE, or a private key's PKCS#8 PrivateKeyInfo (DER). *out is heap
 * memory the caller must wipe_free(*out, *len). CKR_OK, CKR_HOST_MEMORY,
 * CKR_KEY_NOT_WRAPPABLE (a class or key type that cannot travel),
 * CKR_FUNCTION_FAILED. */
CK_RV mech_key_export(const struct attr_set *attrs, uint8_t **out, size_t *len);
/* The reverse, for C_UnwrapKey: add the key material of a key of class cls
 * and key type kt from its travelling form to attrs (secret: CKA_VALUE and
 * CKA_VALUE_LEN; private: the attributes mech_key_complete() would make,
 * with a PKCS#8 whose algorithm must match kt; zero bytes after the DER,
 * the padding of RFC 3394, are ignored). attrs is the unwrap template: a
 * CKA_VALUE_LEN in it truncates a secret (§2.16: the unpadded modes hand
 * back whole blocks), and a CKA_EC_PARAMS in it must name the key's curve
 * (it is kept in its own encoding). attrs is changed only on success.
 * CKR_OK, CKR_HOST_MEMORY, CKR_WRAPPED_KEY_INVALID (does not parse, does not
 * match kt, or material C_CreateObject would refuse), CKR_CURVE_NOT_SUPPORTED
 * (an EC key on another curve, as §2.3 asks), CKR_TEMPLATE_INCONSISTENT (a
 * class/type that cannot be unwrapped, CKA_VALUE_LEN longer than the value,
 * CKA_EC_PARAMS of another curve). */
CK_RV mech_key_import(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, const uint8_t *in, size_t len,
                      struct attr_set *attrs);

/* C_WrapKey's cipher: encrypt in (a key's travelling form) with the
 * wrapping key under mechanism m: CKM_AES_KEY_WRAP (RFC 3394),
 * CKM_AES_KEY_WRAP_PAD (RFC 5649), CKM_RSA_PKCS_OAEP and CKM_RSA_PKCS
 * (public key), and the AES block modes (CBC_PAD, GCM, CTR; ECB and CBC).
 * For AES_KEY_WRAP, ECB and CBC a key of any length is padded with
 * trailing zero bytes to the block (8 or 16 bytes), as the spec's wrapping
 * rules for those mechanisms say; the unwrapping side ignores them. out NULL: *out_len
 * receives the exact length. CKR_OK, CKR_BUFFER_TOO_SMALL (with the
 * length), CKR_MECHANISM_INVALID (d cannot wrap), CKR_MECHANISM_PARAM_INVALID,
 * CKR_KEY_SIZE_RANGE / CKR_KEY_NOT_WRAPPABLE (in too long or badly sized,
 * or empty), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
 * CKR_WRAPPING_KEY_SIZE_RANGE, CKR_FUNCTION_FAILED. Any mechanism whose
 * descriptor has CKF_WRAP: CKM_AES_ECB/CBC/CTR run too. */
CK_RV mech_wrap(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *wrapping,
                const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);
/* C_UnwrapKey's cipher: decrypt into heap memory (*out, wipe_free).
 * CKR_OK, CKR_HOST_MEMORY, CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID,
 * CKR_WRAPPED_KEY_INVALID (integrity or padding failure),
 * CKR_WRAPPED_KEY_LEN_RANGE, CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
 * CKR_UNWRAPPING_KEY_SIZE_RANGE, CKR_FUNCTION_FAILED. */
CK_RV mech_unwrap(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *unwrapping,
                  const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len);

/* C_DeriveKey: CKM_ECDH1_DERIVE (base: EC private key; CK_ECDH1_DERIVE_PARAMS
 * with kdf CKD_NULL or CKD_SHA1/224/256/384/512_KDF (ANSI X9.63, the shared
 * data as SharedInfo), pPublicData the peer's point, raw or DER OCTET
 * STRING, compressed or not) and CKM_HKDF_DERIVE / CKM_HKDF_DATA (base:
 * CKK_GENERIC_SECRET or CKK_HKDF; CK_HKDF_PARAMS, extract and/or expand,
 * PRF SHA-1/224/256/384/512, salt CKF_HKDF_SALT_NULL or _DATA; _KEY is
 * CKR_MECHANISM_PARAM_INVALID for now) produce want bytes. want 0: for ECDH
 * with CKD_NULL the whole shared secret, for HKDF extract-only the PRK
 * (HashLen); otherwise CKR_TEMPLATE_INCONSISTENT. A shorter CKD_NULL secret
 * keeps the trailing bytes (§2.3, ECDH). *out is heap memory (wipe_free).
 * CKR_OK, CKR_HOST_MEMORY, CKR_MECHANISM_INVALID (d cannot derive),
 * CKR_MECHANISM_PARAM_INVALID (also a peer point that is not on the base
 * key's curve), CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_SIZE_RANGE,
 * CKR_TEMPLATE_INCONSISTENT (want not possible), CKR_FUNCTION_FAILED. */
CK_RV mech_derive(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *base,
                  size_t want, uint8_t **out, size_t *out_len);

/* The vtable each family fills in. Any entry may be NULL (the dispatcher
 * answers CKR_MECHANISM_INVALID / CKR_FUNCTION_FAILED). `state` is the
 * family's private state, allocated by init and released by free. */
struct mech_ops {
    CK_RV(*init)
    (const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
     void **state);
    CK_RV (*out_len)(void *state, CK_ULONG in_len, bool final, CK_ULONG *out_len, bool *exact);
    CK_RV(*oneshot)
    (void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len);
    CK_RV(*update)
    (void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len);
    CK_RV (*final)(void *state, CK_BYTE *out, CK_ULONG *out_len);
    CK_RV(*verify)
    (void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig, CK_ULONG sig_len);
    void (*free)(void *state);
    CK_RV (*dup)(const void *state, void **copy); /* NULL: CKR_STATE_UNSAVEABLE */
};

#endif
