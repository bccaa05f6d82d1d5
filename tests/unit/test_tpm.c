/*
 * test_tpm.c: the TPM device layer (src/tpm/) against a real swtpm on
 * 127.0.0.1 (started and stopped by the fixture): the connection, what the
 * TPM says it can do, an unreachable TCTI, a secret sealed to the TPM and
 * to PCRs (refused by a second swtpm and after a PCR is extended with
 * tpm2-tools), keys made in the TPM and keys imported into it (TPM2_Import
 * of OpenSSL's keys: they sign as OpenSSL says they should, a changed blob
 * fails the TPM's integrity check, and no policy duplicates them again),
 * and the one mapping of TSS2 return codes.
 */
#include <check.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdbool.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_tpm2_types.h>

#include "../tpm/swtpm.h"
#include "mech/ossl.h"
#include "tpm/tpm.h"
#include "tpm/tpm_int.h"
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

/* ---- keys imported with TPM2_Import ---- */

/* bn as exactly len big-endian bytes. */
static void
bn_out(const BIGNUM *bn, uint8_t *out, size_t len)
{
    ck_assert_int_eq(BN_bn2binpad(bn, out, (int)len), (int)len);
}

/* An EC key of OpenSSL's: its scalar and uncompressed point. */
static EVP_PKEY *
ec_key_made(const char *group, size_t flen, uint8_t *d, uint8_t *point)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    BIGNUM *bn = NULL;
    size_t plen = 0;
    ck_assert_ptr_nonnull(k);
    ck_assert(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1);
    bn_out(bn, d, flen);
    BN_clear_free(bn);
    ck_assert(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                              1 + 2 * flen, &plen) == 1);
    ck_assert_uint_eq(plen, 1 + 2 * flen);
    return k;
}

START_TEST(test_ec_keys_imported)
{
    struct tpm *t = NULL;
    uint8_t d[48], point[97], digest[48], sig[96];
    uint8_t *blob = NULL;
    size_t blen = 0, n;
    ck_assert_rv(ossl_init(), CKR_OK);
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    static const struct {
        const char *group;
        unsigned bits;
    } curves[] = {{"P-256", 256}, {"P-384", 384}};
    for (size_t c = 0; c < 2; c++) {
        size_t flen = curves[c].bits / 8;
        EVP_PKEY *k = ec_key_made(curves[c].group, flen, d, point);
        ck_assert_rv(
            tpm_key_import_ec(t, curves[c].bits, point, 1 + 2 * flen, d, flen, &blob, &blen),
            CKR_OK);
        /* The blob holds no copy of the scalar: it is wrapped by the TPM. */
        for (size_t i = 0; i + flen <= blen; i++)
            ck_assert(memcmp(blob + i, d, flen) != 0);
        for (int round = 0; round < 3; round++) {
            memset(digest, 0x40 + round, flen);
            n = sizeof sig;
            ck_assert_rv(tpm_key_sign_ecdsa(t, blob, blen, digest, flen, sig, &n), CKR_OK);
            ck_assert_uint_eq(n, 2 * flen);
            ck_assert(ossl_ecdsa_ok(curves[c].group, point, 1 + 2 * flen, digest, flen, sig, n));
            sig[3] ^= 1;
            ck_assert(!ossl_ecdsa_ok(curves[c].group, point, 1 + 2 * flen, digest, flen, sig, n));
        }
        EVP_PKEY_free(k);
        if (c == 0) {
            /* Bound to this TPM: another one cannot load it. */
            struct swtpm other;
            struct tpm *t2 = NULL;
            ck_assert_int_eq(swtpm_start(&other), 0);
            ck_assert_rv(tpm_open(other.tcti, &t2), CKR_OK);
            n = sizeof sig;
            int saved = quiet_begin();
            ck_assert_rv(tpm_key_sign_ecdsa(t2, blob, blen, digest, 32, sig, &n), CKR_DEVICE_ERROR);
            quiet_end(saved);
            tpm_close(t2);
            swtpm_stop(&other);
        }
        free(blob);
        blob = NULL;
    }
    /* A point of the wrong size, a curve the TPM backend does not keep. */
    ck_assert_rv(tpm_key_import_ec(t, 256, point, 64, d, 32, &blob, &blen), CKR_ARGUMENTS_BAD);
    ck_assert_rv(tpm_key_import_ec(t, 521, point, 97, d, 48, &blob, &blen),
                 CKR_CURVE_NOT_SUPPORTED);
    tpm_close(t);
    ossl_cleanup();
}
END_TEST

/* An RSA key of OpenSSL's with exponent e. */
static EVP_PKEY *
rsa_key_made(unsigned bits, unsigned e)
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    BIGNUM *be = BN_new();
    ck_assert(BN_set_word(be, e) == 1);
    ck_assert(EVP_PKEY_keygen_init(c) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(c, (int)bits) == 1 &&
              EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, be) == 1 && EVP_PKEY_generate(c, &k) == 1);
    BN_free(be);
    EVP_PKEY_CTX_free(c);
    return k;
}

START_TEST(test_rsa_keys_imported)
{
    struct tpm *t = NULL;
    ck_assert_rv(ossl_init(), CKR_OK);
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    static const struct {
        unsigned bits, e;
    } keys[] = {{2048, 65537}, {3072, 65537}, {2048, 3}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t nlen = keys[i].bits / 8;
        EVP_PKEY *k = rsa_key_made(keys[i].bits, keys[i].e);
        BIGNUM *n = NULL, *e = NULL, *p = NULL;
        ck_assert(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) == 1);
        ck_assert(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) == 1);
        ck_assert(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1, &p) == 1);
        uint8_t nb[384], eb[4], pb[192], *blob = NULL;
        size_t blen = 0;
        bn_out(n, nb, nlen);
        bn_out(e, eb, sizeof eb);
        bn_out(p, pb, nlen / 2);
        if (keys[i].e != 65537) {
            /* libtpms takes no other public exponent: its refusal of the
             * public area says so. */
            int saved = quiet_begin();
            ck_assert_rv(tpm_key_import_rsa(t, nb, nlen, eb, sizeof eb, pb, nlen / 2, &blob, &blen),
                         CKR_ATTRIBUTE_VALUE_INVALID);
            quiet_end(saved);
            BN_free(n);
            BN_free(e);
            BN_clear_free(p);
            EVP_PKEY_free(k);
            continue;
        }
        ck_assert_rv(tpm_key_import_rsa(t, nb, nlen, eb, sizeof eb, pb, nlen / 2, &blob, &blen),
                     CKR_OK);
        for (size_t j = 0; j + nlen / 2 <= blen; j++)
            ck_assert(memcmp(blob + j, pb, nlen / 2) != 0);
        /* The raw private operation, checked with the public key: y^e = x. */
        struct tpm_key *tk = NULL;
        ck_assert_rv(tpm_key_open(blob, blen, &tk), CKR_OK);
        ck_assert(tpm_key_is_rsa(tk));
        uint8_t x[384], y[384];
        size_t ylen = sizeof y;
        memset(x, 0x5A, nlen);
        x[0] = 0x01;
        struct tpm_rsa_op raw = {.kind = TPM_RSA_RAW};
        ck_assert_rv(tpm_key_rsa(t, tk, &raw, x, nlen, y, &ylen), CKR_OK);
        ck_assert_uint_eq(ylen, nlen);
        BN_CTX *bc = BN_CTX_new();
        BIGNUM *yb = BN_bin2bn(y, (int)ylen, NULL), *xb = BN_new();
        ck_assert(BN_mod_exp(xb, yb, e, n, bc) == 1);
        uint8_t back[384];
        bn_out(xb, back, nlen);
        ck_assert_mem_eq(back, x, nlen);
        BN_free(xb);
        BN_free(yb);
        BN_CTX_free(bc);
        tpm_key_close(tk);
        free(blob);
        BN_free(n);
        BN_free(e);
        BN_clear_free(p);
        EVP_PKEY_free(k);
    }
    uint8_t small[128] = {0x80}, *blob = NULL, e3 = 3;
    size_t blen;
    ck_assert_rv(tpm_key_import_rsa(t, small, 128, &e3, 1, small, 64, &blob, &blen),
                 CKR_KEY_SIZE_RANGE);
    tpm_close(t);
    ossl_cleanup();
}
END_TEST

START_TEST(test_hmac_key_imported)
{
    struct tpm *t = NULL;
    static const uint8_t key[20] = "an azure shared key!";
    static const uint8_t msg[] = "SharedAccessSignature sr=hub.azure-devices.net";
    uint8_t *blob = NULL, mac[32], want[32];
    size_t blen = 0;
    unsigned wlen = 0;
    ck_assert_rv(ossl_init(), CKR_OK);
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    ck_assert_rv(tpm_key_create_hmac(t, key, sizeof key, 32, &blob, &blen), CKR_OK);
    for (size_t i = 0; i + sizeof key <= blen; i++)
        ck_assert(memcmp(blob + i, key, sizeof key) != 0);
    struct tpm_key *k = NULL;
    ck_assert_rv(tpm_key_open(blob, blen, &k), CKR_OK);
    ck_assert_uint_eq(tpm_key_bits(k), 8 * sizeof key);
    ck_assert_rv(tpm_key_hmac(t, k, 32, msg, sizeof msg - 1, mac), CKR_OK);
    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, sizeof key, msg, sizeof msg - 1, want, &wlen));
    ck_assert_mem_eq(mac, want, 32);
    tpm_key_close(k);
    free(blob);
    tpm_close(t);
    ossl_cleanup();
}
END_TEST

/* The wrapping itself: a duplicate changed in one byte fails the TPM's
 * integrity check, and an imported key cannot be duplicated again (no
 * policy matches its empty authPolicy). */
START_TEST(test_import_wrapping_checked)
{
    struct tpm *t = NULL;
    uint8_t d[32], point[65];
    ck_assert_rv(ossl_init(), CKR_OK);
    ck_assert_rv(tpm_open(sw.tcti, &t), CKR_OK);
    EVP_PKEY *k = ec_key_made("P-256", 32, d, point);
    TPMT_PUBLIC p;
    tpm_tmpl_ec(&p, 256, TPM_ATTRS_IMPORTED);
    p.unique.ecc.x.size = p.unique.ecc.y.size = 32;
    memcpy(p.unique.ecc.x.buffer, point + 1, 32);
    memcpy(p.unique.ecc.y.buffer, point + 33, 32);
    TPMT_SENSITIVE s = {.sensitiveType = TPM2_ALG_ECC};
    s.sensitive.ecc.size = 32;
    memcpy(s.sensitive.ecc.buffer, d, 32);
    ESYS_TR primary = ESYS_TR_NONE, obj = ESYS_TR_NONE, sess = ESYS_TR_NONE;
    TPM2B_PUBLIC *parent = NULL, obj_pub = {.publicArea = p};
    ck_assert_rv(tpm_primary(t, &primary, &parent), CKR_OK);
    TPM2B_DATA no_key = {0};
    TPMT_SYM_DEF_OBJECT none = {.algorithm = TPM2_ALG_NULL};
    TPM2B_PRIVATE dup, *priv = NULL;
    TPM2B_ENCRYPTED_SECRET seed;
    for (int flip = 1; flip >= 0; flip--) {
        ck_assert_rv(tpm_dup_wrap(&parent->publicArea, &p, &s, &dup, &seed), CKR_OK);
        dup.buffer[dup.size - 1] ^= (uint8_t)flip;
        TSS2_RC rc = Esys_Import(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                 &no_key, &obj_pub, &dup, &seed, &none, &priv);
        if (flip) {
            ck_assert_uint_eq(rc & (TPM2_RC_FMT1 | 0x3F), TPM2_RC_INTEGRITY);
        } else {
            ck_assert_uint_eq(rc, TSS2_RC_SUCCESS);
        }
    }
    ck_assert_uint_eq(Esys_Load(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                priv, &obj_pub, &obj),
                      TSS2_RC_SUCCESS);
    static const TPMT_SYM_DEF no_sym = {.algorithm = TPM2_ALG_NULL};
    ck_assert_uint_eq(Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                            ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY,
                                            &no_sym, TPM2_ALG_SHA256, &sess),
                      TSS2_RC_SUCCESS);
    ck_assert_uint_eq(Esys_PolicyCommandCode(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE,
                                             ESYS_TR_NONE, TPM2_CC_Duplicate),
                      TSS2_RC_SUCCESS);
    TPM2B_DATA *ekey = NULL;
    TPM2B_PRIVATE *out = NULL;
    TPM2B_ENCRYPTED_SECRET *oseed = NULL;
    TSS2_RC rc = Esys_Duplicate(t->esys, obj, ESYS_TR_RH_NULL, sess, ESYS_TR_NONE, ESYS_TR_NONE,
                                &no_key, &none, &ekey, &out, &oseed);
    ck_assert_uint_eq(rc & (TPM2_RC_FMT1 | 0x3F), TPM2_RC_POLICY_FAIL);
    Esys_FlushContext(t->esys, sess);
    Esys_FlushContext(t->esys, obj);
    Esys_FlushContext(t->esys, primary);
    Esys_Free(priv);
    Esys_Free(parent);
    EVP_PKEY_free(k);
    tpm_close(t);
    ossl_cleanup();
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
    tcase_add_test(tc, test_ec_keys_imported);
    tcase_add_test(tc, test_rsa_keys_imported);
    tcase_add_test(tc, test_hmac_key_imported);
    tcase_add_test(tc, test_import_wrapping_checked);
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
