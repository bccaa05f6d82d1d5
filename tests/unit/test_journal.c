/*
 * test_journal.c: the file backend's record journal (src/store/file/
 * journal.h), through the store API. A power failure is simulated the way
 * it hurts: record files written without fsync are lost, torn or left
 * behind, and the journal header names another boot.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/rmtree.h"
#include "mech/ossl.h"
#include "store/file/journal.h"
#include "store/store_int.h"
#include "util/conf.h"
#include "util/wipe.h"

#include "unit.h"

static char tmpdir[64];
static struct conf cf;

static const CK_UTF8CHAR so_pin[] = "so-secret";
static const CK_UTF8CHAR user_pin[] = "user-1234";
#define SO_PIN so_pin, (CK_ULONG)(sizeof so_pin - 1)
#define USER_PIN user_pin, (CK_ULONG)(sizeof user_pin - 1)

static void
setup(void)
{
    ck_assert_rv(ossl_init(), CKR_OK);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ct-journal-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    conf_defaults(&cf);
    snprintf(cf.store, sizeof cf.store, "%s/store", tmpdir);
    cf.kdf_target_ms = 1;
}

static void
teardown(void)
{
    rmtree(tmpdir);
    ossl_cleanup();
}

static struct store *
open_store(void)
{
    struct store *s = NULL;
    ck_assert_rv(store_open(&cf, &s), CKR_OK);
    return s;
}

/* A token with a user PIN, the user logged in. */
static struct store_tok *
user_tok(struct store *s)
{
    char l[32];
    struct store_tok *t = NULL;
    memset(l, ' ', sizeof l);
    memcpy(l, "journal", 7);
    ck_assert_rv(store_tok_create(s, l, SO_PIN, &t), CKR_OK);
    ck_assert_rv(store_tok_login(t, CKU_SO, SO_PIN), CKR_OK);
    ck_assert_rv(store_tok_init_pin(t, USER_PIN), CKR_OK);
    store_tok_logout(t);
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_OK);
    return t;
}

static uint64_t
put(struct store_tok *t, uint64_t id, bool priv, const char *text)
{
    ck_assert_rv(store_rec_put(t, &id, priv, (const uint8_t *)text, strlen(text), NULL), CKR_OK);
    return id;
}

static void
expect(struct store_tok *t, uint64_t id, const char *text)
{
    uint8_t *p = NULL;
    size_t n = 0;
    ck_assert_rv(store_rec_get(t, id, &p, &n, NULL), CKR_OK);
    ck_assert_uint_eq(n, strlen(text));
    ck_assert_int_eq(memcmp(p, text, n), 0);
    wipe_free(p, n);
}

static void
expect_gone(struct store_tok *t, uint64_t id)
{
    uint8_t *p = NULL;
    size_t n = 0;
    ck_assert_rv(store_rec_get(t, id, &p, &n, NULL), CKR_OBJECT_HANDLE_INVALID);
}

static size_t
nrecs(struct store_tok *t)
{
    struct store_rec_ref *refs = NULL;
    size_t n = 99;
    ck_assert_rv(store_rec_list(t, &refs, &n), CKR_OK);
    free(refs);
    return n;
}

static void
tok_dir(struct store_tok *t, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/tokens/%.16s", cf.store, t->name);
}

static void
rec_path(const char *dir, uint64_t id, uint64_t ver, bool priv, char out[PATH_MAX + 64])
{
    snprintf(out, PATH_MAX + 64, "%s/objects/%016llx-%016llx.%s", dir, (unsigned long long)id,
             (unsigned long long)ver, priv ? "prv" : "pub");
}

static size_t
slurp(const char *path, uint8_t *buf, size_t max)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, max, f);
    fclose(f);
    return n;
}

static void
spill(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* Overwrite n bytes of the journal at off with v. */
static void
journal_poke(const char *dir, long off, int v, size_t n)
{
    char p[PATH_MAX + 16];
    uint8_t b[64];
    memset(b, v, sizeof b);
    snprintf(p, sizeof p, "%s/journal", dir);
    int fd = open(p, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, b, n, off), (ssize_t)n);
    close(fd);
}

/* The journal as a restarted machine finds it: written in another boot. */
static void
another_boot(const char *dir)
{
    journal_poke(dir, 16, 0xa5, 16);
}

static uint64_t
journal_epoch(const char *dir)
{
    char p[PATH_MAX + 16];
    uint8_t h[16];
    snprintf(p, sizeof p, "%s/journal", dir);
    ck_assert_uint_eq(slurp(p, h, sizeof h), sizeof h);
    uint64_t e = 0;
    for (int i = 8; i < 16; i++)
        e = e << 8 | h[i];
    return e;
}

/* Run fn in a child that exits without closing the store: as a process
 * that crashed, it leaves its journal entries unchecked. The record files
 * it wrote are in the page cache, as after a real crash before the power
 * fails. */
static void
crashed_writer(void (*fn)(void))
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer status 0x%x", st);
}

/* What the writers below made, for the checks in the parent. The crashed
 * writer's store stays referenced here: it is abandoned, not leaked. */
static uint64_t ra, rb, rc, rx, ry;
static struct store *volatile crashed;
static char rdir[PATH_MAX];

static void
write_then_crash(void)
{
    char pc[PATH_MAX + 64], keep[PATH_MAX + 64];
    uint8_t buf[4096];
    struct store *s = crashed = open_store();
    struct store_tok *t = user_tok(s);
    ra = put(t, 0, false, "a, first version");
    put(t, ra, false, "a, second version");
    rb = put(t, 0, true, "b, a private record");
    rc = put(t, 0, false, "c, destroyed");
    tok_dir(t, rdir);
    rec_path(rdir, rc, 1, false, pc);
    snprintf(keep, sizeof keep, "%s/c-bytes", tmpdir);
    spill(keep, buf, slurp(pc, buf, sizeof buf));
    ck_assert_rv(store_rec_del(t, rc), CKR_OK);
    /* ids for the parent */
    snprintf(keep, sizeof keep, "%s/ids", tmpdir);
    uint64_t ids[3] = {ra, rb, rc};
    spill(keep, (const uint8_t *)ids, sizeof ids);
}

static void
read_ids(uint64_t *out, size_t n)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/ids", tmpdir);
    ck_assert_uint_eq(slurp(p, (uint8_t *)out, n * sizeof *out), n * sizeof *out);
}

START_TEST(test_replay_after_power_failure)
{
    char dir[PATH_MAX], pa[PATH_MAX + 64], pb[PATH_MAX + 64], pc[PATH_MAX + 64],
        keep[PATH_MAX + 64];
    uint8_t cbytes[4096];
    uint64_t ids[3];
    ck_assert(journal_usable(NULL));
    crashed_writer(write_then_crash);
    read_ids(ids, 3);
    struct store *s = open_store();
    struct store_tok *t = store_tok_at(s, 0);
    tok_dir(t, dir);
    store_close(s);
    uint64_t a = ids[0], b = ids[1], c = ids[2];
    rec_path(dir, a, 2, false, pa);
    rec_path(dir, b, 1, true, pb);
    rec_path(dir, c, 1, false, pc);
    uint64_t e0 = journal_epoch(dir);

    /* The power fails: a's file never reached the disk, b's is torn, and
     * the unlink of c's is lost. */
    snprintf(keep, sizeof keep, "%s/c-bytes", tmpdir);
    size_t cn = slurp(keep, cbytes, sizeof cbytes);
    ck_assert_int_eq(unlink(pa), 0);
    ck_assert_int_eq(truncate(pb, 10), 0);
    spill(pc, cbytes, cn);
    another_boot(dir);

    s = open_store();
    t = store_tok_at(s, 0);
    int saved = quiet_begin();
    ck_assert_uint_eq(nrecs(t), 2);
    quiet_end(saved);
    expect(t, a, "a, second version");
    expect_gone(t, c);
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_OK);
    expect(t, b, "b, a private record");
    /* Replayed once: the journal starts a new epoch for this boot. */
    ck_assert_uint_gt(journal_epoch(dir), e0);
    ck_assert_int_ne(access(pc, F_OK), 0);
    store_close(s);
}
END_TEST

static void
cut_short_writer(void)
{
    char px[PATH_MAX + 64], py[PATH_MAX + 64], keep[PATH_MAX + 64];
    uint8_t buf[4096];
    struct store *s = crashed = open_store();
    struct store_tok *t = user_tok(s);
    ra = put(t, 0, false, "kept");
    rx = put(t, 0, true, "its writer was killed");
    ry = put(t, 0, false, "its destroyer was killed");
    tok_dir(t, rdir);
    rec_path(rdir, rx, 1, true, px);
    rec_path(rdir, ry, 1, false, py);
    snprintf(keep, sizeof keep, "%s/y-bytes", tmpdir);
    spill(keep, buf, slurp(py, buf, sizeof buf));
    ck_assert_rv(store_rec_del(t, ry), CKR_OK);
    /* Killed between the journal entry and the record file: x's file was
     * never written, y's was never unlinked. */
    ck_assert_int_eq(unlink(px), 0);
    spill(py, buf, slurp(keep, buf, sizeof buf));
    snprintf(keep, sizeof keep, "%s/ids", tmpdir);
    uint64_t ids[3] = {ra, rx, ry};
    spill(keep, (const uint8_t *)ids, sizeof ids);
}

START_TEST(test_cut_short_operations_are_taken_back)
{
    char dir[PATH_MAX], py[PATH_MAX + 64];
    uint64_t ids[3];
    crashed_writer(cut_short_writer);
    read_ids(ids, 3);
    uint64_t a = ids[0], x = ids[1], y = ids[2];

    /* Another process, same boot: the next write settles both. */
    struct store *s = open_store();
    struct store_tok *t = store_tok_at(s, 0);
    tok_dir(t, dir);
    rec_path(dir, y, 1, false, py);
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_OK);
    int saved = quiet_begin();
    uint64_t z = put(t, 0, false, "the next write");
    quiet_end(saved);
    expect_gone(t, x);
    expect(t, y, "its destroyer was killed");
    ck_assert_int_eq(access(py, F_OK), 0);
    ck_assert_uint_eq(nrecs(t), 3);
    /* A restart (this process still holding its unchecked journal, as if
     * it had crashed) replays the journal: both stay taken back. */
    another_boot(dir);
    struct store *s2 = open_store();
    struct store_tok *t2 = store_tok_at(s2, 0);
    ck_assert_rv(store_tok_login(t2, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(nrecs(t2), 3);
    expect(t2, a, "kept");
    expect(t2, z, "the next write");
    expect(t2, y, "its destroyer was killed");
    expect_gone(t2, x);
    store_close(s2);
    store_close(s);
}
END_TEST

START_TEST(test_checkpoint_when_full)
{
    char dir[PATH_MAX], p[PATH_MAX + 16];
    struct stat st;
    struct store *s = open_store();
    struct store_tok *t = user_tok(s);
    tok_dir(t, dir);
    /* 24 records of 64 KiB: half again the journal's size. */
    size_t len = 64u << 10;
    char *big = malloc(len + 1);
    ck_assert_ptr_nonnull(big);
    uint64_t ids[24];
    memset(big, 'a', len);
    big[len] = '\0';
    ids[0] = put(t, 0, false, big);
    uint64_t e0 = journal_epoch(dir);
    for (int i = 1; i < 24; i++) {
        memset(big, 'a' + i, len);
        big[len] = '\0';
        ids[i] = put(t, 0, i % 2 == 1, big);
    }
    snprintf(p, sizeof p, "%s/journal", dir);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_le(st.st_size, JOURNAL_MAX);
    ck_assert_uint_gt(journal_epoch(dir), e0);
    /* A record larger than the journal is written durably on its own. */
    size_t hlen = JOURNAL_MAX + 4096;
    char *huge = malloc(hlen + 1);
    ck_assert_ptr_nonnull(huge);
    memset(huge, 'h', hlen);
    huge[hlen] = '\0';
    uint64_t h = put(t, 0, false, huge);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_le(st.st_size, JOURNAL_MAX);
    store_close(s);

    another_boot(dir);
    s = open_store();
    t = store_tok_at(s, 0);
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(nrecs(t), 25);
    for (int i = 0; i < 24; i++) {
        memset(big, 'a' + i, len);
        expect(t, ids[i], big);
    }
    expect(t, h, huge);
    store_close(s);
    free(big);
    free(huge);
}
END_TEST

START_TEST(test_torn_header)
{
    char dir[PATH_MAX];
    struct store *s = open_store();
    struct store_tok *t = user_tok(s);
    uint64_t a = put(t, 0, false, "before");
    tok_dir(t, dir);
    store_close(s);
    /* The epoch torn (a checkpoint cut short): the entries are dropped,
     * which is safe because a checkpoint writes the header last. */
    journal_poke(dir, 8, 0x5a, 4);
    s = open_store();
    t = store_tok_at(s, 0);
    int saved = quiet_begin();
    uint64_t b = put(t, 0, false, "after");
    quiet_end(saved);
    expect(t, a, "before");
    expect(t, b, "after");
    store_close(s);
    /* And the new header is whole: a restart replays "after". */
    another_boot(dir);
    s = open_store();
    t = store_tok_at(s, 0);
    ck_assert_uint_eq(nrecs(t), 2);
    expect(t, b, "after");
    store_close(s);
}
END_TEST

START_TEST(test_two_handles_interleave)
{
    /* Two handles (as two processes) write in turn; each settles the
     * other's entries, which are complete, and changes nothing. */
    struct store *s1 = open_store();
    struct store_tok *t1 = user_tok(s1);
    struct store *s2 = open_store();
    struct store_tok *t2 = store_tok_at(s2, 0);
    ck_assert_rv(store_tok_login(t2, CKU_USER, USER_PIN), CKR_OK);
    uint64_t ids[20];
    for (int i = 0; i < 20; i++) {
        char text[32];
        snprintf(text, sizeof text, "record %d", i);
        ids[i] = put(i % 2 ? t2 : t1, 0, i % 3 == 0, text);
        if (i % 4 == 3) ck_assert_rv(store_rec_del(i % 2 ? t1 : t2, ids[i - 1]), CKR_OK);
    }
    ck_assert_uint_eq(nrecs(t1), 15);
    ck_assert_uint_eq(nrecs(t2), 15);
    expect(t1, ids[19], "record 19");
    expect(t2, ids[0], "record 0");
    expect_gone(t1, ids[2]);
    store_close(s2);
    store_close(s1);
}
END_TEST

static Suite *
journal_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_replay_after_power_failure);
    tcase_add_test(tc, test_cut_short_operations_are_taken_back);
    tcase_add_test(tc, test_checkpoint_when_full);
    tcase_add_test(tc, test_torn_header);
    tcase_add_test(tc, test_two_handles_interleave);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(journal_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
