/*
 * it_catalog.c: finds by CKA_LABEL and CKA_ID load only the records the
 * store's catalog names (src/store/catalog.h), and stay right when other
 * processes change the token.
 *
 * "Only" is made observable: one record file is damaged on purpose. A find
 * that loaded every record would report CKR_DEVICE_ERROR; a find by
 * another label does not touch it.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static CK_OBJECT_CLASS data_cls = CKO_SECRET_KEY;
static CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* A generic secret key: it has both a CKA_LABEL and a CKA_ID. */
static CK_OBJECT_HANDLE
make(CK_SESSION_HANDLE s, const char *label, const char *id, bool priv)
{
    static const char value[] = "0123456789abcdef";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &data_cls, sizeof data_cls},
                        {CKA_KEY_TYPE, &generic, sizeof generic},
                        {CKA_TOKEN, &yes, 1},
                        {CKA_PRIVATE, priv ? &yes : &no, 1},
                        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)},
                        {CKA_ID, (void *)(uintptr_t)id, strlen(id)},
                        {CKA_VALUE, (void *)(uintptr_t)value, 16}};
    CK_OBJECT_HANDLE h;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 7, &h), CKR_OK);
    return h;
}

/* C_FindObjectsInit's result, and the matches in *h (at most 4). */
static CK_RV
find(CK_SESSION_HANDLE s, CK_ATTRIBUTE_TYPE type, const char *v, CK_OBJECT_HANDLE *h, CK_ULONG *n)
{
    CK_ATTRIBUTE t = {type, (void *)(uintptr_t)v, strlen(v)};
    CK_OBJECT_HANDLE tmp[4];
    *n = 0;
    CK_RV rv = p11->C_FindObjectsInit(s, &t, 1);
    if (rv != CKR_OK) return rv;
    ck_assert_uint_eq(p11->C_FindObjects(s, h ? h : tmp, 4, n), CKR_OK);
    ck_assert_uint_eq(p11->C_FindObjectsFinal(s), CKR_OK);
    return CKR_OK;
}

static CK_ULONG
count(CK_SESSION_HANDLE s, CK_ATTRIBUTE_TYPE type, const char *v)
{
    CK_ULONG n;
    ck_assert_uint_eq(find(s, type, v, NULL, &n), CKR_OK);
    return n;
}

/* The token directory of the store's only token. */
static void
tok_dir(char out[700])
{
    char toks[600];
    snprintf(toks, sizeof toks, "%s/tokens", h_store);
    DIR *d = opendir(toks);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    out[0] = '\0';
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') snprintf(out, 700, "%s/%s", toks, e->d_name);
    closedir(d);
    ck_assert(out[0] != '\0');
}

/* Damage one public record file: the one whose sealed bytes hold needle. */
static void
damage_record(const char *needle)
{
    char dir[700], objs[720], path[1000];
    tok_dir(dir);
    snprintf(objs, sizeof objs, "%s/objects", dir);
    DIR *d = opendir(objs);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int done = 0;
    while (!done && (e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".pub") == NULL) continue;
        snprintf(path, sizeof path, "%s/%s", objs, e->d_name);
        FILE *f = fopen(path, "r+b");
        ck_assert_ptr_nonnull(f);
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf, f);
        for (size_t i = 0; i + strlen(needle) <= n && !done; i++)
            if (memcmp(buf + i, needle, strlen(needle)) == 0) {
                buf[i] ^= 0x20; /* a flipped bit the record's tag catches */
                ck_assert_int_eq(fseek(f, (long)i, SEEK_SET), 0);
                ck_assert_int_eq(fputc(buf[i], f), (unsigned char)buf[i]);
                done = 1;
            }
        fclose(f);
    }
    closedir(d);
    ck_assert_msg(done, "no record holds %s", needle);
}

/* Run fn in a child process, as another application on the same store. */
static void
elsewhere(CK_SLOT_ID slot, void (*fn)(CK_SESSION_HANDLE, const char *), const char *arg)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        CK_SESSION_HANDLE s;
        if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
        if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK)
            _exit(3);
        if (p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4) != CKR_OK) _exit(4);
        fn(s, arg);
        p11->C_Finalize(NULL);
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status 0x%x", st);
}

static void
do_rename(CK_SESSION_HANDLE s, const char *label)
{
    CK_OBJECT_HANDLE h;
    CK_ULONG n;
    if (find(s, CKA_LABEL, label, &h, &n) != CKR_OK || n != 1) _exit(10);
    CK_ATTRIBUTE t = {CKA_LABEL, "renamed", 7};
    if (p11->C_SetAttributeValue(s, h, &t, 1) != CKR_OK) _exit(11);
}

static void
do_destroy(CK_SESSION_HANDLE s, const char *label)
{
    CK_OBJECT_HANDLE h;
    CK_ULONG n;
    if (find(s, CKA_LABEL, label, &h, &n) != CKR_OK || n != 1) _exit(10);
    if (p11->C_DestroyObject(s, h) != CKR_OK) _exit(12);
}

static void
do_create(CK_SESSION_HANDLE s, const char *label)
{
    make(s, label, "new-id", true);
}

/* A token with 40 public and 40 private keys; the library is then
 * finalized and initialized again, so that nothing is loaded. */
static CK_SLOT_ID
populated(void)
{
    char label[32], id[32];
    h_init();
    CK_SLOT_ID slot = h_token("catalog");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    for (int i = 0; i < 80; i++) {
        snprintf(label, sizeof label, "obj-%d", i);
        snprintf(id, sizeof id, "id-%d", i);
        make(s, label, id, i % 2 == 1);
    }
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    h_init();
    return slot;
}

START_TEST(find_by_label_loads_only_its_records)
{
    CK_SLOT_ID slot = populated();
    damage_record("obj-10");
    CK_SESSION_HANDLE s = h_session(slot, false, true);
    CK_OBJECT_HANDLE h;
    CK_ULONG n;
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-12"), 1);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-13"), 1); /* private */
    ck_assert_uint_eq(count(s, CKA_ID, "id-14"), 1);
    ck_assert_uint_eq(count(s, CKA_LABEL, "no such label"), 0);
    /* The damaged record itself, and any find that loads everything. */
    ck_assert_uint_eq(find(s, CKA_LABEL, "obj-10", &h, &n), CKR_DEVICE_ERROR);
    CK_ATTRIBUTE all = {CKA_CLASS, &data_cls, sizeof data_cls};
    ck_assert_uint_eq(p11->C_FindObjectsInit(s, &all, 1), CKR_DEVICE_ERROR);
}
END_TEST

START_TEST(private_records_need_the_user)
{
    CK_SLOT_ID slot = populated();
    CK_SESSION_HANDLE s = h_session(slot, false, false);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-3"), 0);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-4"), 1);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_OK);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-3"), 1);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-3"), 0);
    ck_assert_uint_eq(count(s, CKA_ID, "id-3"), 0);
}
END_TEST

START_TEST(changes_elsewhere_are_seen)
{
    CK_SLOT_ID slot = populated();
    CK_SESSION_HANDLE s = h_session(slot, false, true);
    CK_OBJECT_HANDLE h, h2;
    CK_ULONG n, len;
    ck_assert_uint_eq(find(s, CKA_LABEL, "obj-20", &h, &n), CKR_OK);
    ck_assert_uint_eq(n, 1);
    /* Renamed by another process: the loaded copy still says obj-20, but
     * the old label finds nothing and the new one finds the same handle. */
    elsewhere(slot, do_rename, "obj-20");
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-20"), 0);
    ck_assert_uint_eq(find(s, CKA_LABEL, "renamed", &h2, &n), CKR_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(h2, h);
    char *label = h_attr(s, h, CKA_LABEL, &len);
    ck_assert_uint_eq(len, 7);
    ck_assert_int_eq(memcmp(label, "renamed", 7), 0);
    free(label);
    /* Destroyed by another process: not found, and the handle is gone. */
    ck_assert_uint_eq(find(s, CKA_LABEL, "obj-21", &h, &n), CKR_OK);
    ck_assert_uint_eq(n, 1);
    elsewhere(slot, do_destroy, "obj-21");
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-21"), 0);
    CK_ATTRIBUTE a = {CKA_LABEL, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, h, &a, 1), CKR_OBJECT_HANDLE_INVALID);
    /* Created by another process. */
    elsewhere(slot, do_create, "made-elsewhere");
    ck_assert_uint_eq(count(s, CKA_LABEL, "made-elsewhere"), 1);
    ck_assert_uint_eq(count(s, CKA_ID, "new-id"), 1);
}
END_TEST

/* Re-initialize the token (new seed, new master key), give it a user PIN
 * and one public key labelled "after-reinit". */
static void
do_reinit(CK_SLOT_ID slot)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        CK_SESSION_HANDLE s;
        CK_UTF8CHAR label[32];
        memset(label, ' ', sizeof label);
        memcpy(label, "catalog", 7);
        if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
        if (p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label) != CKR_OK)
            _exit(3);
        if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK)
            _exit(4);
        if (p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)) != CKR_OK) _exit(5);
        if (p11->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 4) != CKR_OK) _exit(6);
        if (p11->C_Logout(s) != CKR_OK) _exit(7);
        if (p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4) != CKR_OK) _exit(8);
        make(s, "after-reinit", "r", false);
        p11->C_Finalize(NULL);
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status 0x%x", st);
}

START_TEST(a_reinitialized_token_is_seen)
{
    CK_SLOT_ID slot = populated();
    CK_SESSION_HANDLE s = h_session(slot, false, false);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-2"), 1);
    do_reinit(slot);
    /* The old objects are gone and the new one is found: the catalog is
     * read with the new token's keys. */
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-2"), 0);
    ck_assert_uint_eq(count(s, CKA_LABEL, "after-reinit"), 1);
    ck_assert_uint_eq(count(s, CKA_ID, "r"), 1);
}
END_TEST

START_TEST(a_lost_catalog_is_rebuilt)
{
    char dir[700], cat[720];
    struct stat st;
    CK_SLOT_ID slot = populated();
    tok_dir(dir);
    snprintf(cat, sizeof cat, "%s/catalog", dir);
    ck_assert_int_eq(stat(cat, &st), 0);
    ck_assert_int_eq(unlink(cat), 0);
    /* No catalog: the find loads every record, then writes one. */
    CK_SESSION_HANDLE s = h_session(slot, false, true);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-31"), 1);
    ck_assert_int_eq(stat(cat, &st), 0);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    /* A process of the next start finds through it (the damaged record is
     * not touched). */
    damage_record("obj-40");
    h_init();
    s = h_session(slot, false, true);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-31"), 1);
    ck_assert_uint_eq(count(s, CKA_LABEL, "obj-32"), 1);
}
END_TEST

START_TEST(many_writes_compact_the_catalog)
{
    char dir[700], cat[720], label[32];
    struct stat st;
    h_init();
    CK_SLOT_ID slot = h_token("compact");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE h = make(s, "churn", "c", false);
    for (int i = 0; i < 400; i++) {
        snprintf(label, sizeof label, "churn-%d", i);
        CK_ATTRIBUTE t = {CKA_LABEL, label, strlen(label)};
        ck_assert_uint_eq(p11->C_SetAttributeValue(s, h, &t, 1), CKR_OK);
    }
    tok_dir(dir);
    snprintf(cat, sizeof cat, "%s/catalog", dir);
    ck_assert_int_eq(stat(cat, &st), 0);
    /* One record: a header, a base entry and at most 129 deltas of 48 bytes. */
    ck_assert_int_le(st.st_size, 48 * (2 + 129));
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    h_init();
    s = h_session(slot, false, true);
    ck_assert_uint_eq(count(s, CKA_LABEL, "churn-399"), 1);
    ck_assert_uint_eq(count(s, CKA_LABEL, "churn-398"), 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, find_by_label_loads_only_its_records);
    tcase_add_test(tc, private_records_need_the_user);
    tcase_add_test(tc, changes_elsewhere_are_seen);
    tcase_add_test(tc, a_lost_catalog_is_rebuilt);
    tcase_add_test(tc, a_reinitialized_token_is_seen);
    tcase_add_test(tc, many_writes_compact_the_catalog);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
