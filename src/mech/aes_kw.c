/*
 * aes_kw.c: CKM_AES_KEY_WRAP (RFC 3394) and CKM_AES_KEY_WRAP_PAD (RFC 5649)
 * as single-part encryption and decryption (PKCS#11 3.0 current mechanisms
 * §2.16 "AES Key Wrap"); mech_wrap()/mech_unwrap() reach them through the
 * same vtable.
 *
 * The optional parameter is the initial value: 8 bytes for KEY_WRAP, 4 for
 * KEY_WRAP_PAD; none means the default of each RFC. Unwrapped plaintext is
 * produced into a private buffer and copied out only once its integrity
 * check passed.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

#define KW_SEMIBLOCK 8
/* RFC 3394 wraps at least two semiblocks; keep OpenSSL's int happy. */
#define KW_MIN 16
#define KW_MAX ((CK_ULONG)INT_MAX - 2 * KW_SEMIBLOCK)

struct kw_state {
    bool enc;
    bool pad; /* RFC 5649 */
    EVP_CIPHER_CTX *ctx;
};

static void
kw_free(void *state)
{
    struct kw_state *s = state;
    if (s == NULL) return;
    EVP_CIPHER_CTX_free(s->ctx);
    free(s);
}

static CK_RV
kw_params(bool pad, const CK_MECHANISM *m, const uint8_t **iv)
{
    *iv = NULL;
    if (m == NULL || (m->pParameter == NULL && m->ulParameterLen == 0)) return CKR_OK;
    if (m->pParameter == NULL || m->ulParameterLen != (pad ? 4u : 8u))
        return CKR_MECHANISM_PARAM_INVALID;
    *iv = m->pParameter;
    return CKR_OK;
}

static CK_RV
kw_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
        void **state)
{
    const uint8_t *iv;
    size_t klen;
    bool pad = d->type == CKM_AES_KEY_WRAP_PAD;
    if (d->type != CKM_AES_KEY_WRAP && !pad) return CKR_MECHANISM_INVALID;
    CK_RV rv = kw_params(pad, m, &iv);
    if (rv != CKR_OK) return rv;
    const uint8_t *k = mech_key_secret(key, &klen);
    if (k == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    const EVP_CIPHER *cipher = registry_aes(pad ? REG_AES_WRAP_PAD : REG_AES_WRAP, klen);
    if (cipher == NULL) return CKR_KEY_SIZE_RANGE;
    struct kw_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->enc = fn == MECH_ENCRYPT;
    s->pad = pad;
    rv = CKR_HOST_MEMORY;
    s->ctx = EVP_CIPHER_CTX_new();
    if (s->ctx == NULL) goto out;
    /* Wrap modes must be allowed explicitly on a cipher context. */
    EVP_CIPHER_CTX_set_flags(s->ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    rv = CKR_FUNCTION_FAILED;
    if (EVP_CipherInit_ex2(s->ctx, cipher, k, iv, s->enc, NULL) != 1) goto out;
    rv = CKR_OK;
out:
    if (rv != CKR_OK) {
        kw_free(s);
        return ossl_fail("aes-kw init", rv);
    }
    *state = s;
    return CKR_OK;
}

static CK_RV
kw_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct kw_state *s = state;
    /* Single-part only: there is no Final to size. */
    if (at_final) return s->enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
    *exact = true;
    if (s->enc) {
        /* KEY_WRAP: whole semiblocks, at least two; PAD: any length. */
        bool ok = s->pad ? in_len != 0 : in_len >= KW_MIN && in_len % KW_SEMIBLOCK == 0;
        if (!ok || in_len > KW_MAX) return CKR_DATA_LEN_RANGE;
        *out_len = (in_len + KW_SEMIBLOCK - 1) / KW_SEMIBLOCK * KW_SEMIBLOCK + KW_SEMIBLOCK;
        return CKR_OK;
    }
    /* An integrity block plus at least one (PAD) or two semiblocks. */
    CK_ULONG min = s->pad ? 2 * KW_SEMIBLOCK : KW_MIN + KW_SEMIBLOCK;
    if (in_len < min || in_len % KW_SEMIBLOCK != 0 || in_len > KW_MAX)
        return CKR_ENCRYPTED_DATA_LEN_RANGE;
    *out_len = in_len - KW_SEMIBLOCK;
    /* RFC 5649 strips up to 7 bytes of padding. */
    *exact = !s->pad;
    return CKR_OK;
}

static CK_RV
kw_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct kw_state *s = state;
    CK_ULONG need;
    bool exact;
    int n = 0, m = 0;
    CK_RV rv = kw_out_len(s, in_len, false, &need, &exact);
    if (rv != CKR_OK) return rv;
    /* Decrypt privately: OpenSSL writes the unchecked plaintext first, and
     * on an integrity failure cleanses in_len bytes of its output (the
     * room EVP told it it had: in_len + one semiblock). */
    size_t room = s->enc ? 0 : in_len + KW_SEMIBLOCK;
    uint8_t *dst = s->enc ? out : malloc(room);
    if (dst == NULL) return CKR_HOST_MEMORY;
    if (EVP_CipherUpdate(s->ctx, dst, &n, in, (int)in_len) != 1 || n < 0 || (CK_ULONG)n > need ||
        EVP_CipherFinal_ex(s->ctx, dst + n, &m) != 1 || m != 0) {
        /* Decryption fails only on an integrity check once lengths are
         * right. */
        rv = ossl_fail("aes-kw", s->enc ? CKR_FUNCTION_FAILED : CKR_ENCRYPTED_DATA_INVALID);
    } else {
        if (!s->enc && n != 0) memcpy(out, dst, (size_t)n);
        *out_len = (CK_ULONG)n;
    }
    if (!s->enc) wipe_free(dst, room);
    return rv;
}

/* No update or final: the mechanisms are single-part (§2.16), and the
 * dispatcher turns multi-part calls into CKR_FUNCTION_FAILED. */
const struct mech_ops aes_kw_ops = {
    .init = kw_init,
    .out_len = kw_out_len,
    .oneshot = kw_oneshot,
    .free = kw_free,
};
