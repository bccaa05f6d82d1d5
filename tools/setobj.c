/* setobj.c: finding a credential set and its objects (setobj.h). */
#include "setobj.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "token.h"

int
setobj_slot(const struct module *m, const char *id, CK_SLOT_ID *slot)
{
    CK_SLOT_ID *ids = NULL;
    CK_ULONG n = 0;
    CK_UTF8CHAR padded[TOKEN_LABEL_LEN];
    int rc = -1;
    if (token_label_pad(id, padded) != 0 || token_list_slots(m, &ids, &n) != 0) return -1;
    for (CK_ULONG i = 0; i < n && rc != 0; i++) {
        CK_TOKEN_INFO info;
        if (token_get_info(m, ids[i], &info) == 0 && token_has_label(&info, padded)) {
            *slot = ids[i];
            rc = 0;
        }
    }
    free(ids);
    return rc;
}

int
setobj_open(const struct module *m, const char *cmd, const char *id, struct pin *pin,
            CK_SESSION_HANDLE *s)
{
    CK_SLOT_ID slot;
    if (setobj_slot(m, id, &slot) != 0) {
        report_error("%s: no set \"%s\"", cmd, id);
        return -1;
    }
    CK_RV rv = m->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, s);
    if (rv != CKR_OK) {
        report_rv(rv, "%s: set \"%s\": C_OpenSession", cmd, id);
        return -1;
    }
    rv = m->C_Login(*s, CKU_USER, pin->buf, pin->len);
    if (rv != CKR_OK) {
        report_rv(rv, "%s: set \"%s\": login", cmd, id);
        m->C_CloseSession(*s);
        *s = CK_INVALID_HANDLE;
        return -1;
    }
    return 0;
}

CK_OBJECT_HANDLE
setobj_find(const struct module *m, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *label)
{
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    if (m->C_FindObjectsInit(s, t, 2) != CKR_OK) return CK_INVALID_HANDLE;
    if (m->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1) h = CK_INVALID_HANDLE;
    m->C_FindObjectsFinal(s);
    return h;
}

int
setobj_string(const struct module *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
              CK_ATTRIBUTE_TYPE type, char *buf, size_t len)
{
    CK_ATTRIBUTE v = {type, buf, len - 1};
    if (h == CK_INVALID_HANDLE || m->C_GetAttributeValue(s, h, &v, 1) != CKR_OK) return -1;
    buf[v.ulValueLen] = '\0';
    return 0;
}

int
setobj_data(const struct module *m, CK_SESSION_HANDLE s, const char *label, char *buf, size_t len)
{
    return setobj_string(m, s, setobj_find(m, s, CKO_DATA, label), CKA_VALUE, buf, len);
}
