/*
 * list.h: what `credtoken list` collects, and the two ways it prints it.
 *
 * Only non-secret attributes are ever read: CKA_CLASS, CKA_KEY_TYPE,
 * CKA_LABEL, CKA_ID, CKA_TOKEN (in the search template), CKA_PRIVATE, and
 * CKA_PROFILE_ID of profile objects (PKCS#11 3.0 §4.13), which describe the
 * token and are shown with it rather than as objects.
 */
#ifndef CREDTOKEN_TOOL_LIST_H
#define CREDTOKEN_TOOL_LIST_H

#include <stdio.h>

#include <credtoken/pkcs11.h>

struct list_obj {
    CK_OBJECT_HANDLE handle;
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE key_type;
    CK_BBOOL has_class, has_key_type, is_private;
    CK_UTF8CHAR *label; /* heap, label_len bytes, not NUL-terminated */
    CK_ULONG label_len;
    CK_BYTE *id; /* heap, id_len bytes */
    CK_ULONG id_len;
};

#define LIST_MAX_PROFILES 8

struct list_token {
    CK_SLOT_ID slot;
    CK_TOKEN_INFO info;
    CK_BBOOL logged_in;    /* private objects are included */
    struct list_obj *objs; /* profile objects are not here, but in profiles */
    size_t nobjs;
    CK_ULONG profiles[LIST_MAX_PROFILES]; /* CKA_PROFILE_ID of each CKO_PROFILE object */
    size_t nprofiles;
};

/* list_out_table: a human-readable table; token strings are made terminal-safe. */
void list_out_table(FILE *f, const struct list_token *toks, size_t n);

/* list_out_json: {"tokens":[{"slot":N,"label":"...","serial":"...","flags":[...],
 * "profiles":[...],"objects":[{"class":"...","key_type":"..."|null,"label":"...",
 * "id":"hex"}]}]} */
void list_out_json(FILE *f, const struct list_token *toks, size_t n);

#endif
