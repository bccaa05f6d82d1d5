#include "store/record.h"

#include <stdlib.h>
#include <string.h>

#include "mech/prim.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/wipe.h"

#define REC_MAGIC "CTREC"
#define REC_VERSION 1u
#define REC_INFO_LEN 40

_Static_assert(REC_HEAD_LEN == 23 + PRIM_GCM_NONCE + 4, "record layout");
_Static_assert(REC_TAG_LEN == PRIM_GCM_TAG, "record tag");

static const char rec_info_label[16] = {'c', 'r', 'e', 'd', 't', 'o', 'k', 'e',
                                        'n', ' ', 'r', 'e', 'c', 'o', 'r', 'd'};

static CK_RV
rec_key(const uint8_t ikm[32], const char serial[16], uint64_t id, uint8_t key[32])
{
    uint8_t info[REC_INFO_LEN];
    memcpy(info, rec_info_label, 16);
    memcpy(info + 16, serial, 16);
    store_be64(info + 32, id);
    if (prim_hkdf_sha256(ikm, 32, info, sizeof info, key, 32) != CKR_OK) return CKR_DEVICE_ERROR;
    return CKR_OK;
}

static void
rec_head(uint8_t *p, const struct store_rec_ref *ref, const uint8_t nonce[PRIM_GCM_NONCE],
         size_t len)
{
    memcpy(p, REC_MAGIC, 5);
    p[5] = REC_VERSION;
    store_be64(p + 6, ref->id);
    store_be64(p + 14, ref->ver);
    p[22] = ref->priv ? 1 : 0;
    memcpy(p + 23, nonce, PRIM_GCM_NONCE);
    store_be32(p + 35, (uint32_t)len);
}

/* Private records encrypt the body with the head as AAD; public ones
 * authenticate head and body together as AAD over an empty plaintext. */
static CK_RV
rec_gcm_seal(const uint8_t key[32], uint8_t *p, const uint8_t *body, size_t len)
{
    uint8_t none[1] = {0};
    if (p[22])
        return prim_gcm_seal(key, p + 23, p, REC_HEAD_LEN, body, len, p + REC_HEAD_LEN,
                             p + REC_HEAD_LEN + len);
    if (len) memcpy(p + REC_HEAD_LEN, body, len);
    return prim_gcm_seal(key, p + 23, p, REC_HEAD_LEN + len, none, 0, none, p + REC_HEAD_LEN + len);
}

static CK_RV
rec_gcm_open(const uint8_t key[32], const uint8_t *p, size_t len, uint8_t *plain)
{
    uint8_t none[1] = {0};
    if (p[22])
        return prim_gcm_open(key, p + 23, p, REC_HEAD_LEN, p + REC_HEAD_LEN, len,
                             p + REC_HEAD_LEN + len, plain);
    CK_RV rv =
        prim_gcm_open(key, p + 23, p, REC_HEAD_LEN + len, none, 0, p + REC_HEAD_LEN + len, none);
    if (rv == CKR_OK && len) memcpy(plain, p + REC_HEAD_LEN, len);
    return rv;
}

CK_RV
rec_seal(const uint8_t ikm[32], const char serial[16], const struct store_rec_ref *ref,
         const uint8_t *body, size_t len, uint8_t **out, size_t *outlen)
{
    CK_RV rv;
    uint8_t key[32], nonce[PRIM_GCM_NONCE];
    size_t total = REC_HEAD_LEN + len + REC_TAG_LEN;
    uint8_t *p = NULL;
    static const uint8_t empty[1];
    if (len > REC_BODY_MAX) return CKR_DEVICE_MEMORY;
    if (body == NULL) body = empty;
    if ((rv = rec_key(ikm, serial, ref->id, key)) != CKR_OK) goto out;
    rv = CKR_DEVICE_ERROR;
    if (prim_random(nonce, sizeof nonce) != CKR_OK) goto out;
    rv = CKR_HOST_MEMORY;
    if ((p = malloc(total)) == NULL) goto out;
    rec_head(p, ref, nonce, len);
    rv = CKR_DEVICE_ERROR;
    if (rec_gcm_seal(key, p, body, len) != CKR_OK) goto out;
    *out = p;
    *outlen = total;
    p = NULL;
    rv = CKR_OK;
out:
    wipe_free(p, total);
    wipe(key, sizeof key);
    if (rv == CKR_DEVICE_ERROR)
        log_err("record %016llx: sealing failed", (unsigned long long)ref->id);
    return rv;
}

/* NULL when the head of p agrees with want, else the reason. */
static const char *
rec_check_head(const uint8_t *p, size_t len, const struct store_rec_ref *want, size_t *blen)
{
    if (len < REC_HEAD_LEN + REC_TAG_LEN) return "too short";
    if (memcmp(p, REC_MAGIC, 5) != 0) return "bad magic";
    if (p[5] != REC_VERSION) return "unknown format version";
    if (load_be64(p + 6) != want->id) return "id does not match its name";
    if (load_be64(p + 14) != want->ver) return "version does not match its name";
    if (p[22] != (want->priv ? 1 : 0)) return "private flag does not match its name";
    size_t n = load_be32(p + 35);
    if (n > REC_BODY_MAX || n != len - REC_HEAD_LEN - REC_TAG_LEN) return "bad body length";
    *blen = n;
    return NULL;
}

CK_RV
rec_open(const uint8_t ikm[32], const char serial[16], const struct store_rec_ref *want,
         const uint8_t *p, size_t len, const char *where, uint8_t **body, size_t *blen)
{
    CK_RV rv = CKR_DEVICE_ERROR;
    uint8_t key[32];
    uint8_t *plain = NULL;
    size_t n = 0;
    const char *why = rec_check_head(p, len, want, &n);
    if (why != NULL) goto out;
    why = "crypto failure";
    if (rec_key(ikm, serial, want->id, key) != CKR_OK) goto out;
    rv = CKR_HOST_MEMORY;
    why = NULL;
    if ((plain = malloc(n ? n : 1)) == NULL) goto out;
    rv = rec_gcm_open(key, p, n, plain);
    if (rv != CKR_OK) {
        why = rv == CKR_ENCRYPTED_DATA_INVALID ? "authentication failed" : "crypto failure";
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    *body = plain;
    *blen = n;
    plain = NULL;
out:
    if (why != NULL) {
        log_err("%s: corrupt record (%s)", where, why);
        rv = CKR_DEVICE_ERROR;
    }
    wipe_free(plain, n ? n : 1);
    wipe(key, sizeof key);
    return rv;
}
