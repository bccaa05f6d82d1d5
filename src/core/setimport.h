/*
 * setimport.h: a credential set (src/credset/) becomes a token: its objects
 * are completed as C_CreateObject and C_UnwrapKey would complete them, and
 * the token is born with all of them at once (store_tok_create_set), so no
 * process ever sees part of a set.
 * Library lock required.
 */
#ifndef CT_CORE_SETIMPORT_H
#define CT_CORE_SETIMPORT_H

#include "core/library.h"
#include "credset/credset.h"

/* Create set id from its JSON body, with its SO and user PINs. *slot
 * receives the new token's slot. The number of sets is limited by
 * conf.max_sets. Returns CKR_OK; what credset_parse() returns; CKR_DATA_INVALID
 * (a set with that ID exists), CKR_DEVICE_MEMORY (the limit is reached, or
 * no space), CKR_PIN_LEN_RANGE, CKR_TOKEN_WRITE_PROTECTED,
 * CKR_DEVICE_ERROR, CKR_HOST_MEMORY. err always holds one line on failure. */
CK_RV setimport_create(struct library *lib, const char *id, const uint8_t *body, size_t len,
                       const struct credset_opts *o, const CK_UTF8CHAR *so_pin, CK_ULONG so_len,
                       const CK_UTF8CHAR *pin, CK_ULONG pin_len, CK_SLOT_ID *slot,
                       char err[CREDSET_ERR_LEN]);

#endif
