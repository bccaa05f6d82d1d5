/*
 * manage.h: object management semantics (§5.7) and key generation (§5.14),
 * independent of application pointers. Templates are taken (freed even on
 * failure). Library lock required.
 */
#ifndef CT_CORE_MANAGE_H
#define CT_CORE_MANAGE_H

#include "core/library.h"
#include "core/op.h"

/* C_CreateObject. Returns the codes of §5.7.1 that apply (see the .c). */
CK_RV manage_create(struct library *lib, struct session *s, struct attr_set *tmpl,
                    CK_OBJECT_HANDLE *out);
CK_RV manage_copy(struct library *lib, struct session *s, CK_OBJECT_HANDLE h, struct attr_set *tmpl,
                  CK_OBJECT_HANDLE *out);
CK_RV manage_destroy(struct library *lib, struct session *s, CK_OBJECT_HANDLE h);
CK_RV manage_set(struct library *lib, struct session *s, CK_OBJECT_HANDLE h, struct attr_set *tmpl);

/* C_GenerateKey / C_GenerateKeyPair in two steps around the key math,
 * which the caller runs without the library lock:
 * manage_gen_prepare() checks the mechanism and templates (pub is NULL for
 * a secret key) and fills defaults; it does not take the templates.
 * CKR_MECHANISM_INVALID, CKR_TEMPLATE_INCONSISTENT, CKR_TEMPLATE_INCOMPLETE,
 * CKR_ATTRIBUTE_*, CKR_SESSION_READ_ONLY, CKR_USER_NOT_LOGGED_IN.
 * manage_gen_publish() stores the generated key(s), all or nothing, and
 * takes both sets. */
CK_RV manage_gen_prepare(struct session *s, const CK_MECHANISM *m, struct attr_set *pub,
                         struct attr_set *priv);
CK_RV manage_gen_publish(struct library *lib, struct session *s, struct attr_set *pub,
                         struct attr_set *priv, CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv);

/* C_*Init of a crypto operation: the checks of §5.8-§5.12 in the order
 * the spec's error precedence requires, then the mechanism's own init.
 * hkey is ignored for OP_DIGEST. On success the op is installed in the
 * session. CKR_OPERATION_ACTIVE, CKR_KEY_HANDLE_INVALID,
 * CKR_MECHANISM_INVALID, CKR_KEY_TYPE_INCONSISTENT,
 * CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_MECHANISM_PARAM_INVALID,
 * CKR_KEY_SIZE_RANGE, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED. */
CK_RV manage_op_init(struct library *lib, struct session *s, enum op_kind kind,
                     const CK_MECHANISM *m, CK_OBJECT_HANDLE hkey);

/* Whether the key object an operation was started with may still do it:
 * it exists, the session sees it, and its type, purpose attribute and
 * allowed mechanisms still fit (C_SetOperationState). CKR_OK, or the code
 * manage_op_init() would give. */
CK_RV manage_key_usable(struct library *lib, struct session *s, enum op_kind kind,
                        CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE hkey);

/* The last step of every creation path: give a checked attribute set its
 * CKA_UNIQUE_ID, check the session may hold it, persist it if it is a token
 * object, and publish it. attrs is taken. */
/* Give a new object its CKA_UNIQUE_ID. CKR_OK, CKR_HOST_MEMORY,
 * CKR_DEVICE_ERROR. */
CK_RV manage_unique_id_put(struct attr_set *attrs);

CK_RV manage_publish(struct library *lib, struct session *s, struct attr_set *attrs,
                     CK_OBJECT_HANDLE *out);

/* C_DigestKey: feed a secret key's value into the session's digest.
 * CKR_OPERATION_NOT_INITIALIZED, CKR_KEY_HANDLE_INVALID,
 * CKR_KEY_INDIGESTIBLE (not a secret key), CKR_FUNCTION_FAILED. */
CK_RV manage_digest_key(struct library *lib, struct session *s, CK_OBJECT_HANDLE hkey);

#endif
