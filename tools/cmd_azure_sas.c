/*
 * cmd_azure_sas.c: credtoken azure-sas --set ID --resource URI --ttl SECONDS
 *
 * An Azure shared access signature computed inside the token: the set's key
 * (azureIoT-credentials: the decoded sharedAccessKey; azure-credentials:
 * the key's text) signs "<url-encoded URI>\n<expiry>" with CKM_SHA256_HMAC,
 * and the key never leaves the token. Prints
 *   SharedAccessSignature sr=<URI>&sig=<signature>&se=<expiry>[&skn=<name>]
 * with the signature base64 and then URL encoded, as Azure's SDKs do; skn is
 * the set's sharedAccessKeyName or policyName.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "module.h"
#include "pin.h"
#include "report.h"
#include "token.h"

static const char sas_usage[] =
    "usage: credtoken [--module PATH] azure-sas --set ID --resource URI --ttl SECONDS\n"
    "                 [--pin-file FILE] [--expiry UNIXTIME]\n"
    "\n"
    "Print an Azure SharedAccessSignature for URI, valid for SECONDS (or until\n"
    "UNIXTIME), signed in the token with the key of set ID (azureIoT-credentials or\n"
    "azure-credentials). The key never leaves the token.\n";

/* RFC 3986 unreserved characters stay; everything else is %XX (upper case). */
static void
sas_urlencode(const unsigned char *s, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            *out++ = (char)ch;
        } else {
            *out++ = '%';
            *out++ = hex[ch >> 4];
            *out++ = hex[ch & 15];
        }
    }
    *out = '\0';
}

static void
sas_base64(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

/* The one object of class cls labelled label; CK_INVALID_HANDLE if none. */
static CK_OBJECT_HANDLE
sas_find(const struct module *m, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *label)
{
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    if (m->C_FindObjectsInit(s, t, 2) != CKR_OK) return CK_INVALID_HANDLE;
    if (m->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1) h = CK_INVALID_HANDLE;
    m->C_FindObjectsFinal(s);
    return h;
}

/* The value of a data object, NUL-terminated in buf; 0 when found. */
static int
sas_data(const struct module *m, CK_SESSION_HANDLE s, const char *label, char *buf, size_t len)
{
    CK_OBJECT_HANDLE h = sas_find(m, s, CKO_DATA, label);
    CK_ATTRIBUTE v = {CKA_VALUE, buf, len - 1};
    if (h == CK_INVALID_HANDLE || m->C_GetAttributeValue(s, h, &v, 1) != CKR_OK) return -1;
    buf[v.ulValueLen] = '\0';
    return 0;
}

/* The slot of the token labelled id. */
static int
sas_slot(const struct module *m, const char *id, CK_SLOT_ID *slot)
{
    CK_SLOT_ID *ids = NULL;
    CK_ULONG n = 0;
    CK_UTF8CHAR padded[TOKEN_LABEL_LEN];
    int rc = -1;
    if (token_label_pad(id, padded) != 0 || token_list_slots(m, &ids, &n) != 0) return -1;
    for (CK_ULONG i = 0; i < n && rc != 0; i++) {
        CK_TOKEN_INFO info;
        if (token_get_info(m, ids[i], &info) == 0 && token_has_label(&info, padded)) {
            *slot = ids[i];
            rc = 0;
        }
    }
    free(ids);
    if (rc != 0) report_error("azure-sas: no set \"%s\"", id);
    return rc;
}

int
cmd_azure_sas_run(const char *module_path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"set", required_argument, NULL, 's'},
        {"resource", required_argument, NULL, 'r'},
        {"ttl", required_argument, NULL, 't'},
        {"expiry", required_argument, NULL, 'e'},
        {"pin-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *id = NULL, *uri = NULL, *pin_file = NULL;
    long long ttl = -1, expiry = -1;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's':
            id = optarg;
            break;
        case 'r':
            uri = optarg;
            break;
        case 't':
        case 'e':
            (c == 't' ? &ttl : &expiry)[0] = strtoll(optarg, &end, 10);
            if (end == optarg || *end != '\0' || (c == 't' ? ttl : expiry) <= 0) {
                report_error("azure-sas: --%s takes a positive number of seconds",
                             c == 't' ? "ttl" : "expiry");
                return REPORT_EXIT_USAGE;
            }
            break;
        case 'p':
            pin_file = optarg;
            break;
        case 'h':
            fputs(sas_usage, stdout);
            return REPORT_EXIT_OK;
        default:
            return cmd_bad_option(c, argv);
        }
    }
    if (optind != argc || id == NULL || uri == NULL || (ttl < 0) == (expiry < 0)) {
        report_error("azure-sas: give --set, --resource, and one of --ttl or --expiry");
        return REPORT_EXIT_USAGE;
    }
    if (expiry < 0) expiry = (long long)time(NULL) + ttl;
    size_t ulen = strlen(uri);
    char *enc = malloc(3 * ulen + 1), *msg = malloc(3 * ulen + 32);
    struct pin pin;
    struct module m;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    int rc = REPORT_EXIT_FAIL;
    memset(&pin, 0, sizeof pin);
    if (enc == NULL || msg == NULL) goto out_mem;
    sas_urlencode((const unsigned char *)uri, ulen, enc);
    int mlen = snprintf(msg, 3 * ulen + 32, "%s\n%lld", enc, expiry);
    if (pin_read(&pin, pin_file, "user PIN", "--pin-file", 0) != 0) goto out_mem;
    if (module_load(&m, module_path) != 0) goto out_pin;
    CK_SLOT_ID slot;
    if (sas_slot(&m, id, &slot) != 0) goto out;
    CK_RV rv = m.C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
    if (rv == CKR_OK) rv = m.C_Login(s, CKU_USER, pin.buf, pin.len);
    if (rv != CKR_OK) {
        report_rv(rv, "azure-sas: set \"%s\": login", id);
        goto out;
    }
    /* An IoT Hub set, else a Service Bus / Event Hubs one. */
    char name[256] = "";
    CK_OBJECT_HANDLE key = sas_find(&m, s, CKO_SECRET_KEY, "sharedAccessKey");
    if (key != CK_INVALID_HANDLE) {
        (void)sas_data(&m, s, "sharedAccessKeyName", name, sizeof name);
    } else {
        key = sas_find(&m, s, CKO_SECRET_KEY, "key");
        if (key == CK_INVALID_HANDLE || sas_data(&m, s, "policyName", name, sizeof name) != 0) {
            report_error("azure-sas: set \"%s\" is not an Azure set", id);
            goto out;
        }
    }
    CK_MECHANISM mech = {CKM_SHA256_HMAC, NULL, 0};
    CK_BYTE mac[32];
    CK_ULONG maclen = sizeof mac;
    rv = m.C_SignInit(s, &mech, key);
    if (rv == CKR_OK) rv = m.C_Sign(s, (CK_BYTE_PTR)msg, (CK_ULONG)mlen, mac, &maclen);
    if (rv != CKR_OK) {
        report_rv(rv, "azure-sas: signing with set \"%s\"", id);
        goto out;
    }
    char b64[64], sig[3 * 64 + 1], skn[3 * 256 + 1];
    sas_base64(mac, maclen, b64);
    sas_urlencode((const unsigned char *)b64, strlen(b64), sig);
    printf("SharedAccessSignature sr=%s&sig=%s&se=%lld", enc, sig, expiry);
    if (name[0] != '\0') {
        sas_urlencode((const unsigned char *)name, strlen(name), skn);
        printf("&skn=%s", skn);
    }
    printf("\n");
    rc = REPORT_EXIT_OK;
out:
    if (s != CK_INVALID_HANDLE) m.C_CloseSession(s);
    module_unload(&m);
out_pin:
    pin_wipe(&pin);
out_mem:
    free(enc);
    free(msg);
    return rc;
}
