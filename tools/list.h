/*
 * list.h: what `credtoken list` collects, and the two ways it prints it.
 *
 * Only non-secret attributes are ever read: CKA_CLASS, CKA_KEY_TYPE,
 * CKA_LABEL, CKA_ID, CKA_TOKEN (in the search template) and CKA_PRIVATE.
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

struct list_token {
    CK_SLOT_ID slot;
    CK_TOKEN_INFO info;
    CK_BBOOL logged_in; /* private objects are included */
    struct list_obj *objs;
    size_t nobjs;
};

/* list_out_table: a human-readable table; token strings are made terminal-safe. */
void list_out_table(FILE *f, const struct list_token *toks, size_t n);

/* list_out_json: {"tokens":[{"slot":N,"label":"...","serial":"...","flags":[...],
 * "objects":[{"class":"...","key_type":"..."|null,"label":"...","id":"hex"}]}]} */
void list_out_json(FILE *f, const struct list_token *toks, size_t n);

#endif
