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
#include "enc.h"
#include "setobj.h"

static const char sas_usage[] =
    "usage: credtoken [--module PATH] azure-sas --set ID --resource URI --ttl SECONDS\n"
    "                 [--pin-file FILE] [--expiry UNIXTIME]\n"
    "\n"
    "Print an Azure SharedAccessSignature for URI, valid for SECONDS (or until\n"
    "UNIXTIME), signed in the token with the key of set ID (azureIoT-credentials or\n"
    "azure-credentials). The key never leaves the token.\n";

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
    enc_url((const unsigned char *)uri, ulen, enc);
    int mlen = snprintf(msg, 3 * ulen + 32, "%s\n%lld", enc, expiry);
    if (pin_read(&pin, pin_file, "user PIN", "--pin-file", 0) != 0) goto out_mem;
    if (module_load(&m, module_path) != 0) goto out_pin;
    if (setobj_open(&m, "azure-sas", id, &pin, &s) != 0) goto out;
    /* An IoT Hub set, else a Service Bus / Event Hubs one. */
    char name[256] = "";
    CK_OBJECT_HANDLE key = setobj_find(&m, s, CKO_SECRET_KEY, "sharedAccessKey");
    if (key != CK_INVALID_HANDLE) {
        (void)setobj_data(&m, s, "sharedAccessKeyName", name, sizeof name);
    } else {
        key = setobj_find(&m, s, CKO_SECRET_KEY, "key");
        if (key == CK_INVALID_HANDLE || setobj_data(&m, s, "policyName", name, sizeof name) != 0) {
            report_error("azure-sas: set \"%s\" is not an Azure set", id);
            goto out;
        }
    }
    CK_MECHANISM mech = {CKM_SHA256_HMAC, NULL, 0};
    CK_BYTE mac[32];
    CK_ULONG maclen = sizeof mac;
    CK_RV rv = m.C_SignInit(s, &mech, key);
    if (rv == CKR_OK) rv = m.C_Sign(s, (CK_BYTE_PTR)msg, (CK_ULONG)mlen, mac, &maclen);
    if (rv != CKR_OK) {
        report_rv(rv, "azure-sas: signing with set \"%s\"", id);
        goto out;
    }
    char b64[64], sig[3 * 64 + 1], skn[3 * 256 + 1];
    enc_base64(mac, maclen, 0, b64);
    enc_url((const unsigned char *)b64, strlen(b64), sig);
    printf("SharedAccessSignature sr=%s&sig=%s&se=%lld", enc, sig, expiry);
    if (name[0] != '\0') {
        enc_url((const unsigned char *)name, strlen(name), skn);
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
