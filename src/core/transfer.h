/*
 * transfer.h: keys in and out of the token (§5.14.3-§5.14.5): C_WrapKey,
 * C_UnwrapKey and C_DeriveKey, each in two halves around the cipher, which
 * the caller (src/pkcs11/keys.c) runs without the library lock.
 * Library lock required for every function here.
 */
#ifndef CT_CORE_TRANSFER_H
#define CT_CORE_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "core/library.h"

/* What the cipher half needs: the mechanism, a reference to the key doing
 * the work, and for wrapping the bytes of the key being wrapped. */
struct transfer {
    const struct mech_desc *d;
    struct mech_key *key;
    uint8_t *blob; /* wrap: the key's travelling form (secret) */
    size_t blob_len;
    size_t want;           /* derive: bytes wanted (0: the mechanism's natural size) */
    bool base_as, base_ne; /* derive: the base key's ALWAYS_SENSITIVE / NEVER_EXTRACTABLE */
};

/* Release references and wipe the blob. */
void transfer_cleanup(struct transfer *x);

/* C_WrapKey: check the wrapping key (CKR_WRAPPING_KEY_HANDLE_INVALID,
 * CKR_WRAPPING_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED,
 * CKR_MECHANISM_INVALID) and the key (CKR_KEY_HANDLE_INVALID,
 * CKR_KEY_UNEXTRACTABLE, CKR_KEY_NOT_WRAPPABLE: a CKA_WRAP_WITH_TRUSTED key
 * and a wrapping key without CKA_TRUSTED), then export the key's bytes. */
CK_RV transfer_wrap_begin(struct library *lib, struct session *s, const CK_MECHANISM *m,
                          CK_OBJECT_HANDLE hwrap, CK_OBJECT_HANDLE hkey, struct transfer *x);

/* C_UnwrapKey: check the unwrapping key (CKR_UNWRAPPING_KEY_HANDLE_INVALID,
 * ..._TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED) and the template
 * (class and key type required: CKR_TEMPLATE_INCOMPLETE; schema rules),
 * filling its defaults. tmpl is not taken. */
CK_RV transfer_unwrap_begin(struct library *lib, struct session *s, const CK_MECHANISM *m,
                            CK_OBJECT_HANDLE hunwrap, struct attr_set *tmpl, struct transfer *x);
/* Add the unwrapped material (CKR_WRAPPED_KEY_INVALID when it does not
 * match the template) and publish; tmpl is taken. */
CK_RV transfer_unwrap_end(struct library *lib, struct session *s, struct attr_set *tmpl,
                          const uint8_t *material, size_t len, CK_OBJECT_HANDLE *out);

/* C_DeriveKey: check the base key (CKR_KEY_HANDLE_INVALID,
 * CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED) and the
 * template (class defaults to CKO_SECRET_KEY, key type to
 * CKK_GENERIC_SECRET; CKA_VALUE_LEN sets the size: CKR_TEMPLATE_INCOMPLETE
 * when the mechanism needs one). tmpl is not taken. */
CK_RV transfer_derive_begin(struct library *lib, struct session *s, const CK_MECHANISM *m,
                            CK_OBJECT_HANDLE hbase, struct attr_set *tmpl, struct transfer *x);
/* Add the derived bytes as CKA_VALUE and publish; tmpl is taken. */
CK_RV transfer_derive_end(struct library *lib, struct session *s, struct attr_set *tmpl,
                          const struct transfer *x, const uint8_t *material, size_t len,
                          CK_OBJECT_HANDLE *out);

#endif
