/*
 * tokens.h: credtoken's vendor interface for making tokens, reached
 * through PKCS#11 3.0's C_GetInterface:
 *
 *     CK_INTERFACE_PTR i;
 *     C_GetInterface((CK_UTF8CHAR_PTR)CT_TOKENS_INTERFACE, NULL, &i, 0);
 *     const CT_TOKENS_FUNCTION_LIST *f = i->pFunctionList;
 *
 * C_Initialize must have been called.
 */
#ifndef CREDTOKEN_TOKENS_H
#define CREDTOKEN_TOKENS_H

#include "credtoken/pkcs11.h"

#define CT_TOKENS_INTERFACE "credtoken tokens"

/* CT_InitToken flags. */
#define CT_TOKEN_SEAL_TPM 0x1UL /* the file store token's key is sealed to the TPM */
#define CT_TOKEN_NO_PIN 0x2UL   /* sealed, with an empty user PIN: the TPM alone opens it */
#define CT_TOKEN_TPM_KEYS 0x4UL /* the TPM backend: keys made and used in the TPM (sealed too) */

typedef struct CT_TOKENS_FUNCTION_LIST {
    CK_VERSION version; /* 1.0 */
    /* C_InitToken on the free slot, with choices C_InitToken has no room
     * for. CT_TOKEN_SEAL_TPM: the token's PIN wraps are keyed by the PIN
     * and by a secret sealed to the TPM (the configuration's tpm_tcti, or
     * CREDTOKEN_TCTI), and to the present values of the SHA-256 PCRs whose
     * bits are set in pcrMask (bit i: PCR i, 0..23; 0: the TPM alone). A
     * copy of the token opens on no other TPM, and not on this one once a
     * bound PCR changed: its logins then return CKR_DEVICE_ERROR with a
     * log line saying why. CT_TOKEN_NO_PIN (needs CT_TOKEN_SEAL_TPM): the
     * user PIN is set and empty, and the token reports
     * CKF_PROTECTED_AUTHENTICATION_PATH: C_Login(CKU_USER, NULL_PTR, 0).
     * CT_TOKEN_TPM_KEYS (implies CT_TOKEN_SEAL_TPM): the TPM backend;
     * C_GenerateKeyPair makes the token's keys inside the TPM, private
     * keys never leave it, and the mechanism list is what the TPM does.
     * flags 0 is C_InitToken. Returns C_InitToken's values, and
     * CKR_ARGUMENTS_BAD (unknown flags, pcrMask beyond PCR 23 or without
     * sealing, NO_PIN without sealing, a slot whose token exists already
     * given sealing flags), CKR_DEVICE_ERROR (no TPM: logged). */
    CK_RV(*CT_InitToken)
    (CK_SLOT_ID slotID, const CK_UTF8CHAR *pSoPin, CK_ULONG ulSoPinLen, const CK_UTF8CHAR *pLabel,
     CK_FLAGS flags, CK_ULONG pcrMask);
} CT_TOKENS_FUNCTION_LIST;

#endif
