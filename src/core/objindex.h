/*
 * objindex.h: an index of the library's objects by CKA_LABEL and CKA_ID,
 * the attributes applications find keys by. A sorted array of (hash,
 * object), rebuilt lazily when the object table changed (library.h
 * objs_version), so a find by label among 10,000 objects touches its
 * candidates only. Library lock required.
 */
#ifndef CT_CORE_OBJINDEX_H
#define CT_CORE_OBJINDEX_H

#include <stddef.h>

#include "core/library.h"

struct objindex;

void objindex_free(struct objindex *x);

/* The objects of tok whose attribute type (CKA_LABEL or CKA_ID) may equal
 * val: a superset (hash collisions), never missing one. *out is a borrowed
 * array valid until the next change of the object table. Returns CKR_OK,
 * or CKR_HOST_MEMORY (the caller then scans every object). */
CK_RV objindex_lookup(struct library *lib, const struct token *tok, CK_ATTRIBUTE_TYPE type,
                      const void *val, CK_ULONG len, struct object *const **out, size_t *n);

#endif
