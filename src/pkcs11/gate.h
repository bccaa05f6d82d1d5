/*
 * gate.h: the one gate in front of every C_* call.
 *
 * gate_enter*() takes the library lock and checks, in this order: the
 * library is initialized in this process (a forked child sees
 * CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize), then the session
 * handle. gate_leave() releases the lock and debug-logs the return value.
 * Between gate_unlock() and gate_relock() the caller runs crypto without the
 * lock; it must then look its session up again (it may have been closed).
 *
 * This is the only file that locks. Mutexes are the OS's (pthread) unless
 * the application passed callbacks without CKF_OS_LOCKING_OK (§5.4).
 */
#ifndef CT_PKCS11_GATE_H
#define CT_PKCS11_GATE_H

#include <stdbool.h>

#include "core/library.h"

struct gate {
    struct library *lib;
    struct session *sess;
    const char *fn;
    unsigned long epoch; /* which C_Initialize the call entered under */
    bool held;
    bool inflight; /* released the lock for lock-free work; counted */
};

/* C_Initialize / C_Finalize. */
CK_RV gate_initialize(const CK_C_INITIALIZE_ARGS *args);
CK_RV gate_finalize(void);

/* Lock and check initialization. CKR_OK or CKR_CRYPTOKI_NOT_INITIALIZED
 * (then nothing is held). */
CK_RV gate_enter(struct gate *g, const char *fn);
/* gate_enter, then look up the session: CKR_SESSION_HANDLE_INVALID. */
CK_RV gate_enter_session(struct gate *g, const char *fn, CK_SESSION_HANDLE h);
/* Release whatever is held; log rv at debug level; return rv. */
CK_RV gate_leave(struct gate *g, CK_RV rv);

/* Drop / retake the lock around lock-free work. gate_relock() re-resolves
 * g->sess from h: CKR_SESSION_CLOSED if it was closed meanwhile,
 * CKR_CRYPTOKI_NOT_INITIALIZED if the library was finalized (and perhaps
 * initialized again). Such work is counted from gate_unlock() to
 * gate_leave(): C_Finalize waits for it to end before it frees the keys and
 * the OpenSSL context the work may still be using. */
void gate_unlock(struct gate *g);
CK_RV gate_relock(struct gate *g, CK_SESSION_HANDLE h);

/* The body of an entry point offering nothing yet: initialization and the
 * session are checked first, then rv. */
CK_RV gate_stub(const char *fn, CK_SESSION_HANDLE h, CK_RV rv);

#define GATE_ENTER(g) gate_enter((g), __func__)
#define GATE_ENTER_SESSION(g, h) gate_enter_session((g), __func__, (h))

#endif
