/*
 * pem.c: keys and certificates from PEM, checked before a set is built.
 * PEM with CRLF line endings is accepted; encrypted keys are not (there is
 * no passphrase to give), and no PEM block may be anything but what the
 * field holds.
 */
#include "credset/credset_int.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

/* A memory BIO over the PEM with every CR removed (heap copy, wiped). */
static BIO *
cs_pem_bio(const char *pem, size_t len, char **copy)
{
    char *c = malloc(len + 1);
    size_t n = 0;
    if (c == NULL) return NULL;
    for (size_t i = 0; i < len; i++)
        if (pem[i] != '\r') c[n++] = pem[i];
    c[n] = '\0';
    BIO *bio = BIO_new_mem_buf(c, (int)n);
    if (bio == NULL) {
        wipe_free(c, len + 1);
        return NULL;
    }
    *copy = c;
    return bio;
}

static void
cs_pem_done(BIO *bio, char *copy, size_t len)
{
    BIO_free(bio);
    wipe_free(copy, len + 1);
    ERR_clear_error();
}

/* Refuses to prompt: a key that asks for a passphrase is encrypted. */
static int
cs_no_pass(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    *(int *)u = 1;
    return -1;
}

CK_RV
cs_pem_key(struct cs_build *b, const char *field, const char *pem, size_t len, EVP_PKEY **out)
{
    char *copy = NULL;
    int asked = 0;
    if (memmem(pem, len, "ENCRYPTED", 9) != NULL)
        return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                       "credentials.%s: an encrypted private key; give it unencrypted", field);
    BIO *bio = cs_pem_bio(pem, len, &copy);
    if (bio == NULL) return CKR_HOST_MEMORY;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, cs_no_pass, &asked);
    cs_pem_done(bio, copy, len);
    if (k == NULL)
        return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                       "credentials.%s: not a PEM private key (PKCS#8 or traditional)%s", field,
                       asked ? ": it is encrypted" : "");
    *out = k;
    return CKR_OK;
}

CK_RV
cs_pem_certs(struct cs_build *b, const char *field, const char *pem, size_t len,
             STACK_OF(X509) * *out)
{
    char *copy = NULL;
    BIO *bio = cs_pem_bio(pem, len, &copy);
    STACK_OF(X509) *v = sk_X509_new_null();
    if (bio == NULL || v == NULL) {
        if (bio != NULL) cs_pem_done(bio, copy, len);
        sk_X509_free(v);
        return CKR_HOST_MEMORY;
    }
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(v, x)) {
            X509_free(x);
            break;
        }
    /* The loop ends at the first thing that is not a certificate: it must
     * be the end of the input. */
    unsigned long e = ERR_peek_last_error();
    bool at_end = ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    cs_pem_done(bio, copy, len);
    int got = sk_X509_num(v);
    if (got == 0 || !at_end) {
        sk_X509_pop_free(v, X509_free);
        return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID, "credentials.%s: %s", field,
                       got == 0 ? "no PEM certificate" : "a malformed PEM certificate");
    }
    *out = v;
    return CKR_OK;
}

CK_RV
cs_pem_cert(struct cs_build *b, const char *field, const char *pem, size_t len, X509 **out)
{
    STACK_OF(X509) *v = NULL;
    CK_RV rv = cs_pem_certs(b, field, pem, len, &v);
    if (rv != CKR_OK) return rv;
    int got = sk_X509_num(v);
    if (got != 1) {
        sk_X509_pop_free(v, X509_free);
        return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                       "credentials.%s: %d certificates; give the device certificate alone", field,
                       got);
    }
    *out = sk_X509_shift(v);
    sk_X509_free(v);
    return CKR_OK;
}

CK_RV
cs_check_cert(struct cs_build *b, EVP_PKEY *key, X509 *cert, STACK_OF(X509) * ca)
{
    CK_RV rv = CKR_HOST_MEMORY;
    if (EVP_PKEY_eq(X509_get0_pubkey(cert), key) != 1)
        return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                       "credentials: the key does not match the certificate");
    time_t now = b->o->now;
    if (!b->o->allow_expired) {
        if (X509_cmp_time(X509_get0_notBefore(cert), &now) > 0)
            return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                           "credentials.cert: not valid yet (use --allow-expired to accept it)");
        if (X509_cmp_time(X509_get0_notAfter(cert), &now) < 0)
            return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                           "credentials.cert: expired (use --allow-expired to accept it)");
    }
    /* Self-signed certificates of the chain are the trust anchors; the
     * others may serve as intermediates. */
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *mid = sk_X509_new_null();
    if (st == NULL || ctx == NULL || mid == NULL) goto out;
    for (int i = 0; i < sk_X509_num(ca); i++) {
        X509 *x = sk_X509_value(ca, i);
        bool root = X509_check_issued(x, x) == X509_V_OK;
        if (!(root ? X509_STORE_add_cert(st, x) : sk_X509_push(mid, x))) goto out;
    }
    if (!X509_STORE_CTX_init(ctx, st, cert, mid)) goto out;
    X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
    /* A check time outranks NO_CHECK_TIME in OpenSSL: set one or the other. */
    if (b->o->allow_expired)
        X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_NO_CHECK_TIME);
    else
        X509_VERIFY_PARAM_set_time(p, now);
    /* A chain that ends at an intermediate given as the CA is fine. */
    X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(ctx) == 1) {
        rv = CKR_OK;
    } else {
        int e = X509_STORE_CTX_get_error(ctx);
        rv = cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                     "credentials: the certificate does not verify to the CA: %s",
                     X509_verify_cert_error_string(e));
    }
out:
    if (rv == CKR_OK) {
        struct tm tm;
        if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
            strftime(b->not_after, CS_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
            b->has_not_after = true;
        }
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    sk_X509_free(mid);
    ERR_clear_error();
    return rv;
}

CK_RV
cs_base64(struct cs_build *b, const char *field, const char *in, size_t len, uint8_t **out,
          size_t *outlen)
{
    /* EVP_DecodeBlock ignores nothing and pads to whole groups: check both. */
    if (len % 4 != 0 || len > (1u << 20))
        return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: not base64", field);
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || (ch == '=' && i + 2 >= len);
        if (!ok) return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: not base64", field);
    }
    if (len >= 2 && in[len - 2] == '=' && in[len - 1] != '=')
        return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: not base64", field);
    uint8_t *p = malloc(len / 4 * 3 + 1);
    if (p == NULL) return CKR_HOST_MEMORY;
    int n = EVP_DecodeBlock(p, (const unsigned char *)in, (int)len);
    if (n < 0) {
        wipe_free(p, len / 4 * 3 + 1);
        return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: not base64", field);
    }
    size_t pad =
        (size_t)(len >= 1 && in[len - 1] == '=') + (size_t)(len >= 2 && in[len - 2] == '=');
    *outlen = (size_t)n - pad;
    if (*outlen == 0) {
        wipe_free(p, len / 4 * 3 + 1);
        return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: is empty", field);
    }
    *out = p;
    return CKR_OK;
}
