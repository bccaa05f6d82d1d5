/*
 * find.h: C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal state.
 * The match set is computed at init (a snapshot of handles); objects
 * destroyed meanwhile are skipped when handed out. Library lock required.
 */
#ifndef CT_CORE_FIND_H
#define CT_CORE_FIND_H

#include "credtoken/pkcs11.h"
#include "util/attr.h"

struct library;
struct session;
struct find;

/* Snapshot the visible objects of the session's token matching tmpl
 * (ownership of tmpl is taken; NULL matches nothing, for a template that
 * contradicts itself). Syncs the token with the store first, so
 * other processes' changes are seen. CKR_OK, CKR_HOST_MEMORY,
 * CKR_DEVICE_ERROR. */
CK_RV find_init_take(struct library *lib, struct session *s, struct attr_set *tmpl,
                     struct find **out);
/* Hand out up to max handles. */
void find_next(struct library *lib, struct session *s, struct find *f, CK_OBJECT_HANDLE *out,
               CK_ULONG max, CK_ULONG *count_out);
void find_free(struct find *f);

#endif
