/*
 * run.h: the shared bodies of the crypto entry points (§5.8-§5.12).
 *
 * run_init() installs an operation (or, with a NULL mechanism, cancels the
 * active one: 3.0 §5.2). run_step() detaches the session's operation under
 * the lock, runs the crypto without the lock, and re-attaches it only when
 * the §5.2 rule keeps it alive; every other outcome ends it. Bad arguments
 * to a step also end the operation (the spec: "a call ... always
 * terminates the active operation unless ...").
 */
#ifndef CT_PKCS11_RUN_H
#define CT_PKCS11_RUN_H

#include <stdbool.h>

#include "core/op.h"
#include "credtoken/pkcs11.h"

enum run_step {
    STEP_ONESHOT,      /* C_Sign, C_Encrypt, C_Decrypt, C_Digest */
    STEP_UPDATE,       /* C_*Update */
    STEP_FINAL,        /* C_*Final */
    STEP_VERIFY,       /* C_Verify */
    STEP_VERIFY_FINAL, /* C_VerifyFinal */
};

struct run_args {
    const CK_BYTE *in; /* data or part */
    CK_ULONG in_len;
    CK_BYTE *out; /* output buffer, or NULL for a size query */
    CK_ULONG *out_len;
    const CK_BYTE *sig; /* verification */
    CK_ULONG sig_len;
    bool args_ok; /* the entry point's pointer checks passed */
};

CK_RV run_init(const char *fn, CK_SESSION_HANDLE h, enum op_kind kind, CK_MECHANISM_PTR m,
               CK_OBJECT_HANDLE key);
CK_RV run_step(const char *fn, CK_SESSION_HANDLE h, enum op_kind kind, enum run_step step,
               const struct run_args *a);

/* The dual-function updates: crypt and other must both be active; both are
 * detached, run without the lock, and kept or ended together. */
CK_RV run_dual(const char *fn, CK_SESSION_HANDLE h, enum op_kind crypt, enum op_kind other,
               bool other_first, const struct run_args *a);

#endif
