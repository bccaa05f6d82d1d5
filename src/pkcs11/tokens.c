/*
 * tokens.c: the vendor interface "credtoken tokens" (credtoken/tokens.h).
 */
#include "credtoken/tokens.h"

#include "pkcs11/lists.h"
#include "pkcs11/slot.h"
#include "store/store.h"
#include "util/log.h"

static CK_RV
ct_CT_InitToken(CK_SLOT_ID slotID, const CK_UTF8CHAR *pSoPin, CK_ULONG ulSoPinLen,
                const CK_UTF8CHAR *pLabel, CK_FLAGS flags, CK_ULONG pcrMask)
{
    /* The TPM backend seals the token as well. */
    if (flags & CT_TOKEN_TPM_KEYS) flags |= CT_TOKEN_SEAL_TPM;
    if ((flags & ~(CT_TOKEN_SEAL_TPM | CT_TOKEN_NO_PIN | CT_TOKEN_TPM_KEYS)) != 0 ||
        pcrMask > 0xFFFFFFUL ||
        (!(flags & CT_TOKEN_SEAL_TPM) && (pcrMask != 0 || (flags & CT_TOKEN_NO_PIN)))) {
        log_err("CT_InitToken: unknown flags, PCRs beyond 23, or PCRs or no PIN without "
                "sealing to the TPM");
        return CKR_ARGUMENTS_BAD;
    }
    if (!(flags & CT_TOKEN_SEAL_TPM))
        return slot_init_token(slotID, pSoPin, ulSoPinLen, pLabel, NULL);
    struct store_seal seal = {.pcrs = (uint32_t)pcrMask,
                              .no_pin = (flags & CT_TOKEN_NO_PIN) != 0,
                              .tpm_keys = (flags & CT_TOKEN_TPM_KEYS) != 0};
    return slot_init_token(slotID, pSoPin, ulSoPinLen, pLabel, &seal);
}

CT_TOKENS_FUNCTION_LIST tokens_list = {
    .version = {1, 0},
    .CT_InitToken = ct_CT_InitToken,
};
