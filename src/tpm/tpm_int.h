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
};

#endif
