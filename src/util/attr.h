/*
 * attr.h: attribute sets, the value model of every object.
 *
 * An attr_set owns copies of its values. attr_set_free() always wipes every
 * value: there is no "is this sensitive" branch to get wrong. Lookups return
 * borrowed pointers that stay valid until the set is changed or freed.
 * Not thread-safe: callers serialize access (objects are guarded by the
 * library lock in src/pkcs11/). It lives in util/ because core, mech and
 * credset all consume attribute sets and dependencies point downwards.
 */
#ifndef CT_UTIL_ATTR_H
#define CT_UTIL_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"

struct attr {
    CK_ATTRIBUTE_TYPE type;
    CK_ULONG len;
    uint8_t *val; /* NULL when len == 0 */
};

struct attr_set;

/* NULL on allocation failure. */
struct attr_set *attr_set_new(void);
/* Wipes every value, then frees. NULL is a no-op. */
void attr_set_free(struct attr_set *s);

/* Copy a value in, replacing any previous value of that type (the old value
 * is wiped). CKR_OK or CKR_HOST_MEMORY. */
CK_RV attr_set_put(struct attr_set *s, CK_ATTRIBUTE_TYPE type, const void *val, CK_ULONG len);
CK_RV attr_set_put_ulong(struct attr_set *s, CK_ATTRIBUTE_TYPE type, CK_ULONG v);
CK_RV attr_set_put_bool(struct attr_set *s, CK_ATTRIBUTE_TYPE type, bool v);
/* Remove (and wipe) the value of that type, if present. */
void attr_set_del(struct attr_set *s, CK_ATTRIBUTE_TYPE type);

/* Borrowed; NULL when absent. */
const struct attr *attr_set_find(const struct attr_set *s, CK_ATTRIBUTE_TYPE type);
bool attr_set_has(const struct attr_set *s, CK_ATTRIBUTE_TYPE type);
/* The CK_BBOOL value, or dflt when absent or not one byte long. */
bool attr_set_get_bool(const struct attr_set *s, CK_ATTRIBUTE_TYPE type, bool dflt);
/* CKR_OK; CKR_TEMPLATE_INCOMPLETE when absent; CKR_ATTRIBUTE_VALUE_INVALID
 * when not sizeof(CK_ULONG) long. *out is written only on CKR_OK. */
CK_RV attr_set_get_ulong(const struct attr_set *s, CK_ATTRIBUTE_TYPE type, CK_ULONG *out);

size_t attr_set_count(const struct attr_set *s);
/* The i-th attribute (0 <= i < count), in insertion order. Borrowed. */
const struct attr *attr_set_at(const struct attr_set *s, size_t i);

/* Copy an application template. CKR_OK, CKR_HOST_MEMORY,
 * CKR_ARGUMENTS_BAD (t == NULL with n > 0, or pValue NULL with a non-zero
 * length), CKR_TEMPLATE_INCONSISTENT (a type given twice). */
CK_RV attr_set_from_template(const CK_ATTRIBUTE *t, CK_ULONG n, struct attr_set **out);
/* Deep copy. CKR_OK or CKR_HOST_MEMORY. */
CK_RV attr_set_dup(const struct attr_set *s, struct attr_set **out);
/* Copy (replace) every attribute of src into dst. */
CK_RV attr_set_merge(struct attr_set *dst, const struct attr_set *src);

/* True when every attribute of tmpl is present in s with an equal value.
 * Values are not secret-compared: templates never match on sensitive values
 * (find.c filters those out before calling). */
bool attr_set_match(const struct attr_set *s, const struct attr_set *tmpl);

/* Serialize: u32 count, then per attribute u64 type, u32 len, value.
 * *out is heap memory the caller must wipe_free(*out, *len). */
CK_RV attr_set_encode(const struct attr_set *s, uint8_t **out, size_t *len);
/* Parse the encoding. CKR_OK, CKR_HOST_MEMORY, or CKR_DEVICE_ERROR for a
 * malformed encoding (truncated, trailing bytes, duplicate type). */
CK_RV attr_set_decode(const uint8_t *p, size_t len, struct attr_set **out);

#endif
