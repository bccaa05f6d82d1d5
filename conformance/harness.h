/*
 * harness.h: case registration, the per-case process, and the checks.
 *
 * Every case runs in its own child process: the child dlopens the module,
 * takes its function list (C_GetInterface "PKCS 11" 3.0 when the module
 * exports it, else C_GetFunctionList), runs the case and reports one result
 * to the parent through a pipe. So each case starts from an uninitialized
 * module, and a crash or a hang (timeout) fails that case only.
 *
 * Every return value a case sees goes through ct_rv()/CT_ANY()/ct_ok()/
 * ct_allowed(): a value outside the function's list in rv_table.c fails the
 * case, in addition to the case's own expectation.
 *
 * Output, one line per case:  PASS|FAIL|SKIP <section> <case name>: <detail>
 */
#ifndef CT_CONF_HARNESS_H
#define CT_CONF_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_table.h"

#define CT_END (~(CK_RV)0)

/* Keep the module's stderr in case processes (default: /dev/null). */
extern bool ct_verbose;

/* The module under test and the runner's options (read-only for cases). */
struct ct_module {
    const char *path;
    const char *so_pin;
    const char *pin;
    const char *label; /* our token's label; found or initialized at setup */
    CK_SLOT_ID slot;   /* its slot, as the setup process saw it */
};

/* A case's context, in the child process. */
struct cx {
    const struct ct_module *mod;
    void *dl;
    CK_FUNCTION_LIST_3_0 *p;      /* the list in use; 3.0 members NULL on a 2.40 module */
    CK_FUNCTION_LIST_3_0 widened; /* a 2.40 list copied into the 3.0 shape */
    CK_FUNCTION_LIST *p240;       /* what C_GetFunctionList returned */
    CK_INTERFACE *iface;          /* what C_GetInterface returned, or NULL */
    CK_C_GetFunctionList get_function_list;
    CK_C_GetInterfaceList get_interface_list; /* NULL on a 2.40 module */
    CK_C_GetInterface get_interface;          /* NULL on a 2.40 module */
    bool has3;
    bool inited;  /* ct_init() succeeded: C_Finalize at the end */
    bool skipped; /* ct_skip() was called */
    CK_SLOT_ID slot;
    unsigned fails;
    size_t dlen;
    char detail[2048];
    int fd;
};

typedef void (*ct_fn)(struct cx *cx, const void *arg);

/* Register a case; section and name are copied. */
void ct_register(const char *section, const char *name, ct_fn fn, const void *arg);
void ct_registerf(const char *section, ct_fn fn, const void *arg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

struct ct_totals {
    unsigned pass, fail, skip;
};
/* Set the module up (our token), then run every registered case whose
 * "section name" contains filter (all when NULL). Prints the case lines;
 * adds to t. Returns false when the setup failed (counted as one failure). */
bool ct_run_module(const struct ct_module *m, const char *filter, struct ct_totals *t);
/* Print the registered cases (section and name), one a line. */
void ct_list(void);

/* ---- checks: each returns whether it held, and records a failure if not ---- */

/* got == want, and got is in f's list. */
bool ct_rv(struct cx *cx, enum fn f, CK_RV got, CK_RV want);
/* got is one of wants (ending with CT_END), and in f's list. */
bool ct_rv_in(struct cx *cx, enum fn f, CK_RV got, const CK_RV *wants);
#define CT_ANY(cx, f, got, ...) ct_rv_in((cx), (f), (got), (const CK_RV[]){__VA_ARGS__, CT_END})
/* Only the list check (for values the case does not judge). */
bool ct_allowed(struct cx *cx, enum fn f, CK_RV got);
/* A setup step: got must be CKR_OK, else the case fails and ends here. */
void ct_ok(struct cx *cx, enum fn f, CK_RV got);
bool ct_check(struct cx *cx, bool cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add text to the result's detail (shown on PASS too). */
void ct_note(struct cx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* End the case now: skipped, or failed with a reason. */
_Noreturn void ct_skip(struct cx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void ct_fail(struct cx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report the result and leave the child process. */
_Noreturn void ct_end(struct cx *cx);
/* Run fn in a forked child of the case's process (a copy of cx reporting
 * through its own pipe) and fold its result into cx; the detail of the
 * sub-process is prefixed with who. Returns whether it passed. */
bool ct_subprocess(struct cx *cx, const char *who, ct_fn fn, const void *arg);

/* ---- module helpers ---- */

/* Load path into cx (dlopen + function lists); false with a reason in err. */
bool ct_load(struct cx *cx, const struct ct_module *m, char *err, size_t errlen);
/* C_Initialize(NULL) and find our token's slot; failure ends the case. */
void ct_init(struct cx *cx);
/* The slot whose token is labelled label, or false. */
bool ct_find_label(struct cx *cx, const char *label, CK_SLOT_ID *slot);
/* The first slot whose token lacks CKF_TOKEN_INITIALIZED, or false. */
bool ct_find_free(struct cx *cx, CK_SLOT_ID *slot);
/* Initialize the free slot's token as label with the SO PIN, and set the
 * user PIN; returns its slot. Failure ends the case. */
CK_SLOT_ID ct_new_token(struct cx *cx, const char *label);
/* A fresh scratch token (for cases that could harm ours). */
CK_SLOT_ID ct_scratch_token(struct cx *cx);
/* Open a session on our slot; failure ends the case. */
CK_SESSION_HANDLE ct_open(struct cx *cx, bool rw);
CK_SESSION_HANDLE ct_open_on(struct cx *cx, CK_SLOT_ID slot, bool rw);
/* Log in as who (CKU_USER / CKU_SO) with the configured PIN. */
void ct_login(struct cx *cx, CK_SESSION_HANDLE s, CK_USER_TYPE who);
CK_RV ct_login_rv(struct cx *cx, CK_SESSION_HANDLE s, CK_USER_TYPE who);
/* ct_init, a read-write session on our slot, and the user logged in: the
 * start most cases share. */
CK_SESSION_HANDLE ct_user_session(struct cx *cx);
/* Skip the case unless the token lists mech with all of flags. */
void ct_need_mech(struct cx *cx, CK_MECHANISM_TYPE mech, CK_FLAGS flags);
bool ct_has_mech(struct cx *cx, CK_MECHANISM_TYPE mech, CK_FLAGS flags);
/* Skip the case unless the module offers the 3.0 interface. */
void ct_need_v3(struct cx *cx);
/* Session state, or ~0 when C_GetSessionInfo fails (recorded). */
CK_STATE ct_state(struct cx *cx, CK_SESSION_HANDLE s);

#endif
