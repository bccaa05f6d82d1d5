/*
 * harness.c: case registry, one child process per case, result reporting,
 * the checks against rv_table, and the module helpers cases share.
 */
#include "harness.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CASE_TIMEOUT_S 180

bool ct_verbose;

struct ct_case {
    char *section;
    char *name;
    ct_fn fn;
    const void *arg;
};

static struct ct_case *cases;
static size_t ncases, capcases;

void
ct_register(const char *section, const char *name, ct_fn fn, const void *arg)
{
    if (ncases == capcases) {
        capcases = capcases ? capcases * 2 : 64;
        cases = realloc(cases, capcases * sizeof *cases);
        if (cases == NULL) abort();
    }
    cases[ncases].section = strdup(section);
    cases[ncases].name = strdup(name);
    if (cases[ncases].section == NULL || cases[ncases].name == NULL) abort();
    cases[ncases].fn = fn;
    cases[ncases].arg = arg;
    ncases++;
}

void
ct_registerf(const char *section, ct_fn fn, const void *arg, const char *fmt, ...)
{
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    ct_register(section, name, fn, arg);
}

void
ct_list(void)
{
    for (size_t i = 0; i < ncases; i++)
        printf("%s %s\n", cases[i].section, cases[i].name);
}

/* ---- results ---- */

static void
vnote(struct cx *cx, const char *fmt, va_list ap)
{
    if (cx->dlen + 4 >= sizeof cx->detail) return;
    if (cx->dlen > 0) {
        memcpy(cx->detail + cx->dlen, "; ", 2);
        cx->dlen += 2;
    }
    int n = vsnprintf(cx->detail + cx->dlen, sizeof cx->detail - cx->dlen, fmt, ap);
    if (n > 0) cx->dlen += (size_t)n;
    if (cx->dlen >= sizeof cx->detail) cx->dlen = sizeof cx->detail - 1;
}

void
ct_note(struct cx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(cx, fmt, ap);
    va_end(ap);
}

bool
ct_check(struct cx *cx, bool cond, const char *fmt, ...)
{
    if (cond) return true;
    va_list ap;
    va_start(ap, fmt);
    vnote(cx, fmt, ap);
    va_end(ap);
    cx->fails++;
    return false;
}

_Noreturn void
ct_end(struct cx *cx)
{
    char buf[sizeof cx->detail + 2];
    buf[0] = cx->skipped ? 'S' : cx->fails ? 'F' : 'P';
    memcpy(buf + 1, cx->detail, cx->dlen);
    ssize_t left = (ssize_t)(cx->dlen + 1);
    const char *p = buf;
    if (cx->inited && cx->p != NULL && cx->p->C_Finalize != NULL) (void)cx->p->C_Finalize(NULL);
    while (left > 0) {
        ssize_t w = write(cx->fd, p, (size_t)left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= w;
    }
    _exit(0);
}

_Noreturn void
ct_skip(struct cx *cx, const char *fmt, ...)
{
    if (cx->fails == 0) cx->dlen = 0;
    va_list ap;
    va_start(ap, fmt);
    vnote(cx, fmt, ap);
    va_end(ap);
    cx->skipped = cx->fails == 0;
    ct_end(cx);
}

_Noreturn void
ct_fail(struct cx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(cx, fmt, ap);
    va_end(ap);
    cx->fails++;
    ct_end(cx);
}

bool
ct_allowed(struct cx *cx, enum fn f, CK_RV got)
{
    return ct_check(cx, rv_allowed(f, got), "%s returned %s, which its list (%s) does not name",
                    fn_name(f), rv_name(got), fn_section(f));
}

bool
ct_rv(struct cx *cx, enum fn f, CK_RV got, CK_RV want)
{
    bool listed = ct_allowed(cx, f, got);
    return ct_check(cx, got == want, "%s returned %s, expected %s", fn_name(f), rv_name(got),
                    rv_name(want)) &&
           listed;
}

bool
ct_rv_in(struct cx *cx, enum fn f, CK_RV got, const CK_RV *wants)
{
    bool listed = ct_allowed(cx, f, got);
    char want[256];
    size_t n = 0;
    want[0] = '\0';
    for (const CK_RV *w = wants; *w != CT_END; w++) {
        if (*w == got) return listed;
        int k = snprintf(want + n, sizeof want - n, "%s%s", n ? " or " : "", rv_name(*w));
        if (k > 0 && (size_t)k < sizeof want - n) n += (size_t)k;
    }
    ct_check(cx, false, "%s returned %s, expected %s", fn_name(f), rv_name(got), want);
    return false;
}

void
ct_ok(struct cx *cx, enum fn f, CK_RV got)
{
    if (!ct_rv(cx, f, got, CKR_OK)) ct_fail(cx, "(setup step)");
}

/* ---- sub-processes ---- */

static size_t
read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    return n;
}

/* Wait for pid; describe an abnormal end in why. A process that reported
 * nothing ended inside the module (ct_end always writes before exiting). */
static bool
reap(pid_t pid, bool reported, char *why, size_t len)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            snprintf(why, len, "waitpid: %s", strerror(errno));
            return false;
        }
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        snprintf(why, len, "the case process died of signal %d (%s)%s", sig, strsignal(sig),
                 sig == SIGALRM ? ", a timeout" : "");
        return false;
    }
    if (!reported) {
        snprintf(why, len, "the process exited (status %d) inside a module call, unreported",
                 WEXITSTATUS(st));
        return false;
    }
    return true;
}

bool
ct_subprocess(struct cx *cx, const char *who, ct_fn fn, const void *arg)
{
    int fds[2];
    if (pipe(fds) != 0) ct_fail(cx, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) ct_fail(cx, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        struct cx sub = *cx;
        sub.fd = fds[1];
        sub.fails = 0;
        sub.dlen = 0;
        sub.skipped = false;
        sub.inited = false; /* the parent's initialization is not the child's */
        fn(&sub, arg);
        ct_end(&sub);
    }
    close(fds[1]);
    char buf[sizeof cx->detail + 2];
    size_t n = read_all(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    char why[160];
    if (!reap(pid, n > 0, why, sizeof why)) return ct_check(cx, false, "%s: %s", who, why);
    buf[n] = '\0';
    if (buf[0] == 'F') return ct_check(cx, false, "%s: %s", who, buf + 1);
    if (n > 1) ct_note(cx, "%s: %s", who, buf + 1);
    return true;
}

/* ---- the module ---- */

static CK_UTF8CHAR iface_name[] = "PKCS 11";

bool
ct_load(struct cx *cx, const struct ct_module *m, char *err, size_t errlen)
{
    cx->mod = m;
    cx->dl = dlopen(m->path, RTLD_NOW | RTLD_LOCAL);
    if (cx->dl == NULL) {
        snprintf(err, errlen, "dlopen %s: %s", m->path, dlerror());
        return false;
    }
    cx->get_function_list = (CK_C_GetFunctionList)dlsym(cx->dl, "C_GetFunctionList");
    cx->get_interface = (CK_C_GetInterface)dlsym(cx->dl, "C_GetInterface");
    cx->get_interface_list = (CK_C_GetInterfaceList)dlsym(cx->dl, "C_GetInterfaceList");
    if (cx->get_function_list != NULL) {
        CK_RV rv = cx->get_function_list(&cx->p240);
        if (rv != CKR_OK) cx->p240 = NULL;
    }
    if (cx->get_interface != NULL) {
        CK_VERSION v30 = {3, 0};
        CK_INTERFACE *ifc = NULL;
        if (cx->get_interface(iface_name, &v30, &ifc, 0) == CKR_OK && ifc != NULL &&
            ifc->pFunctionList != NULL && ((CK_VERSION *)ifc->pFunctionList)->major == 3) {
            cx->iface = ifc;
            cx->p = ifc->pFunctionList;
            cx->has3 = true;
        }
    }
    if (!cx->has3) {
        if (cx->p240 == NULL) {
            snprintf(err, errlen, "%s offers neither a 3.0 interface nor C_GetFunctionList",
                     m->path);
            return false;
        }
        memset(&cx->widened, 0, sizeof cx->widened);
        /* The 3.0 list begins with the 2.40 list, member for member (§5.4). */
        memcpy(&cx->widened, cx->p240, sizeof *cx->p240);
        cx->p = &cx->widened;
    }
    return true;
}

static void
pad32(CK_UTF8CHAR out[32], const char *s)
{
    memset(out, ' ', 32);
    size_t n = strlen(s);
    memcpy(out, s, n < 32 ? n : 32);
}

bool
ct_find_label(struct cx *cx, const char *label, CK_SLOT_ID *slot)
{
    CK_SLOT_ID slots[128];
    CK_ULONG n = 128;
    CK_UTF8CHAR want[32];
    pad32(want, label);
    ct_ok(cx, FN_C_GetSlotList, cx->p->C_GetSlotList(CK_TRUE, slots, &n));
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        CK_RV rv = cx->p->C_GetTokenInfo(slots[i], &ti);
        ct_allowed(cx, FN_C_GetTokenInfo, rv);
        if (rv == CKR_OK && (ti.flags & CKF_TOKEN_INITIALIZED) && memcmp(ti.label, want, 32) == 0) {
            *slot = slots[i];
            return true;
        }
    }
    return false;
}

bool
ct_find_free(struct cx *cx, CK_SLOT_ID *slot)
{
    CK_SLOT_ID slots[128];
    CK_ULONG n = 128;
    ct_ok(cx, FN_C_GetSlotList, cx->p->C_GetSlotList(CK_TRUE, slots, &n));
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        CK_RV rv = cx->p->C_GetTokenInfo(slots[i], &ti);
        ct_allowed(cx, FN_C_GetTokenInfo, rv);
        if (rv == CKR_OK && !(ti.flags & CKF_TOKEN_INITIALIZED)) {
            *slot = slots[i];
            return true;
        }
    }
    return false;
}

void
ct_init(struct cx *cx)
{
    ct_ok(cx, FN_C_Initialize, cx->p->C_Initialize(NULL));
    cx->inited = true;
    if (!ct_find_label(cx, cx->mod->label, &cx->slot))
        ct_fail(cx, "no token labelled \"%s\"", cx->mod->label);
}

/* PINs as the non-const CK_UTF8CHAR buffers the API takes. */
static CK_ULONG
pin_buf(CK_UTF8CHAR out[256], const char *pin)
{
    size_t n = strlen(pin);
    if (n > 255) n = 255;
    memcpy(out, pin, n);
    return (CK_ULONG)n;
}

CK_RV
ct_login_rv(struct cx *cx, CK_SESSION_HANDLE s, CK_USER_TYPE who)
{
    CK_UTF8CHAR pin[256];
    CK_ULONG n = pin_buf(pin, who == CKU_SO ? cx->mod->so_pin : cx->mod->pin);
    return cx->p->C_Login(s, who, pin, n);
}

void
ct_login(struct cx *cx, CK_SESSION_HANDLE s, CK_USER_TYPE who)
{
    ct_ok(cx, FN_C_Login, ct_login_rv(cx, s, who));
}

CK_SESSION_HANDLE
ct_open_on(struct cx *cx, CK_SLOT_ID slot, bool rw)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_FLAGS fl = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    ct_ok(cx, FN_C_OpenSession, cx->p->C_OpenSession(slot, fl, NULL, NULL, &s));
    return s;
}

CK_SESSION_HANDLE
ct_open(struct cx *cx, bool rw)
{
    return ct_open_on(cx, cx->slot, rw);
}

CK_SESSION_HANDLE
ct_user_session(struct cx *cx)
{
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_login(cx, s, CKU_USER);
    return s;
}

CK_SLOT_ID
ct_new_token(struct cx *cx, const char *label)
{
    CK_SLOT_ID slot;
    if (!ct_find_free(cx, &slot)) ct_fail(cx, "no slot with an uninitialized token");
    CK_UTF8CHAR lab[32], pin[256];
    pad32(lab, label);
    CK_ULONG n = pin_buf(pin, cx->mod->so_pin);
    ct_ok(cx, FN_C_InitToken, cx->p->C_InitToken(slot, pin, n, lab));
    /* A module may move the new token to a slot of its own (softhsm2 does). */
    if (!ct_find_label(cx, label, &slot)) ct_fail(cx, "the new token \"%s\" is not listed", label);
    CK_SESSION_HANDLE s = ct_open_on(cx, slot, true);
    ct_login(cx, s, CKU_SO);
    n = pin_buf(pin, cx->mod->pin);
    ct_ok(cx, FN_C_InitPIN, cx->p->C_InitPIN(s, pin, n));
    ct_ok(cx, FN_C_Logout, cx->p->C_Logout(s));
    ct_ok(cx, FN_C_CloseSession, cx->p->C_CloseSession(s));
    return slot;
}

CK_SLOT_ID
ct_scratch_token(struct cx *cx)
{
    char label[48]; /* at most 18 + 2 + 11 = 31 bytes: fits a token label */
    snprintf(label, sizeof label, "%.18s-s%d", cx->mod->label, (int)getpid());
    return ct_new_token(cx, label);
}

bool
ct_has_mech(struct cx *cx, CK_MECHANISM_TYPE mech, CK_FLAGS flags)
{
    CK_MECHANISM_TYPE list[512];
    CK_ULONG n = 512;
    ct_ok(cx, FN_C_GetMechanismList, cx->p->C_GetMechanismList(cx->slot, list, &n));
    for (CK_ULONG i = 0; i < n; i++) {
        if (list[i] != mech) continue;
        CK_MECHANISM_INFO mi;
        ct_ok(cx, FN_C_GetMechanismInfo, cx->p->C_GetMechanismInfo(cx->slot, mech, &mi));
        return (mi.flags & flags) == flags;
    }
    return false;
}

void
ct_need_mech(struct cx *cx, CK_MECHANISM_TYPE mech, CK_FLAGS flags)
{
    if (!ct_has_mech(cx, mech, flags))
        ct_skip(cx, "the token does not list mechanism 0x%lx with flags 0x%lx", mech, flags);
}

void
ct_need_v3(struct cx *cx)
{
    if (!cx->has3) ct_skip(cx, "the module offers no PKCS#11 3.0 interface (C_GetInterface)");
}

CK_STATE
ct_state(struct cx *cx, CK_SESSION_HANDLE s)
{
    CK_SESSION_INFO si;
    if (!ct_rv(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(s, &si), CKR_OK))
        return ~(CK_STATE)0;
    return si.state;
}

/* ---- running ---- */

/* In the setup child: make sure our token exists; describe the module. */
static void
setup_child(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_INFO info;
    ct_ok(cx, FN_C_Initialize, cx->p->C_Initialize(NULL));
    cx->inited = true;
    ct_ok(cx, FN_C_GetInfo, cx->p->C_GetInfo(&info));
    ct_note(cx, "%.32s %.32s %u.%u, cryptoki %u.%u, list %s %u.%u", info.manufacturerID,
            info.libraryDescription, info.libraryVersion.major, info.libraryVersion.minor,
            info.cryptokiVersion.major, info.cryptokiVersion.minor,
            cx->has3 ? "C_GetInterface" : "C_GetFunctionList", cx->p->version.major,
            cx->p->version.minor);
    CK_SLOT_ID slot;
    const char *how = "found";
    if (!ct_find_label(cx, cx->mod->label, &slot)) {
        slot = ct_new_token(cx, cx->mod->label);
        how = "initialized";
    }
    /* The parent reads the slot back from the front of the detail. */
    char head[sizeof cx->detail];
    snprintf(head, sizeof head, "slot %lu: token \"%s\" %s; %.*s", slot, cx->mod->label, how,
             (int)cx->dlen, cx->detail);
    cx->dlen = 0;
    ct_note(cx, "%s", head);
}

/* Run fn in a fresh child with a freshly loaded module; 'P', 'F' or 'S'. */
static char
run_child(const struct ct_module *m, ct_fn fn, const void *arg, char *detail, size_t len)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(detail, len, "pipe: %s", strerror(errno));
        return 'F';
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(detail, len, "fork: %s", strerror(errno));
        return 'F';
    }
    if (pid == 0) {
        close(fds[0]);
        alarm(CASE_TIMEOUT_S);
        if (!ct_verbose) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, 2);
        }
        static struct cx cx;
        cx.fd = fds[1];
        char err[512];
        if (!ct_load(&cx, m, err, sizeof err)) ct_fail(&cx, "%s", err);
        fn(&cx, arg);
        ct_end(&cx);
    }
    close(fds[1]);
    char buf[4096];
    size_t n = read_all(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    char why[160];
    if (!reap(pid, n > 0, why, sizeof why)) {
        snprintf(detail, len, "%s", why);
        return 'F';
    }
    buf[n] = '\0';
    snprintf(detail, len, "%s", buf + 1);
    return buf[0];
}

bool
ct_run_module(const struct ct_module *mod, const char *filter, struct ct_totals *t)
{
    char detail[4096];
    struct ct_module mm = *mod;
    const struct ct_module *m = &mm;
    printf("== module %s\n", m->path);
    if (run_child(m, setup_child, NULL, detail, sizeof detail) != 'P' ||
        sscanf(detail, "slot %lu", &mm.slot) != 1) {
        printf("FAIL setup %s: %s\n", m->path, detail);
        t->fail++;
        return false;
    }
    printf("# %s\n", detail);
    for (size_t i = 0; i < ncases; i++) {
        const struct ct_case *c = &cases[i];
        char full[512];
        snprintf(full, sizeof full, "%s %s", c->section, c->name);
        if (filter != NULL && strstr(full, filter) == NULL) continue;
        char st = run_child(m, c->fn, c->arg, detail, sizeof detail);
        const char *word = st == 'P' ? "PASS" : st == 'S' ? "SKIP" : "FAIL";
        if (st == 'P')
            t->pass++;
        else if (st == 'S')
            t->skip++;
        else
            t->fail++;
        printf("%s %s%s%s\n", word, full, detail[0] ? ": " : "", detail);
    }
    fflush(stdout);
    return true;
}
