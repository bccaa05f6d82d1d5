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
 * The caller flushes it; pub, unless NULL, receives its public area (ESYS
 * memory: Esys_Free). */
CK_RV tpm_primary(struct tpm *t, ESYS_TR *out, TPM2B_PUBLIC **pub);

/* The Name of an object whose nameAlg is SHA-256: the algorithm's ID and
 * the digest of its marshaled public area. CKR_OK, CKR_FUNCTION_FAILED. */
CK_RV tpm_name_of(const TPMT_PUBLIC *pub, TPM2B_NAME *name);
/* A duplication blob of the object (obj, sens) for TPM2_Import under
 * parent, our storage primary (dup.c says how): dup and in_seed are
 * TPM2_Import's duplicate and inSymSeed, with no inner wrapper. CKR_OK;
 * CKR_DEVICE_ERROR (parent is not such a key: logged); CKR_FUNCTION_FAILED. */
CK_RV tpm_dup_wrap(const TPMT_PUBLIC *parent, const TPMT_PUBLIC *obj, const TPMT_SENSITIVE *sens,
                   TPM2B_PRIVATE *dup, TPM2B_ENCRYPTED_SECRET *in_seed);

/* An HMAC key of len (1..TPM_HMAC_KEY_MAX) bytes with its one hash (of
 * digest length mdlen), imported (import.c). As tpm_key_create_hmac. */
CK_RV tpm_key_import_hmac(struct tpm *t, const uint8_t *secret, size_t len, TPMI_ALG_HASH hash,
                          size_t mdlen, uint8_t **blob, size_t *blen);

/* The public templates of our keys, made (TPM_ATTRS_MADE: the TPM makes
 * the private part, which never leaves it) or imported (TPM_ATTRS_IMPORTED:
 * TPM2_Import refuses fixedTPM). All are noDA with an empty authorization
 * (credtoken counts PIN failures itself) and SHA-256 names; p is zeroed
 * first. ec: bits 256 or 384, the scheme chosen per signature; rsa: sign
 * and decrypt with no scheme of its own (each operation names its
 * padding), exponent 0 for 65537; hmac: a signing keyed-hash object with
 * its one hash. */
#define TPM_ATTRS_IMPORTED (TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_SIGN_ENCRYPT)
#define TPM_ATTRS_MADE                                                                             \
    (TPM_ATTRS_IMPORTED | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |                         \
     TPMA_OBJECT_SENSITIVEDATAORIGIN)
void tpm_tmpl_ec(TPMT_PUBLIC *p, unsigned bits, TPMA_OBJECT attrs);
void tpm_tmpl_rsa(TPMT_PUBLIC *p, unsigned bits, UINT32 exponent, TPMA_OBJECT attrs);
void tpm_tmpl_hmac(TPMT_PUBLIC *p, TPMI_ALG_HASH hash, TPMA_OBJECT attrs);

/* The blobs of keys (key.c, import.c): the magic names the kind. */
#define TPM_KEY_MAGIC "CTKEY001"  /* ECDSA; extra: the curve's bits */
#define TPM_HMAC_MAGIC "CTHMAC01" /* extra: the digest's length << 16 | the key's length */
#define TPM_RSA_MAGIC "CTRSA001"  /* extra: the modulus bits */

/* Blobs of objects made under the primary: an 8-byte magic, a u32 of the
 * caller's, TPM2B_PUBLIC and TPM2B_PRIVATE (tss2-mu). pack: *blob heap,
 * free(); unpack: CKR_DATA_INVALID when it is not such a blob. */
#define TPM_MAGIC_LEN 8
CK_RV tpm_blob_pack(const char magic[TPM_MAGIC_LEN], uint32_t extra, const TPM2B_PUBLIC *pub,
                    const TPM2B_PRIVATE *priv, uint8_t **blob, size_t *blen);
CK_RV tpm_blob_unpack(const char magic[TPM_MAGIC_LEN], const uint8_t *blob, size_t blen,
                      uint32_t *extra, TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv);

#endif
