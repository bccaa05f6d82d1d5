/*
 * sets.c: a store of many credential sets (issue: "test it at 10,000
 * sets: list and open must stay fast").
 *
 * It creates N psk sets through CT_CreateSet with max_sets = N, checks that
 * set N+1 is refused at the limit, then, each in a fresh process, as an
 * application would:
 *   - start: C_Initialize and the slot list;
 *   - list: every set's public descriptor read, as `credtoken set list`;
 *   - open: find one set by label through C_GetTokenInfo on every slot (as
 *     a PKCS#11 URI does), log in, HMAC in the token, checked against
 *     OpenSSL's HMAC of the raw key;
 *   - update and delete one set.
 * Correctness is asserted; the times are printed, never asserted (the
 * numbers go to the note). Usage: sets [N] (default 10000).
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credtoken/credsets.h"
#include "credtoken/pkcs11.h"

static CK_FUNCTION_LIST_3_0 *p11;
static const CT_CREDSETS_FUNCTION_LIST *cs;
static unsigned nsets;

#define SO_PIN "12345678"
#define PIN "1234"

#define CHECK(call)                                                                                \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != CKR_OK) {                                                                       \
            fprintf(stderr, "%s:%d: %s -> 0x%lx\n", __FILE__, __LINE__, #call, rv_);               \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)
#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                    \
            exit(3);                                                                               \
        }                                                                                          \
    } while (0)

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
init(void)
{
    CK_INTERFACE *i = NULL;
    CHECK(p11->C_Initialize(NULL));
    CHECK(p11->C_GetInterface((CK_UTF8CHAR_PTR)CT_CREDSETS_INTERFACE, NULL, &i, 0));
    cs = i->pFunctionList;
}

static CK_RV
create(unsigned k)
{
    char id[32], body[128], err[256];
    CK_SLOT_ID slot;
    snprintf(id, sizeof id, "set-%05u", k);
    snprintf(body, sizeof body,
             "{\"type\":\"psk\",\"description\":\"d%u\",\"credentials\":"
             "{\"key\":\"key-%u\"}}",
             k, k);
    CK_RV rv =
        cs->CT_CreateSet(id, (const CK_BYTE *)body, strlen(body), 0, (const CK_UTF8CHAR *)SO_PIN, 8,
                         (const CK_UTF8CHAR *)PIN, 4, &slot, err, sizeof err);
    if (rv != CKR_OK && rv != CKR_DEVICE_MEMORY) fprintf(stderr, "set %u: %s\n", k, err);
    return rv;
}

static CK_SLOT_ID *
slots(CK_ULONG *n)
{
    CHECK(p11->C_GetSlotList(CK_TRUE, NULL, n));
    CK_SLOT_ID *v = calloc(*n ? *n : 1, sizeof *v);
    EXPECT(v != NULL);
    CHECK(p11->C_GetSlotList(CK_TRUE, v, n));
    return v;
}

/* Every set's descriptor, read without a PIN: how many there are. */
static unsigned
list_all(void)
{
    CK_ULONG n;
    CK_SLOT_ID *v = slots(&n);
    unsigned found = 0;
    CK_OBJECT_CLASS cls = CKO_DATA;
    char label[] = "credset";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, sizeof label - 1}};
    for (CK_ULONG i = 0; i < n; i++) {
        CK_SESSION_HANDLE s;
        CK_OBJECT_HANDLE h;
        CK_ULONG got = 0;
        CK_TOKEN_INFO ti;
        CHECK(p11->C_GetTokenInfo(v[i], &ti));
        if (!(ti.flags & CKF_TOKEN_INITIALIZED)) continue;
        CHECK(p11->C_OpenSession(v[i], CKF_SERIAL_SESSION, NULL, NULL, &s));
        CHECK(p11->C_FindObjectsInit(s, t, 2));
        CHECK(p11->C_FindObjects(s, &h, 1, &got));
        CHECK(p11->C_FindObjectsFinal(s));
        char buf[1024];
        CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof buf - 1};
        if (got == 1) {
            CHECK(p11->C_GetAttributeValue(s, h, &a, 1));
            buf[a.ulValueLen] = '\0';
            EXPECT(strstr(buf, "\"type\":\"psk\"") != NULL || strstr(buf, "\"psk\"") != NULL);
            found++;
        }
        CHECK(p11->C_CloseSession(s));
    }
    free(v);
    return found;
}

/* The slot of set k, found by label as a PKCS#11 URI finds a token. */
static CK_SLOT_ID
find_set(unsigned k)
{
    char want[33];
    CK_ULONG n;
    CK_SLOT_ID *v = slots(&n), found = (CK_SLOT_ID)-1;
    snprintf(want, sizeof want, "set-%05u%*s", k, 23, "");
    for (CK_ULONG i = 0; i < n && found == (CK_SLOT_ID)-1; i++) {
        CK_TOKEN_INFO ti;
        CHECK(p11->C_GetTokenInfo(v[i], &ti));
        if (memcmp(ti.label, want, 32) == 0) found = v[i];
    }
    free(v);
    EXPECT(found != (CK_SLOT_ID)-1);
    return found;
}

/* Log in to set k and HMAC in the token: equal to OpenSSL's from the raw key. */
static void
use_set(CK_SLOT_ID slot, const char *raw)
{
    static const char msg[] = "sr=hub%2Fdevices%2Fd1\n1700000000";
    CK_SESSION_HANDLE s;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE t = {CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE key;
    CK_ULONG got = 0, len = 32;
    CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
    unsigned char mac[32], want[32];
    unsigned wlen = sizeof want;
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
    CHECK(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)PIN, 4));
    CHECK(p11->C_FindObjectsInit(s, &t, 1));
    CHECK(p11->C_FindObjects(s, &key, 1, &got));
    CHECK(p11->C_FindObjectsFinal(s));
    EXPECT(got == 1);
    CHECK(p11->C_SignInit(s, &m, key));
    CHECK(p11->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, mac, &len));
    EXPECT(HMAC(EVP_sha256(), raw, (int)strlen(raw), (const unsigned char *)msg, sizeof msg - 1,
                want, &wlen) != NULL);
    EXPECT(len == 32 && memcmp(mac, want, 32) == 0);
    CHECK(p11->C_CloseSession(s));
}

/* Run fn in a fresh process (nothing loaded or cached) and wait for it. */
static void
fresh(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    EXPECT(pid >= 0);
    if (pid == 0) {
        fn();
        fflush(stdout);
        _exit(0);
    }
    int st;
    EXPECT(waitpid(pid, &st, 0) == pid);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
phase_start_and_list(void)
{
    double t0 = now_s();
    init();
    CK_ULONG n;
    free(slots(&n));
    double t1 = now_s();
    unsigned found = list_all();
    double t2 = now_s();
    EXPECT(found == nsets);
    printf("start (C_Initialize, slot list):     %8.1f ms\n", (t1 - t0) * 1e3);
    printf("list (%u descriptors, no PIN):     %8.1f ms (%.1f us per set)\n", found,
           (t2 - t1) * 1e3, (t2 - t1) * 1e6 / found);
    p11->C_Finalize(NULL);
}

static void
phase_open(void)
{
    unsigned k = nsets / 2;
    char raw[32];
    snprintf(raw, sizeof raw, "key-%u", k);
    double t0 = now_s();
    init();
    CK_SLOT_ID slot = find_set(k);
    double t1 = now_s();
    use_set(slot, raw);
    double t2 = now_s();
    printf("open: start + find by label:          %8.1f ms\n", (t1 - t0) * 1e3);
    printf("open: login + find key + HMAC:        %8.1f ms (PIN KDF included)\n", (t2 - t1) * 1e3);
    p11->C_Finalize(NULL);
}

static void
phase_update_delete(void)
{
    unsigned k = nsets / 3;
    char err[256];
    const char *body = "{\"type\":\"psk\",\"credentials\":{\"key\":\"rotated\"}}";
    init();
    CK_SLOT_ID slot = find_set(k);
    CK_SESSION_HANDLE s;
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
    CHECK(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)PIN, 4));
    double t0 = now_s();
    CHECK(cs->CT_UpdateSet(s, (const CK_BYTE *)body, strlen(body), 0, err, sizeof err));
    double t1 = now_s();
    CHECK(p11->C_CloseSession(s));
    use_set(slot, "rotated");
    CK_SLOT_ID gone = find_set(k + 1);
    double t2 = now_s();
    CHECK(cs->CT_DeleteSet(gone, (const CK_UTF8CHAR *)SO_PIN, 8, err, sizeof err));
    double t3 = now_s();
    EXPECT(list_all() == nsets - 1);
    printf("update one set:                       %8.1f ms\n", (t1 - t0) * 1e3);
    printf("delete one set:                       %8.1f ms (SO PIN KDF included)\n",
           (t3 - t2) * 1e3);
    p11->C_Finalize(NULL);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int
main(int argc, char **argv)
{
    nsets = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
    /* sets N DIR: keep the store in DIR (made if new) for another run,
     * which skips the creation when DIR holds it already. */
    const char *keep = argc > 2 ? argv[2] : NULL;
    const char *mod = getenv("CREDTOKEN_TEST_MODULE");
    char tmpl[] = "/tmp/ct-sets-XXXXXX", conf[600];
    const char *dir = keep != NULL ? keep : mkdtemp(tmpl);
    if (nsets < 10 || mod == NULL || dir == NULL) {
        fprintf(stderr, "usage: CREDTOKEN_TEST_MODULE=PATH sets [N >= 10 [DIR]]\n");
        return 2;
    }
    snprintf(conf, sizeof conf, "%s/conf", dir);
    bool reuse = keep != NULL && access(conf, F_OK) == 0;
    if (keep != NULL) (void)mkdir(dir, 0700);
    FILE *f = reuse ? NULL : fopen(conf, "w");
    EXPECT(reuse || f != NULL);
    if (f != NULL) {
        fprintf(f, "store = %s/store\nkdf_target_ms = 2\nmax_sets = %u\n", dir, nsets);
        fclose(f);
    }
    setenv("CREDTOKEN_CONF", conf, 1);
    void *dl = dlopen(mod, RTLD_NOW);
    CK_C_GetInterface get = dl ? (CK_C_GetInterface)dlsym(dl, "C_GetInterface") : NULL;
    CK_INTERFACE *iface = NULL;
    EXPECT(get != NULL);
    CHECK(get((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &iface, 0));
    p11 = iface->pFunctionList;

    printf("%u credential sets (psk), file store, PIN KDF 2 ms\n", nsets);
    if (reuse) goto phases;
    init();
    double t0 = now_s(), tk = t0;
    for (unsigned k = 0; k < nsets; k++) {
        CHECK(create(k));
        if ((k + 1) % (nsets / 10) == 0) {
            double t = now_s();
            printf("create sets %5u-%5u:            %8.2f ms per set\n", k + 1 - nsets / 10, k,
                   (t - tk) * 1e3 / (nsets / 10));
            fflush(stdout);
            tk = t;
        }
    }
    printf("create all %u:                     %8.1f s\n", nsets, now_s() - t0);
    EXPECT(create(nsets) == CKR_DEVICE_MEMORY); /* the limit */
    p11->C_Finalize(NULL);
phases:
    fresh(phase_start_and_list);
    fresh(phase_open);
    if (keep == NULL) {
        fresh(phase_update_delete);
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    printf("sets: ok\n");
    return 0;
}
