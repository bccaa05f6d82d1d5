/*
 * test_tpm.c: the TPM device layer (src/tpm/) against a real swtpm on
 * 127.0.0.1 (started and stopped by the fixture): the connection, what the
 * TPM says it can do, an unreachable TCTI, a secret sealed to the TPM and
 * to PCRs (refused by a second swtpm and after a PCR is extended with
 * tpm2-tools), and the one mapping of TSS2 return codes.
 */
#include <check.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <fcntl.h>
#include <unistd.h>
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

/* Run fn with stderr in a file; the file's text in buf. */
static void
capture_stderr(void (*fn)(void *), void *arg, char *buf, size_t len)
{
    char path[] = "/tmp/ct-tpm-log-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(fd, buf, len - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
}

struct unseal_try {
    struct tpm *t;
    const uint8_t *blob;
    size_t blen;
    CK_RV rv;
};

static void
try_unseal(void *arg)
{
    struct unseal_try *u = arg;
    uint8_t *out = NULL;
    size_t n = 0;
    u->rv = tpm_unseal(u->t, u->blob, u->blen, &out, &n);
    free(out);
}

static const uint8_t secret[32] = "a master key of thirty-two bytes";

static void
expect_unseal(struct tpm *t, const uint8_t *blob, size_t blen)
{
    uint8_t *out = NULL;
    size_t n = 0;
    ck_assert_rv(tpm_unseal(t, blob, blen, &out, &n), CKR_OK);
    ck_assert_uint_eq(n, sizeof secret);
    ck_assert_int_eq(memcmp(out, secret, n), 0);
    free(out);
}

START_TEST(test_seal_to_this_tpm)
{
    struct tpm *t = NULL;
    uint8_t *blob = NULL;
    size_t blen = 0;
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    ck_assert_rv(tpm_seal(t, secret, sizeof secret, 0, &blob, &blen), CKR_OK);
    ck_assert(memmem(blob, blen, secret, sizeof secret) == NULL); /* not in clear */
    expect_unseal(t, blob, blen);
    /* Another TPM (another owner seed) cannot load it. */
    struct swtpm other;
    ck_assert_int_eq(swtpm_start(&other), 0);
    struct tpm *t2 = NULL;
    ck_assert_rv(tpm_open(other.tcti, &t2), CKR_OK);
    char log[4096];
    struct unseal_try u = {t2, blob, blen, CKR_OK};
    capture_stderr(try_unseal, &u, log, sizeof log);
    ck_assert_rv(u.rv, CKR_DEVICE_ERROR);
    ck_assert_msg(strstr(log, "made by another TPM") != NULL, "log: %s", log);
    tpm_close(t2);
    swtpm_stop(&other);
    /* The first still opens it; a damaged blob is no blob. */
    expect_unseal(t, blob, blen);
    blob[3] ^= 1;
    int saved = quiet_begin();
    uint8_t *out = NULL;
    size_t n = 0;
    ck_assert_rv(tpm_unseal(t, blob, blen, &out, &n), CKR_DATA_INVALID);
    quiet_end(saved);
    free(blob);
    tpm_close(t);
}
END_TEST

START_TEST(test_seal_to_pcrs)
{
    struct tpm *t = NULL;
    uint8_t *blob = NULL;
    size_t blen = 0;
    char cmd[256], log[4096];
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    /* PCRs 0 and 7 (firmware and Secure Boot state on a real device). */
    ck_assert_rv(tpm_seal(t, secret, sizeof secret, (1u << 0) | (1u << 7), &blob, &blen), CKR_OK);
    expect_unseal(t, blob, blen);
    /* Another PCR changing does not matter. */
    snprintf(cmd, sizeof cmd, "TPM2TOOLS_TCTI='%s' tpm2_pcrextend 9:sha256=%064d >/dev/null",
             sw.tcti, 1);
    ck_assert_int_eq(system(cmd), 0);
    expect_unseal(t, blob, blen);
    /* A changed boot state (PCR 7 extended, by tpm2-tools): refused, and said so. */
    snprintf(cmd, sizeof cmd, "TPM2TOOLS_TCTI='%s' tpm2_pcrextend 7:sha256=%064d >/dev/null",
             sw.tcti, 2);
    ck_assert_int_eq(system(cmd), 0);
    struct unseal_try u = {t, blob, blen, CKR_OK};
    capture_stderr(try_unseal, &u, log, sizeof log);
    ck_assert_rv(u.rv, CKR_DEVICE_ERROR);
    ck_assert_msg(strstr(log, "a PCR it is bound to has changed") != NULL, "log: %s", log);
    free(blob);
    tpm_close(t);
}
END_TEST

/* OpenSSL's verdict on r || s over digest, for the public point. */
static bool
ossl_ecdsa_ok(const char *group, const uint8_t *point, size_t plen, const uint8_t *digest,
              size_t dlen, const uint8_t *sig, size_t slen)
{
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string("group", (char *)group, 0),
                      OSSL_PARAM_construct_octet_string("pub", (void *)point, plen),
                      OSSL_PARAM_construct_end()};
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *fc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    ck_assert(EVP_PKEY_fromdata_init(fc) == 1 &&
              EVP_PKEY_fromdata(fc, &k, EVP_PKEY_PUBLIC_KEY, p) == 1);
    EVP_PKEY_CTX_free(fc);
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)slen / 2, NULL),
                   BN_bin2bn(sig + slen / 2, (int)slen / 2, NULL));
    unsigned char *der = NULL;
    int derlen = i2d_ECDSA_SIG(es, &der);
    EVP_PKEY_CTX *vc = EVP_PKEY_CTX_new(k, NULL);
    bool ok = EVP_PKEY_verify_init(vc) == 1 &&
              EVP_PKEY_verify(vc, der, (size_t)derlen, digest, dlen) == 1;
    EVP_PKEY_CTX_free(vc);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    EVP_PKEY_free(k);
    return ok;
}

START_TEST(test_keys_made_and_used_in_the_tpm)
{
    enum { NKEYS = 40 };
    struct tpm *t = NULL;
    uint8_t *blob[NKEYS] = {0}, point[NKEYS][TPM_EC_POINT_MAX], digest[48], sig[96];
    size_t blen[NKEYS], plen[NKEYS];
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    /* More keys than swtpm has object slots (3), on a direct connection:
     * each use loads and flushes. */
    for (int i = 0; i < NKEYS; i++)
        ck_assert_rv(tpm_key_create_ec(t, 256, &blob[i], &blen[i], point[i], &plen[i]), CKR_OK);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < NKEYS; i++) {
            size_t n = sizeof sig;
            memset(digest, i + round, 32);
            ck_assert_rv(tpm_key_sign_ecdsa(t, blob[i], blen[i], digest, 32, sig, &n), CKR_OK);
            ck_assert_uint_eq(n, 64);
            ck_assert(ossl_ecdsa_ok("P-256", point[i], plen[i], digest, 32, sig, n));
            /* Not another key's signature. */
            ck_assert(!ossl_ecdsa_ok("P-256", point[(i + 1) % NKEYS], plen[0], digest, 32, sig, n));
        }
    /* The private part in the blob is wrapped by the TPM: the blob is not
     * a key OpenSSL or anyone else can use without this TPM. */
    struct swtpm other;
    ck_assert_int_eq(swtpm_start(&other), 0);
    struct tpm *t2 = NULL;
    ck_assert_rv(tpm_open(other.tcti, &t2), CKR_OK);
    size_t n = sizeof sig;
    int saved = quiet_begin();
    ck_assert_rv(tpm_key_sign_ecdsa(t2, blob[0], blen[0], digest, 32, sig, &n), CKR_DEVICE_ERROR);
    quiet_end(saved);
    tpm_close(t2);
    swtpm_stop(&other);
    /* P-384 with a SHA-384 digest; a digest of no hash's length. */
    uint8_t *b384 = NULL, p384[TPM_EC_POINT_MAX];
    size_t bl384, pl384;
    ck_assert_rv(tpm_key_create_ec(t, 384, &b384, &bl384, p384, &pl384), CKR_OK);
    n = sizeof sig;
    memset(digest, 7, 48);
    ck_assert_rv(tpm_key_sign_ecdsa(t, b384, bl384, digest, 48, sig, &n), CKR_OK);
    ck_assert_uint_eq(n, 96);
    ck_assert(ossl_ecdsa_ok("P-384", p384, pl384, digest, 48, sig, n));
    n = sizeof sig;
    ck_assert_rv(tpm_key_sign_ecdsa(t, b384, bl384, digest, 33, sig, &n), CKR_DATA_LEN_RANGE);
    ck_assert_rv(tpm_key_create_ec(t, 521, &b384, &bl384, p384, &pl384), CKR_CURVE_NOT_SUPPORTED);
    free(b384);
    for (int i = 0; i < NKEYS; i++)
        free(blob[i]);
    tpm_close(t);
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
    tcase_add_test(tc, test_seal_to_this_tpm);
    tcase_add_test(tc, test_seal_to_pcrs);
    tcase_add_test(tc, test_keys_made_and_used_in_the_tpm);
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
