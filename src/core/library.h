/*
 * library.h: the state of an initialized library: settings, the store,
 * slots with their tokens, sessions and objects.
 *
 * Sessions and objects live in arrays sorted by handle. Handles come from
 * process-wide counters and are never reused (not even across C_Finalize),
 * so appending keeps the order and lookups are binary searches. Every function requires the library
 * lock (held by src/pkcs11/), hence the _inlock suffix where it matters.
 */
#ifndef CT_CORE_LIBRARY_H
#define CT_CORE_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/object.h"
#include "core/session.h"
#include "core/token.h"
#include "store/store.h"
#include "tpm/tpm.h"
#include "util/conf.h"

struct opstate_kept;
struct objindex;

struct library {
    struct conf conf;
    struct store *store;
    struct token **toks; /* initialized tokens by slot ID, then the free slot */
    size_t ntok;
    struct session **sess;
    size_t nsess, capsess;
    struct object **objs;
    size_t nobj, capobj;
    struct opstate_kept *kept; /* saved operation states (opstate.h), a ring */
    size_t kept_next;
    struct objindex *index;     /* objects by label and ID (objindex.h) */
    struct tpm_where tpm_where; /* the TPM of this store's tokens, set at start */
    struct tpm_caps tpm_caps;   /* what the TPM does, once asked (tpmkey_caps_inlock) */
    bool tpm_caps_ok;
};

/* Open the store and build the slot list. Reads token headers only.
 * CKR_OK, CKR_HOST_MEMORY, CKR_GENERAL_ERROR (store refused; logged). */
CK_RV library_new(const struct conf *c, struct library **out);
/* The same over an already open store, which the library takes (closed
 * even on failure). Unit tests pass the in-memory store here. */
CK_RV library_new_take(const struct conf *c, struct store *st, struct library **out);
/* Close every session, wipe every key, free. NULL is a no-op. */
void library_free(struct library *lib);

/* Re-read the store's token list (other processes may have created one)
 * and rebuild the slots. Tokens already known keep their state. */
CK_RV library_refresh_inlock(struct library *lib);
/* NULL when no slot has this ID. */
struct token *library_token(const struct library *lib, CK_SLOT_ID id);

/* C_InitToken semantics (§5.5). CKR_OK, CKR_SESSION_EXISTS,
 * CKR_ARGUMENTS_BAD (label already used by another token), CKR_PIN_INCORRECT,
 * CKR_PIN_LOCKED, CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_MEMORY,
 * CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV library_init_token_inlock(struct library *lib, struct token *tok, const CK_UTF8CHAR *pin,
                                CK_ULONG len, const CK_UTF8CHAR label[32]);
/* The same, the new token sealed to the TPM as seal says (store.h,
 * store_tok_create_sealed); seal NULL is library_init_token_inlock().
 * A token exists already: CKR_ARGUMENTS_BAD (sealing is chosen at
 * creation). Also the TPM's answers. */
struct store_seal;
CK_RV library_init_token_sealed_inlock(struct library *lib, struct token *tok,
                                       const CK_UTF8CHAR *pin, CK_ULONG len,
                                       const CK_UTF8CHAR label[32], const struct store_seal *seal);

/* Sessions. */
CK_RV library_session_open_inlock(struct library *lib, struct token *tok, CK_FLAGS flags,
                                  CK_SESSION_HANDLE *out);
struct session *library_session_get(const struct library *lib, CK_SESSION_HANDLE h);
/* Closes the session, destroying its session objects; logs the token out
 * when it was the token's last session (§5.6). */
void library_session_close_inlock(struct library *lib, struct session *s);
void library_session_close_all_inlock(struct library *lib, struct token *tok);
/* Count the token's sessions. */
void library_session_count(const struct library *lib, const struct token *tok, CK_ULONG *ro,
                           CK_ULONG *rw);

/* Objects. library_obj_add_inlock assigns the handle and takes ownership
 * (frees o on failure). CKR_OK or CKR_HOST_MEMORY. */
CK_RV library_obj_add_inlock(struct library *lib, struct object *o);
struct object *library_obj_get(const struct library *lib, CK_OBJECT_HANDLE h);
/* Announce that o's attributes were replaced (find index). */
void library_obj_changed_inlock(struct library *lib, struct object *o);
/* Remove from the table and free. */
void library_obj_remove_inlock(struct library *lib, struct object *o);
/* Whether the session may see the object (same token; private objects only
 * while the user is logged in; session objects of this application). */
bool library_obj_visible(const struct session *s, const struct object *o);
/* The object for h if the session may see it, else NULL. */
struct object *library_obj_lookup(const struct library *lib, const struct session *s,
                                  CK_OBJECT_HANDLE h);

#endif
