/*
 * record.h: the sealed record format.
 *
 * Byte layout (integers big-endian):
 *     0   5  magic "CTREC"
 *     5   1  format version (1)
 *     6   8  record id
 *    14   8  record version
 *    22   1  private flag (0 or 1)
 *    23  12  GCM nonce (random per write)
 *    35   4  body length n
 *    39   n  body
 *  39+n  16  GCM tag
 * The record key is HKDF-SHA256(ikm, info = "credtoken record" || serial ||
 * u64 id), where ikm is the token master key for a private record and the
 * header's integrity seed for a public one.
 *   private: body = AES-256-GCM(key, nonce, AAD = bytes 0..38, plaintext);
 *   public:  body = plaintext, tag = AES-256-GCM(key, nonce, AAD = bytes
 *            0..38+n, empty plaintext), so every byte is authenticated.
 * The id, version and private flag are repeated in the backend's name of the
 * record; rec_open() checks they agree.
 *
 * Stateless; thread-safe once ossl_init() ran. Keys and plaintext are wiped
 * on every path.
 */
#ifndef CT_STORE_RECORD_H
#define CT_STORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"
#include "store/store.h"

#define REC_HEAD_LEN 39
#define REC_TAG_LEN 16
#define REC_BODY_MAX (16u << 20)

/* Seal body as record ref of the token with this serial. *out is heap
 * memory (wipe_free(*out, *outlen)). CKR_OK, CKR_HOST_MEMORY,
 * CKR_DEVICE_MEMORY (body larger than REC_BODY_MAX), CKR_DEVICE_ERROR
 * (crypto failure, logged). */
CK_RV rec_seal(const uint8_t ikm[32], const char serial[16], const struct store_rec_ref *ref,
               const uint8_t *body, size_t len, uint8_t **out, size_t *outlen);

/* Verify (and decrypt) the sealed bytes p, read as record want. Any
 * malformation, disagreement with want, or tag failure is CKR_DEVICE_ERROR
 * with a log_err line naming where. *body is heap memory the caller must
 * wipe_free(*body, *blen); written only on CKR_OK. CKR_HOST_MEMORY too. */
CK_RV rec_open(const uint8_t ikm[32], const char serial[16], const struct store_rec_ref *want,
               const uint8_t *p, size_t len, const char *where, uint8_t **body, size_t *blen);

#endif
