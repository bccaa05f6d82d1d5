/*
 * aes.c: CKM_AES_GCM encryption and decryption (PKCS#11 3.0 current
 * mechanisms §2.14.3, CK_GCM_PARAMS).
 *
 * Encryption output is ciphertext || tag; multi-part encryption streams the
 * ciphertext and C_EncryptFinal emits the tag. Decryption never releases
 * unauthenticated plaintext: updates only buffer the ciphertext, and the
 * plaintext is produced into a private buffer and copied out only after the
 * tag verified (the approach the spec recommends for GCM decryption).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/buf.h"
#include "util/wipe.h"

/* OpenSSL 3 keeps GCM IVs in a 128-byte buffer (GCM_IV_MAX_SIZE); the
 * spec allows longer ones, but a 12-byte IV is what anyone should use. */
#define GCM_IV_MAX 128

struct gcm_state {
    enum mech_fn fn;
    size_t tag_len;
    EVP_CIPHER_CTX *ctx;
    struct buf ct; /* decryption: the buffered ciphertext and tag */
};

static void
gcm_free(void *state)
{
    struct gcm_state *s = state;
    if (s == NULL) return;
    /* EVP_CIPHER_CTX_free cleanses the key schedule. */
    EVP_CIPHER_CTX_free(s->ctx);
    buf_cleanup(&s->ct);
    free(s);
}

/* CK_GCM_PARAMS: an IV of 1..GCM_IV_MAX bytes (12 recommended), optional AAD, and
 * a tag of 96..128 bits in steps of 8. ulIvBits is ignored, as the 3.0 spec
 * says. */
static CK_RV
gcm_params(const CK_MECHANISM *m, const CK_GCM_PARAMS **out)
{
    if (m == NULL || m->pParameter == NULL || m->ulParameterLen != sizeof(CK_GCM_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    const CK_GCM_PARAMS *p = m->pParameter;
    if (p->pIv == NULL || p->ulIvLen == 0 || p->ulIvLen > GCM_IV_MAX)
        return CKR_MECHANISM_PARAM_INVALID;
    if ((p->pAAD == NULL && p->ulAADLen != 0) || p->ulAADLen > INT_MAX)
        return CKR_MECHANISM_PARAM_INVALID;
    if (p->ulTagBits < 96 || p->ulTagBits > 128 || p->ulTagBits % 8 != 0)
        return CKR_MECHANISM_PARAM_INVALID;
    *out = p;
    return CKR_OK;
}

static CK_RV
gcm_start(struct gcm_state *s, const EVP_CIPHER *cipher, const uint8_t *key, const CK_GCM_PARAMS *p)
{
    int enc = s->fn == MECH_ENCRYPT, n;
    s->ctx = EVP_CIPHER_CTX_new();
    if (s->ctx == NULL) return CKR_HOST_MEMORY;
    /* The IV length must be set before the IV itself. */
    if (EVP_CipherInit_ex2(s->ctx, cipher, NULL, NULL, enc, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_IVLEN, (int)p->ulIvLen, NULL) != 1 ||
        EVP_CipherInit_ex2(s->ctx, NULL, key, p->pIv, enc, NULL) != 1)
        return CKR_FUNCTION_FAILED;
    if (p->ulAADLen != 0 && EVP_CipherUpdate(s->ctx, NULL, &n, p->pAAD, (int)p->ulAADLen) != 1)
        return CKR_FUNCTION_FAILED;
    return CKR_OK;
}

static CK_RV
gcm_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
         void **state)
{
    const CK_GCM_PARAMS *p;
    size_t klen;
    (void)d;
    CK_RV rv = gcm_params(m, &p);
    if (rv != CKR_OK) return rv;
    const uint8_t *k = mech_key_secret(key, &klen);
    if (k == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    const EVP_CIPHER *cipher = registry_aes(REG_AES_GCM, klen);
    if (cipher == NULL) return CKR_KEY_SIZE_RANGE;
    struct gcm_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->fn = fn;
    s->tag_len = p->ulTagBits / 8;
    buf_init(&s->ct);
    rv = gcm_start(s, cipher, k, p);
    if (rv != CKR_OK) {
        gcm_free(s);
        return ossl_fail("aes-gcm init", rv);
    }
    *state = s;
    return CKR_OK;
}

static CK_RV
gcm_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct gcm_state *s = state;
    if (s->fn == MECH_ENCRYPT) {
        *out_len = at_final ? s->tag_len : in_len + s->tag_len;
        *exact = true;
        return CKR_OK;
    }
    size_t have = at_final ? s->ct.len : in_len;
    if (have < s->tag_len) return CKR_ENCRYPTED_DATA_LEN_RANGE;
    /* Only a bound: nothing is released when the tag fails. */
    *out_len = have - s->tag_len;
    *exact = false;
    return CKR_OK;
}

/* EVP_CipherUpdate takes int lengths: feed large inputs in slices. */
static CK_RV
gcm_crypt(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
    size_t done = 0;
    while (done < len) {
        size_t chunk = len - done > INT_MAX / 2 ? INT_MAX / 2 : len - done;
        int n = 0;
        if (EVP_CipherUpdate(ctx, out + done, &n, in + done, (int)chunk) != 1 || (size_t)n != chunk)
            return ossl_fail("aes-gcm update", CKR_FUNCTION_FAILED);
        done += chunk;
    }
    *out_len = done;
    return CKR_OK;
}

static CK_RV
gcm_seal_final(struct gcm_state *s, uint8_t *tag)
{
    uint8_t scratch[16];
    int n = 0;
    if (EVP_CipherFinal_ex(s->ctx, scratch, &n) != 1 || n != 0 ||
        EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, (int)s->tag_len, tag) != 1)
        return ossl_fail("aes-gcm final", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

/* Decrypt ciphertext || tag into a private buffer, check the tag, and only
 * then copy the plaintext to out. */
static CK_RV
gcm_open(struct gcm_state *s, const uint8_t *in, size_t len, CK_BYTE *out, CK_ULONG *out_len)
{
    uint8_t tag[16], scratch[16];
    size_t ptlen = 0;
    int n = 0;
    if (len < s->tag_len) return CKR_ENCRYPTED_DATA_LEN_RANGE;
    size_t ctlen = len - s->tag_len;
    uint8_t *pt = malloc(ctlen != 0 ? ctlen : 1);
    if (pt == NULL) return CKR_HOST_MEMORY;
    memcpy(tag, in + ctlen, s->tag_len);
    CK_RV rv = gcm_crypt(s->ctx, in, ctlen, pt, &ptlen);
    if (rv != CKR_OK) goto out;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, (int)s->tag_len, tag) != 1) goto out;
    if (EVP_CipherFinal_ex(s->ctx, scratch, &n) != 1) {
        /* The only way decryption fails once set up: the tag. */
        rv = ossl_fail("aes-gcm tag", CKR_ENCRYPTED_DATA_INVALID);
        goto out;
    }
    if (ctlen != 0) memcpy(out, pt, ctlen);
    *out_len = ctlen;
    rv = CKR_OK;
out:
    wipe_free(pt, ctlen != 0 ? ctlen : 1);
    return rv;
}

static CK_RV
gcm_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct gcm_state *s = state;
    size_t n = 0;
    if (s->fn == MECH_DECRYPT) return gcm_open(s, in, in_len, out, out_len);
    CK_RV rv = gcm_crypt(s->ctx, in, in_len, out, &n);
    if (rv == CKR_OK) rv = gcm_seal_final(s, out + n);
    if (rv == CKR_OK) *out_len = n + s->tag_len;
    return rv;
}

static CK_RV
gcm_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct gcm_state *s = state;
    size_t n = 0;
    if (s->fn == MECH_DECRYPT) {
        buf_put(&s->ct, in, in_len);
        if (s->ct.failed) return CKR_HOST_MEMORY;
        *out_len = 0;
        return CKR_OK;
    }
    CK_RV rv = gcm_crypt(s->ctx, in, in_len, out, &n);
    if (rv == CKR_OK) *out_len = n;
    return rv;
}

static CK_RV
gcm_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct gcm_state *s = state;
    if (s->fn == MECH_DECRYPT) return gcm_open(s, s->ct.data, s->ct.len, out, out_len);
    CK_RV rv = gcm_seal_final(s, out);
    if (rv == CKR_OK) *out_len = s->tag_len;
    return rv;
}

const struct mech_ops aes_gcm_ops = {
    .init = gcm_init,
    .out_len = gcm_out_len,
    .oneshot = gcm_oneshot,
    .update = gcm_update,
    .final = gcm_final,
    .free = gcm_free,
};
