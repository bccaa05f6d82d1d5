/* test_util.c: wipe/ct_eq, bounded buffers, attribute sets, config, text. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/attr.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/text.h"
#include "util/wipe.h"

START_TEST(ct_eq_compares)
{
    ck_assert_int_eq(ct_eq("abcd", "abcd", 4), 1);
    ck_assert_int_eq(ct_eq("abcd", "abce", 4), 0);
    ck_assert_int_eq(ct_eq("xbcd", "abcd", 4), 0);
    ck_assert_int_eq(ct_eq("", "", 0), 1);
    unsigned char a[256], b[256];
    for (int i = 0; i < 256; i++)
        a[i] = b[i] = (unsigned char)i;
    for (int i = 0; i < 256; i++) {
        b[i] ^= 0x80;
        ck_assert_int_eq(ct_eq(a, b, sizeof a), 0);
        b[i] ^= 0x80;
    }
    ck_assert_int_eq(ct_eq(a, b, sizeof a), 1);
}
END_TEST

START_TEST(wipe_zeroes)
{
    unsigned char s[16];
    memset(s, 0xaa, sizeof s);
    wipe(s, sizeof s);
    for (size_t i = 0; i < sizeof s; i++)
        ck_assert_int_eq(s[i], 0);
    wipe(NULL, 0);
    wipe_free(NULL, 10);
    wipe_free(malloc(8), 8);
}
END_TEST

START_TEST(buf_round_trip)
{
    struct buf b;
    buf_init(&b);
    buf_put_u8(&b, 7);
    buf_put_u32(&b, 0xdeadbeef);
    buf_put_u64(&b, 0x0102030405060708ull);
    buf_put_lv(&b, "hello", 5);
    for (int i = 0; i < 100; i++)
        buf_put(&b, "growgrowgrow", 12); /* forces growth */
    ck_assert_int_eq(buf_finish(&b), 0);
    struct rd r;
    rd_init(&r, b.data, b.len);
    ck_assert_uint_eq(rd_u8(&r), 7);
    ck_assert_uint_eq(rd_u32(&r), 0xdeadbeef);
    ck_assert_uint_eq(rd_u64(&r), 0x0102030405060708ull);
    size_t n;
    const uint8_t *p = rd_lv(&r, &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(memcmp(p, "hello", 5), 0);
    ck_assert(rd_ok(&r, 0));
    ck_assert(!rd_ok(&r, 1));
    ck_assert_ptr_nonnull(rd_bytes(&r, 1200));
    ck_assert(rd_ok(&r, 1));
    ck_assert_ptr_null(rd_bytes(&r, 1)); /* past the end */
    ck_assert(!rd_ok(&r, 0));
    ck_assert_uint_eq(rd_u32(&r), 0); /* sticky */
    buf_cleanup(&b);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(rd_rejects_lying_length)
{
    uint8_t enc[8] = {0xff, 0xff, 0xff, 0xf0, 'a', 'b', 'c', 'd'};
    struct rd r;
    rd_init(&r, enc, sizeof enc);
    size_t n = 99;
    ck_assert_ptr_null(rd_lv(&r, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(!rd_ok(&r, 0));
}
END_TEST

START_TEST(attr_set_basics)
{
    struct attr_set *s = attr_set_new();
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(attr_set_put(s, CKA_LABEL, "one", 3), CKR_OK);
    ck_assert_uint_eq(attr_set_put(s, CKA_LABEL, "two!", 4), CKR_OK); /* replaces */
    ck_assert_uint_eq(attr_set_count(s), 1);
    ck_assert_uint_eq(attr_set_find(s, CKA_LABEL)->len, 4);
    ck_assert_uint_eq(attr_set_put_bool(s, CKA_TOKEN, true), CKR_OK);
    ck_assert(attr_set_get_bool(s, CKA_TOKEN, false));
    ck_assert(!attr_set_get_bool(s, CKA_PRIVATE, false));
    ck_assert(attr_set_get_bool(s, CKA_PRIVATE, true));
    CK_ULONG v;
    ck_assert_uint_eq(attr_set_get_ulong(s, CKA_CLASS, &v), CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(attr_set_get_ulong(s, CKA_LABEL, &v), CKR_ATTRIBUTE_VALUE_INVALID);
    ck_assert_uint_eq(attr_set_put_ulong(s, CKA_CLASS, CKO_DATA), CKR_OK);
    ck_assert_uint_eq(attr_set_get_ulong(s, CKA_CLASS, &v), CKR_OK);
    ck_assert_uint_eq(v, CKO_DATA);
    attr_set_del(s, CKA_TOKEN);
    ck_assert(!attr_set_has(s, CKA_TOKEN));
    ck_assert_uint_eq(attr_set_count(s), 2);
    attr_set_free(s);
}
END_TEST

/* Values share one buffer: a value copied from the same set survives the
 * buffer moving, replacements do not grow it without bound, and every value
 * stays intact across growth. */
START_TEST(attr_set_one_buffer)
{
    struct attr_set *s = attr_set_new();
    char big[300];
    memset(big, 'x', sizeof big);
    ck_assert_uint_eq(attr_set_put(s, CKA_LABEL, "label-value", 11), CKR_OK);
    const struct attr *l = attr_set_find(s, CKA_LABEL);
    /* Copy CKA_LABEL into CKA_ID from the set itself while the buffer grows. */
    ck_assert_uint_eq(attr_set_put(s, CKA_VALUE, big, sizeof big), CKR_OK);
    l = attr_set_find(s, CKA_LABEL);
    ck_assert_uint_eq(attr_set_put(s, CKA_ID, l->val, l->len), CKR_OK);
    for (int i = 0; i < 200; i++) { /* growth forced repeatedly */
        big[0] = (char)i;
        ck_assert_uint_eq(attr_set_put(s, CKA_VALUE, big, sizeof big), CKR_OK);
        const struct attr *id = attr_set_find(s, CKA_ID);
        ck_assert_mem_eq(id->val, "label-value", 11);
        ck_assert_mem_eq(attr_set_find(s, CKA_LABEL)->val, "label-value", 11);
        ck_assert_int_eq(attr_set_find(s, CKA_VALUE)->val[0], (uint8_t)i);
    }
    /* Replacing a value with a copy of itself. */
    const struct attr *v = attr_set_find(s, CKA_VALUE);
    ck_assert_uint_eq(attr_set_put(s, CKA_VALUE, v->val, v->len), CKR_OK);
    ck_assert_uint_eq(attr_set_find(s, CKA_VALUE)->len, sizeof big);
    attr_set_del(s, CKA_LABEL);
    ck_assert_mem_eq(attr_set_find(s, CKA_ID)->val, "label-value", 11);
    attr_set_free(s);
}
END_TEST

START_TEST(attr_set_template_rules)
{
    CK_BBOOL t = CK_TRUE;
    CK_ATTRIBUTE ok[] = {{CKA_TOKEN, &t, 1}, {CKA_LABEL, NULL, 0}};
    struct attr_set *s = NULL;
    ck_assert_uint_eq(attr_set_from_template(ok, 2, &s), CKR_OK);
    ck_assert_uint_eq(attr_set_count(s), 2);
    attr_set_free(s);
    CK_ATTRIBUTE dup[] = {{CKA_TOKEN, &t, 1}, {CKA_TOKEN, &t, 1}};
    ck_assert_uint_eq(attr_set_from_template(dup, 2, &s), CKR_TEMPLATE_INCONSISTENT);
    CK_ATTRIBUTE nullval[] = {{CKA_LABEL, NULL, 4}};
    ck_assert_uint_eq(attr_set_from_template(nullval, 1, &s), CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(attr_set_from_template(NULL, 1, &s), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST(attr_set_encode_decode_and_corruption)
{
    struct attr_set *s = attr_set_new();
    attr_set_put(s, CKA_LABEL, "device key", 10);
    attr_set_put_ulong(s, CKA_CLASS, CKO_PRIVATE_KEY);
    attr_set_put(s, CKA_ID, NULL, 0);
    uint8_t *enc;
    size_t len;
    ck_assert_uint_eq(attr_set_encode(s, &enc, &len), CKR_OK);
    struct attr_set *d = NULL;
    ck_assert_uint_eq(attr_set_decode(enc, len, &d), CKR_OK);
    ck_assert(attr_set_match(d, s));
    ck_assert(attr_set_match(s, d));
    attr_set_free(d);
    /* Truncations and an extra byte are refused, never half-parsed. */
    for (size_t cut = 0; cut < len; cut++)
        ck_assert_uint_eq(attr_set_decode(enc, cut, &d), CKR_DEVICE_ERROR);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, enc, len);
    longer[len] = 0;
    ck_assert_uint_eq(attr_set_decode(longer, len + 1, &d), CKR_DEVICE_ERROR);
    free(longer);
    wipe_free(enc, len);
    attr_set_free(s);
}
END_TEST

START_TEST(conf_parses_and_rejects)
{
    struct conf c;
    char err[128];
    conf_defaults(&c);
    ck_assert_uint_eq(c.max_pin_failures, 10);
    ck_assert_uint_eq(c.kdf_target_ms, 100);
    ck_assert_str_eq(c.store, CONF_DEFAULT_STORE);
    ck_assert_int_eq(
        conf_parse(&c, "# comment\n store = /tmp/x \nmax_pin_failures=3\n", err, sizeof err), 0);
    ck_assert_str_eq(c.store, "/tmp/x");
    ck_assert_uint_eq(c.max_pin_failures, 3);
    ck_assert_int_eq(conf_parse(&c, "bogus = 1\n", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bogus"));
    ck_assert_int_eq(conf_parse(&c, "max_pin_failures = 0\n", err, sizeof err), -1);
    ck_assert_int_eq(conf_parse(&c, "max_pin_failures = 12abc\n", err, sizeof err), -1);
    ck_assert_int_eq(conf_parse(&c, "no equals sign\n", err, sizeof err), -1);
}
END_TEST

START_TEST(conf_env_overrides_store)
{
    struct conf c;
    char err[128];
    setenv("CREDTOKEN_CONF", "/nonexistent/credtoken.conf", 1);
    ck_assert_int_eq(conf_load(&c, err, sizeof err), -1); /* an explicit file must exist */
    unsetenv("CREDTOKEN_CONF");
    setenv("CREDTOKEN_STORE", "/tmp/elsewhere", 1);
    ck_assert_int_eq(conf_load(&c, err, sizeof err), 0);
    ck_assert_str_eq(c.store, "/tmp/elsewhere");
    unsetenv("CREDTOKEN_STORE");
}
END_TEST

START_TEST(text_fields)
{
    char f[8];
    text_pad(f, sizeof f, "ab");
    ck_assert_int_eq(memcmp(f, "ab      ", 8), 0);
    ck_assert_uint_eq(text_trimmed_len(f, 8), 2);
    text_pad(f, sizeof f, "toolongvalue");
    ck_assert_int_eq(memcmp(f, "toolongv", 8), 0);
    text_pad(f, sizeof f, "");
    ck_assert_uint_eq(text_trimmed_len(f, 8), 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("util");
    tcase_add_test(tc, ct_eq_compares);
    tcase_add_test(tc, wipe_zeroes);
    tcase_add_test(tc, buf_round_trip);
    tcase_add_test(tc, rd_rejects_lying_length);
    tcase_add_test(tc, attr_set_basics);
    tcase_add_test(tc, attr_set_one_buffer);
    tcase_add_test(tc, attr_set_template_rules);
    tcase_add_test(tc, attr_set_encode_decode_and_corruption);
    tcase_add_test(tc, conf_parses_and_rejects);
    tcase_add_test(tc, conf_env_overrides_store);
    tcase_add_test(tc, text_fields);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
