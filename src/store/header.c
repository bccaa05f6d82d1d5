#include "store/header.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "mech/prim.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/wipe.h"

#define HDR_MAGIC "CTTOKHDR"
#define HDR_VERSION 1u
#define HDR_VERSION_SEALED 2u
#define HDR_PIN_LEN 84
#define HDR_SUM_OFF (HDR_LEN - 32) /* version 1 */
#define HDR_SEAL_OFF HDR_SUM_OFF   /* version 2: the seal section */
#define HDR_SUM_OFF2(l) (HDR_SEAL_OFF + 8 + (l))
#define HDR_AAD_LEN 65 /* 16 label + 16 serial + 8 slot + 1 who + 4 kdf + 4 iter + 16 salt */

_Static_assert(HDR_SUM_OFF == 116 + 2 * HDR_PIN_LEN, "header layout");
_Static_assert(sizeof(struct hdr_pin) == HDR_PIN_LEN, "PIN slot layout");

static const char hdr_aad_label[16] = {'c', 'r', 'e', 'd', 't', 'o', 'k', 'e',
                                       'n', ' ', 'p', 'i', 'n', ' ', 'v', '1'};

static void
hdr_put_pin(struct buf *b, const struct hdr_pin *p)
{
    buf_put_u32(b, p->kdf);
    buf_put_u32(b, p->iter);
    buf_put(b, p->salt, sizeof p->salt);
    buf_put(b, p->nonce, sizeof p->nonce);
    buf_put(b, p->wrapped, sizeof p->wrapped);
    buf_put(b, p->tag, sizeof p->tag);
}

/* Whether h's seal section is well formed for its flags. */
static bool
hdr_seal_ok(const struct hdr *h)
{
    if (!(h->flags & HDR_FLAG_SEALED))
        return h->seal_len == 0 && h->seal_pcrs == 0 &&
               !(h->flags & (HDR_FLAG_NO_PIN | HDR_FLAG_TPM_KEYS));
    return h->seal_len > 0 && h->seal_len <= HDR_SEAL_MAX && h->seal_pcrs <= 0xFFFFFFu;
}

CK_RV
hdr_encode(const struct hdr *h, uint8_t out[HDR_MAX], size_t *len)
{
    CK_RV rv = CKR_DEVICE_ERROR;
    struct buf b;
    bool sealed = (h->flags & HDR_FLAG_SEALED) != 0;
    size_t sum_off = sealed ? HDR_SUM_OFF2(h->seal_len) : HDR_SUM_OFF;
    buf_init(&b);
    if (!hdr_seal_ok(h)) goto out;
    buf_put(&b, HDR_MAGIC, 8);
    buf_put_u32(&b, sealed ? HDR_VERSION_SEALED : HDR_VERSION);
    buf_put_u32(&b, (uint32_t)(sum_off + 32));
    buf_put_u64(&b, h->slot);
    buf_put(&b, h->label, sizeof h->label);
    buf_put(&b, h->serial, sizeof h->serial);
    buf_put_u32(&b, h->flags);
    buf_put_u32(&b, h->fails[HDR_SO]);
    buf_put_u32(&b, h->fails[HDR_USER]);
    buf_put(&b, h->seed, sizeof h->seed);
    hdr_put_pin(&b, &h->pin[HDR_SO]);
    hdr_put_pin(&b, &h->pin[HDR_USER]);
    if (sealed) {
        buf_put_u32(&b, h->seal_pcrs);
        buf_put_u32(&b, h->seal_len);
        buf_put(&b, h->seal, h->seal_len);
    }
    if (buf_finish(&b) != 0) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    if (b.len != sum_off) goto out;
    memcpy(out, b.data, b.len);
    if (prim_sha256(out, sum_off, out + sum_off) != CKR_OK) goto out;
    *len = sum_off + 32;
    rv = CKR_OK;
out:
    buf_cleanup(&b);
    if (rv == CKR_DEVICE_ERROR) log_err("token header: encoding failed");
    return rv;
}

static void
hdr_get_pin(struct rd *r, struct hdr_pin *p)
{
    const uint8_t *q;
    p->kdf = rd_u32(r);
    p->iter = rd_u32(r);
    if ((q = rd_bytes(r, sizeof p->salt)) != NULL) memcpy(p->salt, q, sizeof p->salt);
    if ((q = rd_bytes(r, sizeof p->nonce)) != NULL) memcpy(p->nonce, q, sizeof p->nonce);
    if ((q = rd_bytes(r, sizeof p->wrapped)) != NULL) memcpy(p->wrapped, q, sizeof p->wrapped);
    if ((q = rd_bytes(r, sizeof p->tag)) != NULL) memcpy(p->tag, q, sizeof p->tag);
}

static int
hdr_is_zero(const void *p, size_t n)
{
    const uint8_t *q = p;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= q[i];
    return acc == 0;
}

/* NULL when the slot is acceptable, else the reason. */
static const char *
hdr_check_pin(const struct hdr_pin *p, int set, uint32_t kdf)
{
    if (!set) return hdr_is_zero(p, sizeof *p) ? NULL : "unset PIN slot is not empty";
    if (p->kdf != kdf) return "unknown KDF, or not the format's";
    if (p->iter < HDR_ITER_MIN || p->iter > HDR_ITER_MAX) return "KDF iterations out of range";
    return NULL;
}

static const char *
hdr_check_serial(const char s[HDR_SERIAL_LEN])
{
    for (size_t i = 0; i < HDR_SERIAL_LEN; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return "bad serial";
    }
    return NULL;
}

/* Parse the fields after the checksum (over sum_off bytes) verified. NULL
 * or the reason. */
static const char *
hdr_parse(const uint8_t *p, size_t sum_off, struct hdr *h)
{
    struct rd r;
    const uint8_t *q;
    rd_init(&r, p, sum_off);
    q = rd_bytes(&r, 8);
    if (q == NULL || memcmp(q, HDR_MAGIC, 8) != 0) return "bad magic";
    uint32_t version = rd_u32(&r);
    if (version != HDR_VERSION && version != HDR_VERSION_SEALED) return "unknown format version";
    if (rd_u32(&r) != sum_off + 32) return "bad length field";
    h->slot = rd_u64(&r);
    if ((q = rd_bytes(&r, sizeof h->label)) != NULL) memcpy(h->label, q, sizeof h->label);
    if ((q = rd_bytes(&r, sizeof h->serial)) != NULL) memcpy(h->serial, q, sizeof h->serial);
    h->flags = rd_u32(&r);
    h->fails[HDR_SO] = rd_u32(&r);
    h->fails[HDR_USER] = rd_u32(&r);
    if ((q = rd_bytes(&r, sizeof h->seed)) != NULL) memcpy(h->seed, q, sizeof h->seed);
    hdr_get_pin(&r, &h->pin[HDR_SO]);
    hdr_get_pin(&r, &h->pin[HDR_USER]);
    if (version == HDR_VERSION_SEALED) {
        h->seal_pcrs = rd_u32(&r);
        h->seal_len = rd_u32(&r);
        if (h->seal_len > HDR_SEAL_MAX) return "sealed secret too long";
        if ((q = rd_bytes(&r, h->seal_len)) != NULL) memcpy(h->seal, q, h->seal_len);
    }
    if (!rd_ok(&r, 1)) return "truncated";
    const char *why = hdr_check_serial(h->serial);
    uint32_t known = HDR_FLAG_USER_PIN | HDR_FLAG_STORE_PINS | HDR_FLAG_SEALED | HDR_FLAG_NO_PIN |
                     HDR_FLAG_TPM_KEYS;
    if (why == NULL && (h->flags & ~known) != 0) why = "unknown flags";
    if (why == NULL &&
        ((version == HDR_VERSION_SEALED) != ((h->flags & HDR_FLAG_SEALED) != 0) || !hdr_seal_ok(h)))
        why = "bad seal section";
    if (why == NULL && (h->flags & HDR_FLAG_NO_PIN) && !(h->flags & HDR_FLAG_USER_PIN))
        why = "no-PIN token without a user PIN";
    /* Each format has its one KDF: a sealed token's wraps need the TPM. */
    uint32_t kdf = version == HDR_VERSION_SEALED ? HDR_KDF_PBKDF2_TPM : HDR_KDF_PBKDF2_SHA256;
    if (why == NULL) why = hdr_check_pin(&h->pin[HDR_SO], 1, kdf);
    if (why == NULL)
        why = hdr_check_pin(&h->pin[HDR_USER], (h->flags & HDR_FLAG_USER_PIN) != 0, kdf);
    return why;
}

CK_RV
hdr_decode(const uint8_t *p, size_t len, const char *where, struct hdr *h)
{
    const char *why = NULL;
    uint8_t sum[32];
    struct hdr t;
    memset(&t, 0, sizeof t);
    if (len < HDR_LEN || len > HDR_MAX) {
        why = "bad length";
    } else if (prim_sha256(p, len - 32, sum) != CKR_OK) {
        why = "hash failure";
    } else if (memcmp(sum, p + len - 32, sizeof sum) != 0) {
        why = "checksum mismatch";
    } else {
        why = hdr_parse(p, len - 32, &t);
    }
    if (why != NULL) {
        log_err("%s: corrupt token header (%s)", where, why);
        return CKR_DEVICE_ERROR;
    }
    *h = t;
    return CKR_OK;
}

static void
hdr_aad(const struct hdr *h, enum hdr_who who, const struct hdr_pin *p, uint8_t aad[HDR_AAD_LEN])
{
    memcpy(aad, hdr_aad_label, sizeof hdr_aad_label);
    memcpy(aad + 16, h->serial, HDR_SERIAL_LEN);
    store_be64(aad + 32, h->slot);
    aad[40] = (uint8_t)who;
    store_be32(aad + 41, p->kdf);
    store_be32(aad + 45, p->iter);
    memcpy(aad + 49, p->salt, sizeof p->salt);
    _Static_assert(49 + sizeof p->salt == HDR_AAD_LEN, "AAD layout");
}

static CK_RV
hdr_kek(const struct hdr_pin *p, const uint8_t *pin, size_t pinlen, const uint8_t *sealed,
        uint8_t kek[32])
{
    static const uint8_t empty[1];
    static const uint8_t info[] = {'c', 'r', 'e', 'd', 't', 'o', 'k', 'e', 'n', ' ',
                                   't', 'p', 'm', ' ', 'p', 'i', 'n', ' ', 'v', '1'};
    uint8_t ikm[32 + HDR_SEAL_LEN];
    CK_RV rv = CKR_DEVICE_ERROR;
    if (pin == NULL) pin = empty;
    if ((p->kdf == HDR_KDF_PBKDF2_TPM) != (sealed != NULL)) return CKR_ARGUMENTS_BAD;
    if (prim_pbkdf2_sha256(pin, pinlen, p->salt, sizeof p->salt, p->iter, ikm, 32) != CKR_OK)
        goto out;
    if (sealed == NULL) {
        memcpy(kek, ikm, 32);
        rv = CKR_OK;
        goto out;
    }
    memcpy(ikm + 32, sealed, HDR_SEAL_LEN);
    if (prim_hkdf_sha256(ikm, sizeof ikm, info, sizeof info, kek, 32) == CKR_OK) rv = CKR_OK;
out:
    wipe(ikm, sizeof ikm);
    return rv;
}

CK_RV
hdr_wrap(struct hdr *h, enum hdr_who who, const uint8_t *pin, size_t pinlen, uint32_t iter,
         const uint8_t *sealed, const uint8_t mk[HDR_KEY_LEN])
{
    CK_RV rv = CKR_DEVICE_ERROR;
    uint8_t kek[32], aad[HDR_AAD_LEN];
    struct hdr_pin p;
    memset(&p, 0, sizeof p);
    if (((h->flags & HDR_FLAG_SEALED) != 0) != (sealed != NULL)) return CKR_ARGUMENTS_BAD;
    p.kdf = sealed != NULL ? HDR_KDF_PBKDF2_TPM : HDR_KDF_PBKDF2_SHA256;
    p.iter = iter;
    if (prim_random(p.salt, sizeof p.salt) != CKR_OK) goto out;
    if (prim_random(p.nonce, sizeof p.nonce) != CKR_OK) goto out;
    if ((rv = hdr_kek(&p, pin, pinlen, sealed, kek)) != CKR_OK) goto out;
    hdr_aad(h, who, &p, aad);
    rv = CKR_DEVICE_ERROR;
    if (prim_gcm_seal(kek, p.nonce, aad, sizeof aad, mk, HDR_KEY_LEN, p.wrapped, p.tag) != CKR_OK)
        goto out;
    h->pin[who] = p;
    rv = CKR_OK;
out:
    wipe(kek, sizeof kek);
    return rv;
}

CK_RV
hdr_unwrap(const struct hdr *h, enum hdr_who who, const uint8_t *pin, size_t pinlen,
           const uint8_t *sealed, uint8_t mk[HDR_KEY_LEN])
{
    const struct hdr_pin *p = &h->pin[who];
    uint8_t kek[32], aad[HDR_AAD_LEN];
    CK_RV rv = hdr_kek(p, pin, pinlen, sealed, kek);
    if (rv != CKR_OK) goto out;
    hdr_aad(h, who, p, aad);
    rv = prim_gcm_open(kek, p->nonce, aad, sizeof aad, p->wrapped, HDR_KEY_LEN, p->tag, mk);
    /* The header checksum already verified, so a tag failure is a wrong PIN. */
    if (rv == CKR_ENCRYPTED_DATA_INVALID)
        rv = CKR_PIN_INCORRECT;
    else if (rv != CKR_OK)
        rv = CKR_DEVICE_ERROR;
out:
    if (rv != CKR_OK) wipe(mk, HDR_KEY_LEN);
    wipe(kek, sizeof kek);
    return rv;
}

static uint64_t
hdr_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

CK_RV
hdr_calibrate(unsigned target_ms, uint32_t *iter)
{
    static const uint8_t probe_pin[8] = {'c', 'a', 'l', 'i', 'b', 'r', 'a', 't'};
    uint8_t salt[16] = {0}, out[32];
    uint64_t n = HDR_ITER_MIN, ns = 0;
    uint64_t target_ns = (uint64_t)(target_ms ? target_ms : 1) * 1000000u;
    /* Probe until a run is long enough to time reliably (at most 20 ms),
     * then scale linearly: PBKDF2 cost is linear in the iteration count. */
    uint64_t probe_ns = target_ns < 20000000u ? target_ns : 20000000u;
    /* Warm up first: the first derivation also fetches the algorithm. */
    if (prim_pbkdf2_sha256(probe_pin, sizeof probe_pin, salt, sizeof salt, 1, out, sizeof out) !=
        CKR_OK)
        return CKR_DEVICE_ERROR;
    for (;;) {
        uint64_t t0 = hdr_now_ns();
        if (prim_pbkdf2_sha256(probe_pin, sizeof probe_pin, salt, sizeof salt, (uint32_t)n, out,
                               sizeof out) != CKR_OK)
            return CKR_DEVICE_ERROR;
        ns = hdr_now_ns() - t0;
        if (ns >= probe_ns || n >= HDR_ITER_MAX) break;
        n = n * 2 > HDR_ITER_MAX ? HDR_ITER_MAX : n * 2;
    }
    if (ns == 0) ns = 1;
    uint64_t est = n * target_ns / ns;
    if (est < HDR_ITER_MIN) est = HDR_ITER_MIN;
    if (est > HDR_ITER_MAX) est = HDR_ITER_MAX;
    *iter = (uint32_t)est;
    return CKR_OK;
}
