/*
 * opstate.h: C_GetOperationState / C_SetOperationState (§5.6.6-§5.6.7) for
 * digest, sign and verify operations.
 *
 * The saved state is an opaque blob naming copies of the operations that
 * the library keeps (the last OPSTATE_KEEP saves): OpenSSL contexts cannot
 * travel as bytes, and the use these functions get (pkcs11-provider
 * duplicating a context) stays inside one process. A blob from another
 * process or library instance is CKR_SAVED_STATE_INVALID. Restoring checks
 * the session is on the same token and, for keyed operations, that the
 * user is logged in. Library lock required.
 */
#ifndef CT_CORE_OPSTATE_H
#define CT_CORE_OPSTATE_H

#include "core/library.h"

#define OPSTATE_KEEP 32

/* CKR_OK (out NULL: *out_len gets the size), CKR_BUFFER_TOO_SMALL,
 * CKR_OPERATION_NOT_INITIALIZED (nothing to save), CKR_STATE_UNSAVEABLE
 * (an encryption, decryption or recovery operation, output held back, or a
 * family that cannot copy its state), CKR_HOST_MEMORY. */
CK_RV opstate_save(struct library *lib, struct session *s, CK_BYTE *out, CK_ULONG *out_len);
/* CKR_OK, CKR_SAVED_STATE_INVALID, CKR_KEY_NOT_NEEDED (a key handle was
 * given: none is needed), CKR_HOST_MEMORY. */
CK_RV opstate_restore(struct library *lib, struct session *s, const CK_BYTE *in, CK_ULONG len,
                      CK_OBJECT_HANDLE enc_key, CK_OBJECT_HANDLE auth_key);
/* Make room for the kept copies. CKR_OK or CKR_HOST_MEMORY. */
CK_RV opstate_init(struct library *lib);
/* Forget the copies made on a token that is re-initialized or gone. */
void opstate_forget_token(struct library *lib, const struct token *tok);
/* Free every kept copy and the room (C_Finalize). Safe after a failed init. */
void opstate_free_all(struct library *lib);

#endif
