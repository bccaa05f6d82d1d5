/*
 * objindex.h: an index of the library's objects by CKA_LABEL and CKA_ID,
 * the attributes applications find keys by: a hash table of (token,
 * attribute, value) kept up to date as objects are added, changed and
 * removed, so a find by label touches its candidates only, however many
 * objects and tokens the library holds (a store of 10,000 credential sets
 * is listed by loading one token after another: an index rebuilt on each
 * change made that quadratic). Library lock required.
 */
#ifndef CT_CORE_OBJINDEX_H
#define CT_CORE_OBJINDEX_H

#include <stddef.h>

#include "core/library.h"

struct objindex;

void objindex_free(struct objindex *x);

/* Index o (just added, or its attributes just replaced) / forget it (about
 * to be removed, or its attributes replaced). Never fail: out of memory
 * marks the index broken, and it is rebuilt at the next lookup. */
void objindex_add(struct library *lib, struct object *o);
void objindex_remove(struct library *lib, struct object *o);

/* The objects of tok whose attribute type (CKA_LABEL or CKA_ID) may equal
 * val: a superset (hash collisions), never missing one. *out is a borrowed
 * array valid until the next change of the object table. Returns CKR_OK,
 * or CKR_HOST_MEMORY (the caller then scans every object). */
CK_RV objindex_lookup(struct library *lib, const struct token *tok, CK_ATTRIBUTE_TYPE type,
                      const void *val, CK_ULONG len, struct object *const **out, size_t *n);

#endif
