/*
 * crash.c: crash safety of the file store under SIGKILL.
 *
 * A worker process creates, updates and destroys token objects in a loop
 * (public and private). The parent kills it with SIGKILL at a random moment,
 * then checks, in a fresh process, that the token still opens, the user can
 * log in, C_FindObjectsInit reports no integrity error, and every object is
 * whole: each update rewrites CKA_APPLICATION ("v<k>") and CKA_VALUE (64
 * bytes of k) in one C_SetAttributeValue, so a torn record would show a
 * mismatch. Usage: crash [KILLS] (default 200). Exit status 0 on success.
 */
#include <dlfcn.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "credtoken/pkcs11.h"

static CK_FUNCTION_LIST *p11;
static CK_SLOT_ID slot;
static const char *pin = "1234";

#define CHECK(call)                                                                                \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != CKR_OK) {                                                                       \
            fprintf(stderr, "%s:%d: %s -> 0x%lx\n", __FILE__, __LINE__, #call, rv_);               \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

static CK_SESSION_HANDLE
open_user(void)
{
    CK_SESSION_HANDLE s;
    CHECK(p11->C_Initialize(NULL));
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
    CHECK(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, 4));
    return s;
}

static void
set_version(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, unsigned k)
{
    char app[16];
    unsigned char val[64];
    int n = snprintf(app, sizeof app, "v%u", k);
    memset(val, (int)(k & 0xff), sizeof val);
    CK_ATTRIBUTE t[] = {{CKA_APPLICATION, app, (CK_ULONG)n}, {CKA_VALUE, val, sizeof val}};
    CHECK(p11->C_SetAttributeValue(s, h, t, 2));
}

static CK_OBJECT_HANDLE
create(CK_SESSION_HANDLE s, unsigned k, int priv)
{
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE, p = priv ? CK_TRUE : CK_FALSE;
    char app[16];
    unsigned char val[64];
    int n = snprintf(app, sizeof app, "v%u", k);
    memset(val, (int)(k & 0xff), sizeof val);
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_TOKEN, &yes, 1},
                        {CKA_PRIVATE, &p, 1},
                        {CKA_LABEL, "crash", 5},
                        {CKA_APPLICATION, app, (CK_ULONG)n},
                        {CKA_VALUE, val, sizeof val}};
    CK_OBJECT_HANDLE h;
    CHECK(p11->C_CreateObject(s, t, 6, &h));
    return h;
}

/* Objects of earlier (killed) workers become this worker's; extras go. */
static void
adopt(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE live[8])
{
    CK_ATTRIBUTE t = {CKA_LABEL, "crash", 5};
    CK_OBJECT_HANDLE h[64];
    CK_ULONG n = 0;
    CHECK(p11->C_FindObjectsInit(s, &t, 1));
    CHECK(p11->C_FindObjects(s, h, 64, &n));
    CHECK(p11->C_FindObjectsFinal(s));
    for (CK_ULONG i = 0; i < n; i++) {
        if (i < 8)
            live[i] = h[i];
        else
            CHECK(p11->C_DestroyObject(s, h[i]));
    }
}

/* The worker: mutate until killed. */
static void
worker(unsigned seed)
{
    CK_SESSION_HANDLE s = open_user();
    CK_OBJECT_HANDLE live[8] = {0};
    adopt(s, live);
    unsigned k = seed * 1000;
    srand(seed);
    for (;;) {
        int i = rand() % 8;
        k++;
        if (live[i] == 0)
            live[i] = create(s, k, rand() & 1);
        else if (rand() % 3 == 0) {
            CHECK(p11->C_DestroyObject(s, live[i]));
            live[i] = 0;
        } else
            set_version(s, live[i], k);
    }
}

/* The checker: returns the number of objects, or exits non-zero. */
static int
check(void)
{
    CK_SESSION_HANDLE s = open_user();
    CK_ATTRIBUTE t = {CKA_LABEL, "crash", 5};
    CHECK(p11->C_FindObjectsInit(s, &t, 1));
    CK_OBJECT_HANDLE h[64];
    CK_ULONG n = 0;
    CHECK(p11->C_FindObjects(s, h, 64, &n));
    CHECK(p11->C_FindObjectsFinal(s));
    for (CK_ULONG i = 0; i < n; i++) {
        char app[16] = {0};
        unsigned char val[64];
        CK_ATTRIBUTE a[] = {{CKA_APPLICATION, app, sizeof app - 1}, {CKA_VALUE, val, sizeof val}};
        CHECK(p11->C_GetAttributeValue(s, h[i], a, 2));
        unsigned k;
        if (sscanf(app, "v%u", &k) != 1 || a[1].ulValueLen != 64) exit(3);
        for (int j = 0; j < 64; j++)
            if (val[j] != (unsigned char)(k & 0xff)) {
                fprintf(stderr, "object %lu torn: %s vs byte %u\n", h[i], app, val[j]);
                exit(4);
            }
    }
    CHECK(p11->C_Finalize(NULL));
    return (int)n;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void
setup(const char *dir)
{
    char conf[512];
    snprintf(conf, sizeof conf, "%s/credtoken.conf", dir);
    FILE *f = fopen(conf, "w");
    if (f == NULL) exit(2);
    fprintf(f, "store = %s/store\nkdf_target_ms = 1\n", dir);
    fclose(f);
    setenv("CREDTOKEN_CONF", conf, 1);
    CHECK(p11->C_Initialize(NULL));
    CK_ULONG n = 1;
    CHECK(p11->C_GetSlotList(CK_TRUE, &slot, &n));
    CK_UTF8CHAR label[32];
    memset(label, ' ', sizeof label);
    memcpy(label, "crash", 5);
    CHECK(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR) "12345678", 8, label));
    CK_SESSION_HANDLE s;
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
    CHECK(p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR) "12345678", 8));
    CHECK(p11->C_InitPIN(s, (CK_UTF8CHAR_PTR)pin, 4));
    CHECK(p11->C_Finalize(NULL));
}

int
main(int argc, char **argv)
{
    int kills = argc > 1 ? atoi(argv[1]) : 200;
    const char *mod = getenv("CREDTOKEN_TEST_MODULE");
    void *dl = mod ? dlopen(mod, RTLD_NOW) : NULL;
    if (dl == NULL) {
        fprintf(stderr, "set CREDTOKEN_TEST_MODULE to the module\n");
        return 2;
    }
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
    CHECK(gfl(&p11));
    char dir[] = "/tmp/ct-crash-XXXXXX";
    if (mkdtemp(dir) == NULL) return 2;
    setup(dir);
    srand((unsigned)time(NULL));
    int failures = 0;
    for (int i = 0; i < kills && failures == 0; i++) {
        pid_t w = fork();
        if (w == 0) worker((unsigned)i + 1);
        /* 1..40 ms: early kills land during start-up and login, later
         * ones in the middle of writes. */
        struct timespec ts = {0, (long)(1 + rand() % 40) * 1000000L};
        nanosleep(&ts, NULL);
        kill(w, SIGKILL);
        int st;
        waitpid(w, &st, 0);
        if (WIFEXITED(st)) {
            fprintf(stderr, "worker exited by itself with %d\n", WEXITSTATUS(st));
            failures++;
            break;
        }
        pid_t c = fork();
        /* At most 8 live objects plus one whose creation was cut short. */
        if (c == 0) _exit(check() > 9 ? 5 : 0);
        waitpid(c, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "after kill %d the check failed (status 0x%x)\n", i + 1, st);
            failures++;
        }
    }
    printf("%d SIGKILLs during create/update/destroy: %s\n", kills,
           failures ? "FAILED" : "every object intact, token loadable each time");
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failures ? 1 : 0;
}
