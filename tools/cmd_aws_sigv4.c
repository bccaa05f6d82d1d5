/*
 * cmd_aws_sigv4.c: credtoken aws-sigv4 --set ID --method M --url U
 *                  [--header "Name: value"]... [--payload FILE]
 *
 * AWS Signature Version 4 for one request, computed inside the token: the
 * canonical request and the string to sign are built here (hashed with the
 * token's CKM_SHA256), and the vendor mechanism CKM_CREDTOKEN_AWS_SIGV4
 * derives the signing key from the set's secretAccessKey and signs. The
 * secret never leaves the token. Prints the Authorization and x-amz-date
 * headers. The region and service come from an *.amazonaws.com host, or
 * from --region and --service.
 *
 * Canonical form (AWS, "Create a canonical request"): the path as given
 * (already percent-encoded; "/" when empty), the query parameters sorted,
 * header names in lower case with trimmed values, sorted; host and
 * x-amz-date are always signed.
 */
#include <ctype.h>
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
#include "setobj.h"

#define SIGV4_HEADERS_MAX 32
#define SIGV4_PAYLOAD_MAX (16 * 1024 * 1024)

static const char sigv4_usage[] =
    "usage: credtoken [--module PATH] aws-sigv4 --set ID --url URL [--method METHOD]\n"
    "                 [--header \"Name: value\"]... [--payload FILE] [--region R] [--service S]\n"
    "                 [--date YYYYMMDDTHHMMSSZ] [--pin-file FILE]\n"
    "\n"
    "Print the Authorization and x-amz-date headers of an AWS SigV4 request signed in\n"
    "the token with the aws-credentials set ID (its secret never leaves the token).\n";

struct sigv4_header {
    const char *name; /* lower case */
    const char *value;
};

/* A growing string. */
struct sb {
    char *p;
    size_t n, cap;
    int oom;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = (b->n + n + 1) * 2;
        char *np = realloc(b->p, nc);
        if (np == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void
sb_str(struct sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void
hexs(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
}

/* SHA-256 in hex, through the token (CKM_SHA256). */
static int
sigv4_sha256(const struct module *m, CK_SESSION_HANDLE s, const void *p, size_t n, char hex[65])
{
    CK_MECHANISM mech = {CKM_SHA256, NULL, 0};
    CK_BYTE d[32];
    CK_ULONG dn = sizeof d;
    CK_RV rv = m->C_DigestInit(s, &mech);
    if (rv == CKR_OK) rv = m->C_Digest(s, (CK_BYTE_PTR)(uintptr_t)p, (CK_ULONG)n, d, &dn);
    if (rv != CKR_OK) {
        report_rv(rv, "aws-sigv4: SHA-256");
        return -1;
    }
    hexs(d, 32, hex);
    return 0;
}

static int
sigv4_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
sigv4_cmp_hdr(const void *a, const void *b)
{
    return strcmp(((const struct sigv4_header *)a)->name, ((const struct sigv4_header *)b)->name);
}

/* "Name: value" to a lower-case name and a trimmed value (inner runs of
 * spaces made one). */
static int
sigv4_header(const char *arg, struct sigv4_header *h)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL || colon == arg) return -1;
    char *name = strndup(arg, (size_t)(colon - arg)), *value = malloc(strlen(colon) + 1);
    h->name = name;
    h->value = value;
    if (name == NULL || value == NULL) return -1;
    for (char *c = name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    size_t o = 0;
    for (const char *v = colon + 1; *v; v++) {
        if (*v == ' ' || *v == '\t') {
            if (o > 0 && value[o - 1] != ' ') value[o++] = ' ';
        } else {
            value[o++] = *v;
        }
    }
    while (o > 0 && value[o - 1] == ' ')
        o--;
    value[o] = '\0';
    return 0;
}

struct sigv4_req {
    const char *id, *method, *url, *payload_file, *region, *service, *date, *pin_file;
    struct sigv4_header hdr[SIGV4_HEADERS_MAX];
    size_t nhdr;
    char host[256], path[2048], query[2048], reg[64], svc[64], amzdate[17];
};

/* Host, path and query of the URL; region and service from the host when
 * not given. */
static int
sigv4_url(struct sigv4_req *r)
{
    const char *p = strstr(r->url, "://");
    p = p != NULL ? p + 3 : r->url;
    size_t hl = strcspn(p, "/?");
    if (hl == 0 || hl >= sizeof r->host) return -1;
    memcpy(r->host, p, hl);
    r->host[hl] = '\0';
    p += hl;
    size_t pl = strcspn(p, "?");
    if (pl >= sizeof r->path || strlen(p + pl) >= sizeof r->query) return -1;
    snprintf(r->path, sizeof r->path, "%.*s", (int)pl, pl ? p : "/");
    snprintf(r->query, sizeof r->query, "%s", p[pl] == '?' ? p + pl + 1 : "");
    /* service.region.amazonaws.com or bucket.s3.region.amazonaws.com */
    char h[256], *part[16];
    int n = 0;
    snprintf(h, sizeof h, "%s", r->host);
    h[strcspn(h, ":")] = '\0';
    for (char *t = strtok(h, "."); t != NULL && n < 16; t = strtok(NULL, "."))
        part[n++] = t;
    bool aws = n >= 4 && strcmp(part[n - 2], "amazonaws") == 0 && strcmp(part[n - 1], "com") == 0;
    snprintf(r->reg, sizeof r->reg, "%s", r->region ? r->region : aws ? part[n - 3] : "");
    snprintf(r->svc, sizeof r->svc, "%s", r->service ? r->service : aws ? part[n - 4] : "");
    return r->reg[0] && r->svc[0] ? 0 : 1;
}

/* The sorted canonical query string. */
static int
sigv4_query(const char *q, struct sb *out)
{
    char *copy = strdup(q), *v[256];
    size_t n = 0;
    if (copy == NULL) return -1;
    for (char *t = strtok(copy, "&"); t != NULL && n < 256; t = strtok(NULL, "&"))
        v[n++] = t;
    qsort(v, n, sizeof *v, sigv4_cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i) sb_str(out, "&");
        sb_str(out, v[i]);
        if (strchr(v[i], '=') == NULL) sb_str(out, "="); /* "name" means "name=" */
    }
    free(copy);
    return 0;
}

static int
sigv4_payload(const char *file, char **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    if (file == NULL) return 0;
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (f == NULL) {
        report_error("aws-sigv4: cannot open %s", file);
        return -1;
    }
    *p = malloc(SIGV4_PAYLOAD_MAX + 1);
    if (*p != NULL) *n = fread(*p, 1, SIGV4_PAYLOAD_MAX + 1, f);
    int bad = *p == NULL || ferror(f) || *n > SIGV4_PAYLOAD_MAX;
    if (f != stdin) fclose(f);
    if (bad) report_error("aws-sigv4: %s: unreadable or larger than 16 MiB", file);
    return bad ? -1 : 0;
}

/* Build and sign; prints the headers. */
static int
sigv4_sign(const struct module *m, CK_SESSION_HANDLE s, struct sigv4_req *r)
{
    char akid[256], phash[65], crhash[65], sig_hex[65];
    char *payload = NULL;
    size_t plen = 0;
    struct sb cr = {0}, sts = {0}, signed_h = {0};
    int rc = -1;
    CK_OBJECT_HANDLE key = setobj_find(m, s, CKO_SECRET_KEY, "secretAccessKey");
    if (key == CK_INVALID_HANDLE || setobj_data(m, s, "accessKeyId", akid, sizeof akid) != 0) {
        report_error("aws-sigv4: set \"%s\" is not an aws-credentials set", r->id);
        return -1;
    }
    if (sigv4_payload(r->payload_file, &payload, &plen) != 0) goto out;
    if (sigv4_sha256(m, s, payload != NULL ? payload : "", plen, phash) != 0) goto out;
    /* host and x-amz-date, then the caller's headers, sorted by name. */
    struct sigv4_header all[SIGV4_HEADERS_MAX + 2];
    size_t n = 0;
    all[n++] = (struct sigv4_header){"host", r->host};
    all[n++] = (struct sigv4_header){"x-amz-date", r->amzdate};
    for (size_t i = 0; i < r->nhdr; i++)
        all[n++] = r->hdr[i];
    qsort(all, n, sizeof *all, sigv4_cmp_hdr);
    sb_str(&cr, r->method);
    sb_str(&cr, "\n");
    sb_str(&cr, r->path);
    sb_str(&cr, "\n");
    if (sigv4_query(r->query, &cr) != 0) goto out;
    sb_str(&cr, "\n");
    for (size_t i = 0; i < n; i++) {
        sb_str(&cr, all[i].name);
        sb_str(&cr, ":");
        sb_str(&cr, all[i].value);
        sb_str(&cr, "\n");
        if (i) sb_str(&signed_h, ";");
        sb_str(&signed_h, all[i].name);
    }
    sb_str(&cr, "\n");
    sb_str(&cr, signed_h.p);
    sb_str(&cr, "\n");
    sb_str(&cr, phash);
    if (cr.oom || signed_h.oom || sigv4_sha256(m, s, cr.p, cr.n, crhash) != 0) goto out;
    char scope[256];
    snprintf(scope, sizeof scope, "%.8s/%s/%s/aws4_request", r->amzdate, r->reg, r->svc);
    sb_str(&sts, "AWS4-HMAC-SHA256\n");
    sb_str(&sts, r->amzdate);
    sb_str(&sts, "\n");
    sb_str(&sts, scope);
    sb_str(&sts, "\n");
    sb_str(&sts, crhash);
    if (sts.oom) goto out;
    CK_CREDTOKEN_AWS_SIGV4_PARAMS p = {(CK_UTF8CHAR_PTR)r->amzdate, 8,
                                       (CK_UTF8CHAR_PTR)r->reg,     (CK_ULONG)strlen(r->reg),
                                       (CK_UTF8CHAR_PTR)r->svc,     (CK_ULONG)strlen(r->svc)};
    CK_MECHANISM mech = {CKM_CREDTOKEN_AWS_SIGV4, &p, sizeof p};
    CK_BYTE sig[32];
    CK_ULONG siglen = sizeof sig;
    CK_RV rv = m->C_SignInit(s, &mech, key);
    if (rv == CKR_OK) rv = m->C_Sign(s, (CK_BYTE_PTR)sts.p, (CK_ULONG)sts.n, sig, &siglen);
    if (rv != CKR_OK || siglen != 32) {
        report_rv(rv, "aws-sigv4: signing with set \"%s\"", r->id);
        goto out;
    }
    hexs(sig, 32, sig_hex);
    printf("Authorization: AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s\n",
           akid, scope, signed_h.p, sig_hex);
    printf("x-amz-date: %s\n", r->amzdate);
    rc = 0;
out:
    free(payload);
    free(cr.p);
    free(sts.p);
    free(signed_h.p);
    return rc;
}

static int
sigv4_parse(struct sigv4_req *r, int argc, char **argv)
{
    static const struct option opts[] = {
        {"set", required_argument, NULL, 's'},
        {"method", required_argument, NULL, 'm'},
        {"url", required_argument, NULL, 'u'},
        {"header", required_argument, NULL, 'H'},
        {"payload", required_argument, NULL, 'd'},
        {"region", required_argument, NULL, 'r'},
        {"service", required_argument, NULL, 'v'},
        {"date", required_argument, NULL, 't'},
        {"pin-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    r->method = "GET";
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            r->id = optarg;
            break;
        case 'm':
            r->method = optarg;
            break;
        case 'u':
            r->url = optarg;
            break;
        case 'd':
            r->payload_file = optarg;
            break;
        case 'r':
            r->region = optarg;
            break;
        case 'v':
            r->service = optarg;
            break;
        case 't':
            r->date = optarg;
            break;
        case 'p':
            r->pin_file = optarg;
            break;
        case 'H':
            if (r->nhdr == SIGV4_HEADERS_MAX || sigv4_header(optarg, &r->hdr[r->nhdr]) != 0) {
                report_error("aws-sigv4: bad or too many --header (\"Name: value\")");
                return REPORT_EXIT_USAGE;
            }
            r->nhdr++;
            break;
        case 'h':
            fputs(sigv4_usage, stdout);
            return REPORT_EXIT_OK;
        default:
            return cmd_bad_option(c, argv);
        }
    }
    if (optind != argc || r->id == NULL || r->url == NULL) {
        report_error("aws-sigv4: give --set and --url");
        return REPORT_EXIT_USAGE;
    }
    int u = sigv4_url(r);
    if (u != 0) {
        report_error(u < 0 ? "aws-sigv4: cannot read the URL"
                           : "aws-sigv4: not an *.amazonaws.com host: give --region and --service");
        return REPORT_EXIT_USAGE;
    }
    if (r->date != NULL) {
        bool ok = strlen(r->date) == 16 && r->date[8] == 'T' && r->date[15] == 'Z';
        for (int i = 0; ok && i < 15; i++)
            ok = i == 8 || isdigit((unsigned char)r->date[i]);
        if (!ok) {
            report_error("aws-sigv4: --date is YYYYMMDDTHHMMSSZ");
            return REPORT_EXIT_USAGE;
        }
        snprintf(r->amzdate, sizeof r->amzdate, "%s", r->date);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(r->amzdate, sizeof r->amzdate, "%Y%m%dT%H%M%SZ", &tm);
    }
    return CMD_CONTINUE;
}

int
cmd_aws_sigv4_run(const char *module_path, int argc, char **argv)
{
    struct sigv4_req r;
    struct pin pin;
    struct module m;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    memset(&r, 0, sizeof r);
    memset(&pin, 0, sizeof pin);
    int rc = sigv4_parse(&r, argc, argv);
    if (rc != CMD_CONTINUE) goto out_hdr;
    rc = REPORT_EXIT_FAIL;
    if (pin_read(&pin, r.pin_file, "user PIN", "--pin-file", 0) != 0) goto out_hdr;
    if (module_load(&m, module_path) != 0) goto out_pin;
    if (setobj_open(&m, "aws-sigv4", r.id, &pin, &s) == 0 && sigv4_sign(&m, s, &r) == 0)
        rc = REPORT_EXIT_OK;
    if (s != CK_INVALID_HANDLE) m.C_CloseSession(s);
    module_unload(&m);
out_pin:
    pin_wipe(&pin);
out_hdr:
    for (size_t i = 0; i < r.nhdr; i++) {
        free((char *)(uintptr_t)r.hdr[i].name);
        free((char *)(uintptr_t)r.hdr[i].value);
    }
    return rc;
}
