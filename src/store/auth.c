/*
 * auth.c: PIN checks with persistent failure counting, PIN changes, token
 * re-initialization, and the in-memory master key (store.h).
 *
 * Every check re-reads the header under the token's writer lock, so that
 * failures counted by concurrent processes add up. On a read-only store the
 * PIN is still checked, but counts cannot change (warned once per store).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mech/prim.h"
#include "store/store_int.h"
#include "util/log.h"
#include "util/wipe.h"

static size_t
auth_page_size(void)
{
    long n = sysconf(_SC_PAGESIZE);
    return n > 0 ? (size_t)n : 4096;
}

/* A page of its own for a master key: locked in RAM if allowed, left out of
 * core dumps, and zeroed in a forked child. */
static uint8_t *
auth_page_new(void)
{
    size_t n = auth_page_size();
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    (void)mlock(p, n); /* best effort: RLIMIT_MEMLOCK may forbid it */
    (void)madvise(p, n, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
    (void)madvise(p, n, MADV_WIPEONFORK);
#endif
    return p;
}

static void
auth_page_free(uint8_t *p)
{
    if (p == NULL) return;
    size_t n = auth_page_size();
    wipe(p, HDR_KEY_LEN);
    (void)munlock(p, n);
    munmap(p, n);
}

void
store_tok_logout(struct store_tok *t)
{
    auth_page_free(t->mk);
    t->mk = NULL;
}

bool
store_tok_unlocked(const struct store_tok *t)
{
    return t->mk != NULL;
}

static CK_RV
auth_who(CK_USER_TYPE who, enum hdr_who *w)
{
    if (who == CKU_SO)
        *w = HDR_SO;
    else if (who == CKU_USER)
        *w = HDR_USER;
    else
        return CKR_ARGUMENTS_BAD;
    return CKR_OK;
}

static void
auth_warn_ro(struct store *s)
{
    if (s->ro_warned) return;
    s->ro_warned = true;
    log_warn("store is read-only: failed PIN attempts cannot be counted");
}

/* Like store_tok_begin(), but a read-only token is fine: *locked says
 * whether the writer lock is held (and counts can be persisted). */
static CK_RV
auth_begin(struct store_tok *t, bool *locked)
{
    const struct store_backend_ops *ops = t->s->ops;
    CK_RV rv;
    *locked = false;
    if (ops->writable(t->s->b, t->bt)) {
        rv = ops->lock(t->s->b, t->bt);
        if (rv == CKR_OK)
            *locked = true;
        else if (rv != CKR_TOKEN_WRITE_PROTECTED)
            return rv;
    }
    if (!*locked) auth_warn_ro(t->s);
    if ((rv = store_tok_hdr_load(t)) != CKR_OK && *locked) {
        store_tok_end(t);
        *locked = false;
    }
    return rv;
}

/* Persist a changed failure count. A read-only token cannot count: warn. */
static CK_RV
auth_save_count(struct store_tok *t, const struct hdr *nh, bool locked)
{
    CK_RV rv = locked ? store_tok_hdr_save(t, nh) : CKR_TOKEN_WRITE_PROTECTED;
    if (rv == CKR_TOKEN_WRITE_PROTECTED) {
        auth_warn_ro(t->s);
        rv = CKR_OK;
    }
    return rv;
}

/* Whether who may try a PIN at all under header h: the user PIN is set,
 * and the PIN is not locked. */
static CK_RV
auth_usable(const struct store_tok *t, const struct hdr *h, enum hdr_who who)
{
    if (who == HDR_USER && !(h->flags & HDR_FLAG_USER_PIN)) return CKR_USER_PIN_NOT_INITIALIZED;
    if (h->fails[who] >= t->s->conf.max_pin_failures) return CKR_PIN_LOCKED;
    return CKR_OK;
}

/* Check pin for who against nh, the freshly read header: a wrong PIN
 * increments nh->fails[who], a right one clears it; *dirty says whether nh
 * changed. On CKR_OK mk holds the master key. */
static CK_RV
auth_check(const struct store_tok *t, struct hdr *nh, enum hdr_who who, const CK_UTF8CHAR *pin,
           CK_ULONG pin_len, const uint8_t *sealed, uint8_t mk[HDR_KEY_LEN], bool *dirty)
{
    *dirty = false;
    CK_RV rv = auth_usable(t, nh, who);
    if (rv != CKR_OK) return rv;
    rv = hdr_unwrap(nh, who, pin, pin_len, sealed, mk);
    if (rv == CKR_PIN_INCORRECT) {
        if (nh->fails[who] < UINT32_MAX) nh->fails[who]++;
        *dirty = true;
    } else if (rv == CKR_OK && nh->fails[who] != 0) {
        nh->fails[who] = 0;
        *dirty = true;
    }
    return rv;
}

/* Check a PIN under the lock and persist the count change. */
static CK_RV
auth_verify(struct store_tok *t, struct hdr *nh, enum hdr_who who, const CK_UTF8CHAR *pin,
            CK_ULONG pin_len, const uint8_t *sealed, uint8_t mk[HDR_KEY_LEN], bool locked)
{
    bool dirty;
    *nh = t->h;
    CK_RV rv = auth_check(t, nh, who, pin, pin_len, sealed, mk, &dirty);
    if (!dirty) return rv;
    CK_RV wr = auth_save_count(t, nh, locked);
    if (rv == CKR_PIN_INCORRECT) return wr == CKR_OK ? rv : wr;
    /* A right PIN stays right even if clearing the count could not be saved. */
    if (wr != CKR_OK) log_warn("token %s: could not clear the failure count", t->name);
    return rv;
}

/* The token secret of a sealed token (seal.c) into sk, *sealed pointing
 * at it; for others *sealed is NULL. */
static CK_RV
auth_unseal(const struct tpm_where *at, const struct hdr *h, uint8_t sk[HDR_SEAL_LEN],
            const uint8_t **sealed)
{
    *sealed = NULL;
    if (!(h->flags & HDR_FLAG_SEALED)) return CKR_OK;
    CK_RV rv = store_seal_open(at, h, sk);
    if (rv == CKR_OK) *sealed = sk;
    return rv;
}

struct store_login {
    struct hdr h; /* the header the attempt was counted against */
    enum hdr_who who;
    uint8_t *page; /* receives the master key */
    struct tpm_where tpm;
};

void
store_login_free(struct store_login *l)
{
    if (l == NULL) return;
    auth_page_free(l->page);
    free(l);
}

CK_RV
store_tok_login_begin(struct store_tok *t, CK_USER_TYPE who, struct store_login **out)
{
    bool locked = false;
    struct store_login *l = calloc(1, sizeof *l);
    CK_RV rv = CKR_HOST_MEMORY;
    if (l == NULL || (l->page = auth_page_new()) == NULL) goto out;
    if ((rv = auth_who(who, &l->who)) != CKR_OK) goto out;
    if ((rv = auth_begin(t, &locked)) != CKR_OK) goto out;
    l->h = t->h;
    tpm_where_get(&t->s->conf, &l->tpm);
    if ((rv = auth_usable(t, &l->h, l->who)) != CKR_OK) goto out;
    *out = l;
    l = NULL;
out:
    if (locked) store_tok_end(t);
    store_login_free(l);
    return rv;
}

CK_RV
store_login_run(struct store_login *l, const CK_UTF8CHAR *pin, CK_ULONG pin_len)
{
    uint8_t sk[HDR_SEAL_LEN];
    const uint8_t *sealed;
    if (pin == NULL && pin_len) return CKR_ARGUMENTS_BAD;
    CK_RV rv = auth_unseal(&l->tpm, &l->h, sk, &sealed);
    if (rv == CKR_OK) rv = hdr_unwrap(&l->h, l->who, pin, pin_len, sealed, l->page);
    wipe(sk, sizeof sk);
    return rv;
}

/* Whether the wrap the attempt used is still the token's. */
static bool
auth_same_wrap(const struct hdr *a, const struct hdr *b, enum hdr_who who)
{
    const struct hdr_pin *x = &a->pin[who], *y = &b->pin[who];
    /* Public values: the salt, nonce and wrap change whenever the PIN does. */
    return x->kdf == y->kdf && x->iter == y->iter && !memcmp(x->salt, y->salt, sizeof x->salt) &&
           !memcmp(x->nonce, y->nonce, sizeof x->nonce) && ct_eq(a->seed, b->seed, sizeof a->seed);
}

/*
 * The attempt is charged here, under the writer lock, against the header as
 * it is now: only real failures count, so many processes logging in at once
 * with the right PIN never lock it. The price: attempts running in parallel
 * can exceed the limit by the number in flight, and a process killed during
 * its derivation is not charged. Anyone able to do that can also read the
 * store and attack the wrapped key offline, so the lockout is unchanged for
 * the callers it is meant to stop (remote, or without access to the files).
 */
/* The end of a login; hold: keep the master key (a login) or not (a check). */
static CK_RV
login_end(struct store_tok *t, struct store_login *l, CK_RV run_rv, bool hold)
{
    bool locked = false;
    CK_RV rv = run_rv;
    if (rv != CKR_OK && rv != CKR_PIN_INCORRECT) goto out;
    if ((rv = auth_begin(t, &locked)) != CKR_OK) goto out;
    if (!auth_same_wrap(&l->h, &t->h, l->who)) {
        log_warn("token %s: the PIN changed during the login; try again", t->name);
        rv = CKR_PIN_INCORRECT;
        goto out;
    }
    struct hdr nh = t->h;
    if (nh.fails[l->who] >= t->s->conf.max_pin_failures) {
        rv = CKR_PIN_LOCKED; /* locked by other attempts meanwhile */
        goto out;
    }
    if (run_rv == CKR_PIN_INCORRECT && l->who == HDR_USER && (nh.flags & HDR_FLAG_NO_PIN)) {
        /* The user PIN is empty: anyone may log in, so a lock would only
         * stop the device (its application gave a PIN it does not need). */
        rv = CKR_PIN_INCORRECT;
        goto out;
    }
    if (run_rv == CKR_PIN_INCORRECT) {
        if (nh.fails[l->who] < UINT32_MAX) nh.fails[l->who]++;
        rv = auth_save_count(t, &nh, locked);
        if (rv == CKR_OK) rv = CKR_PIN_INCORRECT;
        goto out;
    }
    if (nh.fails[l->who] != 0) {
        nh.fails[l->who] = 0;
        /* A right PIN stays right even if clearing the count cannot be saved. */
        if (auth_save_count(t, &nh, locked) != CKR_OK)
            log_warn("token %s: could not clear the failure count", t->name);
    }
    if (hold) {
        store_tok_logout(t);
        t->mk = l->page;
        l->page = NULL;
    }
    rv = CKR_OK;
out:
    if (locked) store_tok_end(t);
    store_login_free(l);
    return rv;
}

CK_RV
store_tok_login_end(struct store_tok *t, struct store_login *l, CK_RV run_rv)
{
    return login_end(t, l, run_rv, true);
}

CK_RV
store_tok_check_pin(struct store_tok *t, CK_USER_TYPE who, const CK_UTF8CHAR *pin, CK_ULONG pin_len)
{
    struct store_login *l = NULL;
    if (pin == NULL && pin_len) return CKR_ARGUMENTS_BAD;
    CK_RV rv = store_tok_login_begin(t, who, &l);
    if (rv != CKR_OK) return rv;
    return login_end(t, l, store_login_run(l, pin, pin_len), false);
}

CK_RV
store_tok_login(struct store_tok *t, CK_USER_TYPE who, const CK_UTF8CHAR *pin, CK_ULONG pin_len)
{
    struct store_login *l = NULL;
    if (pin == NULL && pin_len) return CKR_ARGUMENTS_BAD;
    CK_RV rv = store_tok_login_begin(t, who, &l);
    if (rv != CKR_OK) return rv;
    return store_tok_login_end(t, l, store_login_run(l, pin, pin_len));
}

/*
 * PIN changes in three steps like the login, so the derivations (one for
 * C_InitPIN, two for C_SetPIN) run without the caller's lock:
 *   begin (lock held): snapshot the header and, for C_InitPIN, the master key;
 *   run (no lock): unwrap with the old PIN if there is one, wrap the master
 *       key under the new PIN into the job;
 *   end (lock held): under the writer lock, check the wrap is still the one
 *       the job read, then store the new wrap, or count the failure.
 */
struct store_pin_job {
    struct hdr h; /* the header as read at begin */
    enum hdr_who who;
    bool init;     /* C_InitPIN: no old PIN; the key comes from the login */
    uint32_t iter; /* iterations for the new wrap */
    uint8_t *page; /* the master key, on its own page */
    struct hdr_pin fresh;
    bool empty; /* the new PIN is empty */
    struct tpm_where tpm;
};

void
store_pin_job_free(struct store_pin_job *j)
{
    if (j == NULL) return;
    auth_page_free(j->page);
    free(j);
}

CK_RV
store_tok_pin_begin(struct store_tok *t, CK_USER_TYPE who, bool init, struct store_pin_job **out)
{
    struct store_pin_job *j = calloc(1, sizeof *j);
    CK_RV rv = CKR_HOST_MEMORY;
    bool locked = false;
    if (j == NULL || (j->page = auth_page_new()) == NULL) goto out;
    j->init = init;
    if ((rv = auth_who(init ? CKU_USER : who, &j->who)) != CKR_OK) goto out;
    if ((rv = store_kdf_iter(t->s, &j->iter)) != CKR_OK) goto out;
    rv = CKR_USER_NOT_LOGGED_IN;
    if (init && t->mk == NULL) goto out;
    if ((rv = store_tok_begin(t)) != CKR_OK) goto out;
    locked = true;
    j->h = t->h;
    tpm_where_get(&t->s->conf, &j->tpm);
    rv = CKR_USER_NOT_LOGGED_IN;
    if (init && t->mk == NULL) goto out; /* re-initialized by another process */
    if (init) memcpy(j->page, t->mk, HDR_KEY_LEN);
    rv = init ? CKR_OK : auth_usable(t, &j->h, j->who);
    if (rv != CKR_OK) goto out;
    *out = j;
    j = NULL;
out:
    if (locked) store_tok_end(t);
    store_pin_job_free(j);
    return rv;
}

CK_RV
store_pin_job_run(struct store_pin_job *j, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                  const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
    uint8_t sk[HDR_SEAL_LEN];
    const uint8_t *sealed;
    if ((old_pin == NULL && old_len) || (new_pin == NULL && new_len)) return CKR_ARGUMENTS_BAD;
    CK_RV rv = auth_unseal(&j->tpm, &j->h, sk, &sealed);
    if (rv == CKR_OK && !j->init) rv = hdr_unwrap(&j->h, j->who, old_pin, old_len, sealed, j->page);
    struct hdr nh = j->h;
    if (rv == CKR_OK) rv = hdr_wrap(&nh, j->who, new_pin, new_len, j->iter, sealed, j->page);
    if (rv == CKR_OK) {
        j->fresh = nh.pin[j->who];
        j->empty = new_len == 0;
    }
    wipe(sk, sizeof sk);
    return rv;
}

CK_RV
store_tok_pin_end(struct store_tok *t, struct store_pin_job *j, CK_RV run_rv)
{
    CK_RV rv = run_rv;
    bool locked = false;
    if (rv != CKR_OK && rv != CKR_PIN_INCORRECT) goto out;
    if ((rv = store_tok_begin(t)) != CKR_OK) goto out;
    locked = true;
    struct hdr nh = t->h;
    rv = CKR_PIN_INCORRECT;
    /* C_InitPIN replaces whatever user wrap exists; only a re-initialized
     * token (new seed) voids it. A PIN change needs the wrap it verified. */
    if (j->init ? !ct_eq(nh.seed, j->h.seed, sizeof nh.seed)
                : !auth_same_wrap(&j->h, &nh, j->who)) {
        log_warn("token %s: the PIN changed meanwhile; try again", t->name);
        goto out;
    }
    if (run_rv == CKR_PIN_INCORRECT) {
        if (nh.fails[j->who] < UINT32_MAX) nh.fails[j->who]++;
        rv = store_tok_hdr_save(t, &nh);
        if (rv == CKR_OK) rv = CKR_PIN_INCORRECT;
        goto out;
    }
    nh.pin[j->who] = j->fresh;
    nh.fails[j->who] = 0;
    if (j->init) nh.flags |= HDR_FLAG_USER_PIN;
    /* A sealed token whose user PIN is empty needs no PIN (HDR_FLAG_NO_PIN). */
    if (j->who == HDR_USER) {
        nh.flags &= ~HDR_FLAG_NO_PIN;
        if (j->empty && (nh.flags & HDR_FLAG_SEALED)) nh.flags |= HDR_FLAG_NO_PIN;
    }
    rv = store_tok_hdr_save(t, &nh);
out:
    if (locked) store_tok_end(t);
    store_pin_job_free(j);
    return rv;
}

CK_RV
store_tok_init_pin(struct store_tok *t, const CK_UTF8CHAR *pin, CK_ULONG pin_len)
{
    struct store_pin_job *j = NULL;
    if (pin == NULL && pin_len) return CKR_ARGUMENTS_BAD;
    CK_RV rv = store_tok_pin_begin(t, CKU_USER, true, &j);
    if (rv != CKR_OK) return rv;
    return store_tok_pin_end(t, j, store_pin_job_run(j, NULL, 0, pin, pin_len));
}

CK_RV
store_tok_set_pin(struct store_tok *t, CK_USER_TYPE who, const CK_UTF8CHAR *old_pin,
                  CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
    struct store_pin_job *j = NULL;
    if ((old_pin == NULL && old_len) || (new_pin == NULL && new_len)) return CKR_ARGUMENTS_BAD;
    CK_RV rv = store_tok_pin_begin(t, who, false, &j);
    if (rv != CKR_OK) return rv;
    return store_tok_pin_end(t, j, store_pin_job_run(j, old_pin, old_len, new_pin, new_len));
}

/* The header of a re-initialized token: same slot and serial, new label,
 * seed and master key, SO PIN kept, no user PIN, counts cleared. */
static CK_RV
auth_hdr_reinit(const struct hdr *old, const char label[32], const CK_UTF8CHAR *so_pin,
                CK_ULONG so_pin_len, uint32_t iter, const uint8_t *sealed, struct hdr *nh)
{
    uint8_t mk[HDR_KEY_LEN];
    CK_RV rv = CKR_DEVICE_ERROR;
    memset(nh, 0, sizeof *nh);
    nh->slot = old->slot;
    memcpy(nh->serial, old->serial, sizeof nh->serial);
    memcpy(nh->label, label, sizeof nh->label);
    /* A sealed token stays sealed, to the same TPM and PCRs. */
    nh->flags = old->flags & (HDR_FLAG_SEALED | HDR_FLAG_TPM_KEYS);
    nh->seal_pcrs = old->seal_pcrs;
    nh->seal_len = old->seal_len;
    memcpy(nh->seal, old->seal, old->seal_len);
    if (prim_random(nh->seed, sizeof nh->seed) != CKR_OK) goto out;
    if (prim_random(mk, sizeof mk) != CKR_OK) goto out;
    rv = hdr_wrap(nh, HDR_SO, so_pin, so_pin_len, iter, sealed, mk);
out:
    wipe(mk, sizeof mk);
    return rv;
}

CK_RV
store_tok_reinit(struct store_tok *t, const CK_UTF8CHAR *so_pin, CK_ULONG so_pin_len,
                 const char label[32])
{
    struct hdr nh;
    uint8_t mk[HDR_KEY_LEN], sk[HDR_SEAL_LEN];
    const uint8_t *sealed = NULL;
    struct tpm_where tpm;
    uint32_t iter;
    uint64_t gen;
    if (label == NULL || (so_pin == NULL && so_pin_len)) return CKR_ARGUMENTS_BAD;
    CK_RV rv = store_kdf_iter(t->s, &iter);
    if (rv != CKR_OK) return rv;
    tpm_where_get(&t->s->conf, &tpm);
    if ((rv = store_tok_begin(t)) != CKR_OK) return rv;
    if ((rv = auth_unseal(&tpm, &t->h, sk, &sealed)) != CKR_OK) goto out;
    if ((rv = auth_verify(t, &nh, HDR_SO, so_pin, so_pin_len, sealed, mk, true)) != CKR_OK)
        goto out;
    /* Other processes stop trusting their cached index and header before
     * the first record goes (a crash midway must not leave them a listing
     * of records that no longer exist). */
    if ((rv = t->s->ops->gen_bump(t->bt, &gen)) != CKR_OK) goto out;
    /* Records first: a crash midway leaves the old token with fewer records,
     * never a new master key next to records it cannot open. */
    if ((rv = store_tok_purge_inlock(t)) != CKR_OK) goto out;
    if ((rv = auth_hdr_reinit(&t->h, label, so_pin, so_pin_len, iter, sealed, &nh)) != CKR_OK)
        goto out;
    if ((rv = store_tok_hdr_save(t, &nh)) != CKR_OK) goto out;
    store_tok_logout(t);
    rv = t->s->ops->gen_bump(t->bt, &gen);
    if (rv == CKR_OK) cat_reset(t, gen);
out:
    store_tok_end(t);
    wipe(mk, sizeof mk);
    wipe(sk, sizeof sk);
    return rv;
}
