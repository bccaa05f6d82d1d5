/*
 * header.h: the token header, its byte format, PIN wrapping of the master
 * key, and KDF calibration.
 *
 * Byte layout (HDR_LEN bytes, integers big-endian):
 *     0   8  magic "CTTOKHDR"
 *     8   4  format version (1)
 *    12   4  total length (HDR_LEN)
 *    16   8  slot ID
 *    24  32  label, blank-padded
 *    56  16  serial, 16 lowercase hex characters
 *    72   4  flags (HDR_FLAG_USER_PIN, HDR_FLAG_STORE_PINS)
 *    76   4  SO consecutive failed logins
 *    80   4  user consecutive failed logins
 *    84  32  integrity seed (keys the tags of public records)
 *   116  84  SO PIN slot
 *   200  84  user PIN slot (all zero while no user PIN is set)
 *   284  32  SHA-256 of bytes 0..283
 * Version 2 (a token sealed to a TPM, HDR_FLAG_SEALED; other tokens stay
 * version 1 so that older readers keep working) inserts before the checksum:
 *   284   4  SHA-256 PCRs the seal is bound to (bit i: PCR i; 0: none)
 *   288   4  sealed blob length L (1..HDR_SEAL_MAX)
 *   292   L  the TPM-sealed token secret (tpm/tpm.h, tpm_seal)
 * and the checksum covers everything before it; total length HDR_LEN + 8 + L.
 * PIN slot (84 bytes): u32 KDF id (1 = PBKDF2-HMAC-SHA256), u32 iterations,
 * 16-byte salt, 12-byte GCM nonce, 32-byte wrapped master key, 16-byte tag.
 * The wrap is AES-256-GCM under PBKDF2(PIN, salt, iterations); its AAD is
 * "credtoken pin v1" || serial || u64 slot ID || u8 who || u32 KDF id ||
 * u32 iterations || salt, so a wrap cannot be moved to another token or PIN.
 * KDF id 2 (sealed tokens) keys the wrap with HKDF-SHA256 over
 * PBKDF2(PIN) || the unsealed token secret: the PIN alone opens nothing
 * off the device, and the TPM alone opens nothing without the PIN (or, for
 * HDR_FLAG_NO_PIN, the TPM alone opens the user's wrap: the PIN is empty).
 *
 * The header is not secret. Nothing here keeps state; functions are
 * thread-safe once ossl_init() ran.
 */
#ifndef CT_STORE_HEADER_H
#define CT_STORE_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"

#define HDR_LEN 316      /* version 1 */
#define HDR_SEAL_MAX 768 /* the sealed secret's blob */
#define HDR_MAX (HDR_LEN + 8 + HDR_SEAL_MAX)
#define HDR_SEAL_LEN 32 /* the sealed token secret */
#define HDR_SERIAL_LEN 16
#define HDR_KEY_LEN 32
#define HDR_KDF_PBKDF2_SHA256 1u
#define HDR_KDF_PBKDF2_TPM 2u /* PBKDF2, then HKDF with the sealed secret */
#define HDR_FLAG_USER_PIN 0x1u
#define HDR_FLAG_STORE_PINS 0x2u /* a credential set sharing the store's PINs */
#define HDR_FLAG_SEALED 0x4u     /* version 2: PIN wraps need the TPM-sealed secret */
#define HDR_FLAG_NO_PIN 0x8u     /* sealed, and the user PIN is empty */
#define HDR_FLAG_TPM_KEYS 0x10u  /* sealed, and its keys are made and used in the TPM */
#define HDR_ITER_MIN 1000u
#define HDR_ITER_MAX 50000000u

enum hdr_who { HDR_SO = 0, HDR_USER = 1 };

struct hdr_pin {
    uint32_t kdf; /* HDR_KDF_*; 0 when the slot is unset */
    uint32_t iter;
    uint8_t salt[16];
    uint8_t nonce[12];
    uint8_t wrapped[HDR_KEY_LEN];
    uint8_t tag[16];
};

struct hdr {
    uint64_t slot;
    char label[32];
    char serial[HDR_SERIAL_LEN];
    uint32_t flags;
    uint32_t fails[2]; /* indexed by enum hdr_who */
    uint8_t seed[32];
    struct hdr_pin pin[2];
    uint32_t seal_pcrs; /* HDR_FLAG_SEALED only */
    uint32_t seal_len;
    uint8_t seal[HDR_SEAL_MAX];
};

/* Serialize h (with its checksum) into out; *len: its length (HDR_LEN for
 * version 1). CKR_OK or CKR_DEVICE_ERROR (hash failure, logged). */
CK_RV hdr_encode(const struct hdr *h, uint8_t out[HDR_MAX], size_t *len);

/* Parse and check a header read from where (a name for log lines). Every
 * check failure (length, checksum, magic, version, serial syntax, flags,
 * KDF parameters) is CKR_DEVICE_ERROR with a log_err line naming where.
 * *h is written only on CKR_OK. */
CK_RV hdr_decode(const uint8_t *p, size_t len, const char *where, struct hdr *h);

/* Wrap the master key mk under pin for who with fresh salt and nonce, and
 * iter PBKDF2 iterations, into h->pin[who]; sealed: the unsealed token
 * secret of a sealed token (KDF id 2), NULL for others. CKR_OK,
 * CKR_ARGUMENTS_BAD (sealed given or missing against h's flags),
 * CKR_DEVICE_ERROR. */
CK_RV hdr_wrap(struct hdr *h, enum hdr_who who, const uint8_t *pin, size_t pinlen, uint32_t iter,
               const uint8_t *sealed, const uint8_t mk[HDR_KEY_LEN]);

/* Unwrap h->pin[who] with pin (and sealed, as hdr_wrap) into mk. CKR_OK,
 * CKR_PIN_INCORRECT (the tag did not verify: mk is wiped),
 * CKR_ARGUMENTS_BAD, CKR_DEVICE_ERROR (crypto failure). */
CK_RV hdr_unwrap(const struct hdr *h, enum hdr_who who, const uint8_t *pin, size_t pinlen,
                 const uint8_t *sealed, uint8_t mk[HDR_KEY_LEN]);

/* The PBKDF2 iteration count for which one derivation takes about
 * target_ms on this machine (a timed probe, scaled), clamped to
 * [HDR_ITER_MIN, HDR_ITER_MAX]. CKR_OK or CKR_DEVICE_ERROR. */
CK_RV hdr_calibrate(unsigned target_ms, uint32_t *iter);

#endif
