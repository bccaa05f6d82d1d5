/*
 * set_read.c: credtoken set list|show. Each set's public descriptor object
 * ("credset") is read through ordinary PKCS#11 calls, so listing needs no
 * PIN and never sees a secret; show with a PIN adds the set's fields that
 * are not secret.
 */
#include "set_read.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "report.h"
#include "setobj.h"
#include "token.h"

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

int
set_read_list(const char *module_path, int argc, char **argv)
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
            fputs(set_read_usage, stdout);
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

int
set_read_show(const char *module_path, int argc, char **argv)
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
            fputs(set_read_usage, stdout);
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
