#include "core/session.h"

#include "core/find.h"
#include "core/token.h"

bool
session_is_rw(const struct session *s)
{
    return (s->flags & CKF_RW_SESSION) != 0;
}

CK_STATE
session_state(const struct session *s)
{
    bool rw = session_is_rw(s);
    switch (s->tok->user) {
    case CKU_SO:
        return CKS_RW_SO_FUNCTIONS;
    case CKU_USER:
        return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    default:
        return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
    }
}

void
session_ops_free(struct session *s)
{
    for (int k = 0; k < OP_KINDS; k++) {
        op_free(s->ops[k]);
        s->ops[k] = NULL;
    }
    find_free(s->find);
    s->find = NULL;
}
