/*
 * dup.c: a duplication blob made on the host, for TPM2_Import (tpm_int.h,
 * tpm_dup_wrap). TPM 2.0 Part 1 calls it an outer wrapper:
 *
 *   seed     = KDFe(SHA-256, Z, "DUPLICATE", ephemeral.x, parent.x, 256)
 *              where Z is the x-coordinate of ECDH between a fresh
 *              ephemeral key and the parent's public key; inSymSeed
 *              carries the ephemeral public point, so only the parent's
 *              private key (inside the TPM) recovers the seed
 *   symKey   = KDFa(SHA-256, seed, "STORAGE", Name, -, 128)
 *   hmacKey  = KDFa(SHA-256, seed, "INTEGRITY", -, -, 256)
 *   enc      = AES-128-CFB(symKey, IV 0, TPM2B_SENSITIVE)
 *   blob     = TPM2B_DIGEST(HMAC(hmacKey, enc || Name)) || enc
 *
 * Name is the imported object's (its nameAlg, SHA-256, over its public
 * area), so the blob cannot be paired with another public area. The
 * private key therefore crosses the TPM's bus encrypted to the TPM's own
 * storage key, whatever the session; no inner wrapper is needed.
 */
#include <string.h>

#include <tss2/tss2_mu.h>

#include "mech/prim.h"
#include "tpm/tpm_int.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/wipe.h"

#define DUP_HASH 32 /* SHA-256, the nameAlg of the parent and of our objects */

/* KDFa (Part 1, 11.4.10.2) with HMAC-SHA256, for outlen <= 32 bytes: one
 * block, HMAC(key, 1 || label || 0 || u || bits), counters big-endian. */
static CK_RV
dup_kdfa(const uint8_t key[DUP_HASH], const char *label, const uint8_t *u, size_t ulen,
         uint8_t *out, size_t outlen)
{
    uint8_t in[4 + 16 + sizeof(TPM2B_NAME) + 4], mac[DUP_HASH];
    size_t llen = strlen(label) + 1, off = 0;
    if (llen > 16 || ulen > sizeof(TPM2B_NAME) || outlen > DUP_HASH) return CKR_FUNCTION_FAILED;
    store_be32(in, 1);
    memcpy(in + 4, label, llen); /* with its terminating zero */
    off = 4 + llen;
    if (ulen) memcpy(in + off, u, ulen);
    off += ulen;
    store_be32(in + off, (uint32_t)(8 * outlen));
    off += 4;
    CK_RV rv = prim_hmac_sha256(key, DUP_HASH, in, off, mac);
    if (rv == CKR_OK) memcpy(out, mac, outlen);
    wipe(mac, sizeof mac);
    return rv;
}

/* KDFe (Part 1, 11.4.10.3) with SHA-256 for 32 bytes: one block,
 * SHA-256(1 || Z || "DUPLICATE" 0 || u || v). */
static CK_RV
dup_kdfe(const uint8_t z[32], const uint8_t *u, size_t ulen, const uint8_t *v, size_t vlen,
         uint8_t out[DUP_HASH])
{
    static const char label[] = "DUPLICATE";
    uint8_t in[4 + 32 + sizeof label + 2 * TPM2_MAX_ECC_KEY_BYTES];
    size_t off = 0;
    if (ulen > TPM2_MAX_ECC_KEY_BYTES || vlen > TPM2_MAX_ECC_KEY_BYTES) return CKR_FUNCTION_FAILED;
    store_be32(in, 1);
    memcpy(in + 4, z, 32);
    memcpy(in + 36, label, sizeof label);
    off = 36 + sizeof label;
    memcpy(in + off, u, ulen);
    off += ulen;
    memcpy(in + off, v, vlen);
    off += vlen;
    CK_RV rv = prim_sha256(in, off, out);
    wipe(in, sizeof in);
    return rv;
}

/* Whether parent is the storage key dup_wrap is written for. */
static bool
dup_parent_ok(const TPMT_PUBLIC *p)
{
    const TPMS_ECC_PARMS *e = &p->parameters.eccDetail;
    return p->type == TPM2_ALG_ECC && p->nameAlg == TPM2_ALG_SHA256 &&
           e->curveID == TPM2_ECC_NIST_P256 && e->symmetric.algorithm == TPM2_ALG_AES &&
           e->symmetric.keyBits.aes == 128 && e->symmetric.mode.aes == TPM2_ALG_CFB &&
           p->unique.ecc.x.size <= 32 && p->unique.ecc.y.size <= 32;
}

CK_RV
tpm_name_of(const TPMT_PUBLIC *pub, TPM2B_NAME *name)
{
    uint8_t buf[sizeof(TPMT_PUBLIC)];
    size_t off = 0;
    if (pub->nameAlg != TPM2_ALG_SHA256 ||
        Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof buf, &off) != TSS2_RC_SUCCESS)
        return CKR_FUNCTION_FAILED;
    name->size = 2 + DUP_HASH;
    store_be16(name->name, TPM2_ALG_SHA256);
    return prim_sha256(buf, off, name->name + 2);
}

CK_RV
tpm_dup_wrap(const TPMT_PUBLIC *parent, const TPMT_PUBLIC *obj, const TPMT_SENSITIVE *sens,
             TPM2B_PRIVATE *dup, TPM2B_ENCRYPTED_SECRET *in_seed)
{
    uint8_t peer[PRIM_P256_POINT] = {0x04}, eph[PRIM_P256_POINT], z[32], seed[DUP_HASH];
    uint8_t sym[16], hkey[DUP_HASH];
    TPM2B_NAME name;
    TPM2B_SENSITIVE s2 = {.sensitiveArea = *sens};
    if (!dup_parent_ok(parent)) {
        log_err("TPM: the storage key is not an ECC P-256 key with AES-128-CFB");
        wipe(&s2, sizeof s2);
        return CKR_DEVICE_ERROR;
    }
    const TPMS_ECC_POINT *q = &parent->unique.ecc;
    memcpy(peer + 1 + 32 - q->x.size, q->x.buffer, q->x.size);
    memcpy(peer + 1 + 64 - q->y.size, q->y.buffer, q->y.size);
    CK_RV rv = prim_ecdh_p256(peer, eph, z);
    if (rv == CKR_ARGUMENTS_BAD) rv = CKR_DEVICE_ERROR; /* the TPM's point */
    if (rv == CKR_OK) rv = dup_kdfe(z, eph + 1, 32, q->x.buffer, q->x.size, seed);
    if (rv == CKR_OK) {
        /* inSymSeed: the ephemeral point, as a marshaled TPMS_ECC_POINT. */
        TPMS_ECC_POINT e = {.x.size = 32, .y.size = 32};
        size_t off = 0;
        memcpy(e.x.buffer, eph + 1, 32);
        memcpy(e.y.buffer, eph + 33, 32);
        if (Tss2_MU_TPMS_ECC_POINT_Marshal(&e, in_seed->secret, sizeof in_seed->secret, &off) !=
            TSS2_RC_SUCCESS)
            rv = CKR_FUNCTION_FAILED;
        in_seed->size = (UINT16)off;
    }
    if (rv == CKR_OK) rv = tpm_name_of(obj, &name);
    if (rv == CKR_OK) rv = dup_kdfa(seed, "STORAGE", name.name, name.size, sym, sizeof sym);
    if (rv == CKR_OK) rv = dup_kdfa(seed, "INTEGRITY", NULL, 0, hkey, sizeof hkey);
    /* The sensitive area after room for the integrity (a TPM2B_DIGEST). */
    size_t off = 2 + DUP_HASH, end = off;
    if (rv == CKR_OK && Tss2_MU_TPM2B_SENSITIVE_Marshal(&s2, dup->buffer, sizeof dup->buffer,
                                                        &end) != TSS2_RC_SUCCESS)
        rv = CKR_FUNCTION_FAILED;
    if (rv == CKR_OK) rv = prim_aes128_cfb_encrypt(sym, dup->buffer + off, end - off);
    if (rv == CKR_OK && end - off + name.size > sizeof(TPM2B_PRIVATE)) rv = CKR_FUNCTION_FAILED;
    if (rv == CKR_OK) {
        uint8_t mac_in[sizeof(TPM2B_PRIVATE)];
        memcpy(mac_in, dup->buffer + off, end - off);
        memcpy(mac_in + end - off, name.name, name.size);
        store_be16(dup->buffer, DUP_HASH);
        rv = prim_hmac_sha256(hkey, sizeof hkey, mac_in, end - off + name.size, dup->buffer + 2);
        dup->size = (UINT16)end;
    }
    wipe(&s2, sizeof s2);
    wipe(z, sizeof z);
    wipe(seed, sizeof seed);
    wipe(sym, sizeof sym);
    wipe(hkey, sizeof hkey);
    return rv;
}
