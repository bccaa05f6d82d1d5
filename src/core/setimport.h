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

/* Create set id from its JSON body, with its SO and user PINs. Unless
 * own_pins, the set shares the store's PINs: the PINs given must be those
 * of the sets that share them (checked, failures counted), or become the
 * store's when there is none yet. With tpm_keys the set is a token of the
 * TPM backend (tpmkey.h): its private and HMAC keys are imported into the
 * TPM and its header is sealed to it (an AWS secret serves SigV4 only: the
 * TPM keeps "AWS4" || secret, tpmkey_aws4); an exportable set is
 * CKR_ARGUMENTS_BAD, and a key the TPM cannot hold (Ed25519, P-521,
 * RSA-4096) CKR_ATTRIBUTE_VALUE_INVALID. *slot receives the new token's slot.
 * The number of sets is limited by conf.max_sets. Returns CKR_OK; what
 * credset_parse() returns; CKR_DATA_INVALID (a set with that ID exists),
 * CKR_PIN_INCORRECT, CKR_PIN_LOCKED (the store's PINs), CKR_DEVICE_MEMORY
 * (the limit is reached, or no space), CKR_PIN_LEN_RANGE,
 * CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_ERROR, CKR_HOST_MEMORY. err always
 * holds one line on failure. */
CK_RV setimport_create(struct library *lib, const char *id, const uint8_t *body, size_t len,
                       const struct credset_opts *o, bool own_pins, bool tpm_keys,
                       const CK_UTF8CHAR *so_pin, CK_ULONG so_len, const CK_UTF8CHAR *pin,
                       CK_ULONG pin_len, CK_SLOT_ID *slot, char err[CREDSET_ERR_LEN]);

/* Replace the material of the set on s's token by a new body of the same
 * type, atomically (store_tok_replace): readers see the old set or the new
 * one. It keeps its ID, PINs and creation time (and its backend: the keys
 * of a TPM set go into the TPM). s must be read/write with the user logged
 * in. Returns CKR_OK; what credset_parse() returns;
 * CKR_DATA_INVALID (another type); CKR_SESSION_READ_ONLY;
 * CKR_USER_NOT_LOGGED_IN; CKR_TOKEN_NOT_RECOGNIZED (not a set);
 * CKR_DEVICE_REMOVED; CKR_FUNCTION_NOT_SUPPORTED (the store cannot);
 * CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_MEMORY, CKR_DEVICE_ERROR,
 * CKR_HOST_MEMORY. err holds one line on failure. */
CK_RV setimport_update(struct session *s, const uint8_t *body, size_t len,
                       const struct credset_opts *o, char err[CREDSET_ERR_LEN]);

/* Delete the set in slot, with every object, atomically
 * (store_tok_remove), after checking its SO PIN (failures count as a
 * login's). No session of this application may be open on it (other
 * processes' sessions end). Returns CKR_OK; CKR_SLOT_ID_INVALID;
 * CKR_SESSION_EXISTS; CKR_TOKEN_NOT_RECOGNIZED (not a set);
 * CKR_PIN_INCORRECT; CKR_PIN_LOCKED; CKR_DEVICE_REMOVED;
 * CKR_TOKEN_WRITE_PROTECTED; CKR_DEVICE_ERROR; CKR_DEVICE_MEMORY;
 * CKR_HOST_MEMORY. err holds one line on failure. */
CK_RV setimport_delete(struct library *lib, CK_SLOT_ID slot, const CK_UTF8CHAR *so_pin,
                       CK_ULONG so_len, char err[CREDSET_ERR_LEN]);

#endif
