/*
 * object.h: one PKCS#11 object: a handle, a class and an attribute set.
 *
 * Token objects mirror a store record (rec_id/rec_ver); session objects
 * belong to the session that created them. Handles come from a counter and
 * are never reused. The parsed key (mech_key) is cached on first use and
 * dropped on logout, so keys are parsed once per login, never per operation.
 * All functions require the library lock (callers in src/pkcs11/ hold it).
 */
#ifndef CT_CORE_OBJECT_H
#define CT_CORE_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"
#include "mech/mech.h"
#include "store/store.h"
#include "util/attr.h"

struct token;

#define OBJECT_IX_MAX 2 /* CKA_LABEL and CKA_ID */

struct object {
    CK_OBJECT_HANDLE handle;
    struct token *tok;
    CK_SESSION_HANDLE owner; /* session objects: the creating session; token objects: 0 */
    CK_OBJECT_CLASS cls;
    bool on_token;
    bool priv;
    uint64_t rec_id; /* token objects only */
    uint64_t rec_ver;
    struct attr_set *attrs;
    struct mech_key *key; /* cache; NULL until first use */
    /* Where objindex.c filed it: the hashes of its label and ID. */
    uint64_t ix_hash[OBJECT_IX_MAX];
    unsigned ix_n;
};

/* Take ownership of attrs (freed even on failure) and make an object
 * record. Reads CKA_CLASS/CKA_TOKEN/CKA_PRIVATE from attrs. CKR_OK or
 * CKR_HOST_MEMORY. The handle is assigned by library_obj_add_inlock(). */
CK_RV object_new_take(struct token *tok, struct attr_set *attrs, struct object **out);
/* Free, wiping attributes and dropping the key cache. NULL is a no-op. */
void object_free(struct object *o);

/* The cached parsed key, building it on first use. Returns a new reference
 * the caller must mech_key_unref(). CKR_OK, CKR_HOST_MEMORY,
 * CKR_KEY_TYPE_INCONSISTENT, CKR_FUNCTION_FAILED. */
CK_RV object_key_get(struct object *o, struct mech_key **out);
/* Drop the cached key (logout, attribute change). */
void object_key_drop(struct object *o);

/* Whether CKA_ALLOWED_MECHANISMS (absent or empty: no restriction) lets the
 * key be used with this mechanism. */
bool object_allows_mech(const struct object *o, CK_MECHANISM_TYPE type);

/* Whether the object is a key of one of the three key classes. */
bool object_is_key(const struct object *o);

/* C_GetAttributeValue over one object, following §5.7 exactly: every
 * attribute is processed; the return value is the last "error" kind met
 * (CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID,
 * CKR_BUFFER_TOO_SMALL), and ulValueLen is set to CK_UNAVAILABLE_INFORMATION
 * for each failing attribute. CKR_OK otherwise. */
CK_RV object_get_attrs(const struct object *o, CK_ATTRIBUTE *t, CK_ULONG n);

/* What the store's catalog finds the object by: its CKA_LABEL and CKA_ID
 * (borrowed from o->attrs). */
void object_rec_keys(const struct object *o, struct store_rec_keys *k);

/* Bytes the object occupies (its encoded attribute set). */
CK_ULONG object_size(const struct object *o);

#endif
