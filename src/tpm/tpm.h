/*
 * tpm.h: a TPM 2.0, reached through tpm2-tss's ESYS API and a TCTI
 * (issue: the TPM backend; this is its device layer).
 *
 * The TCTI comes from CREDTOKEN_TCTI, else the configuration's tpm_tcti,
 * else "device:/dev/tpmrm0" (the kernel's resource manager). Any string
 * tpm2-tss's TCTI loader takes works: "device:/dev/tpmrm0",
 * "swtpm:host=127.0.0.1,port=2321", "tabrmd:". Nothing here creates a
 * thread; a struct tpm is used by one thread at a time.
 *
 * Every TSS2_RC becomes a CK_RV in one place (tpm_rv.c), with one log line
 * that names what was being done and what the TPM said.
 */
#ifndef CT_TPM_TPM_H
#define CT_TPM_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_common.h>

#include "credtoken/pkcs11.h"
#include "util/conf.h"

#define TPM_TCTI_DEFAULT "device:/dev/tpmrm0"

struct tpm;

/* What this TPM can do, asked of it (TPM2_GetCapability, TPM2_TestParms):
 * the mechanism lists of a TPM token are built from it. */
struct tpm_caps {
    bool ecc_p256, ecc_p384;           /* ECDSA keys on these curves */
    bool rsa2048, rsa3072;             /* RSA keys of these sizes */
    bool sha1, sha256, sha384, sha512; /* hash algorithms */
    bool hmac;                         /* keyed-hash objects */
    unsigned transient_slots;          /* loaded objects at once (TPM2_PT_HR_TRANSIENT_MIN) */
    char manufacturer[5];              /* TPM2_PT_MANUFACTURER, e.g. "IBM" */
};

/* The TCTI to use: CREDTOKEN_TCTI, then c->tpm_tcti, then the default. */
const char *tpm_tcti_choose(const struct conf *c);

/* Connect (and start the TPM if nobody has: TPM2_Startup(CLEAR)).
 * CKR_OK; CKR_DEVICE_ERROR (the TCTI cannot be loaded or the TPM cannot be
 * reached: logged, naming the TCTI); CKR_HOST_MEMORY. Never hangs on a
 * loopback TCTI: a connection that is refused fails at once. */
CK_RV tpm_open(const char *tcti, struct tpm **out);
void tpm_close(struct tpm *t); /* NULL is a no-op */

/* Ask the TPM what it can do. CKR_OK or tpm_rv()'s answers. */
CK_RV tpm_caps_get(struct tpm *t, struct tpm_caps *out);

/* Seal secret (1..128 bytes) to this TPM and, when pcr_mask is not 0, to
 * the present values of those SHA-256 PCRs (bit i: PCR i, 0..23). *blob
 * (heap, free()) opens only on this TPM (seal.c says how). CKR_OK;
 * CKR_ARGUMENTS_BAD; CKR_HOST_MEMORY; tpm_rv()'s answers. */
CK_RV tpm_seal(struct tpm *t, const uint8_t *secret, size_t len, uint32_t pcr_mask, uint8_t **blob,
               size_t *blen);
/* The secret back (*secret: heap, wipe_free()). CKR_OK; CKR_DATA_INVALID
 * (not a sealed blob); CKR_DEVICE_ERROR with a log line when another TPM
 * sealed it or the PCRs changed; CKR_HOST_MEMORY; tpm_rv()'s answers. */
CK_RV tpm_unseal(struct tpm *t, const uint8_t *blob, size_t blen, uint8_t **secret, size_t *len);

/* An ECDSA key of bits (256: P-256, 384: P-384) made inside the TPM: *blob
 * (heap, free()) holds its public part and its private part wrapped by
 * the TPM (key.c), point its public point (uncompressed). CKR_OK;
 * CKR_CURVE_NOT_SUPPORTED; CKR_HOST_MEMORY; tpm_rv()'s answers. */
#define TPM_EC_POINT_MAX 97
CK_RV tpm_key_create_ec(struct tpm *t, unsigned bits, uint8_t **blob, size_t *blen,
                        uint8_t point[TPM_EC_POINT_MAX], size_t *plen);
/* ECDSA over digest (20, 32, 48 or 64 bytes: the hash is told by the
 * length) with the key in blob; sig receives r || s (each the field's
 * size). *siglen: sig's size in, the signature's out. CKR_OK;
 * CKR_BUFFER_TOO_SMALL; CKR_DATA_LEN_RANGE; CKR_KEY_HANDLE_INVALID (not a
 * key blob); tpm_rv()'s answers. */
CK_RV tpm_key_sign_ecdsa(struct tpm *t, const uint8_t *blob, size_t blen, const uint8_t *digest,
                         size_t dlen, uint8_t *sig, size_t *siglen);

/* A key blob held for repeated use: after its first load the TPM's saved
 * context of it is kept, so later signatures load it with one
 * TPM2_ContextLoad instead of creating the primary and loading the blob
 * (when that context no longer loads, after a TPM restart, the blob is
 * loaded again). Nothing stays loaded in the TPM between calls. A tpm_key
 * is used by one thread at a time (tpm_use serializes). */
struct tpm_key;
/* CKR_OK; CKR_HOST_MEMORY; CKR_KEY_HANDLE_INVALID (not a key blob). */
CK_RV tpm_key_open(const uint8_t *blob, size_t blen, struct tpm_key **out);
void tpm_key_close(struct tpm_key *k); /* NULL is a no-op */
/* ECDSA keys: the curve's size in bits (256 or 384); HMAC keys: the key's
 * length in bits. */
unsigned tpm_key_bits(const struct tpm_key *k);
/* HMAC keys: the digest length of their one hash; 0 for other keys. */
size_t tpm_key_hmac_len(const struct tpm_key *k);
/* A keyed-hash (HMAC) key: secret (1..TPM_HMAC_KEY_MAX bytes) imported
 * into this TPM (as tpm_key_import_ec), or, with secret NULL, 32 bytes the
 * TPM makes and never shows.
 * A TPM HMAC key has one hash: that of digest length mdlen (20, 32, 48,
 * 64). *blob as tpm_key_create_ec's. CKR_OK; CKR_KEY_SIZE_RANGE;
 * CKR_MECHANISM_INVALID (mdlen); CKR_HOST_MEMORY; tpm_rv()'s answers. */
#define TPM_HMAC_KEY_MAX 128
CK_RV tpm_key_create_hmac(struct tpm *t, const uint8_t *secret, size_t len, size_t mdlen,
                          uint8_t **blob, size_t *blen);
/* HMAC over data (any length: sequences past one TPM buffer) with the
 * hash of digest length mdlen (20, 32, 48, 64) into mac (mdlen bytes).
 * CKR_OK; CKR_KEY_HANDLE_INVALID (not an HMAC key); CKR_MECHANISM_INVALID
 * (mdlen is not the key's); tpm_rv()'s answers. */
CK_RV tpm_key_hmac(struct tpm *t, struct tpm_key *k, size_t mdlen, const uint8_t *data, size_t len,
                   uint8_t *mac);
/* An RSA key of bits (2048, 3072; e = 65537) made inside the TPM, for
 * signing and decryption; n receives its modulus (big-endian, bits / 8
 * bytes). *blob as tpm_key_create_ec's. CKR_OK; CKR_KEY_SIZE_RANGE;
 * CKR_HOST_MEMORY; tpm_rv()'s answers. */
#define TPM_RSA_MAX_BYTES 384
CK_RV tpm_key_create_rsa(struct tpm *t, unsigned bits, uint8_t **blob, size_t *blen,
                         uint8_t n[TPM_RSA_MAX_BYTES], size_t *nlen);
/* One RSA private operation:
 *   TPM_RSA_RAW    in^d mod n (in: exactly the modulus length, below n);
 *                  a PKCS#1 v1.5 signature is this over a type 1 block
 *   TPM_RSA_PSS    an RSASSA-PSS signature of the digest in (its length
 *                  names the hash; MGF1 with the same hash; the TPM's salt
 *                  length, the digest's)
 *   TPM_RSA_PKCS1  PKCS#1 v1.5 decryption of in
 *   TPM_RSA_OAEP   OAEP decryption of in with the hash of digest length
 *                  hlen (MGF1 the same, empty label)
 * out: *outlen bytes of room in, the result's length out. CKR_OK;
 * CKR_KEY_HANDLE_INVALID (not an RSA key); CKR_DATA_LEN_RANGE;
 * CKR_ENCRYPTED_DATA_INVALID (decryption padding); tpm_rv()'s answers. */
enum tpm_rsa_kind { TPM_RSA_RAW, TPM_RSA_PSS, TPM_RSA_PKCS1, TPM_RSA_OAEP };
struct tpm_rsa_op {
    enum tpm_rsa_kind kind;
    size_t hlen; /* OAEP */
};
CK_RV tpm_key_rsa(struct tpm *t, struct tpm_key *k, const struct tpm_rsa_op *op, const uint8_t *in,
                  size_t len, uint8_t *out, size_t *outlen);
/* Keys the caller had, imported into this TPM (TPM2_Import, import.c):
 * the private part crosses the bus encrypted to the TPM's storage key, and
 * the blob (as tpm_key_create_ec's) then loads on this TPM only; the key
 * can never be duplicated out of it.
 *   ec:  bits 256 or 384; point uncompressed; d the scalar (big-endian)
 *   rsa: n of 2048 or 3072 bits, e (big-endian, at most 32 bits) and one
 *        prime factor of n (the TPM finds the rest)
 * CKR_OK; CKR_CURVE_NOT_SUPPORTED; CKR_KEY_SIZE_RANGE; CKR_ARGUMENTS_BAD
 * (a value of the wrong size); CKR_ATTRIBUTE_VALUE_INVALID (the TPM
 * refuses the public part: libtpms takes no RSA exponent but 65537;
 * logged with the TPM's word); CKR_HOST_MEMORY; tpm_rv()'s answers. */
CK_RV tpm_key_import_ec(struct tpm *t, unsigned bits, const uint8_t *point, size_t plen,
                        const uint8_t *d, size_t dlen, uint8_t **blob, size_t *blen);
CK_RV tpm_key_import_rsa(struct tpm *t, const uint8_t *n, size_t nlen, const uint8_t *e,
                         size_t elen, const uint8_t *prime, size_t plen, uint8_t **blob,
                         size_t *blen);
/* Whether k is an RSA key. */
bool tpm_key_is_rsa(const struct tpm_key *k);
/* tpm_key_sign_ecdsa() with a held key. */
CK_RV tpm_key_ecdsa(struct tpm *t, struct tpm_key *k, const uint8_t *digest, size_t dlen,
                    uint8_t *sig, size_t *siglen);

/* Where a process reaches its TPM: the TCTI (tpm_tcti_choose) and the
 * file whose flock serializes the processes sharing a store's TPM,
 * <store>/tpm.lock. The store (sealed headers) and the core (keys of the
 * TPM backend) both use it, so both take the same turns. */
struct tpm_where {
    char tcti[256];
    char lock[4096 + 16];
};
void tpm_where_get(const struct conf *c, struct tpm_where *w);

/* One user of a TPM at a time (use.c). begin takes a process-wide mutex
 * and an exclusive flock on w->lock (created 0600; none when it cannot be
 * opened), serializing the processes that share it; then hands out the
 * process's connection to w->tcti, opening it if needed. The caller
 * leaves nothing loaded in the TPM when its turn ends. On failure nothing
 * is held. CKR_OK or tpm_open()'s answers. */
CK_RV tpm_use_begin(const struct tpm_where *w, struct tpm **out);
/* End the turn: rv is how it went. The connection is kept for the next
 * turn, unless rv is CKR_DEVICE_ERROR (it may be broken) or the TCTI is
 * device:/dev/tpm0 (one opener at a time): then it is closed. */
void tpm_use_end(struct tpm *t, CK_RV rv);
/* Close the kept connection (C_Finalize). */
void tpm_use_release(void);

/* The one mapping of TSS2 return codes (tpm_rv.c); what names the
 * operation for the log line. TSS2_RC_SUCCESS is CKR_OK and logs nothing.
 *   connection and TCTI failures          CKR_DEVICE_ERROR
 *   dictionary-attack lockout             CKR_PIN_LOCKED
 *   a wrong authorization value           CKR_PIN_INCORRECT
 *   TPM memory or handles exhausted       CKR_DEVICE_MEMORY
 *   an unsupported curve / key size       CKR_CURVE_NOT_SUPPORTED / CKR_KEY_SIZE_RANGE
 *   an unsupported scheme or hash         CKR_MECHANISM_INVALID
 *   host memory (ESYS)                    CKR_HOST_MEMORY
 *   anything else                         CKR_DEVICE_ERROR */
CK_RV tpm_rv(TSS2_RC rc, const char *what);

#endif
