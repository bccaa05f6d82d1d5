/*
 * token.h: a slot and the token in it, as the core presents them.
 *
 * A token wraps a store token (st != NULL), or is the one uninitialized
 * slot the library always offers (st == NULL) so that C_InitToken can create
 * a new token. Login state is per token and shared by all sessions of the
 * application (PKCS#11 3.0 §6.7). Objects are loaded lazily from the store:
 * nothing at start-up or login. A find by CKA_LABEL or CKA_ID loads only
 * the records the store's catalog names (token_load_keyed_inlock); any
 * other find loads every record the session may see (token_sync_inlock),
 * private ones only while the user is logged in. Both pick up other
 * processes' changes when the store's generation counter moved.
 * All functions require the library lock.
 */
#ifndef CT_CORE_TOKEN_H
#define CT_CORE_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"
#include "store/store.h"

#define TOKEN_NOBODY ((CK_USER_TYPE)-1)

struct library;

struct token {
    struct library *lib;
    struct store_tok *st; /* NULL: the uninitialized slot */
    CK_SLOT_ID slot_id;
    CK_USER_TYPE user; /* CKU_SO, CKU_USER, or TOKEN_NOBODY */
    uint64_t gen_seen;
    bool loaded;       /* public records loaded */
    bool priv_loaded;  /* private records loaded (user logged in) */
    bool profiles;     /* the profile objects exist */
    uint64_t part_gen; /* the generation some records were loaded at (not all) */
    bool part_ok;      /* part_gen is valid */
    /* This token's objects (token and session objects), sorted by handle:
     * a subset of the library's table (library.c keeps both), so that work
     * on one token never walks the objects of 10,000 others. */
    struct object **objs;
    size_t nobjs, capobjs;
};

/* CKR_OK or CKR_HOST_MEMORY. st may be NULL. */
CK_RV token_new(struct library *lib, struct store_tok *st, CK_SLOT_ID slot_id, struct token **out);
void token_free(struct token *t);

/* Fill C_GetSlotInfo / C_GetTokenInfo answers. CKR_OK, CKR_DEVICE_ERROR,
 * CKR_HOST_MEMORY. */
void token_slot_info(const struct token *t, CK_SLOT_INFO *info);
CK_RV token_info(struct token *t, CK_TOKEN_INFO *info);

/* Bring the loaded objects up to date with the store: load records not yet
 * loaded (private ones only while the user is logged in), reload records
 * whose version changed, and drop objects whose record is gone. Cheap when
 * nothing changed (one generation read). CKR_OK, CKR_DEVICE_ERROR,
 * CKR_HOST_MEMORY. */
CK_RV token_sync_inlock(struct token *t);

/* For a find by CKA_LABEL or CKA_ID (type) on a token not fully loaded:
 * bring the loaded objects up to date with the store's catalog (reload the
 * changed, drop the destroyed), then load the records whose label or ID
 * may equal val (private ones while the user is logged in). Returns
 * CKR_OK; CKR_FUNCTION_NOT_SUPPORTED when the catalog cannot answer (the
 * caller then uses token_sync_inlock); CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV token_load_keyed_inlock(struct token *t, CK_ATTRIBUTE_TYPE type, const void *val,
                              CK_ULONG len);
/* Whether every record the session may see (private ones with want_priv)
 * is loaded. */
bool token_complete(const struct token *t, bool want_priv);

/* Where t's keys live when t is a token of the TPM backend (tpmkey.h): the
 * library's tpm_where; NULL for any other token. */
struct tpm_where;
const struct tpm_where *token_tpm(const struct token *t);

/* Login state transitions (§5.6). They check the session matrix of the
 * spec and return CKR_OK, CKR_USER_ALREADY_LOGGED_IN,
 * CKR_USER_ANOTHER_ALREADY_LOGGED_IN, CKR_SESSION_READ_ONLY_EXISTS,
 * CKR_USER_PIN_NOT_INITIALIZED, CKR_PIN_INCORRECT, CKR_PIN_LOCKED,
 * CKR_USER_TYPE_INVALID (CKU_CONTEXT_SPECIFIC is answered by the caller),
 * CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV token_login_inlock(struct token *t, CK_USER_TYPE who, const CK_UTF8CHAR *pin, CK_ULONG len);
/* The same in two halves around store_login_run(), which the caller runs
 * without the library lock: begin checks the state matrix and starts the
 * store's attempt (*out); end re-checks the matrix (another thread may have
 * logged in meanwhile) and finishes the attempt (taking l). Same return
 * values. */
CK_RV token_login_begin_inlock(struct token *t, CK_USER_TYPE who, struct store_login **out);
CK_RV token_login_end_inlock(struct token *t, CK_USER_TYPE who, struct store_login *l,
                             CK_RV run_rv);
/* CKR_OK or CKR_USER_NOT_LOGGED_IN. Drops private objects and keys. */
CK_RV token_logout_inlock(struct token *t);

#endif
