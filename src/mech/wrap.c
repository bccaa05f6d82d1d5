/*
 * wrap.c: the ciphers of C_WrapKey and C_UnwrapKey (PKCS#11 3.0 §5.18.6-7).
 *
 * A wrap is a single-part encryption of the key's travelling form
 * (pkcs8.c) under a mechanism flagged CKF_WRAP, run through the same
 * vtables as C_Encrypt: one code path, one set of length rules. Only the
 * return codes differ, and they are mapped here, once: an input the cipher
 * cannot take is the key's fault (CKR_KEY_SIZE_RANGE), a key the mechanism
 * cannot use is the wrapping key's (CKR_WRAPPING_KEY_*), a ciphertext that
 * fails its length, padding or integrity check is the wrapped key's
 * (CKR_WRAPPED_KEY_*).
 */
#include <stdlib.h>
#include <string.h>

#include "mech/family.h"
#include "util/wipe.h"

/* CKR_KEY_SIZE_RANGE and CKR_KEY_TYPE_INCONSISTENT from mech_op_new are
 * about the (un)wrapping key. */
static CK_RV
wrap_key_rv(CK_RV rv, bool unwrap)
{
    switch (rv) {
    case CKR_KEY_TYPE_INCONSISTENT:
        return unwrap ? CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT : CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
    case CKR_KEY_SIZE_RANGE:
        return unwrap ? CKR_UNWRAPPING_KEY_SIZE_RANGE : CKR_WRAPPING_KEY_SIZE_RANGE;
    case CKR_OK:
    case CKR_HOST_MEMORY:
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
        return rv;
    default:
        return CKR_FUNCTION_FAILED;
    }
}

/* Codes of the cipher itself. */
static CK_RV
wrap_data_rv(CK_RV rv, bool unwrap)
{
    switch (rv) {
    case CKR_DATA_LEN_RANGE:
        return CKR_KEY_SIZE_RANGE;
    case CKR_DATA_INVALID:
        return CKR_KEY_NOT_WRAPPABLE;
    case CKR_ENCRYPTED_DATA_LEN_RANGE:
        return CKR_WRAPPED_KEY_LEN_RANGE;
    case CKR_ENCRYPTED_DATA_INVALID:
        return CKR_WRAPPED_KEY_INVALID;
    default:
        return wrap_key_rv(rv, unwrap);
    }
}

static CK_RV
wrap_start(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *key, bool unwrap,
           struct mech_op **op)
{
    CK_FLAGS need = unwrap ? CKF_UNWRAP : CKF_WRAP;
    if (d == NULL || (d->info.flags & need) == 0) return CKR_MECHANISM_INVALID;
    if (key == NULL)
        return unwrap ? CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT : CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
    return wrap_key_rv(mech_op_new(d, unwrap ? MECH_DECRYPT : MECH_ENCRYPT, m, key, op), unwrap);
}

/* The spec's block-mode wraps (AES ECB/CBC, and AES key wrap's 64-bit
 * semiblocks) take a key of any length padded with trailing zero bytes;
 * unwrapping ignores them (the template's CKA_VALUE_LEN, or the PKCS#8
 * length, says where the key ends). 0: the mechanism pads by itself. */
static size_t
wrap_zero_pad_unit(CK_MECHANISM_TYPE type)
{
    switch (type) {
    case CKM_AES_KEY_WRAP:
        return 8;
    case CKM_AES_ECB:
    case CKM_AES_CBC:
        return 16;
    default:
        return 0;
    }
}

CK_RV
mech_wrap(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *wrapping,
          const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
    struct mech_op *op = NULL;
    CK_ULONG need = 0, got = 0;
    bool exact;
    uint8_t *padded = NULL;
    size_t unit = wrap_zero_pad_unit(d->type), padded_len = in_len;
    if (in == NULL || in_len == 0) return CKR_KEY_NOT_WRAPPABLE;
    if (unit != 0 && in_len % unit != 0) {
        padded_len = in_len + unit - in_len % unit;
        if ((padded = calloc(1, padded_len)) == NULL) return CKR_HOST_MEMORY;
        memcpy(padded, in, in_len);
        in = padded;
        in_len = padded_len;
    }
    CK_RV rv = wrap_start(d, m, wrapping, false, &op);
    if (rv != CKR_OK) {
        wipe_free(padded, padded_len);
        return rv;
    }
    rv = wrap_data_rv(mech_op_out_len(op, in_len, false, &need, &exact), false);
    if (rv != CKR_OK) goto out;
    /* Every encryption knows its exact output length in advance. */
    if (!exact) {
        rv = CKR_FUNCTION_FAILED;
        goto out;
    }
    if (out == NULL || *out_len < need) {
        rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
        *out_len = need;
        goto out;
    }
    rv = wrap_data_rv(mech_op_oneshot(op, in, in_len, out, &got), false);
    if (rv == CKR_OK) *out_len = got;
out:
    mech_op_free(op);
    wipe_free(padded, padded_len);
    return rv;
}

CK_RV
mech_unwrap(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *unwrapping,
            const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len)
{
    struct mech_op *op = NULL;
    CK_ULONG need = 0, got = 0;
    bool exact;
    uint8_t *buf = NULL;
    if (in == NULL || in_len == 0) return CKR_WRAPPED_KEY_LEN_RANGE;
    CK_RV rv = wrap_start(d, m, unwrapping, true, &op);
    if (rv != CKR_OK) return rv;
    rv = wrap_data_rv(mech_op_out_len(op, in_len, false, &need, &exact), true);
    if (rv != CKR_OK) goto out;
    rv = CKR_HOST_MEMORY;
    buf = malloc(need != 0 ? need : 1);
    if (buf == NULL) goto out;
    rv = wrap_data_rv(mech_op_oneshot(op, in, in_len, buf, &got), true);
    /* An empty key is no key. */
    if (rv == CKR_OK && got == 0) rv = CKR_WRAPPED_KEY_INVALID;
    if (rv != CKR_OK) goto out;
    if (got < need) wipe(buf + got, need - got);
    *out = buf;
    *out_len = got;
    buf = NULL;
out:
    wipe_free(buf, need != 0 ? need : 1);
    mech_op_free(op);
    return rv;
}
