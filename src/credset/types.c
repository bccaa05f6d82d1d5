/*
 * types.c: each credential-set type, its fields and its objects. The labels
 * and IDs here are documented in the README ("Credential sets"); they are
 * part of the interface, so they never change.
 */
#include "credset/credset_int.h"

#include <stdio.h>
#include <string.h>

#include "util/wipe.h"

/* ---- x509 ---- */

static CK_RV
build_x509(struct cs_build *b, json_object *cred)
{
    size_t lk, lc, la;
    const char *k = cs_str(cred, "key", &lk), *c = cs_str(cred, "cert", &lc);
    const char *ca = cs_str(cred, "ca", &la);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    bool aws = b->o->aws_labels;
    CK_RV rv = cs_pem_key(b, "key", k, lk, &key);
    if (rv == CKR_OK) rv = cs_pem_cert(b, "cert", c, lc, &cert);
    if (rv == CKR_OK) rv = cs_pem_certs(b, "ca", ca, la, &chain);
    if (rv == CKR_OK) rv = cs_check_cert(b, key, cert, chain);
    if (rv == CKR_OK)
        rv = cs_key_pair(b, key, aws ? "Device Priv TLS Key" : "device",
                         aws ? "Device Pub TLS Key" : "device", "device", 6);
    if (rv == CKR_OK) rv = cs_cert(b, cert, aws ? "Device Cert" : "device", "device", false);
    for (int i = 0; rv == CKR_OK && i < sk_X509_num(chain); i++) {
        char label[32], id[16];
        snprintf(label, sizeof label, i == 0 ? "%s" : "%s %d", aws ? "Root Cert" : "ca", i + 1);
        snprintf(id, sizeof id, i == 0 ? "ca" : "ca-%d", i + 1);
        rv = cs_cert(b, sk_X509_value(chain, i), label, id, true);
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    return rv;
}

/* ---- Google ---- */

static CK_RV
build_google_iot(struct cs_build *b, json_object *cred)
{
    static const char *const data[] = {"projectId", "region", "registryId", "deviceId",
                                       "algorithm"};
    size_t n, lk;
    const char *alg = cs_str(cred, "algorithm", &n), *pem = cs_str(cred, "privateKey", &lk);
    bool rs = strcmp(alg, "RS256") == 0, es = strcmp(alg, "ES256") == 0;
    if (!rs && !es)
        return cs_fail(b, CKR_DATA_INVALID, "credentials.algorithm: \"%.16s\"; RS256 or ES256",
                       alg);
    EVP_PKEY *key = NULL;
    CK_RV rv = cs_pem_key(b, "privateKey", pem, lk, &key);
    if (rv != CKR_OK) return rv;
    int id = EVP_PKEY_get_base_id(key);
    char curve[32] = "";
    if (id == EVP_PKEY_EC) EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, NULL);
    if (rs && (id != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 2048))
        rv = cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                     "credentials.privateKey: RS256 needs an RSA key of 2048 bits or more");
    if (es && (id != EVP_PKEY_EC || strcmp(curve, "prime256v1") != 0))
        rv = cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                     "credentials.privateKey: ES256 needs an EC P-256 key");
    if (rv == CKR_OK) rv = cs_key_pair(b, key, "device", "device", "device", 6);
    for (size_t i = 0; rv == CKR_OK && i < sizeof data / sizeof data[0]; i++) {
        const char *v = cs_str(cred, data[i], &n);
        rv = cs_data(b, data[i], v, n);
    }
    EVP_PKEY_free(key);
    return rv;
}

/* The service-account document: an object, or a string holding one. */
static CK_RV
build_google_sa(struct cs_build *b, json_object *cred)
{
    json_object *doc = NULL, *owned = NULL, *v;
    json_object_object_get_ex(cred, "credentials", &doc);
    if (json_object_is_type(doc, json_type_string)) {
        owned = json_tokener_parse(json_object_get_string(doc));
        doc = owned;
        if (!json_object_is_type(doc, json_type_object)) {
            json_object_put(owned);
            return cs_fail(b, CKR_DATA_INVALID,
                           "credentials.credentials: not a service-account JSON document");
        }
    }
    CK_RV rv = CKR_OK;
    const char *need[] = {"type", "private_key", "client_email"};
    for (size_t i = 0; rv == CKR_OK && i < 3; i++)
        if (!json_object_object_get_ex(doc, need[i], &v) ||
            !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
            rv = cs_fail(b, CKR_DATA_INVALID,
                         "credentials.credentials: missing or empty string \"%s\"", need[i]);
    size_t n, lk;
    if (rv == CKR_OK && strcmp(cs_str(doc, "type", &n), "service_account") != 0)
        rv = cs_fail(b, CKR_DATA_INVALID,
                     "credentials.credentials: \"type\" is not \"service_account\"");
    EVP_PKEY *key = NULL;
    const char *pem = rv == CKR_OK ? cs_str(doc, "private_key", &lk) : NULL;
    if (rv == CKR_OK) rv = cs_pem_key(b, "credentials.private_key", pem, lk, &key);
    if (rv == CKR_OK && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        rv = cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                     "credentials.credentials.private_key: not an RSA key (RS256 needs one)");
    const char *kid = "service-account";
    size_t kidlen = strlen(kid);
    if (rv == CKR_OK && json_object_object_get_ex(doc, "private_key_id", &v) &&
        json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0) {
        kid = json_object_get_string(v);
        kidlen = (size_t)json_object_get_string_len(v);
    }
    if (rv == CKR_OK) rv = cs_key_pair(b, key, "service-account", "service-account", kid, kidlen);
    if (rv == CKR_OK) {
        const char *mail = cs_str(doc, "client_email", &n);
        rv = cs_data(b, "client_email", mail, n);
    }
    if (rv == CKR_OK) {
        /* The document without its key, for the JWT's claims. */
        json_object *pub = NULL;
        if (json_object_deep_copy(doc, &pub, NULL) != 0) rv = CKR_HOST_MEMORY;
        if (rv == CKR_OK) {
            json_object_object_del(pub, "private_key");
            const char *s = json_object_to_json_string_ext(pub, JSON_C_TO_STRING_PLAIN);
            rv = s != NULL ? cs_data(b, "service-account", s, strlen(s)) : CKR_HOST_MEMORY;
        }
        json_object_put(pub);
    }
    EVP_PKEY_free(key);
    json_object_put(owned);
    return rv;
}

/* ---- shared secrets ---- */

static bool
cs_chars(const char *s, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              (extra != NULL && strchr(extra, ch) != NULL)))
            return false;
    }
    return true;
}

static CK_RV
build_aws(struct cs_build *b, json_object *cred)
{
    size_t ni, ns;
    const char *id = cs_str(cred, "accessKeyId", &ni), *sk = cs_str(cred, "secretAccessKey", &ns);
    if (ni < 4 || ni > 128 || !cs_chars(id, ni, NULL))
        return cs_fail(b, CKR_DATA_INVALID,
                       "credentials.accessKeyId: 4 to 128 letters and digits expected");
    CK_RV rv = cs_data(b, "accessKeyId", id, ni);
    if (rv == CKR_OK) rv = cs_secret(b, "secretAccessKey", "aws", sk, ns, false);
    return rv;
}

static CK_RV
build_aws_role(struct cs_build *b, json_object *cred)
{
    size_t na, ne;
    const char *arn = cs_str(cred, "roleArn", &na), *ext = cs_str(cred, "externalId", &ne);
    if (na < 5 || strncmp(arn, "arn:", 4) != 0)
        return cs_fail(b, CKR_DATA_INVALID, "credentials.roleArn: not an ARN (arn:...)");
    CK_RV rv = cs_data(b, "roleArn", arn, na);
    if (rv == CKR_OK) rv = cs_data(b, "externalId", ext, ne);
    return rv;
}

static CK_RV
build_azure(struct cs_build *b, json_object *cred)
{
    size_t np, nk;
    const char *pol = cs_str(cred, "policyName", &np), *key = cs_str(cred, "key", &nk);
    /* A Service Bus / Event Hubs SAS is keyed with the key's text itself. */
    CK_RV rv = cs_data(b, "policyName", pol, np);
    if (rv == CKR_OK) rv = cs_secret(b, "key", "azure", key, nk, false);
    return rv;
}

static CK_RV
build_azure_iot(struct cs_build *b, json_object *cred)
{
    size_t nn, nk, len = 0;
    const char *name = cs_str(cred, "sharedAccessKeyName", &nn);
    const char *key = cs_str(cred, "sharedAccessKey", &nk);
    uint8_t *raw = NULL;
    /* An IoT Hub SAS is keyed with the decoded key. */
    CK_RV rv = cs_base64(b, "sharedAccessKey", key, nk, &raw, &len);
    if (rv == CKR_OK) rv = cs_data(b, "sharedAccessKeyName", name, nn);
    if (rv == CKR_OK) rv = cs_secret(b, "sharedAccessKey", "azure-iot", raw, len, false);
    if (raw != NULL) wipe_free(raw, len);
    return rv;
}

static CK_RV
build_pubnub(struct cs_build *b, json_object *cred)
{
    size_t np, ns;
    const char *pub = cs_str(cred, "publishKey", &np), *sub = cs_str(cred, "subscribeKey", &ns);
    if (np < 5 || strncmp(pub, "pub-", 4) != 0)
        return cs_fail(b, CKR_DATA_INVALID, "credentials.publishKey: not a PubNub key (pub-...)");
    if (ns < 5 || strncmp(sub, "sub-", 4) != 0)
        return cs_fail(b, CKR_DATA_INVALID, "credentials.subscribeKey: not a PubNub key (sub-...)");
    CK_RV rv = cs_data(b, "publishKey", pub, np);
    if (rv == CKR_OK) rv = cs_data(b, "subscribeKey", sub, ns);
    return rv;
}

static CK_RV
build_psk(struct cs_build *b, json_object *cred)
{
    size_t n;
    const char *key = cs_str(cred, "key", &n);
    return cs_secret(b, "psk", "psk", key, n, b->o->exportable);
}

/* ---- the table ---- */

static const char *const f_x509[] = {"key", "cert", "ca", NULL};
static const char *const f_aws[] = {"accessKeyId", "secretAccessKey", NULL};
static const char *const f_aws_role[] = {"roleArn", "externalId", NULL};
static const char *const f_azure[] = {"policyName", "key", NULL};
static const char *const f_azure_iot[] = {"sharedAccessKeyName", "sharedAccessKey", NULL};
static const char *const f_google_iot[] = {"projectId", "region",     "registryId", "deviceId",
                                           "algorithm", "privateKey", NULL};
static const char *const f_google_sa[] = {"credentials", NULL};
static const char *const f_pubnub[] = {"publishKey", "subscribeKey", NULL};
static const char *const f_psk[] = {"key", NULL};

const struct cs_type cs_types[CREDSET_TYPES] = {
    [CREDSET_X509] = {"x509", f_x509, build_x509},
    [CREDSET_AWS] = {"aws-credentials", f_aws, build_aws},
    [CREDSET_AWS_ROLE] = {"aws-iam-role-credentials", f_aws_role, build_aws_role},
    [CREDSET_AZURE] = {"azure-credentials", f_azure, build_azure},
    [CREDSET_AZURE_IOT] = {"azureIoT-credentials", f_azure_iot, build_azure_iot},
    [CREDSET_GOOGLE_IOT] = {"googleIoT-credentials", f_google_iot, build_google_iot},
    [CREDSET_GOOGLE_SA] = {"google-service-account-json", f_google_sa, build_google_sa},
    [CREDSET_PUBNUB] = {"pubnub-credentials", f_pubnub, build_pubnub},
    [CREDSET_PSK] = {"psk", f_psk, build_psk},
};
