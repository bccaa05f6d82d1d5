/*
 * test_credset.c: credential-set bodies (src/credset): every type builds
 * the documented objects, and every kind of bad input gets its own error
 * line and code. Keys and certificates are made here with OpenSSL.
 */
#include <check.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credset/credset.h"
#include "mech/ossl.h"

#include "unit.h"

static time_t now;
static EVP_PKEY *ca_key, *dev_key, *other_key, *rsa_key;
static X509 *ca_cert, *dev_cert, *other_ca;

static EVP_PKEY *
gen_ec(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    ck_assert_ptr_nonnull(k);
    return k;
}

/* A certificate for key, valid from now+from to now+to days, signed by
 * issuer (NULL: self-signed). */
static X509 *
mk_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, long from, long to)
{
    X509 *x = X509_new();
    ck_assert_ptr_nonnull(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(now & 0xffff) + from * 7 + to);
    X509_time_adj_ex(X509_getm_notBefore(x), (int)from, 0, &now);
    X509_time_adj_ex(X509_getm_notAfter(x), (int)to, 0, &now);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    if (issuer == NULL) { /* a CA */
        X509V3_CTX v3;
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        X509_EXTENSION *e =
            X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
        ck_assert_ptr_nonnull(e);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    ck_assert_int_gt(X509_sign(x, ikey ? ikey : key, EVP_sha256()), 0);
    return x;
}

static char *
pem_of(EVP_PKEY *k, X509 *x, bool traditional)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (k != NULL && traditional)
        ck_assert_int_eq(PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL), 1);
    else if (k != NULL)
        ck_assert_int_eq(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    if (x != NULL) ck_assert_int_eq(PEM_write_bio_X509(b, x), 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *out = strndup(p, (size_t)n);
    BIO_free(b);
    return out;
}

static void
setup(void)
{
    ck_assert_rv(ossl_init(), CKR_OK);
    now = time(NULL);
    ca_key = gen_ec();
    dev_key = gen_ec();
    other_key = gen_ec();
    rsa_key = EVP_RSA_gen(2048);
    ck_assert_ptr_nonnull(rsa_key);
    ca_cert = mk_cert(ca_key, "test CA", NULL, NULL, -1, 365);
    dev_cert = mk_cert(dev_key, "device-1", ca_cert, ca_key, -1, 30);
    other_ca = mk_cert(other_key, "other CA", NULL, NULL, -1, 365);
}

static void
teardown(void)
{
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(dev_key);
    EVP_PKEY_free(other_key);
    EVP_PKEY_free(rsa_key);
    X509_free(ca_cert);
    X509_free(dev_cert);
    X509_free(other_ca);
    ossl_cleanup();
}

/* A body: type plus credentials given as name/value string pairs. */
static char *
body_of(const char *type, const char *const *kv)
{
    json_object *o = json_object_new_object(), *c = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "description", json_object_new_string("a test set"));
    for (size_t i = 0; kv[i] != NULL; i += 2)
        json_object_object_add(c, kv[i], json_object_new_string(kv[i + 1]));
    json_object_object_add(o, "credentials", c);
    char *s = strdup(json_object_to_json_string(o));
    json_object_put(o);
    return s;
}

static struct credset_opts
opts(void)
{
    return (struct credset_opts){.now = now};
}

static struct credset *
parse_ok(const char *id, const char *body, const struct credset_opts *o)
{
    struct credset *c = NULL;
    char err[CREDSET_ERR_LEN];
    CK_RV rv = credset_parse(id, (const uint8_t *)body, strlen(body), o, &c, err);
    ck_assert_msg(rv == CKR_OK, "credset_parse: 0x%lx: %s", rv, err);
    return c;
}

/* Parse expecting failure rv with an error line containing want. */
static void
parse_bad(const char *id, const char *body, const struct credset_opts *o, CK_RV want,
          const char *words)
{
    struct credset *c = NULL;
    char err[CREDSET_ERR_LEN];
    CK_RV rv = credset_parse(id, (const uint8_t *)body, strlen(body), o, &c, err);
    ck_assert_msg(rv == want, "0x%lx (want 0x%lx): %s", rv, want, err);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err, words) != NULL, "error \"%s\" lacks \"%s\"", err, words);
    ck_assert_ptr_null(strchr(err, '\n'));
}

static const struct attr *
obj_attr(const struct credset *c, size_t i, CK_ATTRIBUTE_TYPE t)
{
    return attr_set_find(c->objs[i].tmpl, t);
}

/* The object with this class and label; asserts there is exactly one. */
static size_t
obj_find(const struct credset *c, CK_OBJECT_CLASS cls, const char *label)
{
    size_t hit = c->nobj, n = 0;
    for (size_t i = 0; i < c->nobj; i++) {
        CK_ULONG v = 0;
        const struct attr *l = obj_attr(c, i, CKA_LABEL);
        if (attr_set_get_ulong(c->objs[i].tmpl, CKA_CLASS, &v) != CKR_OK || v != cls) continue;
        if (l->len == strlen(label) && memcmp(l->val, label, l->len) == 0) {
            hit = i;
            n++;
        }
    }
    ck_assert_msg(n == 1, "%zu objects of class %lu labelled %s", n, cls, label);
    return hit;
}

static void
expect_value(const struct credset *c, size_t i, const void *v, size_t n)
{
    const struct attr *a = obj_attr(c, i, CKA_VALUE);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->len, n);
    ck_assert_int_eq(memcmp(a->val, v, n), 0);
}

/* What every object of every set carries. */
static void
expect_common(const struct credset *c, const char *id, const char *type, bool not_after)
{
    for (size_t i = 0; i < c->nobj; i++) {
        const struct attr *a = obj_attr(c, i, CKA_CREDTOKEN_SET_ID);
        ck_assert_ptr_nonnull(a);
        ck_assert_int_eq(memcmp(a->val, id, strlen(id)), 0);
        a = obj_attr(c, i, CKA_CREDTOKEN_SET_TYPE);
        ck_assert_uint_eq(a->len, strlen(type));
        ck_assert_int_eq(memcmp(a->val, type, a->len), 0);
        ck_assert_uint_eq(obj_attr(c, i, CKA_CREDTOKEN_CREATED)->len, 20);
        ck_assert_uint_eq(obj_attr(c, i, CKA_CREDTOKEN_UPDATED)->len, 20);
        ck_assert(attr_set_has(c->objs[i].tmpl, CKA_CREDTOKEN_NOT_AFTER) == not_after);
        ck_assert(!attr_set_get_bool(c->objs[i].tmpl, CKA_MODIFIABLE, true));
    }
    size_t d = obj_find(c, CKO_DATA, "credset");
    ck_assert(!attr_set_get_bool(c->objs[d].tmpl, CKA_PRIVATE, true));
    const struct attr *v = obj_attr(c, d, CKA_VALUE);
    char *s = strndup((const char *)v->val, v->len);
    json_object *j = json_tokener_parse(s);
    ck_assert_ptr_nonnull(j);
    json_object *f;
    ck_assert(json_object_object_get_ex(j, "credentialsId", &f));
    ck_assert_str_eq(json_object_get_string(f), id);
    ck_assert(json_object_object_get_ex(j, "type", &f));
    ck_assert_str_eq(json_object_get_string(f), type);
    ck_assert(json_object_object_get_ex(j, "createDateTime", &f));
    ck_assert(json_object_object_get_ex(j, "updateDateTime", &f));
    ck_assert(!json_object_object_get_ex(j, "credentials", &f));
    json_object_put(j);
    free(s);
}

/* A secret key: sensitive and never extractable (unless exportable). */
static void
expect_secret(const struct credset *c, const char *label, const void *v, size_t n, bool exportable)
{
    size_t i = obj_find(c, CKO_SECRET_KEY, label);
    expect_value(c, i, v, n);
    ck_assert(attr_set_get_bool(c->objs[i].tmpl, CKA_PRIVATE, false));
    ck_assert(attr_set_get_bool(c->objs[i].tmpl, CKA_SENSITIVE, false) == !exportable);
    ck_assert(attr_set_get_bool(c->objs[i].tmpl, CKA_EXTRACTABLE, true) == exportable);
    ck_assert(attr_set_get_bool(c->objs[i].tmpl, CKA_SIGN, false));
    ck_assert(attr_set_get_bool(c->objs[i].tmpl, CKA_DERIVE, false));
}

/* ---- every type ---- */

START_TEST(test_x509)
{
    char *key = pem_of(dev_key, NULL, false), *cert = pem_of(NULL, dev_cert, false);
    char *ca = pem_of(NULL, ca_cert, false);
    const char *kv[] = {"key", key, "cert", cert, "ca", ca, NULL};
    char *body = body_of("x509", kv);
    struct credset_opts o = opts();
    struct credset *c = parse_ok("device-1", body, &o);
    ck_assert_int_eq(c->type, CREDSET_X509);
    ck_assert_uint_eq(c->nobj, 5); /* key pair, device cert, CA cert, descriptor */
    size_t k = obj_find(c, CKO_PRIVATE_KEY, "device");
    ck_assert_ptr_nonnull(c->objs[k].pkcs8);
    ck_assert_uint_eq(c->objs[k].pkcs8_type, CKK_EC);
    ck_assert(attr_set_get_bool(c->objs[k].tmpl, CKA_SENSITIVE, false));
    ck_assert(!attr_set_get_bool(c->objs[k].tmpl, CKA_EXTRACTABLE, true));
    size_t p = obj_find(c, CKO_PUBLIC_KEY, "device");
    ck_assert(!attr_set_get_bool(c->objs[p].tmpl, CKA_PRIVATE, true));
    size_t d = obj_find(c, CKO_CERTIFICATE, "device");
    ck_assert(!attr_set_get_bool(c->objs[d].tmpl, CKA_PRIVATE, true));
    unsigned char *der = NULL;
    int n = i2d_X509(dev_cert, &der);
    expect_value(c, d, der, (size_t)n);
    OPENSSL_free(der);
    obj_find(c, CKO_CERTIFICATE, "ca");
    expect_common(c, "device-1", "x509", true);
    credset_free(c);

    /* AWS corePKCS11's labels; a traditional (SEC1) key; CRLF line ends. */
    char *trad = pem_of(dev_key, NULL, true);
    char crlf[4096];
    size_t m = 0;
    for (const char *s = trad; *s; s++) {
        if (*s == '\n') crlf[m++] = '\r';
        crlf[m++] = *s;
    }
    crlf[m] = '\0';
    const char *kv2[] = {"key", crlf, "cert", cert, "ca", ca, NULL};
    char *body2 = body_of("x509", kv2);
    o.aws_labels = true;
    c = parse_ok("device-1", body2, &o);
    obj_find(c, CKO_PRIVATE_KEY, "Device Priv TLS Key");
    obj_find(c, CKO_PUBLIC_KEY, "Device Pub TLS Key");
    obj_find(c, CKO_CERTIFICATE, "Device Cert");
    obj_find(c, CKO_CERTIFICATE, "Root Cert");
    credset_free(c);
    free(key);
    free(cert);
    free(ca);
    free(body);
    free(trad);
    free(body2);
}
END_TEST

START_TEST(test_secrets)
{
    struct credset_opts o = opts();
    const char *aws[] = {"accessKeyId", "AKIAIOSFODNN7EXAMPLE", "secretAccessKey",
                         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};
    char *b = body_of("aws-credentials", aws);
    struct credset *c = parse_ok("aws-1", b, &o);
    expect_value(c, obj_find(c, CKO_DATA, "accessKeyId"), "AKIAIOSFODNN7EXAMPLE", 20);
    expect_secret(c, "secretAccessKey", aws[3], strlen(aws[3]), false);
    expect_common(c, "aws-1", "aws-credentials", false);
    credset_free(c);
    free(b);

    const char *role[] = {"roleArn", "arn:aws:iam::123456789012:role/device", "externalId", "x-1",
                          NULL};
    b = body_of("aws-iam-role-credentials", role);
    c = parse_ok("role", b, &o);
    expect_value(c, obj_find(c, CKO_DATA, "roleArn"), role[1], strlen(role[1]));
    expect_value(c, obj_find(c, CKO_DATA, "externalId"), "x-1", 3);
    ck_assert_uint_eq(c->nobj, 3);
    credset_free(c);
    free(b);

    const char *az[] = {"policyName", "RootManageSharedAccessKey", "key", "c2VjcmV0LWtleQ==", NULL};
    b = body_of("azure-credentials", az);
    c = parse_ok("bus", b, &o);
    expect_secret(c, "key", "c2VjcmV0LWtleQ==", 16, false); /* keyed with the text */
    credset_free(c);
    free(b);

    const char *iot[] = {"sharedAccessKeyName", "device", "sharedAccessKey",
                         "c2VjcmV0LWtleQ==", NULL};
    b = body_of("azureIoT-credentials", iot);
    c = parse_ok("hub", b, &o);
    expect_secret(c, "sharedAccessKey", "secret-key", 10, false); /* keyed with the bytes */
    expect_common(c, "hub", "azureIoT-credentials", false);
    credset_free(c);
    free(b);

    const char *pn[] = {"publishKey", "pub-c-1234", "subscribeKey", "sub-c-5678", NULL};
    b = body_of("pubnub-credentials", pn);
    c = parse_ok("pn", b, &o);
    expect_value(c, obj_find(c, CKO_DATA, "publishKey"), "pub-c-1234", 10);
    expect_value(c, obj_find(c, CKO_DATA, "subscribeKey"), "sub-c-5678", 10);
    credset_free(c);
    free(b);

    const char *psk[] = {"key", "my-secret-key", NULL};
    b = body_of("psk", psk);
    c = parse_ok("psk-1", b, &o);
    expect_secret(c, "psk", "my-secret-key", 13, false);
    credset_free(c);
    o.exportable = true;
    c = parse_ok("psk-1", b, &o);
    expect_secret(c, "psk", "my-secret-key", 13, true);
    credset_free(c);
    free(b);
}
END_TEST

START_TEST(test_google)
{
    struct credset_opts o = opts();
    char *ec = pem_of(dev_key, NULL, false), *rsa = pem_of(rsa_key, NULL, false);
    const char *iot[] = {"projectId",  "p",        "region", "europe-west1", "registryId",
                         "r",          "deviceId", "d",      "algorithm",    "ES256",
                         "privateKey", ec,         NULL};
    char *b = body_of("googleIoT-credentials", iot);
    struct credset *c = parse_ok("gcp-iot", b, &o);
    obj_find(c, CKO_PRIVATE_KEY, "device");
    expect_value(c, obj_find(c, CKO_DATA, "region"), "europe-west1", 12);
    expect_common(c, "gcp-iot", "googleIoT-credentials", false);
    credset_free(c);
    free(b);
    /* RS256 with an EC key: refused. */
    iot[9] = "RS256";
    b = body_of("googleIoT-credentials", iot);
    parse_bad("gcp-iot", b, &o, CKR_ATTRIBUTE_VALUE_INVALID, "RS256 needs an RSA key");
    free(b);

    /* The service-account document, as an object and as a string. */
    json_object *sa = json_object_new_object();
    json_object_object_add(sa, "type", json_object_new_string("service_account"));
    json_object_object_add(sa, "project_id", json_object_new_string("proj"));
    json_object_object_add(sa, "private_key_id", json_object_new_string("abc123"));
    json_object_object_add(sa, "private_key", json_object_new_string(rsa));
    json_object_object_add(sa, "client_email",
                           json_object_new_string("dev@proj.iam.gserviceaccount.com"));
    for (int as_string = 0; as_string < 2; as_string++) {
        json_object *top = json_object_new_object(), *cred = json_object_new_object();
        json_object_object_add(top, "type", json_object_new_string("google-service-account-json"));
        json_object_object_add(cred, "credentials",
                               as_string ? json_object_new_string(json_object_to_json_string(sa))
                                         : json_object_get(sa));
        json_object_object_add(top, "credentials", cred);
        c = parse_ok("gcp-sa", json_object_to_json_string(top), &o);
        size_t k = obj_find(c, CKO_PRIVATE_KEY, "service-account");
        ck_assert_uint_eq(c->objs[k].pkcs8_type, CKK_RSA);
        const struct attr *id = obj_attr(c, k, CKA_ID);
        ck_assert_int_eq(memcmp(id->val, "abc123", 6), 0);
        size_t d = obj_find(c, CKO_DATA, "service-account");
        const struct attr *v = obj_attr(c, d, CKA_VALUE);
        ck_assert_ptr_null(memmem(v->val, v->len, "PRIVATE KEY", 11)); /* key left out */
        ck_assert_ptr_nonnull(memmem(v->val, v->len, "client_email", 12));
        expect_common(c, "gcp-sa", "google-service-account-json", false);
        credset_free(c);
        json_object_put(top);
    }
    json_object_put(sa);
    free(ec);
    free(rsa);
}
END_TEST

/* ---- bad input ---- */

START_TEST(test_bad_json_and_fields)
{
    struct credset_opts o = opts();
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{\"key\":\"k\"}", &o, CKR_DATA_INVALID,
              "malformed JSON");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{\"key\":\"k\"}} x", &o, CKR_DATA_INVALID,
              "malformed JSON at byte 41");
    parse_bad("s", "{'type':'psk'}", &o, CKR_DATA_INVALID, "malformed JSON");
    parse_bad("s", "[1,2]", &o, CKR_DATA_INVALID, "must be a JSON object");
    parse_bad("s", "", &o, CKR_DATA_INVALID, "empty");
    parse_bad("s", "{\"type\":\"ssh\",\"credentials\":{}}", &o, CKR_DATA_INVALID,
              "unknown type \"ssh\"");
    parse_bad("s", "{\"credentials\":{}}", &o, CKR_DATA_INVALID, "missing field \"type\"");
    parse_bad("s", "{\"type\":\"psk\"}", &o, CKR_DATA_INVALID, "missing field \"credentials\"");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{\"key\":\"k\"},\"x\":1}", &o,
              CKR_DATA_INVALID, "unexpected field \"x\"");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{}}", &o, CKR_DATA_INVALID,
              "missing field \"key\"");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{\"key\":\"k\",\"salt\":\"s\"}}", &o,
              CKR_DATA_INVALID, "unexpected field \"salt\"");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{\"key\":7}}", &o, CKR_DATA_INVALID,
              "must be a string");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{\"key\":\"\"}}", &o, CKR_DATA_INVALID,
              "is empty");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":{\"key\":\"a\\u0000b\"}}", &o,
              CKR_DATA_INVALID, "NUL");
    parse_bad("s", "{\"type\":\"psk\",\"credentials\":\"k\"}", &o, CKR_DATA_INVALID,
              "must be a JSON object");
    parse_bad("0123456789abcdef0123456789abcdefX", "{}", &o, CKR_ARGUMENTS_BAD, "at most 32");
    parse_bad("has space", "{}", &o, CKR_ARGUMENTS_BAD, "character");
    parse_bad("", "{}", &o, CKR_ARGUMENTS_BAD, "empty");
    const char *iot[] = {"sharedAccessKeyName", "d", "sharedAccessKey", "not*base64", NULL};
    char *b = body_of("azureIoT-credentials", iot);
    parse_bad("s", b, &o, CKR_DATA_INVALID, "sharedAccessKey: not base64");
    free(b);
    const char *aws[] = {"accessKeyId", "AKIA*EXAMPLE", "secretAccessKey", "k", NULL};
    b = body_of("aws-credentials", aws);
    parse_bad("s", b, &o, CKR_DATA_INVALID, "accessKeyId");
    free(b);
    b = body_of("pubnub-credentials",
                (const char *const[]){"publishKey", "pub-c-1", "subscribeKey", "sub-c-1", NULL});
    o.exportable = true;
    parse_bad("s", b, &o, CKR_DATA_INVALID, "--exportable applies to psk sets only");
    free(b);
}
END_TEST

/* An x509 body from PEM strings. */
static void
x509_bad(EVP_PKEY *k, X509 *cert, X509 *ca, const struct credset_opts *o, CK_RV want,
         const char *words)
{
    char *pk = pem_of(k, NULL, false), *pc = pem_of(NULL, cert, false),
         *pa = pem_of(NULL, ca, false);
    const char *kv[] = {"key", pk, "cert", pc, "ca", pa, NULL};
    char *b = body_of("x509", kv);
    if (want == CKR_OK)
        credset_free(parse_ok("x", b, o));
    else
        parse_bad("x", b, o, want, words);
    free(pk);
    free(pc);
    free(pa);
    free(b);
}

START_TEST(test_bad_x509)
{
    struct credset_opts o = opts();
    /* A key that is not the certificate's. */
    x509_bad(other_key, dev_cert, ca_cert, &o, CKR_ATTRIBUTE_VALUE_INVALID,
             "does not match the certificate");
    /* A chain that does not lead to the CA given. */
    x509_bad(dev_key, dev_cert, other_ca, &o, CKR_ATTRIBUTE_VALUE_INVALID,
             "does not verify to the CA");
    /* Expired, and not yet valid; --allow-expired accepts both. */
    X509 *old = mk_cert(dev_key, "old", ca_cert, ca_key, -30, -1);
    X509 *young = mk_cert(dev_key, "young", ca_cert, ca_key, 2, 30);
    x509_bad(dev_key, old, ca_cert, &o, CKR_ATTRIBUTE_VALUE_INVALID, "expired");
    x509_bad(dev_key, young, ca_cert, &o, CKR_ATTRIBUTE_VALUE_INVALID, "not valid yet");
    o.allow_expired = true;
    x509_bad(dev_key, old, ca_cert, &o, CKR_OK, NULL);
    x509_bad(dev_key, young, ca_cert, &o, CKR_OK, NULL);
    o.allow_expired = false;
    X509_free(old);
    X509_free(young);
    /* Not PEM at all, an encrypted key, two device certificates. */
    char *pc = pem_of(NULL, dev_cert, false), *pa = pem_of(NULL, ca_cert, false);
    const char *kv[] = {"key",  "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                        "cert", pc,
                        "ca",   pa,
                        NULL};
    char *b = body_of("x509", kv);
    parse_bad("x", b, &o, CKR_ATTRIBUTE_VALUE_INVALID, "not a PEM private key");
    free(b);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PKCS8PrivateKey(bio, dev_key, EVP_aes_256_cbc(), NULL, 0, NULL, "pass");
    char *enc;
    long n = BIO_get_mem_data(bio, &enc);
    char *encs = strndup(enc, (size_t)n);
    BIO_free(bio);
    kv[1] = encs;
    b = body_of("x509", kv);
    parse_bad("x", b, &o, CKR_ATTRIBUTE_VALUE_INVALID, "encrypted");
    free(b);
    char *two = malloc(2 * strlen(pc) + 1);
    strcpy(two, pc);
    strcat(two, pc);
    char *pk = pem_of(dev_key, NULL, false);
    const char *kv2[] = {"key", pk, "cert", two, "ca", pa, NULL};
    b = body_of("x509", kv2);
    parse_bad("x", b, &o, CKR_ATTRIBUTE_VALUE_INVALID, "2 certificates");
    free(b);
    const char *kv3[] = {"key", pk, "cert", pc, "ca", "no certificate here", NULL};
    b = body_of("x509", kv3);
    parse_bad("x", b, &o, CKR_ATTRIBUTE_VALUE_INVALID, "ca: no PEM certificate");
    free(b);
    free(two);
    free(pk);
    free(encs);
    free(pc);
    free(pa);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("credset");
    TCase *tc = tcase_create("credset");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_x509);
    tcase_add_test(tc, test_secrets);
    tcase_add_test(tc, test_google);
    tcase_add_test(tc, test_bad_json_and_fields);
    tcase_add_test(tc, test_bad_x509);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
