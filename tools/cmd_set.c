/*
 * cmd_set.c: credtoken set create|list: credential sets (README,
 * "Credential sets"). Creation goes through the module's vendor interface
 * "credtoken credsets"; listing reads each set's public descriptor object
 * ("credset") through ordinary PKCS#11 calls, so it needs no PIN and never
 * sees a secret.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "module.h"
#include "pin.h"
#include "report.h"
#include "setobj.h"
#include "token.h"

#define SET_BODY_MAX (64 * 1024)

static const char set_usage[] =
    "usage: credtoken [--module PATH] set create ID --from FILE|- [--so-pin-file FILE]\n"
    "                      [--pin-file FILE] [--allow-expired] [--exportable] [--aws-labels]\n"
    "       credtoken [--module PATH] set list [--json]\n"
    "       credtoken [--module PATH] set show ID [--json] [--pin-file FILE]\n"
    "\n"
    "create: make set ID (at most 32 characters) from the JSON body in FILE (- for\n"
    "  standard input), as a new token with the SO and user PINs given. The set is\n"
    "  stored complete or not at all. --allow-expired accepts an x509 certificate\n"
    "  outside its validity period; --exportable lets a psk's value be read back;\n"
    "  --aws-labels uses AWS corePKCS11's object labels for an x509 set.\n"
    "list: every set, without secrets and without a PIN.\n"
    "show: one set; with --pin-file also its fields that are not secret.\n";

/* The whole of file (or standard input for "-"), at most SET_BODY_MAX bytes. */
static int
set_read_body(const char *file, char **out, size_t *len)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (f == NULL) {
        report_error("set create: cannot open %s", file);
        return -1;
    }
    char *buf = malloc(SET_BODY_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, SET_BODY_MAX + 1, f) : 0;
    int bad = buf == NULL || ferror(f);
    if (f != stdin) fclose(f);
    if (bad || n > SET_BODY_MAX) {
        report_error("set create: %s: %s", file, bad ? "cannot be read" : "longer than 64 KiB");
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int
set_create(const char *module_path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},     {"so-pin-file", required_argument, NULL, 's'},
        {"pin-file", required_argument, NULL, 'p'}, {"allow-expired", no_argument, NULL, 'e'},
        {"exportable", no_argument, NULL, 'x'},     {"aws-labels", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *so_file = NULL, *pin_file = NULL;
    CK_FLAGS flags = 0;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 's':
            so_file = optarg;
            break;
        case 'p':
            pin_file = optarg;
            break;
        case 'e':
            flags |= CT_SET_ALLOW_EXPIRED;
            break;
        case 'x':
            flags |= CT_SET_EXPORTABLE;
            break;
        case 'a':
            flags |= CT_SET_AWS_LABELS;
            break;
        case 'h':
            fputs(set_usage, stdout);
            return REPORT_EXIT_OK;
        default:
            return cmd_bad_option(c, argv);
        }
    }
    if (optind + 1 != argc || from == NULL) {
        report_error("set create: give one ID and --from FILE");
        return REPORT_EXIT_USAGE;
    }
    const char *id = argv[optind];
    if (strlen(id) > 32) {
        report_error("set create: the ID \"%s\" is %zu characters long; a set ID is the token "
                     "label, at most 32",
                     id, strlen(id));
        return REPORT_EXIT_USAGE;
    }
    char *body = NULL;
    size_t len = 0;
    struct pin so, user;
    struct module m;
    int rc = REPORT_EXIT_FAIL;
    memset(&so, 0, sizeof so);
    memset(&user, 0, sizeof user);
    if (set_read_body(from, &body, &len) != 0) return REPORT_EXIT_FAIL;
    if (pin_read(&so, so_file, "SO PIN", "--so-pin-file", 0) != 0) goto out_pins;
    if (pin_read(&user, pin_file, "user PIN", "--pin-file", 0) != 0) goto out_pins;
    if (module_load(&m, module_path) != 0) goto out_pins;
    if (m.credsets == NULL) {
        report_error("set create: the module has no credential sets (not credtoken?)");
        goto out;
    }
    char err[256] = "";
    CK_SLOT_ID slot = 0;
    CK_RV rv = m.credsets->CT_CreateSet(id, (const CK_BYTE *)body, (CK_ULONG)len, flags, so.buf,
                                        so.len, user.buf, user.len, &slot, err, sizeof err);
    if (rv != CKR_OK) {
        report_rv(rv, "set create %s: %s", id, err[0] ? err : "refused");
        goto out;
    }
    printf("created set \"%s\" in slot %lu\n", id, (unsigned long)slot);
    rc = REPORT_EXIT_OK;
out:
    module_unload(&m);
out_pins:
    pin_wipe(&so);
    pin_wipe(&user);
    free(body);
    return rc;
}

/* The descriptor of the set in slot, parsed; NULL when the token is not a set. */
static json_object *
set_descriptor(const struct module *m, CK_SLOT_ID slot)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_CLASS cls = CKO_DATA;
    char label[] = "credset", app[] = "credtoken";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_LABEL, label, sizeof label - 1},
                        {CKA_APPLICATION, app, sizeof app - 1}};
    CK_OBJECT_HANDLE h;
    CK_ULONG n = 0;
    json_object *j = NULL;
    if (m->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) return NULL;
    if (m->C_FindObjectsInit(s, t, 3) == CKR_OK) {
        if (m->C_FindObjects(s, &h, 1, &n) != CKR_OK) n = 0;
        m->C_FindObjectsFinal(s);
    }
    char buf[4096];
    CK_ATTRIBUTE v = {CKA_VALUE, buf, sizeof buf - 1};
    if (n == 1 && m->C_GetAttributeValue(s, h, &v, 1) == CKR_OK) {
        buf[v.ulValueLen] = '\0';
        j = json_tokener_parse(buf);
        if (j != NULL && !json_object_is_type(j, json_type_object)) {
            json_object_put(j);
            j = NULL;
        }
    }
    m->C_CloseSession(s);
    return j;
}

static const char *
set_field(json_object *j, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(j, k, &v) ? json_object_get_string(v) : "";
}

static int
set_list(const char *module_path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, as_json = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'j')
            as_json = 1;
        else if (c == 'h') {
            fputs(set_usage, stdout);
            return REPORT_EXIT_OK;
        } else
            return cmd_bad_option(c, argv);
    }
    if (optind != argc) {
        report_error("set list: unexpected argument \"%s\"", argv[optind]);
        return REPORT_EXIT_USAGE;
    }
    struct module m;
    CK_SLOT_ID *ids = NULL;
    CK_ULONG n = 0;
    if (module_load(&m, module_path) != 0) return REPORT_EXIT_FAIL;
    int rc = REPORT_EXIT_FAIL;
    if (token_list_slots(&m, &ids, &n) != 0) goto out;
    json_object *all = json_object_new_array();
    for (CK_ULONG i = 0; i < n; i++) {
        json_object *d = set_descriptor(&m, ids[i]);
        if (d == NULL) continue;
        /* The shape of the cloud API: credentials are never shown. */
        json_object_object_add(d, "credentials", json_object_new_object());
        json_object_array_add(all, d);
    }
    if (as_json) {
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY));
    } else {
        printf("%-32s  %-28s  %-20s  %s\n", "ID", "TYPE", "UPDATED", "DESCRIPTION");
        for (size_t i = 0; i < json_object_array_length(all); i++) {
            json_object *d = json_object_array_get_idx(all, i);
            printf("%-32s  %-28s  %-20s  %s\n", set_field(d, "credentialsId"), set_field(d, "type"),
                   set_field(d, "updateDateTime"), set_field(d, "description"));
        }
    }
    json_object_put(all);
    rc = REPORT_EXIT_OK;
out:
    free(ids);
    module_unload(&m);
    return rc;
}

/* The set's fields that are not secret: its CKO_DATA objects (labelled by
 * field), read after login. */
static void
set_fields(const struct module *m, CK_SESSION_HANDLE s, json_object *cred)
{
    CK_OBJECT_CLASS cls = CKO_DATA;
    char app[] = "credtoken";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_APPLICATION, app, sizeof app - 1}};
    CK_OBJECT_HANDLE h[64];
    CK_ULONG n = 0;
    if (m->C_FindObjectsInit(s, t, 2) != CKR_OK) return;
    if (m->C_FindObjects(s, h, 64, &n) != CKR_OK) n = 0;
    m->C_FindObjectsFinal(s);
    for (CK_ULONG i = 0; i < n; i++) {
        char label[64], val[8192];
        CK_ATTRIBUTE a[] = {{CKA_LABEL, label, sizeof label - 1}, {CKA_VALUE, val, sizeof val - 1}};
        if (m->C_GetAttributeValue(s, h[i], a, 2) != CKR_OK) continue;
        label[a[0].ulValueLen] = '\0';
        val[a[1].ulValueLen] = '\0';
        if (strcmp(label, "credset") == 0) continue;
        json_object *doc = strcmp(label, "service-account") == 0 ? json_tokener_parse(val) : NULL;
        json_object_object_add(cred, label, doc != NULL ? doc : json_object_new_string(val));
    }
}

static int
set_show(const char *module_path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"pin-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *pin_file = NULL;
    int c, as_json = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'j')
            as_json = 1;
        else if (c == 'p')
            pin_file = optarg;
        else if (c == 'h') {
            fputs(set_usage, stdout);
            return REPORT_EXIT_OK;
        } else
            return cmd_bad_option(c, argv);
    }
    if (optind + 1 != argc) {
        report_error("set show: give one set ID");
        return REPORT_EXIT_USAGE;
    }
    const char *id = argv[optind];
    struct pin pin;
    struct module m;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    json_object *d = NULL;
    int rc = REPORT_EXIT_FAIL;
    memset(&pin, 0, sizeof pin);
    if (pin_file != NULL && pin_read(&pin, pin_file, "user PIN", "--pin-file", 0) != 0)
        return REPORT_EXIT_FAIL;
    if (module_load(&m, module_path) != 0) goto out_pin;
    if (setobj_slot(&m, id, &slot) != 0 || (d = set_descriptor(&m, slot)) == NULL) {
        report_error("set show: no set \"%s\"", id);
        goto out;
    }
    json_object *cred = json_object_new_object();
    json_object_object_add(d, "credentials", cred);
    if (pin_file != NULL) {
        CK_RV rv = m.C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
        if (rv == CKR_OK) rv = m.C_Login(s, CKU_USER, pin.buf, pin.len);
        if (rv != CKR_OK) {
            report_rv(rv, "set show %s: login", id);
            goto out;
        }
        set_fields(&m, s, cred);
    }
    if (as_json) {
        printf("%s\n", json_object_to_json_string_ext(d, JSON_C_TO_STRING_PRETTY));
    } else {
        printf(
            "ID           %s\ntype         %s\ndescription  %s\ncreated      %s\nupdated      %s\n",
            set_field(d, "credentialsId"), set_field(d, "type"), set_field(d, "description"),
            set_field(d, "createDateTime"), set_field(d, "updateDateTime"));
        json_object_object_foreach(cred, k, v)
        {
            printf("%-12s %s\n", k, json_object_get_string(v));
        }
    }
    rc = REPORT_EXIT_OK;
out:
    json_object_put(d);
    if (s != CK_INVALID_HANDLE) m.C_CloseSession(s);
    module_unload(&m);
out_pin:
    pin_wipe(&pin);
    return rc;
}

int
cmd_set_run(const char *module_path, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fputs(set_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
    }
    if (strcmp(argv[1], "create") == 0) return set_create(module_path, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0) return set_list(module_path, argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0) return set_show(module_path, argc - 1, argv + 1);
    report_error("set: unknown subcommand \"%s\" (create, list, show)", argv[1]);
    return REPORT_EXIT_USAGE;
}
