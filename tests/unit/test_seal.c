/*
 * test_seal.c: file-store tokens sealed to a TPM (store.h,
 * store_tok_create_sealed), against real swtpm instances on 127.0.0.1:
 * the PINs open the token only with its TPM, and only while the bound PCRs
 * hold; a copy opens on no other TPM; refusals are errors, never counted
 * as wrong PINs; a token with no user PIN; re-initialization keeps the
 * seal; unsealed tokens keep the version 1 header.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/rmtree.h"
#include "../tpm/swtpm.h"
#include "mech/ossl.h"
#include "store/header.h"
#include "store/store.h"
#include "unit.h"
#include "util/conf.h"

static struct swtpm sw;
static char tmpdir[64];
static struct conf cf;

static const CK_UTF8CHAR so_pin[] = "so-secret";
static const CK_UTF8CHAR user_pin[] = "user-1234";
#define SO_PIN so_pin, (CK_ULONG)(sizeof so_pin - 1)
#define USER_PIN user_pin, (CK_ULONG)(sizeof user_pin - 1)
#define BAD_PIN (const CK_UTF8CHAR *)"wrong", 5
#define PCR7 (1u << 7)

static void
setup(void)
{
    ck_assert_int_eq(swtpm_start(&sw), 0);
    ck_assert_rv(ossl_init(), CKR_OK);
    unsetenv("CREDTOKEN_TCTI");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ct-seal-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    conf_defaults(&cf);
    snprintf(cf.store, sizeof cf.store, "%s/store", tmpdir);
    snprintf(cf.tpm_tcti, sizeof cf.tpm_tcti, "%s", sw.tcti);
    cf.kdf_target_ms = 1;
    cf.max_pin_failures = 3;
}

static void
teardown(void)
{
    rmtree(tmpdir);
    ossl_cleanup();
    swtpm_stop(&sw);
}

static struct store *
open_store(const char *tcti)
{
    struct store *s = NULL;
    snprintf(cf.tpm_tcti, sizeof cf.tpm_tcti, "%s", tcti);
    ck_assert_rv(store_open(&cf, &s), CKR_OK);
    return s;
}

/* A sealed token (bound to pcrs), with the user PIN unless no_pin. */
static struct store_tok *
create_sealed(struct store *s, uint32_t pcrs, bool no_pin)
{
    char label[32];
    struct store_tok *t = NULL;
    struct store_seal seal = {.pcrs = pcrs, .no_pin = no_pin};
    memset(label, ' ', sizeof label);
    memcpy(label, "sealed", 6);
    ck_assert_rv(store_tok_create_sealed(s, label, SO_PIN, &seal, &t), CKR_OK);
    if (!no_pin) {
        ck_assert_rv(store_tok_login(t, CKU_SO, SO_PIN), CKR_OK);
        ck_assert_rv(store_tok_init_pin(t, USER_PIN), CKR_OK);
        store_tok_logout(t);
    }
    return t;
}

static struct store_tok_info
info_of(struct store_tok *t)
{
    struct store_tok_info inf;
    ck_assert_rv(store_tok_info(t, &inf), CKR_OK);
    return inf;
}

static long
header_size(struct store_tok *t)
{
    char path[4200];
    struct stat st;
    struct store_tok_info inf = info_of(t);
    snprintf(path, sizeof path, "%s/tokens/%.16s/header", cf.store, inf.serial);
    ck_assert_int_eq(stat(path, &st), 0);
    return (long)st.st_size;
}

static void
pcr_extend(int pcr)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "TPM2TOOLS_TCTI='%s' tpm2_pcrextend %d:sha256=%064d >/dev/null",
             sw.tcti, pcr, 3);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_sealed_token_logs_in_with_its_tpm)
{
    struct store *s = open_store(sw.tcti);
    struct store_tok *t = create_sealed(s, PCR7, false);
    struct store_tok_info inf = info_of(t);
    ck_assert(inf.sealed && !inf.no_pin && inf.user_pin_set);
    ck_assert(store_tok_sealed(t) && !store_tok_no_pin(t));
    /* Version 2: the seal section follows the PIN slots. */
    ck_assert_int_gt(header_size(t), HDR_LEN + 8);
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_OK);
    ck_assert(store_tok_unlocked(t));
    store_tok_logout(t);
    /* A wrong PIN is still a wrong PIN, and counts. */
    ck_assert_rv(store_tok_login(t, CKU_USER, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(info_of(t).user_failures, 1);
    ck_assert_rv(store_tok_login(t, CKU_SO, SO_PIN), CKR_OK);
    store_tok_logout(t);
    store_close(s);
    /* Another handle (a second process) opens it the same way. */
    s = open_store(sw.tcti);
    ck_assert_uint_eq(store_tok_count(s), 1);
    ck_assert_rv(store_tok_login(store_tok_at(s, 0), CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(info_of(store_tok_at(s, 0)).user_failures, 0);
    store_close(s);
}
END_TEST

START_TEST(test_copy_opens_on_no_other_tpm)
{
    struct swtpm other;
    struct store *s = open_store(sw.tcti);
    create_sealed(s, 0, false);
    store_close(s);
    ck_assert_int_eq(swtpm_start(&other), 0);
    /* The same files, another TPM: the right PINs open nothing. */
    s = open_store(other.tcti);
    struct store_tok *t = store_tok_at(s, 0);
    int q = quiet_begin();
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_DEVICE_ERROR);
    ck_assert_rv(store_tok_login(t, CKU_SO, SO_PIN), CKR_DEVICE_ERROR);
    quiet_end(q);
    ck_assert(!store_tok_unlocked(t));
    /* Not counted as wrong PINs: the owner's token is not locked by it. */
    struct store_tok_info inf = info_of(t);
    ck_assert_uint_eq(inf.user_failures, 0);
    ck_assert_uint_eq(inf.so_failures, 0);
    store_close(s);
    swtpm_stop(&other);
    /* No TPM at all: the same refusal. */
    char dead[96];
    snprintf(dead, sizeof dead, "swtpm:host=127.0.0.1,port=%d", swtpm_dead_port());
    s = open_store(dead);
    q = quiet_begin();
    ck_assert_rv(store_tok_login(store_tok_at(s, 0), CKU_USER, USER_PIN), CKR_DEVICE_ERROR);
    quiet_end(q);
    store_close(s);
    /* The original TPM still opens it. */
    s = open_store(sw.tcti);
    ck_assert_rv(store_tok_login(store_tok_at(s, 0), CKU_USER, USER_PIN), CKR_OK);
    store_close(s);
}
END_TEST

START_TEST(test_changed_pcr_refuses)
{
    struct store *s = open_store(sw.tcti);
    struct store_tok *t = create_sealed(s, PCR7, false);
    pcr_extend(9); /* not bound: no matter */
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_OK);
    store_tok_logout(t);
    pcr_extend(7);
    int q = quiet_begin();
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_DEVICE_ERROR);
    ck_assert_rv(store_tok_login(t, CKU_USER, BAD_PIN), CKR_DEVICE_ERROR);
    quiet_end(q);
    ck_assert_uint_eq(info_of(t).user_failures, 0);
    store_close(s);
}
END_TEST

START_TEST(test_no_pin_token)
{
    struct store *s = open_store(sw.tcti);
    struct store_tok *t = create_sealed(s, PCR7, true);
    struct store_tok_info inf = info_of(t);
    ck_assert(inf.sealed && inf.no_pin && inf.user_pin_set);
    ck_assert_rv(store_tok_login(t, CKU_USER, NULL, 0), CKR_OK);
    store_tok_logout(t);
    /* A PIN given to a token without one is wrong, and not counted (a lock
     * would only stop the device). */
    for (int i = 0; i < 5; i++)
        ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(info_of(t).user_failures, 0);
    ck_assert_rv(store_tok_login(t, CKU_USER, NULL, 0), CKR_OK);
    store_tok_logout(t);
    /* The SO has a PIN, and its failures count. */
    ck_assert_rv(store_tok_login(t, CKU_SO, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(info_of(t).so_failures, 1);
    /* The user sets a PIN: the token needs it from now on... */
    ck_assert_rv(store_tok_set_pin(t, CKU_USER, NULL, 0, USER_PIN), CKR_OK);
    ck_assert(!info_of(t).no_pin);
    ck_assert_rv(store_tok_login(t, CKU_USER, NULL, 0), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(info_of(t).user_failures, 1);
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_OK);
    store_tok_logout(t);
    /* ...and back to none. */
    ck_assert_rv(store_tok_set_pin(t, CKU_USER, USER_PIN, NULL, 0), CKR_OK);
    ck_assert(info_of(t).no_pin);
    ck_assert_rv(store_tok_login(t, CKU_USER, NULL, 0), CKR_OK);
    store_close(s);
}
END_TEST

START_TEST(test_reinit_stays_sealed)
{
    char label[32];
    struct store *s = open_store(sw.tcti);
    struct store_tok *t = create_sealed(s, PCR7, true);
    memset(label, ' ', sizeof label);
    memcpy(label, "again", 5);
    ck_assert_rv(store_tok_reinit(t, SO_PIN, label), CKR_OK);
    struct store_tok_info inf = info_of(t);
    ck_assert(inf.sealed && !inf.no_pin && !inf.user_pin_set);
    ck_assert_rv(store_tok_login(t, CKU_SO, SO_PIN), CKR_OK);
    ck_assert_rv(store_tok_init_pin(t, USER_PIN), CKR_OK);
    store_tok_logout(t);
    /* Still bound to PCR 7. */
    pcr_extend(7);
    int q = quiet_begin();
    ck_assert_rv(store_tok_login(t, CKU_USER, USER_PIN), CKR_DEVICE_ERROR);
    quiet_end(q);
    store_close(s);
}
END_TEST

START_TEST(test_no_tpm_no_token)
{
    char dead[96], label[32];
    struct store_tok *t = NULL;
    struct store_seal seal = {0};
    snprintf(dead, sizeof dead, "swtpm:host=127.0.0.1,port=%d", swtpm_dead_port());
    struct store *s = open_store(dead);
    memset(label, ' ', sizeof label);
    int q = quiet_begin();
    ck_assert_rv(store_tok_create_sealed(s, label, SO_PIN, &seal, &t), CKR_DEVICE_ERROR);
    quiet_end(q);
    ck_assert_ptr_null(t);
    ck_assert_uint_eq(store_tok_count(s), 0);
    seal.pcrs = 1u << 24;
    ck_assert_rv(store_tok_create_sealed(s, label, SO_PIN, &seal, &t), CKR_ARGUMENTS_BAD);
    store_close(s);
}
END_TEST

START_TEST(test_unsealed_token_keeps_version_1)
{
    char label[32];
    struct store_tok *t = NULL;
    struct store *s = open_store(sw.tcti);
    memset(label, ' ', sizeof label);
    ck_assert_rv(store_tok_create(s, label, SO_PIN, &t), CKR_OK);
    ck_assert_int_eq(header_size(t), HDR_LEN);
    ck_assert(!info_of(t).sealed && !store_tok_sealed(t));
    /* An empty user PIN on an unsealed token is just a PIN (no flag). */
    ck_assert_rv(store_tok_login(t, CKU_SO, SO_PIN), CKR_OK);
    ck_assert_rv(store_tok_init_pin(t, NULL, 0), CKR_OK);
    ck_assert(!info_of(t).no_pin);
    store_close(s);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("seal");
    TCase *tc = tcase_create("seal");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sealed_token_logs_in_with_its_tpm);
    tcase_add_test(tc, test_copy_opens_on_no_other_tpm);
    tcase_add_test(tc, test_changed_pcr_refuses);
    tcase_add_test(tc, test_no_pin_token);
    tcase_add_test(tc, test_reinit_stays_sealed);
    tcase_add_test(tc, test_no_tpm_no_token);
    tcase_add_test(tc, test_unsealed_token_keeps_version_1);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
