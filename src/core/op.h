/*
 * op.h: one active cryptographic operation of a session, and the
 * variable-length output convention of PKCS#11 3.0 §5.2, written once.
 *
 * The rule: a size query (NULL output) and CKR_BUFFER_TOO_SMALL keep the
 * operation alive; every other return ends it (op_keeps()). Sizes reported
 * are exact: when the mechanism only knows an upper bound before doing the
 * work (decryption), the result is computed once, held (wiped on free) and
 * handed out by the next call.
 *
 * An op is owned by one thread at a time: src/pkcs11/ detaches it from its
 * session under the library lock and runs it without the lock, so crypto
 * never runs under the library lock.
 */
#ifndef CT_CORE_OP_H
#define CT_CORE_OP_H

#include <stdbool.h>

#include "credtoken/pkcs11.h"
#include "mech/mech.h"

enum op_kind {
    OP_SIGN,
    OP_VERIFY,
    OP_ENCRYPT,
    OP_DECRYPT,
    OP_DIGEST,
    OP_SIGN_RECOVER,
    OP_VERIFY_RECOVER,
    OP_KINDS
};

struct op {
    enum op_kind kind;
    struct mech_op *mop;
    bool multipart;   /* an Update was accepted: single-part calls are refused */
    CK_BYTE *pending; /* output computed for a size answer, not yet delivered */
    CK_ULONG pending_len;
    bool has_pending;
    /* The key has CKA_ALWAYS_AUTHENTICATE: the next step needs a
     * C_Login(CKU_CONTEXT_SPECIFIC) first (§5.6.8). */
    bool needs_auth;
    bool always_auth;     /* the key requires that for every use */
    CK_OBJECT_HANDLE key; /* the key object, CK_INVALID_HANDLE for digests */
    CK_MECHANISM_TYPE mech;
};

enum mech_fn op_kind_fn(enum op_kind kind);

/* Takes ownership of mop (freed even on failure). CKR_OK or CKR_HOST_MEMORY. */
CK_RV op_new_take(enum op_kind kind, struct mech_op *mop, struct op **out);
/* Wipes any pending output. NULL is a no-op. */
void op_free(struct op *op);

/* Whether the operation stays active after returning rv for output buf. */
bool op_keeps(CK_RV rv, const void *buf);

/* C_Sign / C_Encrypt / C_Decrypt / C_Digest. */
CK_RV op_oneshot(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
                 CK_ULONG *out_len);
/* C_*Update. out/out_len are NULL for sign, verify and digest. */
CK_RV op_update(struct op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len);
/* C_SignFinal / C_EncryptFinal / C_DecryptFinal / C_DigestFinal. */
CK_RV op_final(struct op *op, CK_BYTE *out, CK_ULONG *out_len);
/* The dual-function updates (§5.13): crypt (encrypt or decrypt) produces
 * output under the §5.2 convention; other (digest, sign or verify) takes the
 * input (other_first: C_DigestEncryptUpdate, C_SignEncryptUpdate) or the
 * decrypted output (C_DecryptDigestUpdate, C_DecryptVerifyUpdate). Each
 * part reaches both operations exactly once, even across a size query. */
CK_RV op_dual_update(struct op *crypt, struct op *other, bool other_first, const CK_BYTE *in,
                     CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len);

/* C_Verify (data != NULL) and C_VerifyFinal (data == NULL). */
CK_RV op_verify(struct op *op, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
                CK_ULONG sig_len, bool final);

#endif
