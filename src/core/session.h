/*
 * session.h: sessions, their state (§5.6, table 9) and their operations.
 * All functions require the library lock.
 */
#ifndef CT_CORE_SESSION_H
#define CT_CORE_SESSION_H

#include <stdbool.h>

#include "core/op.h"
#include "credtoken/pkcs11.h"

struct token;
struct find;

struct session {
    CK_SESSION_HANDLE handle;
    struct token *tok;
    CK_FLAGS flags; /* CKF_SERIAL_SESSION, CKF_RW_SESSION */
    struct op *ops[OP_KINDS];
    struct find *find;
};

bool session_is_rw(const struct session *s);
/* CKS_RO_PUBLIC_SESSION ... CKS_RW_SO_FUNCTIONS from the token's login. */
CK_STATE session_state(const struct session *s);
/* Free the session's operations and find state (not its objects). */
void session_ops_free(struct session *s);

#endif
