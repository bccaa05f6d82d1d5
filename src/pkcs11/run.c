#include "pkcs11/run.h"

#include "core/manage.h"
#include "pkcs11/gate.h"

CK_RV
run_init(const char *fn, CK_SESSION_HANDLE h, enum op_kind kind, CK_MECHANISM_PTR m,
         CK_OBJECT_HANDLE key)
{
    struct gate g;
    CK_RV rv = gate_enter_session(&g, fn, h);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    if (m == NULL) {
        /* 3.0 §5.2: Init with a NULL mechanism cancels the operation. */
        op_free(g.sess->ops[kind]);
        g.sess->ops[kind] = NULL;
        return gate_leave(&g, CKR_OK);
    }
    return gate_leave(&g, manage_op_init(g.lib, g.sess, kind, m, key));
}

static CK_RV
run_op(struct op *op, enum run_step step, const struct run_args *a)
{
    switch (step) {
    case STEP_ONESHOT:
        return op_oneshot(op, a->in, a->in_len, a->out, a->out_len);
    case STEP_UPDATE:
        return op_update(op, a->in, a->in_len, a->out, a->out_len);
    case STEP_FINAL:
        return op_final(op, a->out, a->out_len);
    case STEP_VERIFY:
        return op_verify(op, a->in, a->in_len, a->sig, a->sig_len, false);
    case STEP_VERIFY_FINAL:
        return op_verify(op, NULL, 0, a->sig, a->sig_len, true);
    }
    return CKR_GENERAL_ERROR;
}

static bool
run_keeps(enum run_step step, CK_RV rv, const struct run_args *a)
{
    if (step == STEP_VERIFY || step == STEP_VERIFY_FINAL) return false;
    if (step == STEP_UPDATE) return rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL;
    return op_keeps(rv, a->out);
}

CK_RV
run_step(const char *fn, CK_SESSION_HANDLE h, enum op_kind kind, enum run_step step,
         const struct run_args *a)
{
    struct gate g;
    CK_RV rv = gate_enter_session(&g, fn, h);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    struct op *op = g.sess->ops[kind];
    if (op == NULL) return gate_leave(&g, CKR_OPERATION_NOT_INITIALIZED);
    g.sess->ops[kind] = NULL;
    if (!a->args_ok) {
        op_free(op);
        return gate_leave(&g, CKR_ARGUMENTS_BAD);
    }
    if (op->needs_auth) {
        /* §5.6.8: a CKA_ALWAYS_AUTHENTICATE key without the context-specific
         * login: the call fails, and like every failure it ends the operation. */
        op_free(op);
        return gate_leave(&g, CKR_USER_NOT_LOGGED_IN);
    }
    gate_unlock(&g);
    rv = run_op(op, step, a);
    if (!run_keeps(step, rv, a)) {
        /* The operation ends here: it is detached and its key counted, so
         * it is freed without taking the lock again (one lock round trip
         * less per signature). */
        op_free(op);
        return gate_leave(&g, rv);
    }
    CK_RV back = gate_relock(&g, h);
    if (back == CKR_OK && g.sess->ops[kind] == NULL) {
        g.sess->ops[kind] = op;
        op = NULL;
    }
    op_free(op);
    if (back != CKR_OK && rv == CKR_OK) rv = back;
    return gate_leave(&g, rv);
}

CK_RV
run_dual(const char *fn, CK_SESSION_HANDLE h, enum op_kind crypt, enum op_kind other,
         bool other_first, const struct run_args *a)
{
    struct gate g;
    CK_RV rv = gate_enter_session(&g, fn, h);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    struct op *c = g.sess->ops[crypt], *o = g.sess->ops[other];
    if (c == NULL || o == NULL) return gate_leave(&g, CKR_OPERATION_NOT_INITIALIZED);
    g.sess->ops[crypt] = g.sess->ops[other] = NULL;
    if (!a->args_ok || c->needs_auth || o->needs_auth) {
        rv = a->args_ok ? CKR_USER_NOT_LOGGED_IN : CKR_ARGUMENTS_BAD;
    } else {
        gate_unlock(&g);
        rv = op_dual_update(c, o, other_first, a->in, a->in_len, a->out, a->out_len);
        CK_RV back = gate_relock(&g, h);
        if (back != CKR_OK && rv == CKR_OK) rv = back;
        if (back == CKR_OK && (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL) &&
            g.sess->ops[crypt] == NULL && g.sess->ops[other] == NULL) {
            g.sess->ops[crypt] = c;
            g.sess->ops[other] = o;
            c = o = NULL;
        }
    }
    op_free(c);
    op_free(o);
    return gate_leave(&g, rv);
}
