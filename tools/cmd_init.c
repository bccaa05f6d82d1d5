/* cmd_init.c: credtoken init --label L [--so-pin-file F] [--pin-file F]
 *            [--backend file|tpm] [--seal tpm] [--pcrs sha256:N,...] [--no-pin] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "module.h"
#include "pin.h"
#include "report.h"
#include "text.h"
#include "token.h"

static const char init_usage[] =
    "usage: credtoken [--module PATH] init --label LABEL [--so-pin-file FILE] [--pin-file FILE]\n"
    "                 [--backend file|tpm] [--seal tpm] [--pcrs sha256:N[,N...]] [--no-pin]\n"
    "\n"
    "Initialize the free (uninitialized) token with LABEL (at most 32 bytes).\n"
    "The SO PIN is the first line of --so-pin-file, or is asked for on the terminal.\n"
    "With --pin-file, the user PIN is set too.\n"
    "\n"
    "--backend tpm  the TPM backend: the token's keys are made inside this device's\n"
    "             TPM and never leave it; the token is sealed to it as well.\n"
    "--seal tpm   seal the token's key to this device's TPM: a copy of the store\n"
    "             opens nowhere else (credtoken's module only).\n"
    "--pcrs SPEC  also bind it to the present values of these SHA-256 PCRs, e.g.\n"
    "             sha256:0,7: a changed boot state then refuses to open it.\n"
    "--no-pin     no user PIN: the TPM alone opens the token (unattended devices;\n"
    "             see the README for the trade-offs). Not with --pin-file.\n";

struct init_args {
    const char *label;
    const char *so_pin_file;
    const char *pin_file;
    CK_UTF8CHAR padded[TOKEN_LABEL_LEN];
    int seal;           /* --seal tpm, or --backend tpm */
    int tpm_keys;       /* --backend tpm */
    int no_pin;         /* --no-pin */
    unsigned long pcrs; /* --pcrs: bit i is SHA-256 PCR i */
};

/* "sha256:0,7" into a PCR mask. 0, or -1 after reporting why. */
static int
init_parse_pcrs(const char *spec, unsigned long *mask)
{
    static const char bank[] = "sha256:";
    const char *p = spec;
    *mask = 0;
    if (strncmp(p, bank, sizeof bank - 1) != 0) {
        report_error("init: --pcrs must be sha256:N[,N...] (only the SHA-256 bank), not \"%s\"",
                     spec);
        return -1;
    }
    p += sizeof bank - 1;
    for (;;) {
        char *end;
        if (*p < '0' || *p > '9') break;
        unsigned long n = strtoul(p, &end, 10);
        if (n > 23) break;
        *mask |= 1UL << n;
        p = end;
        if (*p == '\0') return 0;
        if (*p++ != ',') break;
    }
    report_error("init: --pcrs \"%s\": PCRs are numbers 0 to 23, separated by commas", spec);
    return -1;
}

static int
init_parse(struct init_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"label", required_argument, NULL, 'l'},
        {"so-pin-file", required_argument, NULL, 's'},
        {"pin-file", required_argument, NULL, 'p'},
        {"seal", required_argument, NULL, 'S'},
        {"pcrs", required_argument, NULL, 'P'},
        {"no-pin", no_argument, NULL, 'n'},
        {"backend", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(a, 0, sizeof(*a));
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            a->label = optarg;
            break;
        case 's':
            a->so_pin_file = optarg;
            break;
        case 'p':
            a->pin_file = optarg;
            break;
        case 'S':
            if (strcmp(optarg, "tpm") != 0) {
                report_error("init: --seal takes \"tpm\", not \"%s\"", optarg);
                return REPORT_EXIT_USAGE;
            }
            a->seal = 1;
            break;
        case 'b':
            if (strcmp(optarg, "tpm") == 0) {
                a->tpm_keys = a->seal = 1;
            } else if (strcmp(optarg, "file") != 0) {
                report_error("init: --backend takes \"file\" or \"tpm\", not \"%s\"", optarg);
                return REPORT_EXIT_USAGE;
            }
            break;
        case 'P':
            if (init_parse_pcrs(optarg, &a->pcrs) != 0) return REPORT_EXIT_USAGE;
            break;
        case 'n':
            a->no_pin = 1;
            break;
        case 'h':
            fputs(init_usage, stdout);
            return REPORT_EXIT_OK;
        default:
            return cmd_bad_option(c, argv);
        }
    }
    if (optind < argc) {
        report_error("init: unexpected argument \"%s\"", argv[optind]);
        return REPORT_EXIT_USAGE;
    }
    if (a->label == NULL) {
        report_error("init: --label is required");
        return REPORT_EXIT_USAGE;
    }
    if (!a->seal && (a->pcrs != 0 || a->no_pin)) {
        report_error("init: --pcrs and --no-pin need --seal tpm or --backend tpm");
        return REPORT_EXIT_USAGE;
    }
    if (a->no_pin && a->pin_file != NULL) {
        report_error("init: --no-pin and --pin-file exclude each other");
        return REPORT_EXIT_USAGE;
    }
    if (token_label_pad(a->label, a->padded) != 0 ||
        text_trim_len(a->padded, TOKEN_LABEL_LEN) == 0) {
        report_error("init: the label must be 1 to %d bytes long, not all blank", TOKEN_LABEL_LEN);
        return REPORT_EXIT_USAGE;
    }
    return CMD_CONTINUE;
}

/* The first slot whose token is not initialized, and its token info; the
 * label must be new. */
static int
init_find_free(const struct module *m, const struct init_args *a, CK_SLOT_ID *slot,
               CK_TOKEN_INFO *free_info)
{
    CK_SLOT_ID *ids = NULL;
    CK_ULONG n = 0, i;
    CK_TOKEN_INFO info;
    int rc = -1, found = 0;

    if (token_list_slots(m, &ids, &n) != 0) goto out;
    for (i = 0; i < n; i++) {
        if (token_get_info(m, ids[i], &info) != 0) goto out;
        if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) {
            if (!found) {
                *slot = ids[i];
                *free_info = info;
            }
            found = 1;
        } else if (token_has_label(&info, a->padded)) {
            report_error("a token labelled \"%s\" already exists in slot %lu", a->label,
                         (unsigned long)ids[i]);
            goto out;
        }
    }
    if (!found) {
        report_error("no free slot: every token is already initialized");
        goto out;
    }
    rc = 0;
out:
    free(ids);
    return rc;
}

/*
 * Where the new token is now. Some modules (SoftHSM v2) move a token to a new
 * slot id once it is initialized: prefer the slot we used, else search.
 */
static int
init_find_new(const struct module *m, const struct init_args *a, CK_SLOT_ID *slot)
{
    CK_SLOT_ID *ids = NULL, want = *slot;
    CK_ULONG n = 0, i;
    CK_TOKEN_INFO info;
    int rc = -1, found = 0;

    if (token_list_slots(m, &ids, &n) != 0) goto out;
    for (i = 0; i < n; i++) {
        if (m->C_GetTokenInfo(ids[i], &info) != CKR_OK) continue;
        if ((info.flags & CKF_TOKEN_INITIALIZED) == 0 || !token_has_label(&info, a->padded))
            continue;
        if (!found || ids[i] == want) *slot = ids[i];
        found = 1;
        if (ids[i] == want) break;
    }
    if (!found) {
        report_error("token \"%s\" not found after C_InitToken", a->label);
        goto out;
    }
    rc = 0;
out:
    free(ids);
    return rc;
}

/*
 * Check a PIN against the token's limits before anything changes: C_InitToken
 * has no CKR_PIN_LEN_RANGE, and a user PIN refused after C_InitToken would
 * leave a token without one.
 */
static int
init_check_pin(const CK_TOKEN_INFO *info, const struct pin *p, const char *what)
{
    if (info->ulMaxPinLen == 0 || info->ulMaxPinLen < info->ulMinPinLen) return 0;
    if (p->len >= info->ulMinPinLen && p->len <= info->ulMaxPinLen) return 0;
    report_error("the %s must be %lu to %lu bytes long", what, (unsigned long)info->ulMinPinLen,
                 (unsigned long)info->ulMaxPinLen);
    return -1;
}

/* PKCS#11 3.0 §5.6: C_InitPIN runs in an R/W SO session. */
static int
init_user_pin(const struct module *m, const struct init_args *a, CK_SLOT_ID slot, struct pin *so,
              struct pin *user)
{
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_BBOOL opened = CK_FALSE, logged_in = CK_FALSE;
    const char *step = "C_OpenSession";
    CK_RV rv;

    rv = m->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h);
    if (rv != CKR_OK) goto out;
    opened = CK_TRUE;
    step = "C_Login (SO)";
    rv = m->C_Login(h, CKU_SO, so->buf, so->len);
    if (rv != CKR_OK) goto out;
    logged_in = CK_TRUE;
    step = "C_InitPIN";
    rv = m->C_InitPIN(h, user->buf, user->len);
out:
    if (logged_in) m->C_Logout(h);
    if (opened) m->C_CloseSession(h);
    if (rv == CKR_OK) return 0;
    report_rv(rv, "token \"%s\" initialized in slot %lu, but the user PIN is not set: %s", a->label,
              (unsigned long)slot, step);
    return -1;
}

/* PKCS#11 3.0 §5.6 C_InitToken. */
static int
init_token(const struct module *m, const struct init_args *a, CK_SLOT_ID slot, struct pin *so)
{
    /* The module only reads the label; the prototype lacks const. */
    CK_UTF8CHAR label[TOKEN_LABEL_LEN];
    CK_RV rv;

    memcpy(label, a->padded, sizeof(label));
    if (a->seal) {
        if (m->tokens == NULL) {
            report_error("--seal: this module cannot seal tokens (it is not credtoken's)");
            return -1;
        }
        CK_FLAGS flags = CT_TOKEN_SEAL_TPM | (a->no_pin ? CT_TOKEN_NO_PIN : 0) |
                         (a->tpm_keys ? CT_TOKEN_TPM_KEYS : 0);
        rv = m->tokens->CT_InitToken(slot, so->buf, so->len, label, flags, a->pcrs);
        if (rv == CKR_DEVICE_ERROR)
            report_rv(rv, "cannot seal the token to the TPM (is one reachable? CREDTOKEN_TCTI or "
                          "tpm_tcti in the configuration names it)");
    } else {
        rv = m->C_InitToken(slot, so->buf, so->len, label);
    }
    if (rv == CKR_OK) return 0;
    if (rv == CKR_DEVICE_ERROR && a->seal) return -1;
    if (rv == CKR_ARGUMENTS_BAD)
        /* Label and PIN lengths were checked: the module's other reason. */
        report_rv(rv, "C_InitToken (slot %lu): the label \"%s\" is already in use or invalid",
                  (unsigned long)slot, a->label);
    else
        report_rv(rv, "C_InitToken (slot %lu)", (unsigned long)slot);
    return -1;
}

int
cmd_init_run(const char *module_path, int argc, char **argv)
{
    struct init_args a;
    struct module m;
    struct pin so, user;
    CK_TOKEN_INFO info;
    CK_SLOT_ID slot = 0;
    int status = init_parse(&a, argc, argv);

    if (status != CMD_CONTINUE) return status;
    status = REPORT_EXIT_FAIL;
    memset(&m, 0, sizeof(m));
    memset(&info, 0, sizeof(info));
    pin_wipe(&so);
    pin_wipe(&user);
    if (module_load(&m, module_path) != 0) goto out;
    if (init_find_free(&m, &a, &slot, &info) != 0) goto out;
    /* The user PIN file first: a bad file then costs no typing. */
    if (a.pin_file != NULL && (pin_read(&user, a.pin_file, "PIN", "--pin-file", 0) != 0 ||
                               init_check_pin(&info, &user, "user PIN") != 0))
        goto out;
    if (pin_read(&so, a.so_pin_file, "SO PIN", "--so-pin-file", 1) != 0 ||
        init_check_pin(&info, &so, "SO PIN") != 0)
        goto out;
    if (init_token(&m, &a, slot, &so) != 0) goto out;
    if (init_find_new(&m, &a, &slot) != 0) goto out;
    if (a.pin_file != NULL && init_user_pin(&m, &a, slot, &so, &user) != 0) goto out;
    printf("initialized token \"%s\" in slot %lu%s%s\n", a.label, (unsigned long)slot,
           a.tpm_keys ? ", TPM backend (keys inside the TPM)"
           : a.seal   ? ", sealed to the TPM"
                      : "",
           a.no_pin ? ", no user PIN" : "");
    status = REPORT_EXIT_OK;
out:
    pin_wipe(&so);
    pin_wipe(&user);
    module_unload(&m);
    return status;
}
