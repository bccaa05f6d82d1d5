/*
 * cmd_set.c: credtoken set create|update|delete (README, "Credential
 * sets"), through the module's vendor interface "credtoken credsets"; the
 * reading subcommands (list, show) are in set_read.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "module.h"
#include "pin.h"
#include "report.h"
#include "setobj.h"
#include "set_read.h"

#define SET_BODY_MAX (64 * 1024)

/* Shared with set_read.c: one usage text for every set subcommand. */
const char set_read_usage[] =
    "usage: credtoken [--module PATH] set create ID --from FILE|- [--so-pin-file FILE]\n"
    "                      [--pin-file FILE] [--own-pins] [--allow-expired] [--exportable]\n"
    "                      [--aws-labels] [--backend file|tpm]\n"
    "       credtoken [--module PATH] set update ID --from FILE|- [--pin-file FILE]\n"
    "                      [--allow-expired] [--exportable] [--aws-labels]\n"
    "       credtoken [--module PATH] set delete ID [--so-pin-file FILE]\n"
    "       credtoken [--module PATH] set list [--json]\n"
    "       credtoken [--module PATH] set show ID [--json] [--pin-file FILE]\n"
    "\n"
    "create: make set ID (at most 32 characters) from the JSON body in FILE (- for\n"
    "  standard input), as a new token with the SO and user PINs given. The set is\n"
    "  stored complete or not at all. Sets share the store's PINs: the first set's\n"
    "  become the store's, and later sets must be given the same, unless --own-pins\n"
    "  gives the set PINs of its own. --allow-expired accepts an x509 certificate\n"
    "  outside its validity period; --exportable lets a psk's value be read back;\n"
    "  --aws-labels uses AWS corePKCS11's object labels for an x509 set.\n"
    "  --backend tpm puts the set's private and HMAC keys into this device's TPM\n"
    "  (TPM2_Import: bound to it, never readable again) and seals the set to it,\n"
    "  as init --backend tpm does (CREDTOKEN_TCTI or tpm_tcti names the TPM).\n"
    "update: replace set ID's material with a body of the same type, atomically:\n"
    "  a reader sees the old set or the new one. Needs the user PIN.\n"
    "delete: remove set ID and every object of it. Needs the SO PIN.\n"
    "list: every set, without secrets and without a PIN.\n"
    "show: one set; with --pin-file also its fields that are not secret.\n";
#define set_usage set_read_usage

/* A body holds private keys: wiped before it is freed. */
static void
set_free_body(char *body)
{
    if (body == NULL) return;
    explicit_bzero(body, SET_BODY_MAX + 1);
    free(body);
}

/* The whole of file (or standard input for "-"), at most SET_BODY_MAX bytes. */
static int
set_read_body(const char *file, char **out, size_t *len)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (f == NULL) {
        report_error("set: cannot open %s", file);
        return -1;
    }
    /* Unbuffered: no copy of the keys left in stdio's buffer. */
    setvbuf(f, NULL, _IONBF, 0);
    char *buf = malloc(SET_BODY_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, SET_BODY_MAX + 1, f) : 0;
    int bad = buf == NULL || ferror(f);
    if (f != stdin) fclose(f);
    if (bad || n > SET_BODY_MAX) {
        report_error("set: %s: %s", file, bad ? "cannot be read" : "longer than 64 KiB");
        set_free_body(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* The options of create and update. */
struct set_args {
    const char *id, *from, *so_file, *pin_file;
    CK_FLAGS flags;
};

/* Parse argv for cmd ("create", "update" or "delete"): CMD_CONTINUE, or an
 * exit status. */
static int
set_parse(const char *cmd, int argc, char **argv, struct set_args *a)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},     {"so-pin-file", required_argument, NULL, 's'},
        {"pin-file", required_argument, NULL, 'p'}, {"allow-expired", no_argument, NULL, 'e'},
        {"exportable", no_argument, NULL, 'x'},     {"aws-labels", no_argument, NULL, 'a'},
        {"own-pins", no_argument, NULL, 'o'},       {"backend", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    /* Which options each subcommand takes. */
    const char *allowed = strcmp(cmd, "create") == 0   ? "fspxeaob"
                          : strcmp(cmd, "update") == 0 ? "fpxea"
                                                       : "s";
    int c, idx = 0;
    memset(a, 0, sizeof *a);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, &idx)) != -1) {
        if (c == 'h') {
            fputs(set_usage, stdout);
            return REPORT_EXIT_OK;
        }
        if (c == '?' || c == ':') return cmd_bad_option(c, argv);
        if (strchr(allowed, c) == NULL) {
            report_error("set %s: --%s does not apply", cmd, opts[idx].name);
            return REPORT_EXIT_USAGE;
        }
        switch (c) {
        case 'f':
            a->from = optarg;
            break;
        case 's':
            a->so_file = optarg;
            break;
        case 'p':
            a->pin_file = optarg;
            break;
        case 'e':
            a->flags |= CT_SET_ALLOW_EXPIRED;
            break;
        case 'x':
            a->flags |= CT_SET_EXPORTABLE;
            break;
        case 'a':
            a->flags |= CT_SET_AWS_LABELS;
            break;
        case 'o':
            a->flags |= CT_SET_OWN_PINS;
            break;
        case 'b':
            if (strcmp(optarg, "tpm") == 0) {
                a->flags |= CT_SET_TPM_KEYS;
            } else if (strcmp(optarg, "file") != 0) {
                report_error("set %s: --backend takes \"file\" or \"tpm\", not \"%s\"", cmd,
                             optarg);
                return REPORT_EXIT_USAGE;
            }
            break;
        }
    }
    int need_from = strcmp(cmd, "delete") != 0;
    if (optind + 1 != argc || (need_from && a->from == NULL)) {
        report_error("set %s: give one ID%s", cmd, need_from ? " and --from FILE" : "");
        return REPORT_EXIT_USAGE;
    }
    a->id = argv[optind];
    if (strlen(a->id) > 32) {
        report_error("set %s: the ID \"%s\" is %zu characters long; a set ID is the token "
                     "label, at most 32",
                     cmd, a->id, strlen(a->id));
        return REPORT_EXIT_USAGE;
    }
    return CMD_CONTINUE;
}

/* The module, with a credential-set interface of at least version 1.minor. */
static int
set_module(struct module *m, const char *module_path, const char *cmd, int minor)
{
    if (module_load(m, module_path) != 0) return -1;
    if (m->credsets == NULL || m->credsets->version.major != 1 ||
        m->credsets->version.minor < minor) {
        report_error("set %s: the module has no credential sets of this version (not credtoken?)",
                     cmd);
        module_unload(m);
        return -1;
    }
    return 0;
}

static int
set_create(const char *module_path, int argc, char **argv)
{
    struct set_args a;
    int rc = set_parse("create", argc, argv, &a);
    if (rc != CMD_CONTINUE) return rc;
    char *body = NULL;
    size_t len = 0;
    struct pin so, user;
    struct module m;
    rc = REPORT_EXIT_FAIL;
    memset(&so, 0, sizeof so);
    memset(&user, 0, sizeof user);
    if (set_read_body(a.from, &body, &len) != 0) return REPORT_EXIT_FAIL;
    if (pin_read(&so, a.so_file, "SO PIN", "--so-pin-file", 0) != 0) goto out_pins;
    if (pin_read(&user, a.pin_file, "user PIN", "--pin-file", 0) != 0) goto out_pins;
    /* Interface 1.1 knows CT_SET_OWN_PINS, 1.2 CT_SET_TPM_KEYS. */
    int minor = (a.flags & CT_SET_TPM_KEYS) ? 2 : (a.flags & CT_SET_OWN_PINS) ? 1 : 0;
    if (set_module(&m, module_path, "create", minor) != 0) goto out_pins;
    char err[256] = "";
    CK_SLOT_ID slot = 0;
    CK_RV rv = m.credsets->CT_CreateSet(a.id, (const CK_BYTE *)body, (CK_ULONG)len, a.flags, so.buf,
                                        so.len, user.buf, user.len, &slot, err, sizeof err);
    if (rv != CKR_OK) {
        report_rv(rv, "set create %s: %s", a.id, err[0] ? err : "refused");
        goto out;
    }
    printf("created set \"%s\" in slot %lu%s\n", a.id, (unsigned long)slot,
           (a.flags & CT_SET_TPM_KEYS) ? ", TPM backend (keys inside the TPM)" : "");
    rc = REPORT_EXIT_OK;
out:
    module_unload(&m);
out_pins:
    pin_wipe(&so);
    pin_wipe(&user);
    set_free_body(body);
    return rc;
}

static int
set_update(const char *module_path, int argc, char **argv)
{
    struct set_args a;
    int rc = set_parse("update", argc, argv, &a);
    if (rc != CMD_CONTINUE) return rc;
    char *body = NULL;
    size_t len = 0;
    struct pin user;
    struct module m;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    rc = REPORT_EXIT_FAIL;
    memset(&user, 0, sizeof user);
    if (set_read_body(a.from, &body, &len) != 0) return REPORT_EXIT_FAIL;
    if (pin_read(&user, a.pin_file, "user PIN", "--pin-file", 0) != 0) goto out_pin;
    if (set_module(&m, module_path, "update", 1) != 0) goto out_pin;
    if (setobj_slot(&m, a.id, &slot) != 0) {
        report_error("set update: no set \"%s\"", a.id);
        goto out;
    }
    CK_RV rv = m.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
    if (rv == CKR_OK) rv = m.C_Login(s, CKU_USER, user.buf, user.len);
    if (rv != CKR_OK) {
        report_rv(rv, "set update %s: login", a.id);
        goto out;
    }
    char err[256] = "";
    rv =
        m.credsets->CT_UpdateSet(s, (const CK_BYTE *)body, (CK_ULONG)len, a.flags, err, sizeof err);
    if (rv != CKR_OK) {
        report_rv(rv, "set update %s: %s", a.id, err[0] ? err : "refused");
        goto out;
    }
    printf("updated set \"%s\" in slot %lu\n", a.id, (unsigned long)slot);
    rc = REPORT_EXIT_OK;
out:
    if (s != CK_INVALID_HANDLE) m.C_CloseSession(s);
    module_unload(&m);
out_pin:
    pin_wipe(&user);
    set_free_body(body);
    return rc;
}

static int
set_delete(const char *module_path, int argc, char **argv)
{
    struct set_args a;
    int rc = set_parse("delete", argc, argv, &a);
    if (rc != CMD_CONTINUE) return rc;
    struct pin so;
    struct module m;
    CK_SLOT_ID slot;
    rc = REPORT_EXIT_FAIL;
    memset(&so, 0, sizeof so);
    if (pin_read(&so, a.so_file, "SO PIN", "--so-pin-file", 0) != 0) goto out_pin;
    if (set_module(&m, module_path, "delete", 1) != 0) goto out_pin;
    if (setobj_slot(&m, a.id, &slot) != 0) {
        report_error("set delete: no set \"%s\"", a.id);
        goto out;
    }
    char err[256] = "";
    CK_RV rv = m.credsets->CT_DeleteSet(slot, so.buf, so.len, err, sizeof err);
    if (rv != CKR_OK) {
        report_rv(rv, "set delete %s: %s", a.id, err[0] ? err : "refused");
        goto out;
    }
    printf("deleted set \"%s\"\n", a.id);
    rc = REPORT_EXIT_OK;
out:
    module_unload(&m);
out_pin:
    pin_wipe(&so);
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
    if (strcmp(argv[1], "update") == 0) return set_update(module_path, argc - 1, argv + 1);
    if (strcmp(argv[1], "delete") == 0) return set_delete(module_path, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0) return set_read_list(module_path, argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0) return set_read_show(module_path, argc - 1, argv + 1);
    report_error("set: unknown subcommand \"%s\" (create, update, delete, list, show)", argv[1]);
    return REPORT_EXIT_USAGE;
}
