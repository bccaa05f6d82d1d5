/*
 * bench.h: the credtoken benchmark.
 *
 * One program measures three targets side by side: credtoken and softhsm2,
 * each dlopened and driven through C_GetFunctionList, and raw OpenSSL EVP
 * in-process. Every figure runs R rounds; each round runs every target back
 * to back in a rotating order, so that machine noise hits all of them alike.
 * A figure keeps one value per round and target; the report gives the
 * median and min-max of those, and ratios computed round by round.
 *
 * Figures that need a fresh process (cold start, find among many objects,
 * peak RSS, populating big tokens) run the same binary again as a child
 * (fork + exec, "--child MODE"), with the module's config variable pointing
 * at a store made for that figure.
 *
 * Nothing here includes src/: the modules are seen only through their
 * function lists, and the PKCS#11 types come from <credtoken/pkcs11.h>.
 */
#ifndef BENCH_H
#define BENCH_H

#include <credtoken/pkcs11.h>

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_ROUNDS 64
#define BENCH_MAX_COUNTS 4
#define BENCH_SIG_MAX 512

/* The modules, then raw OpenSSL: module indices are target indices. */
enum target { TGT_CT, TGT_SH, TGT_OSSL, TGT_N };
#define MOD_N 2

/* The figures, as --only names them. */
enum figure {
    FIG_SIGN = 1u << 0,
    FIG_THREADS = 1u << 1,
    FIG_COLD = 1u << 2,
    FIG_FIND = 1u << 3,
    FIG_CREATE = 1u << 4,
    FIG_RSS = 1u << 5,
    FIG_ALL = (1u << 6) - 1,
};

/* The signature figures, in report order. */
enum alg { ALG_ECDSA, ALG_ECDSA_SHA256, ALG_RSA_PKCS, ALG_SHA256_RSA, ALG_HMAC, ALG_EDDSA, ALG_N };
/* The key each figure signs with. */
enum keykind { KEY_EC, KEY_RSA, KEY_HMAC, KEY_ED, KEY_N };

struct alg_desc {
    const char *label;      /* report label */
    CK_MECHANISM_TYPE mech; /* the PKCS#11 mechanism */
    enum keykind key;
    const uint8_t *in; /* the message (set by alg_init) */
    size_t inlen;
};
/* Fill the inputs of the descriptors (hash, DigestInfo); call once. */
void alg_init(void);
const struct alg_desc *alg_get(enum alg a);
/* The 32-byte HMAC key every target uses; the 32-byte message. */
extern const uint8_t bench_hmac_key[32];
extern const uint8_t bench_msg[32];

/* ---- options ---- */
struct opts {
    int rounds;
    double secs; /* per target and round, for rate figures */
    size_t counts[BENCH_MAX_COUNTS];
    int ncounts;           /* object counts of the cold-start tokens, ascending */
    unsigned only;         /* enum figure bits */
    const char *only_name; /* the --only argument, or NULL */
    bool smoke;
    int create_data; /* CKO_DATA creations per target and round */
    int create_keys; /* EC key pairs per target and round */
    int kdf_ms;      /* credtoken kdf_target_ms */
    const char *module_path[MOD_N];
    const char *results_dir; /* NULL: no results file */
    const char *source_dir;  /* for git describe */
    char self[4096];         /* this binary, for the children */
    char tmp[4096];          /* the run's temporary directory */
};

/* ---- statistics and time (stats.c) ---- */
struct series {
    int n;
    double v[BENCH_MAX_ROUNDS];
};
double now_s(void);
void series_add(struct series *s, double v);
/* Median, min and max; 0 for an empty series. */
double series_median(const struct series *s);
double series_min(const struct series *s);
double series_max(const struct series *s);
/* out[i] = a[i] / b[i] over the rounds both have. */
void series_ratio(const struct series *a, const struct series *b, struct series *out);
/* The target a round runs at position i: the order rotates by round. */
int rotate(int round, int i, int n);
/* Run op until secs have passed; returns operations per second, or -1 when
 * an operation failed. */
double rate_run(bool (*op)(void *), void *arg, double secs);

/* ---- a module (p11.c) ---- */
struct module {
    const char *name; /* "credtoken", "softhsm2" */
    const char *path;
    void *dl;
    CK_FUNCTION_LIST_PTR p;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s; /* RW session, user logged in */
    bool ok;             /* loaded, initialized, token ready */
    CK_VERSION libver;   /* C_GetInfo libraryVersion */
};

#define BENCH_LABEL "bench"
#define BENCH_SO_PIN "87654321"
#define BENCH_PIN "12345678"
#define BENCH_COLDKEY "coldkey"

/* dlopen path and take C_GetFunctionList. Returns false with a message. */
bool p11_load(struct module *m, const char *name, const char *path);
/* C_Initialize (OS locking) and C_GetInfo. */
CK_RV p11_initialize(struct module *m);
/* Find the initialized token labelled BENCH_LABEL; CKR_TOKEN_NOT_PRESENT when none. */
CK_RV p11_find_token(struct module *m, CK_SLOT_ID *slot);
/* Initialize a token labelled BENCH_LABEL on a free slot, set the user PIN,
 * open m->s on it and log the user in. */
CK_RV p11_new_token(struct module *m);
/* Open a session on m->slot and log in as the user (a second C_Login on the
 * token is fine). */
CK_RV p11_open_login(const struct module *m, CK_SESSION_HANDLE *s);
bool p11_has_mech(const struct module *m, CK_MECHANISM_TYPE mech);
/* Create one token CKO_DATA object labelled label. */
CK_RV p11_create_data(const struct module *m, CK_SESSION_HANDLE s, const char *label, bool priv);
/* Generate an EC P-256 token key pair; labels may be NULL. */
CK_RV p11_gen_ec(const struct module *m, CK_SESSION_HANDLE s, const char *priv_label,
                 const char *pub_label, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);
/* Find the one object labelled label; CKR_GENERAL_ERROR when not exactly one. */
CK_RV p11_find_label(const struct module *m, CK_SESSION_HANDLE s, const char *label,
                     CK_OBJECT_HANDLE *out);
/* Generate (or, for HMAC, import) the key of kind k as token objects and
 * export its public half (NULL for HMAC). */
CK_RV p11_make_key(const struct module *m, enum keykind k, CK_OBJECT_HANDLE *priv, EVP_PKEY **pub);
const char *rv_name(CK_RV rv);

/* ---- raw OpenSSL (ossl.c) ---- */
struct okeys {
    EVP_PKEY *pkey[KEY_N]; /* [KEY_HMAC] unused */
    EVP_MAC *mac;          /* HMAC, fetched once */
};
bool okeys_init(struct okeys *k);
void okeys_free(struct okeys *k);
/* One signature with fresh per-operation contexts. */
bool ossl_sign(const struct okeys *k, enum alg a, uint8_t *sig, size_t *siglen);
/* The machine's ceiling for thread scaling: a private copy of the key and
 * one context made once, then only EVP_PKEY_sign (CKM_ECDSA, CKM_RSA_PKCS
 * only). NULL on failure; free with EVP_PKEY_CTX_free. */
EVP_PKEY_CTX *ossl_ceiling_ctx(const struct okeys *k, enum alg a);
bool ossl_ceiling_sign(EVP_PKEY_CTX *c, enum alg a, uint8_t *sig, size_t *siglen);
/* Verify a signature of alg a over its input with pub (HMAC: the known key).
 * Module ECDSA signatures are raw r||s (raw = true); OpenSSL's are DER. */
bool ossl_verify(EVP_PKEY *pub, enum alg a, const uint8_t *sig, size_t siglen, bool raw);
/* The public half of an EC or Ed25519 key from CKA_EC_POINT, or of RSA. */
EVP_PKEY *ossl_ec_pub(const uint8_t *point, size_t len);
EVP_PKEY *ossl_ed_pub(const uint8_t *point, size_t len);
EVP_PKEY *ossl_rsa_pub(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen);

/* ---- one signer: a target, a key and a session (ops.c) ---- */
struct signer {
    enum target tgt;
    enum alg alg;
    const struct module *m; /* modules */
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    const struct okeys *ok; /* raw OpenSSL */
    uint8_t sig[BENCH_SIG_MAX];
    size_t siglen;
};
/* C_SignInit + C_Sign, or the raw OpenSSL equivalent. A bool (void *) for rate_run. */
bool signer_op(void *signer);
extern const char *const target_names[TGT_N];

/* ---- results ---- */
#define THR_N 3 /* 1, 2 and 4 threads */
extern const int thr_counts[THR_N];
#define THR_ALGS 2 /* ALG_ECDSA, ALG_RSA_PKCS */
extern const enum alg thr_algs[THR_ALGS];

enum cold_step {
    CS_LOAD,  /* dlopen + C_GetFunctionList (reported apart, not in REST) */
    CS_INIT,  /* C_Initialize */
    CS_SLOTS, /* C_GetSlotList (+ C_GetTokenInfo to pick the token) */
    CS_OPEN,  /* C_OpenSession */
    CS_LOGIN, /* C_Login: the PIN KDF */
    CS_FIND,  /* C_FindObjectsInit by CKA_LABEL + C_FindObjects + Final */
    CS_SIGN,  /* C_SignInit + C_Sign, CKM_ECDSA */
    CS_FINAL, /* C_Finalize */
    CS_REST,  /* INIT..FINAL without LOGIN */
    CS_N
};
extern const char *const cold_step_names[CS_N];

struct sign_res {
    bool listed[TGT_N]; /* the target has the key and lists the mechanism */
    bool avail[TGT_N];
    bool verified[TGT_N];
    struct series ops[TGT_N];
};
struct results {
    unsigned done; /* enum figure bits measured */
    struct sign_res sign[ALG_N];
    bool thr_avail[THR_ALGS][TGT_N];
    struct series thr[THR_ALGS][TGT_N][THR_N];
    struct series thr_ceiling[THR_ALGS]
                             [THR_N]; /* raw OpenSSL, nothing shared, nothing made per op */
    struct series cold[BENCH_MAX_COUNTS][MOD_N][CS_N]; /* ms */
    size_t find_count;                                 /* objects in the find token */
    struct series find_us[MOD_N];
    struct series create_data[MOD_N], create_keys[MOD_N]; /* objects/s, key pairs/s */
    size_t rss_count;
    struct series rss_kb[MOD_N];
    struct series rss_base_kb; /* the bench binary alone */
    double populate_s[BENCH_MAX_COUNTS][MOD_N];
    double load_start, load_end; /* 1-minute load average */
    double wall_s;
};

/* ---- figures ---- */
/* The modules of the main process, set up on the "ops" stores. */
struct bench {
    const struct opts *o;
    struct module mod[MOD_N];
    struct okeys ok;
    CK_OBJECT_HANDLE key[MOD_N][KEY_N];
    EVP_PKEY *pub[MOD_N][KEY_N];
    bool have_key[MOD_N][KEY_N];
    struct results *r;
};
/* A signer for target t on alg a (on session s for a module). False when
 * the target cannot run a: no key, or the module does not list the mechanism. */
bool bench_signer(struct bench *b, enum target t, enum alg a, CK_SESSION_HANDLE s,
                  struct signer *g);
void fig_sign(struct bench *b);
void fig_threads(struct bench *b);
void fig_create(struct bench *b);
/* Populate the stores, then cold start, find and RSS (coldstart.c). */
void fig_process(const struct opts *o, struct results *r);

/* ---- stores and children (child.c) ---- */
/* The config of module mod for store tag ("ops", "n10000"): write it (and
 * the store directories) under o->tmp; return its path in out. */
bool store_conf(const struct opts *o, int mod, const char *tag, char *out, size_t outlen);
/* Point both modules' config variables at conf (each module reads its own). */
void store_env(int mod, const char *conf);
/* Run "self --child MODE args..." with mod's config conf; collect stdout
 * into out and the child's peak RSS (KiB). Returns false when the child
 * failed (its stderr is passed through). */
bool child_run(const struct opts *o, int mod, const char *conf, const char *const *args, char *out,
               size_t outlen, long *maxrss_kb);
/* The value of "key value" in a child's output. */
bool child_value(const char *out, const char *key, double *v);
/* The child side: argv after "--child". Returns the exit status. */
int child_main(int argc, char **argv);

/* ---- report (report.c, targets.c) ---- */
/* Print the report (markdown) and write it to o->results_dir/<date>.md when
 * set. Returns false when a credtoken or raw OpenSSL figure that was asked
 * for is missing or a signature did not verify. */
bool report_write(const struct opts *o, const struct results *r);
/* A number with 3 significant digits or more, thousands grouped. */
const char *fmt_num(double v, char *buf, size_t len);
/* An object count, thousands grouped. */
const char *fmt_count(size_t n, char *buf, size_t len);
/* "median (min-max)" of a series, "n/a" when empty. */
const char *fmt_cell(const struct series *s, char *buf, size_t len);
/* "0.93x (0.91-0.95)": the round-by-round ratio a / b. */
const char *fmt_ratio(const struct series *a, const struct series *b, char *buf, size_t len);
/* The Targets table; counts MET and MISSED rows. */
void targets_write(FILE *f, const struct opts *o, const struct results *r, int *met, int *missed);

#endif
