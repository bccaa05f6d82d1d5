/*
 * tpm_int.h: what the files of src/tpm/ share. Not for use outside it.
 */
#ifndef CT_TPM_TPM_INT_H
#define CT_TPM_TPM_INT_H

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "tpm/tpm.h"

struct tpm {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
    int lock_fd;         /* tpm_use_begin's flock, or -1 */
    char tcti_name[256]; /* tpm_use_begin's tcti */
};

/* The owner hierarchy's storage primary key (the TCG's ECC P-256 SRK
 * template: the same key each time on one TPM, another on another TPM).
 * The caller flushes it. */
CK_RV tpm_primary(struct tpm *t, ESYS_TR *out);

/* Blobs of objects made under the primary: an 8-byte magic, a u32 of the
 * caller's, TPM2B_PUBLIC and TPM2B_PRIVATE (tss2-mu). pack: *blob heap,
 * free(); unpack: CKR_DATA_INVALID when it is not such a blob. */
#define TPM_MAGIC_LEN 8
CK_RV tpm_blob_pack(const char magic[TPM_MAGIC_LEN], uint32_t extra, const TPM2B_PUBLIC *pub,
                    const TPM2B_PRIVATE *priv, uint8_t **blob, size_t *blen);
CK_RV tpm_blob_unpack(const char magic[TPM_MAGIC_LEN], const uint8_t *blob, size_t blen,
                      uint32_t *extra, TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv);

#endif
