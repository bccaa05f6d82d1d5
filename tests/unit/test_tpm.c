/*
 * test_tpm.c: the TPM device layer (src/tpm/) against a real swtpm on
 * 127.0.0.1 (started and stopped by the fixture): the connection, what the
 * TPM says it can do, an unreachable TCTI, and the one mapping of TSS2
 * return codes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_tpm2_types.h>

#include "../tpm/swtpm.h"
#include "tpm/tpm.h"
#include "unit.h"

static struct swtpm sw;

static void
setup(void)
{
    ck_assert_int_eq(swtpm_start(&sw), 0);
}

static void
teardown(void)
{
    swtpm_stop(&sw);
}

START_TEST(test_caps_of_swtpm)
{
    struct tpm *t = NULL;
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    struct tpm_caps c;
    ck_assert_rv(tpm_caps_get(t, &c), CKR_OK);
    /* What swtpm 0.7 (libtpms) offers. */
    ck_assert(c.ecc_p256 && c.ecc_p384);
    ck_assert(c.rsa2048);
    ck_assert(c.sha256 && c.sha384 && c.hmac);
    ck_assert_uint_eq(c.transient_slots, 3);
    ck_assert_str_eq(c.manufacturer, "IBM");
    tpm_close(t);
    /* A second connection after the first closed (no state left behind). */
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    tpm_close(t);
}
END_TEST

START_TEST(test_unreachable_and_bad_tcti)
{
    char tcti[96];
    struct tpm *t = NULL;
    int saved = quiet_begin();
    snprintf(tcti, sizeof tcti, "swtpm:host=127.0.0.1,port=%d", swtpm_dead_port());
    ck_assert_rv(tpm_open(tcti, &t), CKR_DEVICE_ERROR);
    ck_assert_rv(tpm_open("no-such-tcti:", &t), CKR_DEVICE_ERROR);
    ck_assert_rv(tpm_open("device:/nonexistent/tpm", &t), CKR_DEVICE_ERROR);
    quiet_end(saved);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_tcti_choice)
{
    struct conf c;
    conf_defaults(&c);
    unsetenv("CREDTOKEN_TCTI");
    ck_assert_str_eq(tpm_tcti_choose(&c), TPM_TCTI_DEFAULT);
    char err[128];
    ck_assert_int_eq(conf_parse(&c, "tpm_tcti = swtpm:host=127.0.0.1,port=2321\n", err, sizeof err),
                     0);
    ck_assert_str_eq(tpm_tcti_choose(&c), "swtpm:host=127.0.0.1,port=2321");
    setenv("CREDTOKEN_TCTI", "tabrmd:", 1);
    ck_assert_str_eq(tpm_tcti_choose(&c), "tabrmd:");
    unsetenv("CREDTOKEN_TCTI");
}
END_TEST

START_TEST(test_rc_mapping)
{
    int saved = quiet_begin();
    ck_assert_rv(tpm_rv(TSS2_RC_SUCCESS, "x"), CKR_OK);
    ck_assert_rv(tpm_rv(TPM2_RC_LOCKOUT, "x"), CKR_PIN_LOCKED);
    /* Format-one codes carry a parameter or session number. */
    ck_assert_rv(tpm_rv(TPM2_RC_BAD_AUTH | TPM2_RC_S | TPM2_RC_1, "x"), CKR_PIN_INCORRECT);
    ck_assert_rv(tpm_rv(TPM2_RC_AUTH_FAIL | TPM2_RC_S | TPM2_RC_1, "x"), CKR_PIN_INCORRECT);
    ck_assert_rv(tpm_rv(TPM2_RC_CURVE | TPM2_RC_P | TPM2_RC_2, "x"), CKR_CURVE_NOT_SUPPORTED);
    ck_assert_rv(tpm_rv(TPM2_RC_KEY_SIZE | TPM2_RC_P | TPM2_RC_1, "x"), CKR_KEY_SIZE_RANGE);
    ck_assert_rv(tpm_rv(TPM2_RC_SCHEME | TPM2_RC_P | TPM2_RC_1, "x"), CKR_MECHANISM_INVALID);
    ck_assert_rv(tpm_rv(TPM2_RC_OBJECT_MEMORY, "x"), CKR_DEVICE_MEMORY);
    ck_assert_rv(tpm_rv(TPM2_RC_OBJECT_HANDLES, "x"), CKR_DEVICE_MEMORY);
    ck_assert_rv(tpm_rv(TSS2_TCTI_RC_IO_ERROR, "x"), CKR_DEVICE_ERROR);
    ck_assert_rv(tpm_rv(TSS2_ESYS_RC_MEMORY, "x"), CKR_HOST_MEMORY);
    ck_assert_rv(tpm_rv(TPM2_RC_FAILURE, "x"), CKR_DEVICE_ERROR);
    /* Through a resource manager, the TPM's own codes map alike. */
    ck_assert_rv(tpm_rv(TSS2_RESMGR_TPM_RC_LAYER | TPM2_RC_LOCKOUT, "x"), CKR_PIN_LOCKED);
    quiet_end(saved);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("tpm");
    TCase *tc = tcase_create("tpm");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_caps_of_swtpm);
    tcase_add_test(tc, test_unreachable_and_bad_tcti);
    suite_add_tcase(s, tc);
    TCase *pure = tcase_create("mapping");
    tcase_add_test(pure, test_tcti_choice);
    tcase_add_test(pure, test_rc_mapping);
    suite_add_tcase(s, pure);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
