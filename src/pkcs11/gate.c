#include "pkcs11/gate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mech/mech.h"
#include "mech/ossl.h"
#include "util/log.h"

/* The library mutex: OS or application-supplied (§5.4 table 5). */
static pthread_mutex_t gate_os_mutex = PTHREAD_MUTEX_INITIALIZER;
static CK_C_INITIALIZE_ARGS gate_app; /* callbacks when used */
static void *gate_app_mutex;
static bool gate_use_app;

static struct library *gate_lib; /* NULL: not initialized in this process */
static unsigned long gate_epoch; /* bumped by every successful C_Initialize */
/* Calls working without the lock. Atomic: a call that has nothing left to
 * do under the lock ends without taking it again. */
static atomic_uint gate_inflight;
/* A C_Finalize is between its first check and the end of its teardown
 * (it drops the lock while in-flight calls finish). Guarded by
 * gate_os_mutex: C_Initialize waits for it, a second C_Finalize fails. */
static bool gate_finalizing;
static struct library *gate_stale; /* a library inherited across fork() */
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;

/* A millisecond's wait while another thread finishes (C_Finalize waiting
 * for in-flight calls, C_Initialize waiting for a C_Finalize). */
static void
gate_nap(void)
{
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
}

static void
lock_take(void)
{
    if (gate_use_app)
        gate_app.LockMutex(gate_app_mutex);
    else
        pthread_mutex_lock(&gate_os_mutex);
}

static void
lock_drop(void)
{
    if (gate_use_app)
        gate_app.UnlockMutex(gate_app_mutex);
    else
        pthread_mutex_unlock(&gate_os_mutex);
}

/* fork(): hold the lock across it so the child inherits a consistent
 * library, then retire that library in the child. */
static void
atfork_prepare(void)
{
    lock_take();
}

static void
atfork_parent(void)
{
    lock_drop();
}

static void
atfork_child(void)
{
    atomic_store(&gate_inflight, 0); /* the parent's other threads do not exist here */
    if (gate_lib != NULL) {
        gate_stale = gate_lib;
        gate_lib = NULL;
    }
    gate_finalizing = false; /* a finalizing thread did not come along */
    if (gate_use_app) gate_app.UnlockMutex(gate_app_mutex);
    /* Held by the prepare handler, or by another thread of the parent in
     * C_Initialize or C_Finalize: either way nobody here will unlock it. */
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    gate_os_mutex = fresh;
}

static void teardown(struct library *lib);

/* At exit, before OpenSSL's own atexit cleanup (registered earlier, so it
 * runs later), release everything while OpenSSL is still alive. An
 * application calling C_Finalize later (from a destructor) then gets
 * CKR_CRYPTOKI_NOT_INITIALIZED instead of a crash. In a dlopen()ed module
 * glibc ties this handler to the module and runs it at dlclose(). */
static void
gate_atexit(void)
{
    lock_take();
    struct library *lib = gate_lib;
    gate_lib = NULL;
    /* Threads still signing at exit: freeing their keys would crash them. */
    if (atomic_load(&gate_inflight) == 0) teardown(lib);
    lock_drop();
}

static void
gate_register(void)
{
    OPENSSL_init_crypto(0, NULL);
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    atexit(gate_atexit);
}

static CK_RV
args_check(const CK_C_INITIALIZE_ARGS *a, bool *use_app)
{
    *use_app = false;
    if (a == NULL) return CKR_OK;
    if (a->pReserved != NULL) return CKR_ARGUMENTS_BAD;
    int given = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) + (a->LockMutex != NULL) +
                (a->UnlockMutex != NULL);
    if (given != 0 && given != 4) return CKR_ARGUMENTS_BAD;
    /* Callbacks without CKF_OS_LOCKING_OK: the application's mutexes must
     * be used. With the flag, either is fine: we prefer the OS's. */
    *use_app = given == 4 && !(a->flags & CKF_OS_LOCKING_OK);
    return CKR_OK;
}

static void
teardown(struct library *lib)
{
    library_free(lib);
    mech_cleanup();
    ossl_cleanup();
}

static CK_RV
library_start(void)
{
    char err[512];
    struct conf c;
    if (conf_load(&c, err, sizeof err) != 0) {
        log_err("%s", err);
        return CKR_GENERAL_ERROR;
    }
    CK_RV rv = ossl_init();
    if (rv == CKR_OK) rv = mech_init();
    if (rv == CKR_OK) rv = library_new(&c, &gate_lib);
    if (rv != CKR_OK) {
        mech_cleanup();
        ossl_cleanup();
    }
    return rv;
}

CK_RV
gate_initialize(const CK_C_INITIALIZE_ARGS *args)
{
    bool use_app;
    CK_RV rv = args_check(args, &use_app);
    if (rv != CKR_OK) return rv;
    log_init();
    pthread_once(&gate_once, gate_register);
    /* Initialization itself is serialized by the OS mutex, whatever the
     * application chose for later calls. */
    pthread_mutex_lock(&gate_os_mutex);
    while (gate_finalizing) {
        pthread_mutex_unlock(&gate_os_mutex);
        gate_nap();
        pthread_mutex_lock(&gate_os_mutex);
    }
    if (gate_lib != NULL) {
        pthread_mutex_unlock(&gate_os_mutex);
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    if (gate_stale != NULL) {
        /* A child after fork(): the parent's state is not ours to use. */
        library_free(gate_stale);
        gate_stale = NULL;
    }
    if (use_app) {
        gate_app = *args;
        if (gate_app.CreateMutex(&gate_app_mutex) != CKR_OK) {
            pthread_mutex_unlock(&gate_os_mutex);
            return CKR_CANT_LOCK;
        }
    }
    rv = library_start();
    if (rv == CKR_OK) {
        gate_use_app = use_app;
        gate_epoch++;
    } else if (use_app) {
        gate_app.DestroyMutex(gate_app_mutex);
        gate_app_mutex = NULL;
    }
    pthread_mutex_unlock(&gate_os_mutex);
    return rv;
}

CK_RV
gate_finalize(void)
{
    pthread_mutex_lock(&gate_os_mutex);
    bool busy = gate_finalizing || gate_lib == NULL;
    gate_finalizing = !busy || gate_finalizing;
    pthread_mutex_unlock(&gate_os_mutex);
    if (busy) return CKR_CRYPTOKI_NOT_INITIALIZED;
    lock_take();
    struct library *lib = gate_lib;
    gate_lib = NULL; /* new calls fail; calls working unlocked finish */
    while (atomic_load(&gate_inflight) > 0) {
        lock_drop();
        gate_nap();
        lock_take();
    }
    teardown(lib);
    bool app = gate_use_app;
    void *m = gate_app_mutex;
    lock_drop();
    if (app) {
        gate_use_app = false;
        gate_app_mutex = NULL;
        gate_app.DestroyMutex(m);
    }
    pthread_mutex_lock(&gate_os_mutex);
    gate_finalizing = false;
    pthread_mutex_unlock(&gate_os_mutex);
    return CKR_OK;
}

CK_RV
gate_enter(struct gate *g, const char *fn)
{
    g->fn = fn;
    g->sess = NULL;
    g->held = false;
    g->inflight = false;
    lock_take();
    if (gate_lib == NULL) {
        lock_drop();
        g->lib = NULL;
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    g->lib = gate_lib;
    g->epoch = gate_epoch;
    g->held = true;
    return CKR_OK;
}

CK_RV
gate_enter_session(struct gate *g, const char *fn, CK_SESSION_HANDLE h)
{
    CK_RV rv = gate_enter(g, fn);
    if (rv != CKR_OK) return rv;
    g->sess = library_session_get(g->lib, h);
    return g->sess ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

CK_RV
gate_leave(struct gate *g, CK_RV rv)
{
    if (g->inflight) {
        atomic_fetch_sub(&gate_inflight, 1);
        g->inflight = false;
    }
    if (g->held) lock_drop();
    g->held = false;
    if (log_enabled(LOG_DEBUG)) log_debug("%s -> 0x%08lx", g->fn, (unsigned long)rv);
    return rv;
}

void
gate_unlock(struct gate *g)
{
    if (g->held) {
        if (!g->inflight) atomic_fetch_add(&gate_inflight, 1);
        g->inflight = true;
        lock_drop();
    }
    g->held = false;
    g->sess = NULL;
}

CK_RV
gate_relock(struct gate *g, CK_SESSION_HANDLE h)
{
    lock_take();
    g->held = true;
    if (gate_lib == NULL || gate_epoch != g->epoch) return CKR_CRYPTOKI_NOT_INITIALIZED;
    g->sess = library_session_get(g->lib, h);
    /* The handle was valid when the call began: the session was closed
     * during the function (§5.1.6 CKR_SESSION_CLOSED). */
    return g->sess ? CKR_OK : CKR_SESSION_CLOSED;
}

CK_RV
gate_stub(const char *fn, CK_SESSION_HANDLE h, CK_RV rv)
{
    struct gate g;
    CK_RV r = gate_enter_session(&g, fn, h);
    return gate_leave(&g, r == CKR_OK ? rv : r);
}
