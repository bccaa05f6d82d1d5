/*
 * tpm_rv.c: every TSS2_RC becomes a CK_RV here, and only here (tpm.h).
 */
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tpm2_types.h>

#include "tpm/tpm.h"
#include "util/log.h"

/* The TPM layer's code without its parameter, handle or session number. */
static TSS2_RC
tpm_rc_base(TSS2_RC rc)
{
    if (rc & TPM2_RC_FMT1) return rc & (TPM2_RC_FMT1 | 0x3F);
    return rc & 0xFFF;
}

static CK_RV
tpm_rv_tpm(TSS2_RC base)
{
    switch (base) {
    case TPM2_RC_LOCKOUT:
        return CKR_PIN_LOCKED;
    case TPM2_RC_BAD_AUTH:
    case TPM2_RC_AUTH_FAIL:
        return CKR_PIN_INCORRECT;
    case TPM2_RC_MEMORY:
    case TPM2_RC_OBJECT_MEMORY:
    case TPM2_RC_SESSION_MEMORY:
    case TPM2_RC_OBJECT_HANDLES:
    case TPM2_RC_SESSION_HANDLES:
    case TPM2_RC_NV_SPACE:
        return CKR_DEVICE_MEMORY;
    case TPM2_RC_CURVE:
        return CKR_CURVE_NOT_SUPPORTED;
    case TPM2_RC_KEY_SIZE:
        return CKR_KEY_SIZE_RANGE;
    case TPM2_RC_SCHEME:
    case TPM2_RC_HASH:
    case TPM2_RC_ASYMMETRIC:
        return CKR_MECHANISM_INVALID;
    default:
        return CKR_DEVICE_ERROR;
    }
}

CK_RV
tpm_rv(TSS2_RC rc, const char *what)
{
    if (rc == TSS2_RC_SUCCESS) return CKR_OK;
    TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
    CK_RV rv = CKR_DEVICE_ERROR;
    const char *hint = "";
    if (layer == TSS2_TPM_RC_LAYER || layer == TSS2_RESMGR_TPM_RC_LAYER) {
        TSS2_RC base = tpm_rc_base(rc);
        rv = tpm_rv_tpm(base);
        if (rv == CKR_PIN_LOCKED) hint = " (the TPM is in dictionary-attack lockout)";
        if (base == TPM2_RC_INTEGRITY) hint = " (it was made by another TPM, or is damaged)";
        if (base == TPM2_RC_POLICY_FAIL)
            hint = " (its policy does not hold: a PCR it is bound to has changed)";
    } else if (layer == TSS2_TCTI_RC_LAYER || layer == TSS2_RESMGR_RC_LAYER) {
        hint = " (the TPM cannot be reached)";
    } else if ((rc & ~TSS2_RC_LAYER_MASK) == TSS2_BASE_RC_MEMORY) {
        rv = CKR_HOST_MEMORY;
    }
    log_err("TPM: %s: %s%s", what, Tss2_RC_Decode(rc), hint);
    return rv;
}
