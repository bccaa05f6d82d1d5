/*
 * aes_modes.c: CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD (PKCS#11 3.0
 * current mechanisms §2.10 "AES") and CKM_AES_CTR (§2.11 "AES with Counter",
 * CK_AES_CTR_PARAMS), single- and multi-part encryption and decryption.
 *
 * ECB and CBC take whole blocks only: a one-shot over a partial block, or a
 * Final with bytes left over, is CKR_DATA_LEN_RANGE (encryption) or
 * CKR_ENCRYPTED_DATA_LEN_RANGE (decryption); updates may split blocks
 * anywhere, OpenSSL keeps the remainder. CBC_PAD adds and removes PKCS#7
 * padding; bad padding is CKR_ENCRYPTED_DATA_INVALID. CTR increments only
 * the low ulCounterBits of the counter block; input that would make the
 * counter wrap is refused before anything is processed (§2.11), so
 * OpenSSL's full 128-bit increment never carries into the nonce.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/buf.h"
#include "util/wipe.h"

#define AES_BLOCK 16
/* EVP_CipherUpdate takes an int: feed block-aligned slices below INT_MAX. */
#define ABLK_SLICE ((size_t)1 << 30)

enum ablk_kind { ABLK_ECB, ABLK_CBC, ABLK_CBC_PAD, ABLK_CTR };

static const struct {
    CK_MECHANISM_TYPE type;
    enum ablk_kind kind;
    enum registry_aes mode;
} ablk_cfgs[] = {
    {CKM_AES_ECB, ABLK_ECB, REG_AES_ECB},
    {CKM_AES_CBC, ABLK_CBC, REG_AES_CBC},
    {CKM_AES_CBC_PAD, ABLK_CBC_PAD, REG_AES_CBC},
    {CKM_AES_CTR, ABLK_CTR, REG_AES_CTR},
};
#define ABLK_NCFG (sizeof ablk_cfgs / sizeof ablk_cfgs[0])

struct ablk_state {
    enum ablk_kind kind;
    bool enc;
    EVP_CIPHER_CTX *ctx;
    uint64_t fed;        /* bytes given so far: block alignment, counter use */
    uint64_t ctr_blocks; /* CTR: blocks the counter can number (saturating) */
};

static void
ablk_free(void *state)
{
    struct ablk_state *s = state;
    if (s == NULL) return;
    /* EVP_CIPHER_CTX_free cleanses the key schedule and buffered data. */
    EVP_CIPHER_CTX_free(s->ctx);
    free(s);
}

static CK_RV
ablk_len_err(const struct ablk_state *s)
{
    return s->enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

/* How many blocks the counter (the low `bits` bits of cb, big-endian) can
 * number before it wraps: 2^bits minus its value, saturated at UINT64_MAX.
 * With bits = 2 and a counter of 1 that is 3 blocks, the spec's example. */
static uint64_t
ablk_ctr_room(const uint8_t cb[AES_BLOCK], CK_ULONG bits)
{
    uint64_t lo = load_be64(cb + 8);
    if (bits < 64) {
        uint64_t mask = ((uint64_t)1 << bits) - 1;
        return mask - (lo & mask) + 1;
    }
    if (bits > 64) {
        uint64_t hi = load_be64(cb);
        uint64_t hmask = bits == 128 ? UINT64_MAX : ((uint64_t)1 << (bits - 64)) - 1;
        if ((hi & hmask) != hmask) return UINT64_MAX; /* 2^64 blocks or more */
    }
    return lo == 0 ? UINT64_MAX : UINT64_MAX - lo + 1;
}

/* Whether add more bytes keep every block's counter distinct. */
static bool
ablk_ctr_fits(const struct ablk_state *s, uint64_t add)
{
    if (add > UINT64_MAX - AES_BLOCK - s->fed) return false;
    return (s->fed + add + AES_BLOCK - 1) / AES_BLOCK <= s->ctr_blocks;
}

static CK_RV
ablk_params(enum ablk_kind kind, const CK_MECHANISM *m, const uint8_t **iv, uint64_t *ctr_blocks)
{
    *iv = NULL;
    *ctr_blocks = 0;
    if (kind == ABLK_ECB) return registry_param_none(m);
    if (m == NULL || m->pParameter == NULL) return CKR_MECHANISM_PARAM_INVALID;
    if (kind != ABLK_CTR) {
        if (m->ulParameterLen != AES_BLOCK) return CKR_MECHANISM_PARAM_INVALID;
        *iv = m->pParameter;
        return CKR_OK;
    }
    if (m->ulParameterLen != sizeof(CK_AES_CTR_PARAMS)) return CKR_MECHANISM_PARAM_INVALID;
    const CK_AES_CTR_PARAMS *p = m->pParameter;
    /* §2.11: 0 < ulCounterBits <= 128. */
    if (p->ulCounterBits == 0 || p->ulCounterBits > 128) return CKR_MECHANISM_PARAM_INVALID;
    *iv = p->cb;
    *ctr_blocks = ablk_ctr_room(p->cb, p->ulCounterBits);
    return CKR_OK;
}

static CK_RV
ablk_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
          void **state)
{
    const uint8_t *iv;
    uint64_t ctr_blocks;
    size_t i, klen;
    for (i = 0; i < ABLK_NCFG; i++)
        if (ablk_cfgs[i].type == d->type) break;
    if (i == ABLK_NCFG) return CKR_MECHANISM_INVALID;
    CK_RV rv = ablk_params(ablk_cfgs[i].kind, m, &iv, &ctr_blocks);
    if (rv != CKR_OK) return rv;
    const uint8_t *k = mech_key_secret(key, &klen);
    if (k == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    const EVP_CIPHER *cipher = registry_aes(ablk_cfgs[i].mode, klen);
    if (cipher == NULL) return CKR_KEY_SIZE_RANGE;
    struct ablk_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->kind = ablk_cfgs[i].kind;
    s->enc = fn == MECH_ENCRYPT;
    s->ctr_blocks = ctr_blocks;
    rv = CKR_HOST_MEMORY;
    s->ctx = EVP_CIPHER_CTX_new();
    if (s->ctx == NULL) goto out;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_CipherInit_ex2(s->ctx, cipher, k, iv, s->enc, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(s->ctx, s->kind == ABLK_CBC_PAD) != 1)
        goto out;
    rv = CKR_OK;
out:
    if (rv != CKR_OK) {
        ablk_free(s);
        return ossl_fail("aes init", rv);
    }
    *state = s;
    return CKR_OK;
}

/* The output of a one-shot over in_len bytes. */
static CK_RV
ablk_oneshot_len(const struct ablk_state *s, CK_ULONG in_len, CK_ULONG *out_len, bool *exact)
{
    *exact = true;
    *out_len = in_len;
    switch (s->kind) {
    case ABLK_ECB:
    case ABLK_CBC:
        return in_len % AES_BLOCK == 0 ? CKR_OK : ablk_len_err(s);
    case ABLK_CBC_PAD:
        if (!s->enc) {
            /* Padding is only known once removed. */
            *exact = false;
            return in_len != 0 && in_len % AES_BLOCK == 0 ? CKR_OK : CKR_ENCRYPTED_DATA_LEN_RANGE;
        }
        if (in_len > ULONG_MAX - AES_BLOCK) return CKR_DATA_LEN_RANGE;
        *out_len = in_len - in_len % AES_BLOCK + AES_BLOCK;
        return CKR_OK;
    case ABLK_CTR:
        return ablk_ctr_fits(s, in_len) ? CKR_OK : ablk_len_err(s);
    }
    return CKR_FUNCTION_FAILED;
}

/* The output of Final after the updates so far. */
static CK_RV
ablk_final_len(const struct ablk_state *s, CK_ULONG *out_len, bool *exact)
{
    *exact = true;
    *out_len = 0;
    switch (s->kind) {
    case ABLK_ECB:
    case ABLK_CBC:
        return s->fed % AES_BLOCK == 0 ? CKR_OK : ablk_len_err(s);
    case ABLK_CBC_PAD:
        *out_len = AES_BLOCK;
        if (s->enc) return CKR_OK;
        *exact = false;
        return s->fed != 0 && s->fed % AES_BLOCK == 0 ? CKR_OK : CKR_ENCRYPTED_DATA_LEN_RANGE;
    case ABLK_CTR:
        return CKR_OK;
    }
    return CKR_FUNCTION_FAILED;
}

static CK_RV
ablk_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct ablk_state *s = state;
    return at_final ? ablk_final_len(s, out_len, exact)
                    : ablk_oneshot_len(s, in_len, out_len, exact);
}

/* Run len bytes through the cipher; OpenSSL keeps any partial block. */
static CK_RV
ablk_crypt(struct ablk_state *s, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
    size_t done = 0, produced = 0;
    if (len > UINT64_MAX - s->fed) return ablk_len_err(s);
    while (done < len) {
        size_t chunk = len - done > ABLK_SLICE ? ABLK_SLICE : len - done;
        int n = 0;
        if (EVP_CipherUpdate(s->ctx, out + produced, &n, in + done, (int)chunk) != 1 || n < 0)
            return ossl_fail("aes update", CKR_FUNCTION_FAILED);
        done += chunk;
        produced += (size_t)n;
    }
    s->fed += len;
    *out_len = produced;
    return CKR_OK;
}

static CK_RV
ablk_finish(struct ablk_state *s, uint8_t *out, size_t *out_len)
{
    CK_ULONG bound;
    bool exact;
    int n = 0;
    /* Leftover bytes (ECB, CBC) or a ragged ciphertext (CBC_PAD) first. */
    CK_RV rv = ablk_final_len(s, &bound, &exact);
    if (rv != CKR_OK) return rv;
    if (EVP_CipherFinal_ex(s->ctx, out, &n) != 1 || n < 0) {
        /* With the length right, only the padding can be wrong. */
        rv = s->kind == ABLK_CBC_PAD && !s->enc ? CKR_ENCRYPTED_DATA_INVALID : CKR_FUNCTION_FAILED;
        return ossl_fail("aes final", rv);
    }
    *out_len = (size_t)n;
    return CKR_OK;
}

static CK_RV
ablk_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct ablk_state *s = state;
    CK_ULONG need;
    bool exact;
    size_t n = 0, m = 0;
    CK_RV rv = ablk_oneshot_len(s, in_len, &need, &exact);
    if (rv != CKR_OK) return rv;
    rv = ablk_crypt(s, in, in_len, out, &n);
    if (rv == CKR_OK) rv = ablk_finish(s, out + n, &m);
    if (rv == CKR_OK) {
        *out_len = n + m;
    } else if (!s->enc) {
        /* Release nothing from a ciphertext whose padding is bad. */
        wipe(out, n);
    }
    return rv;
}

static CK_RV
ablk_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct ablk_state *s = state;
    size_t n = 0;
    if (s->kind == ABLK_CTR && !ablk_ctr_fits(s, in_len)) return ablk_len_err(s);
    CK_RV rv = ablk_crypt(s, in, in_len, out, &n);
    if (rv == CKR_OK) *out_len = n;
    return rv;
}

static CK_RV
ablk_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct ablk_state *s = state;
    uint8_t scratch[AES_BLOCK];
    size_t n = 0;
    /* The core may pass no buffer when nothing can come out. */
    CK_RV rv = ablk_finish(s, out != NULL ? out : scratch, &n);
    if (rv == CKR_OK) *out_len = n;
    wipe(scratch, sizeof scratch);
    return rv;
}

const struct mech_ops aes_block_ops = {
    .init = ablk_init,
    .out_len = ablk_out_len,
    .oneshot = ablk_oneshot,
    .update = ablk_update,
    .final = ablk_final,
    .free = ablk_free,
};
