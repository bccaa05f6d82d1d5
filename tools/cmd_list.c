/* cmd_list.c: credtoken list [--json] [--pin-file F] [--token LABEL] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "list.h"
#include "module.h"
#include "pin.h"
#include "report.h"
#include "text.h"
#include "token.h"

static const char list_usage[] =
    "usage: credtoken [--module PATH] list [--json] [--pin-file FILE] [--token LABEL]\n"
    "\n"
    "List the tokens and the objects visible without login. With --pin-file, log in\n"
    "as the user to list private objects too. --token LABEL lists one token only.\n"
    "No secret is ever read: only class, key type, label, id and the private flag.\n";

/* An attribute longer than this is left out rather than fetched. */
#define LIST_ATTR_MAX 65536UL
#define LIST_FIND_CHUNK 64UL

struct list_args {
    int json;
    const char *pin_file;
    const char *token;
    CK_UTF8CHAR padded[TOKEN_LABEL_LEN];
};

static int
list_parse(struct list_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"pin-file", required_argument, NULL, 'p'},
        {"token", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(a, 0, sizeof(*a));
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            a->json = 1;
            break;
        case 'p':
            a->pin_file = optarg;
            break;
        case 't':
            a->token = optarg;
            break;
        case 'h':
            fputs(list_usage, stdout);
            return REPORT_EXIT_OK;
        default:
            return cmd_bad_option(c, argv);
        }
    }
    if (optind < argc) {
        report_error("list: unexpected argument \"%s\"", argv[optind]);
        return REPORT_EXIT_USAGE;
    }
    if (a->token != NULL && (token_label_pad(a->token, a->padded) != 0 ||
                             text_trim_len(a->padded, TOKEN_LABEL_LEN) == 0)) {
        report_error("list: a token label is 1 to %d bytes long", TOKEN_LABEL_LEN);
        return REPORT_EXIT_USAGE;
    }
    return CMD_CONTINUE;
}

static void
list_free(struct list_token *toks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < toks[i].nobjs; j++) {
            free(toks[i].objs[j].label);
            free(toks[i].objs[j].id);
        }
        free(toks[i].objs);
    }
    free(toks);
}

/* All token objects the session may see (PKCS#11 3.0 §5.7 C_FindObjects*). */
static int
list_find(const struct module *m, CK_SESSION_HANDLE h, CK_SLOT_ID slot, CK_OBJECT_HANDLE **out,
          CK_ULONG *count)
{
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE tmpl = {CKA_TOKEN, &yes, sizeof(yes)};
    CK_OBJECT_HANDLE *v = NULL, *nv;
    CK_ULONG n = 0, cap = 0, got = 0;
    const char *step = "C_FindObjectsInit";
    CK_RV rv = m->C_FindObjectsInit(h, &tmpl, 1), rv2;

    if (rv != CKR_OK) goto out;
    step = "C_FindObjects";
    do {
        if (n == cap) {
            cap = cap == 0 ? LIST_FIND_CHUNK : 2 * cap;
            nv = realloc(v, cap * sizeof(*v));
            if (nv == NULL) {
                rv = CKR_HOST_MEMORY;
                break;
            }
            v = nv;
        }
        rv = m->C_FindObjects(h, v + n, cap - n, &got);
        if (rv == CKR_OK && got > cap - n) rv = CKR_GENERAL_ERROR;
        if (rv != CKR_OK) break;
        n += got;
    } while (got > 0);
    rv2 = m->C_FindObjectsFinal(h);
    if (rv == CKR_OK && rv2 != CKR_OK) rv = rv2, step = "C_FindObjectsFinal";
out:
    if (rv != CKR_OK) {
        report_rv(rv, "%s (slot %lu)", step, (unsigned long)slot);
        free(v);
        return -1;
    }
    *out = v;
    *count = n;
    return 0;
}

static int
list_len_ok(CK_ULONG len)
{
    return len != CK_UNAVAILABLE_INFORMATION && len > 0 && len <= LIST_ATTR_MAX;
}

/* The second C_GetAttributeValue: CKA_LABEL and CKA_ID, sized by the first. */
static CK_RV
list_obj_bytes(const struct module *m, CK_SESSION_HANDLE h, struct list_obj *o, CK_ULONG label_len,
               CK_ULONG id_len)
{
    CK_ATTRIBUTE t[2];
    CK_ULONG n = 0;
    CK_RV rv;

    if (list_len_ok(label_len)) {
        if ((o->label = malloc(label_len)) == NULL) return CKR_HOST_MEMORY;
        t[n++] = (CK_ATTRIBUTE){CKA_LABEL, o->label, label_len};
    }
    if (list_len_ok(id_len)) {
        if ((o->id = malloc(id_len)) == NULL) return CKR_HOST_MEMORY;
        t[n++] = (CK_ATTRIBUTE){CKA_ID, o->id, id_len};
    }
    if (n == 0) return CKR_OK;
    rv = m->C_GetAttributeValue(h, o->handle, t, n);
    if (rv != CKR_OK) return rv;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_ULONG len = t[i].ulValueLen;
        if (t[i].type == CKA_LABEL) o->label_len = len <= label_len ? len : 0;
        if (t[i].type == CKA_ID) o->id_len = len <= id_len ? len : 0;
    }
    return CKR_OK;
}

/*
 * Fill o (its handle set) from the token. Returns 0, 1 when the object is
 * gone (another process deleted it), or -1; o is cleared unless it returns 0.
 */
static int
list_obj_read(const struct module *m, CK_SESSION_HANDLE h, CK_SLOT_ID slot, struct list_obj *o)
{
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &o->cls, sizeof(o->cls)},
        {CKA_KEY_TYPE, &o->key_type, sizeof(o->key_type)},
        {CKA_PRIVATE, &o->is_private, sizeof(o->is_private)},
        {CKA_LABEL, NULL, 0},
        {CKA_ID, NULL, 0},
    };
    CK_OBJECT_HANDLE handle = o->handle;
    /* PKCS#11 3.0 §5.7: these two leave every other attribute filled in. */
    CK_RV rv = m->C_GetAttributeValue(h, handle, t, sizeof(t) / sizeof(t[0]));

    if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) rv = CKR_OK;
    if (rv == CKR_OK) {
        o->has_class = t[0].ulValueLen == sizeof(o->cls);
        o->has_key_type = t[1].ulValueLen == sizeof(o->key_type);
        if (t[2].ulValueLen != sizeof(o->is_private)) o->is_private = CK_FALSE;
        rv = list_obj_bytes(m, h, o, t[3].ulValueLen, t[4].ulValueLen);
    }
    if (rv == CKR_OK) return 0;
    free(o->label);
    free(o->id);
    memset(o, 0, sizeof(*o));
    if (rv == CKR_OBJECT_HANDLE_INVALID) return 1;
    report_rv(rv, "C_GetAttributeValue (slot %lu, object %lu)", (unsigned long)slot,
              (unsigned long)handle);
    return -1;
}

/* Record a profile object's CKA_PROFILE_ID with its token and release o. */
static void
list_profile_take(const struct module *m, CK_SESSION_HANDLE h, struct list_token *t,
                  struct list_obj *o)
{
    CK_ULONG id = 0;
    CK_ATTRIBUTE a = {CKA_PROFILE_ID, &id, sizeof id};
    if (m->C_GetAttributeValue(h, o->handle, &a, 1) == CKR_OK && a.ulValueLen == sizeof id &&
        t->nprofiles < LIST_MAX_PROFILES)
        t->profiles[t->nprofiles++] = id;
    free(o->label);
    free(o->id);
    memset(o, 0, sizeof(*o));
}

static int
list_objects(const struct module *m, CK_SESSION_HANDLE h, struct list_token *t)
{
    CK_OBJECT_HANDLE *hs = NULL;
    CK_ULONG n = 0, i;
    int rc = -1, r;

    if (list_find(m, h, t->slot, &hs, &n) != 0) goto out;
    if (n > 0 && (t->objs = calloc(n, sizeof(*t->objs))) == NULL) {
        report_error("out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        struct list_obj *o = &t->objs[t->nobjs];
        o->handle = hs[i];
        r = list_obj_read(m, h, t->slot, o);
        if (r < 0) goto out;
        if (r != 0) continue;
        if (o->has_class && o->cls == CKO_PROFILE) {
            list_profile_take(m, h, t, o);
            continue;
        }
        t->nobjs++;
    }
    rc = 0;
out:
    free(hs);
    return rc;
}

/*
 * Log in when a PIN was given and trying cannot lock the token: a token with
 * one attempt left is tried only when --token named it.
 */
static void
list_login(const struct module *m, CK_SESSION_HANDLE h, const struct list_args *a, struct pin *pin,
           struct list_token *t)
{
    CK_FLAGS fl = t->info.flags;
    unsigned long slot = (unsigned long)t->slot;
    CK_RV rv;

    if (a->pin_file == NULL || (fl & CKF_USER_PIN_INITIALIZED) == 0) return;
    if (fl & CKF_USER_PIN_LOCKED) {
        report_warn("slot %lu: the user PIN is locked; listing public objects only", slot);
        return;
    }
    if ((fl & CKF_USER_PIN_FINAL_TRY) && a->token == NULL) {
        report_warn("slot %lu: one PIN attempt left, not tried without --token; "
                    "listing public objects only",
                    slot);
        return;
    }
    rv = m->C_Login(h, CKU_USER, pin->buf, pin->len);
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
        t->logged_in = CK_TRUE;
        return;
    }
    report_warn("slot %lu: C_Login: %s; listing public objects only", slot, ckr_name(rv));
}

static int
list_token_fill(const struct module *m, const struct list_args *a, struct pin *pin,
                struct list_token *t)
{
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv;
    int rc;

    if ((t->info.flags & CKF_TOKEN_INITIALIZED) == 0) return 0;
    rv = m->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL, &h);
    if (rv != CKR_OK) {
        report_rv(rv, "C_OpenSession (slot %lu)", (unsigned long)t->slot);
        return -1;
    }
    list_login(m, h, a, pin, t);
    rc = list_objects(m, h, t);
    if (t->logged_in) m->C_Logout(h);
    m->C_CloseSession(h);
    return rc;
}

static int
list_collect(const struct module *m, const struct list_args *a, struct pin *pin,
             struct list_token **out, size_t *count)
{
    CK_SLOT_ID *ids = NULL;
    CK_ULONG n = 0, i;
    struct list_token *toks = NULL;
    size_t k = 0;
    int rc = -1;

    if (token_list_slots(m, &ids, &n) != 0) goto out;
    if (n > 0 && (toks = calloc(n, sizeof(*toks))) == NULL) {
        report_error("out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        struct list_token *t = &toks[k];
        t->slot = ids[i];
        if (token_get_info(m, ids[i], &t->info) != 0) goto out;
        if (a->token != NULL && !token_has_label(&t->info, a->padded)) continue;
        k++;
        if (list_token_fill(m, a, pin, t) != 0) goto out;
    }
    if (a->token != NULL && k == 0) {
        report_error("no token labelled \"%s\"", a->token);
        goto out;
    }
    rc = 0;
out:
    free(ids);
    if (rc != 0) {
        list_free(toks, k);
        return rc;
    }
    *out = toks;
    *count = k;
    return 0;
}

int
cmd_list_run(const char *module_path, int argc, char **argv)
{
    struct list_args a;
    struct module m;
    struct pin pin;
    struct list_token *toks = NULL;
    size_t n = 0;
    int status = list_parse(&a, argc, argv);

    if (status != CMD_CONTINUE) return status;
    status = REPORT_EXIT_FAIL;
    memset(&m, 0, sizeof(m));
    pin_wipe(&pin);
    if (a.pin_file != NULL && pin_read(&pin, a.pin_file, "PIN", "--pin-file", 0) != 0) goto out;
    if (module_load(&m, module_path) != 0) goto out;
    if (list_collect(&m, &a, &pin, &toks, &n) != 0) goto out;
    pin_wipe(&pin);
    if (a.json)
        list_out_json(stdout, toks, n);
    else
        list_out_table(stdout, toks, n);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        report_error("cannot write the list: %s", strerror(errno));
        goto out;
    }
    status = REPORT_EXIT_OK;
out:
    pin_wipe(&pin);
    list_free(toks, n);
    module_unload(&m);
    return status;
}
