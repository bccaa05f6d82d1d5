/* token.c: slot enumeration and token labels. */
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Slots come and go between the two calls; retry a few times. */
#define TOKEN_SLOT_TRIES 4

int
token_list_slots(const struct module *m, CK_SLOT_ID **ids, CK_ULONG *n)
{
    CK_SLOT_ID *v = NULL;
    CK_ULONG count = 0;
    CK_RV rv = CKR_OK;

    for (int i = 0; i < TOKEN_SLOT_TRIES; i++) {
        /* PKCS#11 3.0 §5.5: the size query also refreshes the slot list. */
        rv = m->C_GetSlotList(CK_TRUE, NULL, &count);
        if (rv != CKR_OK) break;
        free(v);
        v = count > 0 ? calloc(count, sizeof(*v)) : NULL;
        if (count > 0 && v == NULL) {
            rv = CKR_HOST_MEMORY;
            break;
        }
        if (count == 0) break;
        rv = m->C_GetSlotList(CK_TRUE, v, &count);
        if (rv != CKR_BUFFER_TOO_SMALL) break;
    }
    if (rv != CKR_OK) {
        report_rv(rv, "C_GetSlotList");
        free(v);
        return -1;
    }
    if (count == 0) {
        free(v);
        v = NULL;
    }
    *ids = v;
    *n = count;
    return 0;
}

int
token_get_info(const struct module *m, CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
    CK_RV rv = m->C_GetTokenInfo(slot, info);

    if (rv == CKR_OK) return 0;
    report_rv(rv, "C_GetTokenInfo (slot %lu)", (unsigned long)slot);
    return -1;
}

int
token_label_pad(const char *label, CK_UTF8CHAR out[TOKEN_LABEL_LEN])
{
    size_t n = strlen(label);

    if (n == 0 || n > TOKEN_LABEL_LEN) return -1;
    memset(out, ' ', TOKEN_LABEL_LEN);
    memcpy(out, label, n);
    return 0;
}

int
token_has_label(const CK_TOKEN_INFO *info, const CK_UTF8CHAR padded[TOKEN_LABEL_LEN])
{
    return memcmp(info->label, padded, TOKEN_LABEL_LEN) == 0;
}
