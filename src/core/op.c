#include "core/op.h"

#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

enum mech_fn
op_kind_fn(enum op_kind kind)
{
    static const enum mech_fn map[OP_KINDS] = {MECH_SIGN,          MECH_VERIFY, MECH_ENCRYPT,
                                               MECH_DECRYPT,       MECH_DIGEST, MECH_SIGN_RECOVER,
                                               MECH_VERIFY_RECOVER};
    return map[kind];
}

CK_RV
op_new_take(enum op_kind kind, struct mech_op *mop, struct op **out)
{
    struct op *op = calloc(1, sizeof *op);
    if (op == NULL) {
        mech_op_free(mop);
        return CKR_HOST_MEMORY;
    }
    op->kind = kind;
    op->mop = mop;
    *out = op;
    return CKR_OK;
}

static void
pending_clear(struct op *op)
{
    wipe_free(op->pending, op->pending_len);
    op->pending = NULL;
    op->pending_len = 0;
    op->has_pending = false;
}

void
op_free(struct op *op)
{
    if (op == NULL) return;
    pending_clear(op);
    mech_op_free(op->mop);
    free(op);
}

bool
op_keeps(CK_RV rv, const void *buf)
{
    return rv == CKR_BUFFER_TOO_SMALL || (rv == CKR_OK && buf == NULL);
}

/* Deliver held output under the §5.2 convention. */
static CK_RV
pending_deliver(struct op *op, CK_BYTE *out, CK_ULONG *out_len)
{
    CK_ULONG need = op->pending_len;
    if (out == NULL) {
        *out_len = need;
        return CKR_OK;
    }
    if (*out_len < need) {
        *out_len = need;
        return CKR_BUFFER_TOO_SMALL;
    }
    if (need) memcpy(out, op->pending, need);
    *out_len = need;
    pending_clear(op);
    return CKR_OK;
}

/* Run fn into a held buffer of cap bytes, then deliver. */
typedef CK_RV (*run_fn)(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
                        CK_ULONG *out_len);

static CK_RV
run_held(struct op *op, run_fn fn, const CK_BYTE *in, CK_ULONG in_len, CK_ULONG cap, CK_BYTE *out,
         CK_ULONG *out_len)
{
    if (!op->has_pending) {
        CK_BYTE *buf = malloc(cap ? cap : 1);
        if (buf == NULL) return CKR_HOST_MEMORY;
        CK_ULONG got = cap;
        CK_RV rv = fn(op, in, in_len, buf, &got);
        if (rv != CKR_OK) {
            wipe_free(buf, cap);
            return rv;
        }
        /* Keep exactly `got` bytes so wipe_free(pending, pending_len) covers them. */
        if (got < cap) wipe(buf + got, cap - got);
        op->pending = buf;
        op->pending_len = got;
        op->has_pending = true;
    }
    return pending_deliver(op, out, out_len);
}

static CK_RV
do_oneshot(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    return mech_op_oneshot(op->mop, in, in_len, out, out_len);
}

static CK_RV
do_update(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    return mech_op_update(op->mop, in, in_len, out, out_len);
}

static CK_RV
do_final(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    (void)in;
    (void)in_len;
    return mech_op_final(op->mop, out, out_len);
}

/* The shared body of one-shot and Final: exact sizes are answered without
 * doing the work; upper bounds make the work happen once and be held. */
static CK_RV
produce(struct op *op, run_fn fn, bool final, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
        CK_ULONG *out_len)
{
    if (op->has_pending) return pending_deliver(op, out, out_len);
    CK_ULONG need;
    bool exact;
    CK_RV rv = mech_op_out_len(op->mop, in_len, final, &need, &exact);
    if (rv != CKR_OK) return rv;
    if (!exact) return run_held(op, fn, in, in_len, need, out, out_len);
    if (out == NULL) {
        *out_len = need;
        return CKR_OK;
    }
    if (*out_len < need) {
        *out_len = need;
        return CKR_BUFFER_TOO_SMALL;
    }
    CK_ULONG got = *out_len;
    rv = fn(op, in, in_len, out, &got);
    if (rv == CKR_OK) *out_len = got;
    return rv;
}

CK_RV
op_oneshot(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    /* §5.11: C_Sign cannot finish a multi-part operation. */
    if (op->multipart) return CKR_FUNCTION_FAILED;
    return produce(op, do_oneshot, false, in, in_len, out, out_len);
}

CK_RV
op_update(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    op->multipart = true;
    if (out_len == NULL) return mech_op_update(op->mop, in, in_len, NULL, NULL);
    /* Encrypt/decrypt updates consume input: run once, hold the output. */
    CK_ULONG cap = in_len + 32;
    if (cap < in_len) return CKR_DATA_LEN_RANGE;
    return run_held(op, do_update, in, in_len, cap, out, out_len);
}

CK_RV
op_dual_update(struct op *crypt, struct op *other, bool other_first, const CK_BYTE *in,
               CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    if (!crypt->has_pending) {
        CK_RV rv = CKR_OK;
        if (other_first) rv = op_update(other, in, in_len, NULL, NULL);
        CK_ULONG n = 0;
        /* A size query computes the output once and holds it. */
        if (rv == CKR_OK) rv = op_update(crypt, in, in_len, NULL, &n);
        if (rv == CKR_OK && !other_first)
            rv = op_update(other, crypt->pending, crypt->pending_len, NULL, NULL);
        if (rv != CKR_OK) return rv;
    }
    return pending_deliver(crypt, out, out_len);
}

CK_RV
op_final(struct op *op, CK_BYTE *out, CK_ULONG *out_len)
{
    return produce(op, do_final, true, NULL, 0, out, out_len);
}

CK_RV
op_verify(struct op *op, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
          CK_ULONG sig_len, bool final)
{
    if (final) return mech_op_verify_final(op->mop, sig, sig_len);
    if (op->multipart) return CKR_FUNCTION_FAILED;
    return mech_op_verify(op->mop, data, data_len, sig, sig_len);
}
