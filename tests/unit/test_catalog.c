/*
 * test_catalog.c: the store's record catalog (src/store/catalog.h) on the
 * file backend: lookups, staleness, rebuilds and their refusals. The
 * core's use of it is in tests/integration/it_catalog.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/rmtree.h"
#include "mech/ossl.h"
#include "store/mem/mem.h"
#include "store/store_int.h"
#include "util/conf.h"

#include "unit.h"

static char tmpdir[64];
static struct conf cf;
static struct store *st;
static struct store_tok *tok;

static const CK_UTF8CHAR so_pin[] = "so-secret";
static const CK_UTF8CHAR user_pin[] = "user-1234";

static void
setup(void)
{
    char l[32];
    ck_assert_rv(ossl_init(), CKR_OK);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ct-cat-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    conf_defaults(&cf);
    snprintf(cf.store, sizeof cf.store, "%s/store", tmpdir);
    cf.kdf_target_ms = 1;
    ck_assert_rv(store_open(&cf, &st), CKR_OK);
    memset(l, ' ', sizeof l);
    ck_assert_rv(store_tok_create(st, l, so_pin, sizeof so_pin - 1, &tok), CKR_OK);
    ck_assert_rv(store_tok_login(tok, CKU_SO, so_pin, sizeof so_pin - 1), CKR_OK);
    ck_assert_rv(store_tok_init_pin(tok, user_pin, sizeof user_pin - 1), CKR_OK);
    store_tok_logout(tok);
    ck_assert_rv(store_tok_login(tok, CKU_USER, user_pin, sizeof user_pin - 1), CKR_OK);
}

static void
teardown(void)
{
    store_close(st);
    rmtree(tmpdir);
    ossl_cleanup();
}

static struct store_rec_keys
keys(const char *label, const char *id)
{
    return (struct store_rec_keys){label, label ? strlen(label) : 0, label != NULL,
                                   id,    id ? strlen(id) : 0,       id != NULL};
}

static uint64_t
put(bool priv, const char *label, const char *id)
{
    uint64_t rid = 0;
    struct store_rec_keys k = keys(label, id);
    ck_assert_rv(store_rec_put(tok, &rid, priv, (const uint8_t *)"body", 4, &k), CKR_OK);
    return rid;
}

/* The ids the catalog names for a label (at most 4), or -1 when it cannot. */
static int
lookup(CK_ATTRIBUTE_TYPE type, const char *v, bool priv, uint64_t out[4])
{
    struct store_rec_ref *refs = NULL;
    size_t n = 0;
    CK_RV rv = store_rec_lookup(tok, type, v, strlen(v), priv, &refs, &n);
    if (rv == CKR_FUNCTION_NOT_SUPPORTED) return -1;
    ck_assert_rv(rv, CKR_OK);
    ck_assert_uint_le(n, 4);
    for (size_t i = 0; i < n; i++)
        out[i] = refs[i].id;
    free(refs);
    return (int)n;
}

static uint64_t
gen(void)
{
    uint64_t g;
    ck_assert_rv(store_tok_generation(tok, &g), CKR_OK);
    return g;
}

START_TEST(test_lookup)
{
    uint64_t ids[4];
    uint64_t a = put(false, "alpha", "A"), b = put(true, "beta", "B");
    put(false, NULL, "C"); /* no label */
    ck_assert_int_eq(lookup(CKA_LABEL, "alpha", false, ids), 1);
    ck_assert_uint_eq(ids[0], a);
    ck_assert_int_eq(lookup(CKA_ID, "A", false, ids), 1);
    ck_assert_int_eq(lookup(CKA_LABEL, "beta", false, ids), 0); /* private */
    ck_assert_int_eq(lookup(CKA_LABEL, "beta", true, ids), 1);
    ck_assert_uint_eq(ids[0], b);
    ck_assert_int_eq(lookup(CKA_LABEL, "", true, ids), 0);
    ck_assert_int_eq(lookup(CKA_LABEL, "gamma", true, ids), 0);
    /* Private lookups need the master key. */
    struct store_rec_ref *refs;
    size_t n;
    store_tok_logout(tok);
    ck_assert_rv(store_rec_lookup(tok, CKA_LABEL, "beta", 4, true, &refs, &n),
                 CKR_USER_NOT_LOGGED_IN);
    /* A change and a destruction. */
    ck_assert_rv(store_tok_login(tok, CKU_USER, user_pin, sizeof user_pin - 1), CKR_OK);
    struct store_rec_keys k = keys("alpha2", "A");
    ck_assert_rv(store_rec_put(tok, &a, false, (const uint8_t *)"x", 1, &k), CKR_OK);
    ck_assert_int_eq(lookup(CKA_LABEL, "alpha", false, ids), 0);
    ck_assert_int_eq(lookup(CKA_LABEL, "alpha2", false, ids), 1);
    struct store_rec_ref cur;
    ck_assert_rv(store_rec_current(tok, a, &cur), CKR_OK);
    ck_assert_uint_eq(cur.ver, 2);
    ck_assert_rv(store_rec_del(tok, a), CKR_OK);
    ck_assert_int_eq(lookup(CKA_LABEL, "alpha2", false, ids), 0);
    ck_assert_rv(store_rec_current(tok, a, &cur), CKR_OBJECT_HANDLE_INVALID);
}
END_TEST

START_TEST(test_second_handle_sees_appends)
{
    uint64_t ids[4];
    put(false, "one", NULL);
    struct store *s2;
    ck_assert_rv(store_open(&cf, &s2), CKR_OK);
    struct store_tok *t2 = store_tok_at(s2, 0);
    struct store_rec_ref *refs;
    size_t n;
    ck_assert_rv(store_rec_lookup(t2, CKA_LABEL, "one", 3, false, &refs, &n), CKR_OK);
    ck_assert_uint_eq(n, 1);
    free(refs);
    uint64_t two = put(false, "two", NULL);
    ck_assert_rv(store_rec_lookup(t2, CKA_LABEL, "two", 3, false, &refs, &n), CKR_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(refs[0].id, two);
    free(refs);
    store_close(s2);
    ck_assert_int_eq(lookup(CKA_LABEL, "two", false, ids), 1);
}
END_TEST

START_TEST(test_stale_and_rebuilt)
{
    uint64_t ids[4];
    uint64_t a = put(false, "pub", "1"), b = put(true, "priv", "2");
    ck_assert(store_cat_current(tok, true));
    /* A write without keys leaves the catalog behind the records. */
    uint64_t c = 0;
    ck_assert_rv(store_rec_put(tok, &c, false, (const uint8_t *)"?", 1, NULL), CKR_OK);
    ck_assert(!store_cat_current(tok, false));
    ck_assert_int_eq(lookup(CKA_LABEL, "pub", false, ids), -1);
    struct store_cat_item items[3] = {
        {{a, 1, false}, keys("pub", "1")},
        {{b, 1, true}, keys("priv", "2")},
        {{c, 1, false}, keys("third", NULL)},
    };
    /* Refused: a public record missing, an old version, a moved generation. */
    ck_assert_rv(store_cat_rebuild(tok, gen(), items, 2), CKR_FUNCTION_FAILED);
    items[0].ref.ver = 7;
    ck_assert_rv(store_cat_rebuild(tok, gen(), items, 3), CKR_FUNCTION_FAILED);
    items[0].ref.ver = 1;
    ck_assert_rv(store_cat_rebuild(tok, gen() - 1, items, 3), CKR_FUNCTION_FAILED);
    ck_assert(!store_cat_current(tok, false));
    /* Without the private record: current for public lookups only. */
    items[1] = items[2];
    ck_assert_rv(store_cat_rebuild(tok, gen(), items, 2), CKR_OK);
    ck_assert(store_cat_current(tok, false));
    ck_assert(!store_cat_current(tok, true));
    ck_assert_int_eq(lookup(CKA_LABEL, "third", false, ids), 1);
    ck_assert_int_eq(lookup(CKA_LABEL, "priv", true, ids), -1);
    /* With it: complete. */
    items[1] = (struct store_cat_item){{b, 1, true}, keys("priv", "2")};
    items[2] = (struct store_cat_item){{c, 1, false}, keys("third", NULL)};
    ck_assert_rv(store_cat_rebuild(tok, gen(), items, 3), CKR_OK);
    ck_assert_int_eq(lookup(CKA_LABEL, "priv", true, ids), 1);
    ck_assert_uint_eq(ids[0], b);
}
END_TEST

START_TEST(test_writer_died_after_its_entry)
{
    uint64_t ids[4];
    put(false, "a", NULL);
    ck_assert(store_cat_current(tok, false));
    uint64_t g = gen();
    /* A writer (another process) logs its catalog entry and dies before
     * its record and its generation bump. */
    struct store *s3, *s4, *s2;
    ck_assert_rv(store_open(&cf, &s3), CKR_OK);
    struct store_tok *t3 = store_tok_at(s3, 0);
    struct store_rec_ref ghost = {0x4242, 1, false};
    struct store_rec_keys k = keys("ghost", NULL);
    ck_assert_rv(store_tok_begin_rec(t3), CKR_OK);
    cat_note_write(t3, g + 1, &ghost, &k);
    store_tok_end(t3);
    store_close(s3);
    ck_assert_uint_eq(gen(), g);
    /* A reader meets the catalog while it is ahead: not current. */
    ck_assert_rv(store_open(&cf, &s4), CKR_OK);
    struct store_tok *t4 = store_tok_at(s4, 0);
    ck_assert(!store_cat_current(t4, false));
    /* The next writer brings the generation to the dead writer's. */
    ck_assert_rv(store_open(&cf, &s2), CKR_OK);
    struct store_tok *t2 = store_tok_at(s2, 0);
    uint64_t c = 0;
    struct store_rec_keys kc = keys("c", NULL);
    ck_assert_rv(store_rec_put(t2, &c, false, (const uint8_t *)"body", 4, &kc), CKR_OK);
    store_close(s2);
    ck_assert_uint_eq(gen(), g + 1);
    /* Neither the reader's copy nor the file may pass for current without c. */
    struct store_rec_ref *refs = NULL;
    size_t n = 0;
    CK_RV rv = store_rec_lookup(t4, CKA_LABEL, "c", 1, false, &refs, &n);
    ck_assert_msg(rv == CKR_FUNCTION_NOT_SUPPORTED || (rv == CKR_OK && n == 1 && refs[0].id == c),
                  "the reader's catalog lost the write (0x%lx, %zu)", rv, n);
    free(refs);
    store_close(s4);
    int got = lookup(CKA_LABEL, "c", false, ids);
    ck_assert_msg(got == -1 || (got == 1 && ids[0] == c), "the catalog lost the write (%d)", got);
    ck_assert_int_ne(lookup(CKA_LABEL, "ghost", false, ids), 1);
}
END_TEST

START_TEST(test_other_boot_is_stale)
{
    char path[700];
    uint64_t ids[4];
    put(false, "x", NULL);
    snprintf(path, sizeof path, "%s/tokens/%.16s/catalog", cf.store, tok->name);
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 8, SEEK_SET), 0); /* the boot ID */
    ck_assert_int_eq(fputc(0x55, f), 0x55);
    fclose(f);
    struct store *s2;
    ck_assert_rv(store_open(&cf, &s2), CKR_OK);
    struct store_tok *t2 = store_tok_at(s2, 0);
    ck_assert(!store_cat_current(t2, false));
    store_close(s2);
    (void)ids;
}
END_TEST

START_TEST(test_mem_backend_has_none)
{
    struct store *m;
    struct store_tok *t;
    char l[32];
    memset(l, ' ', sizeof l);
    ck_assert_rv(store_mem_open("catalog-mem", &cf, &m), CKR_OK);
    ck_assert_rv(store_tok_create(m, l, so_pin, sizeof so_pin - 1, &t), CKR_OK);
    uint64_t id = 0;
    struct store_rec_keys k = keys("m", NULL);
    ck_assert_rv(store_rec_put(t, &id, false, (const uint8_t *)"b", 1, &k), CKR_OK);
    struct store_rec_ref *refs;
    size_t n;
    ck_assert_rv(store_rec_lookup(t, CKA_LABEL, "m", 1, false, &refs, &n),
                 CKR_FUNCTION_NOT_SUPPORTED);
    ck_assert(!store_cat_current(t, false));
    store_close(m);
    store_mem_purge("catalog-mem");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_lookup);
    tcase_add_test(tc, test_second_handle_sees_appends);
    tcase_add_test(tc, test_stale_and_rebuilt);
    tcase_add_test(tc, test_writer_died_after_its_entry);
    tcase_add_test(tc, test_other_boot_is_stale);
    tcase_add_test(tc, test_mem_backend_has_none);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
