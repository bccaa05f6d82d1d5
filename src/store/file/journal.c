/*
 * journal.c: the file backend's record journal (journal.h has the design
 * and the format).
 */
#include "store/file/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mech/prim.h"
#include "store/file/fileio.h"
#include "util/boot.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/wipe.h"

#define J_HDR 64
#define J_HEAD 40
#define J_CHECK 16
#define J_MAGIC "CTJOURN1"
#define J_ENTRY_MAGIC 0x434a4531u
#define J_PUT 1
#define J_DEL 2
#define J_GROW (64u << 10)

struct journal {
    char objs[PATH_MAX];
    char path[PATH_MAX];
    char dir[PATH_MAX];
    int fd;         /* -1 until the first locked use */
    uint64_t epoch; /* the header's, as this handle last read it */
    uint64_t end;   /* offset just past the last entry this handle knows */
    uint64_t size;  /* the file's size (every byte written) */
    bool known;     /* epoch and end are valid */
    bool dirty;     /* an entry logged since the last checkpoint */
    bool checked;   /* journal_pending() found nothing to replay */
};

struct j_entry {
    int kind;
    struct store_rec_ref ref;
    uint64_t epoch;
    uint32_t len;
    uint64_t total; /* bytes in the file, padding included */
};

/* ---- handles ---- */

struct journal *
journal_new(const char *dir, const char *objs)
{
    struct journal *j = calloc(1, sizeof *j);
    if (j == NULL) return NULL;
    j->fd = -1;
    if (snprintf(j->objs, sizeof j->objs, "%s", objs) >= (int)sizeof j->objs ||
        snprintf(j->dir, sizeof j->dir, "%s", dir) >= (int)sizeof j->dir ||
        file_join(j->path, dir, "journal") != 0) {
        free(j);
        return NULL;
    }
    return j;
}

void
journal_free(struct journal *j)
{
    if (j == NULL) return;
    if (j->fd >= 0) close(j->fd);
    free(j);
}

bool
journal_usable(const struct journal *j)
{
    uint8_t b[16];
    (void)j;
    return boot_id(b);
}

/* ---- reading ---- */

static CK_RV
j_pread(int fd, void *p, size_t n, uint64_t off, const char *path, bool *short_read)
{
    size_t got = 0;
    *short_read = false;
    while (got < n) {
        ssize_t r = pread(fd, (uint8_t *)p + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return file_rv(errno, 0, "read", path);
        if (r == 0) {
            *short_read = true;
            return CKR_OK;
        }
        got += (size_t)r;
    }
    return CKR_OK;
}

static void
j_check(const uint8_t *p, size_t n, uint8_t out[J_CHECK])
{
    uint8_t h[32];
    if (prim_sha256(p, n, h) != CKR_OK) memset(h, 0xff, sizeof h); /* fails every check */
    memcpy(out, h, J_CHECK);
}

/* The header: *valid false when missing, short or failing its check. */
static CK_RV
j_hdr_read(int fd, const char *path, bool *valid, uint64_t *epoch, uint8_t boot[16])
{
    uint8_t h[J_HDR], c[J_CHECK];
    bool short_read;
    *valid = false;
    CK_RV rv = j_pread(fd, h, sizeof h, 0, path, &short_read);
    if (rv != CKR_OK || short_read) return rv;
    j_check(h, 16, c);
    if (memcmp(h, J_MAGIC, 8) != 0 || memcmp(h + 48, c, J_CHECK) != 0) return CKR_OK;
    *epoch = load_be64(h + 8);
    memcpy(boot, h + 16, 16);
    *valid = true;
    return CKR_OK;
}

static uint64_t
j_total(uint32_t len)
{
    return ((uint64_t)J_HEAD + len + J_CHECK + 7) & ~(uint64_t)7;
}

/* The entry at off, if it is a whole entry of epoch: *payload (heap, may be
 * NULL when len is 0) receives its bytes. *e->kind is 0 when there is none. */
static CK_RV
j_entry_read(int fd, const char *path, uint64_t off, uint64_t size, uint64_t epoch,
             struct j_entry *e, uint8_t **payload)
{
    uint8_t head[J_HEAD], c[J_CHECK];
    bool short_read;
    e->kind = 0;
    *payload = NULL;
    if (off + J_HEAD + J_CHECK > size) return CKR_OK;
    CK_RV rv = j_pread(fd, head, sizeof head, off, path, &short_read);
    if (rv != CKR_OK || short_read) return rv;
    uint32_t len = load_be32(head + 32);
    if (load_be32(head) != J_ENTRY_MAGIC || load_be64(head + 8) != epoch || len > STORE_BLOB_MAX ||
        (head[4] != J_PUT && head[4] != J_DEL) || head[5] > 1 ||
        off + J_HEAD + len + J_CHECK > size)
        return CKR_OK;
    uint8_t *buf = malloc(J_HEAD + (size_t)len + J_CHECK);
    if (buf == NULL) return CKR_HOST_MEMORY;
    memcpy(buf, head, J_HEAD);
    rv = j_pread(fd, buf + J_HEAD, (size_t)len + J_CHECK, off + J_HEAD, path, &short_read);
    if (rv == CKR_OK && !short_read) {
        j_check(buf, J_HEAD + (size_t)len, c);
        if (memcmp(buf + J_HEAD + len, c, J_CHECK) == 0) {
            e->kind = head[4];
            e->ref = (struct store_rec_ref){load_be64(head + 16), load_be64(head + 24), head[5]};
            e->epoch = epoch;
            e->len = len;
            e->total = j_total(len);
            if (len > 0 && (*payload = malloc(len)) == NULL) {
                rv = CKR_HOST_MEMORY;
            } else if (len > 0) {
                memcpy(*payload, buf + J_HEAD, len);
            }
        }
    }
    wipe_free(buf, J_HEAD + (size_t)len + J_CHECK);
    return rv;
}

/* ---- writing ---- */

static CK_RV
j_pwrite(struct journal *j, const uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t r = pwrite(j->fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return file_rv(r < 0 ? errno : EIO, 1, "write", j->path);
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return CKR_OK;
}

static CK_RV
j_datasync(struct journal *j)
{
    if (fdatasync(j->fd) != 0) return file_rv(errno, 1, "fdatasync", j->path);
    return CKR_OK;
}

/* A new epoch (after everything before it is durable), for this boot. */
static CK_RV
j_hdr_write(struct journal *j, uint64_t epoch)
{
    uint8_t h[J_HDR] = {0};
    memcpy(h, J_MAGIC, 8);
    store_be64(h + 8, epoch);
    if (!boot_id(h + 16)) return CKR_DEVICE_ERROR;
    j_check(h, 16, h + 48);
    CK_RV rv = j_pwrite(j, h, sizeof h, 0);
    if (rv == CKR_OK) rv = j_datasync(j);
    if (rv != CKR_OK) return rv;
    if (j->size < J_HDR) j->size = J_HDR;
    j->epoch = epoch;
    j->end = J_HDR;
    j->known = true;
    return CKR_OK;
}

CK_RV
journal_checkpoint(struct journal *j)
{
    /* Every record file, rename and unlink the entries describe reaches the
     * disk; only then may the entries go. */
    if (syncfs(j->fd) != 0) return file_rv(errno, 1, "syncfs", j->path);
    CK_RV rv = j_hdr_write(j, j->epoch + 1);
    if (rv == CKR_OK) j->dirty = false;
    return rv;
}

bool
journal_dirty(const struct journal *j)
{
    return j->dirty;
}

/* Make the file at least want bytes long, in J_GROW steps, so that most
 * appends overwrite blocks the file already owns. */
static CK_RV
j_grow(struct journal *j, uint64_t want)
{
    static const uint8_t zero[4096];
    if (want <= j->size) return CKR_OK;
    uint64_t to = j->size + J_GROW > want ? j->size + J_GROW : want;
    if (to > JOURNAL_MAX) to = JOURNAL_MAX > want ? JOURNAL_MAX : want;
    for (uint64_t off = j->size; off < to;) {
        size_t n = to - off < sizeof zero ? (size_t)(to - off) : sizeof zero;
        CK_RV rv = j_pwrite(j, zero, n, off);
        if (rv != CKR_OK) return rv;
        off += n;
    }
    j->size = to;
    return CKR_OK;
}

/* ---- applying entries to the record files ---- */

/* After a restart: rewrite every record an entry wrote, unlink every one
 * an entry destroyed, in order. */
static CK_RV
j_replay(struct journal *j, bool *changed)
{
    char name[FILE_REC_NAME_LEN + 1];
    uint64_t off = J_HDR;
    for (;;) {
        struct j_entry e;
        uint8_t *p = NULL;
        CK_RV rv = j_entry_read(j->fd, j->path, off, j->size, j->epoch, &e, &p);
        if (rv == CKR_OK && e.kind != 0) {
            file_rec_name(&e.ref, name);
            rv = e.kind == J_DEL ? file_unlink_cached(j->objs, name)
                                 : file_write_cached(j->objs, name, p, e.len);
        }
        if (p != NULL) wipe_free(p, e.len);
        if (rv != CKR_OK) return rv;
        if (e.kind == 0) break;
        *changed = true;
        off += e.total;
    }
    j->end = off;
    return CKR_OK;
}

struct j_seen {
    struct store_rec_ref ref;
    size_t seq;
    int kind;
};

static int
j_seen_cmp(const void *a, const void *b)
{
    const struct j_seen *x = a, *y = b;
    if (x->ref.id != y->ref.id) return x->ref.id < y->ref.id ? -1 : 1;
    if (x->ref.ver != y->ref.ver) return x->ref.ver < y->ref.ver ? -1 : 1;
    if (x->ref.priv != y->ref.priv) return x->ref.priv ? 1 : -1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The entries this handle has not seen, as (ref, kind) in journal order. */
static CK_RV
j_collect(struct journal *j, struct j_seen **out, size_t *n)
{
    struct j_seen *v = NULL;
    size_t cnt = 0, cap = 0;
    uint64_t off = j->end;
    for (;;) {
        struct j_entry e;
        uint8_t *p = NULL;
        CK_RV rv = j_entry_read(j->fd, j->path, off, j->size, j->epoch, &e, &p);
        if (p != NULL) wipe_free(p, e.len);
        if (rv == CKR_OK && e.kind != 0 && cnt == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct j_seen *nv = reallocarray(v, nc, sizeof *v);
            if (nv == NULL) rv = CKR_HOST_MEMORY;
            if (nv != NULL) {
                v = nv;
                cap = nc;
            }
        }
        if (rv != CKR_OK) {
            free(v);
            return rv;
        }
        if (e.kind == 0) break;
        v[cnt] = (struct j_seen){e.ref, cnt, e.kind};
        cnt++;
        off += e.total;
    }
    j->end = off;
    *out = v;
    *n = cnt;
    return CKR_OK;
}

/*
 * Within one boot, other writers' entries: each finished its record file
 * change before it released the lock, unless it was killed in between.
 * So for each record named, the last entry decides. Such an operation
 * never reported success, so it is taken back, and the record files are
 * left as they are (what readers already see):
 *   - a write whose file is missing: a destruction is logged after it;
 *   - a destruction whose file is still there: the file is logged again.
 * A replay after a restart then agrees with what this boot saw.
 */
static CK_RV
j_settle(struct journal *j, bool *changed)
{
    char name[FILE_REC_NAME_LEN + 1], path[PATH_MAX];
    struct j_seen *v = NULL;
    size_t n = 0;
    CK_RV rv = j_collect(j, &v, &n);
    if (rv != CKR_OK || n == 0) goto out;
    qsort(v, n, sizeof *v, j_seen_cmp);
    for (size_t i = 0; i < n && rv == CKR_OK; i++) {
        const struct store_rec_ref *a = &v[i].ref, *b = i + 1 < n ? &v[i + 1].ref : NULL;
        if (b != NULL && a->id == b->id && a->ver == b->ver && a->priv == b->priv) {
            v[i].kind = 0; /* not the last entry of its record */
            continue;
        }
        file_rec_name(a, name);
        if (file_join(path, j->objs, name) != 0) {
            rv = file_rv(ENAMETOOLONG, 0, "stat", j->objs);
            break;
        }
        bool there = access(path, F_OK) == 0;
        if (!there && errno != ENOENT) {
            rv = file_rv(errno, 0, "stat", path);
            break;
        }
        if ((v[i].kind == J_PUT) == there) {
            v[i].kind = 0; /* finished */
            continue;
        }
        log_warn("%s: a %s cut short by a crash is taken back", path,
                 v[i].kind == J_PUT ? "write" : "destruction");
        if (v[i].kind == J_PUT) {
            rv = journal_log_del(j, a);
        } else {
            uint8_t *p = NULL;
            size_t len = 0;
            rv = file_read(j->objs, name, STORE_BLOB_MAX, &p, &len);
            if (rv == CKR_OK) rv = journal_log_put(j, a, p, len);
            if (p != NULL) wipe_free(p, len);
        }
    }
out:
    (void)changed; /* no record file changes: readers already see the result */
    free(v);
    return rv;
}

static CK_RV
j_open(struct journal *j)
{
    struct stat st;
    if (j->fd >= 0) {
        if (fstat(j->fd, &st) != 0) return file_rv(errno, 0, "stat", j->path);
        j->size = (uint64_t)st.st_size;
        return CKR_OK;
    }
    int fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return file_rv(errno, 1, "open", j->path);
    if (fstat(fd, &st) != 0) {
        CK_RV rv = file_rv(errno, 0, "stat", j->path);
        close(fd);
        return rv;
    }
    j->fd = fd;
    j->size = (uint64_t)st.st_size;
    j->known = false;
    if (st.st_size == 0) {
        /* Created now (or by a writer that died before its header): make
         * its directory entry durable before any entry relies on it, and
         * try again next time if that fails. */
        CK_RV rv = j_hdr_write(j, 1);
        if (rv == CKR_OK) rv = file_fsync_dir(j->dir);
        if (rv != CKR_OK) {
            close(j->fd);
            j->fd = -1;
            j->known = false;
        }
        return rv;
    }
    return CKR_OK;
}

CK_RV
journal_sync(struct journal *j, bool *changed)
{
    uint8_t boot[16], now[16];
    uint64_t epoch = 0;
    bool valid;
    *changed = false;
    if (!boot_id(now)) return CKR_OK;
    CK_RV rv = j_open(j);
    if (rv == CKR_OK) rv = j_hdr_read(j->fd, j->path, &valid, &epoch, boot);
    if (rv != CKR_OK) return rv;
    if (!valid) {
        /* Torn while a checkpoint wrote it (everything before was durable
         * already) or damaged: its entries cannot be trusted either way. */
        log_warn("%s: unreadable header; starting a new journal", j->path);
        /* A random epoch, so that no old entry can match it. */
        if (prim_random(&j->epoch, sizeof j->epoch) != CKR_OK) return CKR_DEVICE_ERROR;
        return journal_checkpoint(j);
    }
    if (!j->known || j->epoch != epoch) {
        j->epoch = epoch;
        j->end = J_HDR;
        j->known = true;
    }
    if (memcmp(boot, now, sizeof now) != 0) {
        /* Written in an earlier boot: the record files may have lost what
         * the page cache held. Rewrite every entry, then start afresh. */
        if ((rv = j_replay(j, changed)) != CKR_OK) return rv;
        if (*changed) log_warn("%s: replayed after a restart", j->path);
        return journal_checkpoint(j);
    }
    return j_settle(j, changed);
}

bool
journal_pending(struct journal *j)
{
    uint8_t boot[16], now[16];
    uint64_t epoch;
    bool valid, short_read;
    if (j->checked || !boot_id(now)) return false;
    int fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        j->checked = errno == ENOENT;
        return false;
    }
    struct stat st;
    bool pending = false;
    if (fstat(fd, &st) == 0 && j_hdr_read(fd, j->path, &valid, &epoch, boot) == CKR_OK &&
        !(valid && memcmp(boot, now, sizeof now) == 0)) {
        /* Another boot's journal: pending when it holds an entry. */
        uint8_t head[J_HEAD];
        pending = valid && j_pread(fd, head, sizeof head, J_HDR, j->path, &short_read) == CKR_OK &&
                  !short_read && load_be32(head) == J_ENTRY_MAGIC && load_be64(head + 8) == epoch;
    }
    close(fd);
    j->checked = !pending;
    return pending;
}

static CK_RV
j_log(struct journal *j, int kind, const struct store_rec_ref *ref, const uint8_t *p, size_t n)
{
    uint64_t total = j_total((uint32_t)n);
    if (n > STORE_BLOB_MAX || J_HDR + total > JOURNAL_MAX) return CKR_BUFFER_TOO_SMALL;
    CK_RV rv;
    if (!j->known) return CKR_DEVICE_ERROR; /* journal_sync first */
    if (j->end + total > JOURNAL_MAX && (rv = journal_checkpoint(j)) != CKR_OK) return rv;
    uint8_t *e = calloc(1, (size_t)total);
    if (e == NULL) return CKR_HOST_MEMORY;
    store_be32(e, J_ENTRY_MAGIC);
    e[4] = (uint8_t)kind;
    e[5] = ref->priv ? 1 : 0;
    store_be64(e + 8, j->epoch);
    store_be64(e + 16, ref->id);
    store_be64(e + 24, ref->ver);
    store_be32(e + 32, (uint32_t)n);
    if (n > 0) memcpy(e + J_HEAD, p, n);
    j_check(e, J_HEAD + n, e + J_HEAD + n);
    rv = j_grow(j, j->end + total);
    if (rv == CKR_OK && (rv = j_pwrite(j, e, (size_t)total, j->end)) == CKR_OK &&
        (rv = j_datasync(j)) != CKR_OK) {
        /* Unknown whether it reached the disk: unmake it, so that a replay
         * does not apply what the caller was told failed. */
        static const uint8_t none[J_HEAD];
        (void)j_pwrite(j, none, sizeof none, j->end);
        (void)fdatasync(j->fd);
    }
    if (rv == CKR_OK) {
        j->end += total;
        j->dirty = true;
    }
    wipe_free(e, (size_t)total);
    return rv;
}

CK_RV
journal_log_put(struct journal *j, const struct store_rec_ref *ref, const uint8_t *p, size_t n)
{
    return j_log(j, J_PUT, ref, p, n);
}

CK_RV
journal_log_del(struct journal *j, const struct store_rec_ref *ref)
{
    return j_log(j, J_DEL, ref, NULL, 0);
}

bool
journal_stale(const struct journal *j)
{
    struct stat held, now;
    if (j->fd < 0) return false;
    if (fstat(j->fd, &held) != 0) return true;
    return stat(j->path, &now) != 0 || now.st_ino != held.st_ino || now.st_dev != held.st_dev;
}
