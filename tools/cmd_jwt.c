/*
 * cmd_jwt.c: credtoken jwt --set ID --aud AUD --scope SCOPE [--ttl SECONDS]
 *
 * A Google service-account JWT (RFC 7519, RS256), signed inside the token
 * with CKM_SHA256_RSA_PKCS by the set's key: the private key never leaves
 * it. Header {"alg":"RS256","typ":"JWT","kid":<private_key_id>}; claims
 * {"iss":<client_email>,"scope","aud","iat","exp"}, as Google's OAuth 2.0
 * token endpoint asks (https://developers.google.com/identity/protocols/
 * oauth2/service-account).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "enc.h"
#include "module.h"
#include "pin.h"
#include "report.h"
#include "setobj.h"

static const char jwt_usage[] =
    "usage: credtoken [--module PATH] jwt --set ID --aud AUD --scope SCOPE [--ttl SECONDS]\n"
    "                 [--iat UNIXTIME] [--pin-file FILE]\n"
    "\n"
    "Print an RS256 JWT for the google-service-account-json set ID, signed in the\n"
    "token (default lifetime 3600 s, Google's maximum).\n";

/* base64url of s into a new heap string. */
static char *
jwt_part(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(4 * (n / 3 + 1) + 1);
    if (out != NULL) enc_base64((const unsigned char *)s, n, 1, out);
    return out;
}

int
cmd_jwt_run(const char *module_path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"set", required_argument, NULL, 's'},   {"aud", required_argument, NULL, 'a'},
        {"scope", required_argument, NULL, 'c'}, {"ttl", required_argument, NULL, 't'},
        {"iat", required_argument, NULL, 'i'},   {"pin-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *id = NULL, *aud = NULL, *scope = NULL, *pin_file = NULL;
    long long ttl = 3600, iat = (long long)time(NULL);
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's':
            id = optarg;
            break;
        case 'a':
            aud = optarg;
            break;
        case 'c':
            scope = optarg;
            break;
        case 't':
        case 'i':
            *(c == 't' ? &ttl : &iat) = strtoll(optarg, &end, 10);
            if (end == optarg || *end != '\0' || *(c == 't' ? &ttl : &iat) <= 0) {
                report_error("jwt: --%s takes a positive number", c == 't' ? "ttl" : "iat");
                return REPORT_EXIT_USAGE;
            }
            break;
        case 'p':
            pin_file = optarg;
            break;
        case 'h':
            fputs(jwt_usage, stdout);
            return REPORT_EXIT_OK;
        default:
            return cmd_bad_option(c, argv);
        }
    }
    if (optind != argc || id == NULL || aud == NULL || scope == NULL) {
        report_error("jwt: give --set, --aud and --scope");
        return REPORT_EXIT_USAGE;
    }
    struct pin pin;
    struct module m;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    json_object *hdr = NULL, *claims = NULL;
    char *h64 = NULL, *c64 = NULL, *input = NULL;
    int rc = REPORT_EXIT_FAIL;
    memset(&pin, 0, sizeof pin);
    if (pin_read(&pin, pin_file, "user PIN", "--pin-file", 0) != 0) return REPORT_EXIT_FAIL;
    if (module_load(&m, module_path) != 0) goto out_pin;
    if (setobj_open(&m, "jwt", id, &pin, &s) != 0) goto out;
    char email[512], kid[256];
    CK_OBJECT_HANDLE key = setobj_find(&m, s, CKO_PRIVATE_KEY, "service-account");
    if (key == CK_INVALID_HANDLE || setobj_data(&m, s, "client_email", email, sizeof email) != 0 ||
        setobj_string(&m, s, key, CKA_ID, kid, sizeof kid) != 0) {
        report_error("jwt: set \"%s\" is not a google-service-account-json set", id);
        goto out;
    }
    hdr = json_object_new_object();
    json_object_object_add(hdr, "alg", json_object_new_string("RS256"));
    json_object_object_add(hdr, "typ", json_object_new_string("JWT"));
    json_object_object_add(hdr, "kid", json_object_new_string(kid));
    claims = json_object_new_object();
    json_object_object_add(claims, "iss", json_object_new_string(email));
    json_object_object_add(claims, "scope", json_object_new_string(scope));
    json_object_object_add(claims, "aud", json_object_new_string(aud));
    json_object_object_add(claims, "iat", json_object_new_int64(iat));
    json_object_object_add(claims, "exp", json_object_new_int64(iat + ttl));
    h64 = jwt_part(json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN));
    c64 = jwt_part(json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN));
    if (h64 == NULL || c64 == NULL || (input = malloc(strlen(h64) + strlen(c64) + 2)) == NULL) {
        report_error("jwt: out of memory");
        goto out;
    }
    sprintf(input, "%s.%s", h64, c64);
    CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, NULL, 0};
    CK_BYTE sig[1024];
    CK_ULONG siglen = sizeof sig;
    CK_RV rv = m.C_SignInit(s, &mech, key);
    if (rv == CKR_OK) rv = m.C_Sign(s, (CK_BYTE_PTR)input, (CK_ULONG)strlen(input), sig, &siglen);
    if (rv != CKR_OK) {
        report_rv(rv, "jwt: signing with set \"%s\"", id);
        goto out;
    }
    char s64[4 * (sizeof sig / 3 + 1) + 1];
    enc_base64(sig, siglen, 1, s64);
    printf("%s.%s\n", input, s64);
    rc = REPORT_EXIT_OK;
out:
    json_object_put(hdr);
    json_object_put(claims);
    free(h64);
    free(c64);
    free(input);
    if (s != CK_INVALID_HANDLE) m.C_CloseSession(s);
    module_unload(&m);
out_pin:
    pin_wipe(&pin);
    return rc;
}
