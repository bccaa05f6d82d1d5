/*
 * seal.c: the TPM-sealed token secret of a sealed token (store_int.h).
 *
 * A sealed token's PIN wraps are keyed by PBKDF2(PIN) and a 32-byte secret
 * that only the TPM it was sealed to will unseal (header.h, KDF id 2), and
 * only while the PCRs it was bound to hold the values they had. The TPM is
 * reached for each wrap or unwrap and released at once: nothing stays
 * loaded in it, and the secret lives only for the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mech/prim.h"
#include "store/store_int.h"
#include "tpm/tpm.h"
#include "util/log.h"
#include "util/wipe.h"

CK_RV
store_seal_new(const struct tpm_where *at, uint32_t pcrs, struct hdr *h,
               uint8_t secret[HDR_SEAL_LEN])
{
    struct tpm *tpm = NULL;
    uint8_t *blob = NULL;
    size_t blen = 0;
    if (pcrs > 0xFFFFFFu) return CKR_ARGUMENTS_BAD;
    if (prim_random(secret, HDR_SEAL_LEN) != CKR_OK) return CKR_DEVICE_ERROR;
    CK_RV rv = tpm_use_begin(at, &tpm);
    if (rv == CKR_OK) {
        rv = tpm_seal(tpm, secret, HDR_SEAL_LEN, pcrs, &blob, &blen);
        tpm_use_end(tpm, rv);
    }
    if (rv == CKR_OK && blen > HDR_SEAL_MAX) {
        log_err("TPM: the sealed secret (%zu bytes) does not fit the token header", blen);
        rv = CKR_DEVICE_ERROR;
    }
    if (rv == CKR_OK) {
        memcpy(h->seal, blob, blen);
        h->seal_len = (uint32_t)blen;
        h->seal_pcrs = pcrs;
        h->flags |= HDR_FLAG_SEALED;
    } else {
        wipe(secret, HDR_SEAL_LEN);
        log_err("cannot seal a new token to the TPM (TCTI %s)", at->tcti);
    }
    free(blob);
    return rv;
}

CK_RV
store_seal_open(const struct tpm_where *at, const struct hdr *h, uint8_t secret[HDR_SEAL_LEN])
{
    struct tpm *tpm = NULL;
    uint8_t *out = NULL;
    size_t n = 0;
    if (!(h->flags & HDR_FLAG_SEALED)) return CKR_ARGUMENTS_BAD;
    CK_RV rv = tpm_use_begin(at, &tpm);
    if (rv == CKR_OK) {
        rv = tpm_unseal(tpm, h->seal, h->seal_len, &out, &n);
        tpm_use_end(tpm, rv);
    }
    if (rv == CKR_OK && n != HDR_SEAL_LEN) rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK) memcpy(secret, out, HDR_SEAL_LEN);
    wipe_free(out, n);
    if (rv == CKR_HOST_MEMORY) return rv;
    if (rv != CKR_OK) {
        /* The TPM layer logged what the TPM said and what it means. */
        log_err("token %.16s cannot be opened: its key, sealed to a TPM%s, did not unseal "
                "through TCTI %s",
                h->serial, h->seal_pcrs ? " and PCRs" : "", at->tcti);
        rv = CKR_DEVICE_ERROR;
    }
    return rv;
}
