#include "core/opstate.h"

#include <stdlib.h>
#include <string.h>

#include "core/manage.h"
#include "mech/prim.h"
#include "util/wipe.h"

#define OPSTATE_MAGIC "CTOS"
#define OPSTATE_ID 16
#define OPSTATE_HDR 6 /* magic, version, count */
#define OPSTATE_ENTRY (1 + OPSTATE_ID)

struct opstate_kept {
    uint8_t id[OPSTATE_ID];
    enum op_kind kind;
    bool multipart;
    CK_OBJECT_HANDLE key;
    CK_MECHANISM_TYPE mech;
    struct token *tok;
    struct mech_op *mop;
};

static const enum op_kind saveable[] = {OP_DIGEST, OP_SIGN, OP_VERIFY};

CK_RV
opstate_init(struct library *lib)
{
    lib->kept = calloc(OPSTATE_KEEP, sizeof *lib->kept);
    return lib->kept != NULL ? CKR_OK : CKR_HOST_MEMORY;
}

void
opstate_free_all(struct library *lib)
{
    if (lib->kept == NULL) return;
    for (size_t i = 0; i < OPSTATE_KEEP; i++)
        mech_op_free(lib->kept[i].mop);
    free(lib->kept);
    lib->kept = NULL;
}

void
opstate_forget_token(struct library *lib, const struct token *tok)
{
    for (size_t i = 0; i < OPSTATE_KEEP; i++) {
        struct opstate_kept *k = &lib->kept[i];
        if (k->tok != tok) continue;
        mech_op_free(k->mop);
        memset(k, 0, sizeof *k);
    }
}

/* Which operations the session would save, or why it cannot. */
static CK_RV
opstate_collect(const struct session *s, size_t *n)
{
    *n = 0;
    for (int k = 0; k < OP_KINDS; k++) {
        const struct op *op = s->ops[k];
        if (op == NULL) continue;
        if (k != OP_DIGEST && k != OP_SIGN && k != OP_VERIFY) return CKR_STATE_UNSAVEABLE;
        /* A CKA_ALWAYS_AUTHENTICATE key allows one use per login: a copy
         * of its operation would be a second use. */
        if (op->has_pending || op->needs_auth || op->always_auth) return CKR_STATE_UNSAVEABLE;
        (*n)++;
    }
    return *n ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
}

/* Keep a copy of op in the ring (the oldest copy makes room). */
static CK_RV
opstate_keep(struct library *lib, struct session *s, const struct op *op, uint8_t id[OPSTATE_ID])
{
    struct mech_op *copy = NULL;
    CK_RV rv = mech_op_dup(op->mop, &copy);
    if (rv == CKR_OK) rv = prim_random(id, OPSTATE_ID);
    if (rv != CKR_OK) {
        mech_op_free(copy);
        return rv;
    }
    struct opstate_kept *k = &lib->kept[lib->kept_next++ % OPSTATE_KEEP];
    mech_op_free(k->mop);
    memcpy(k->id, id, OPSTATE_ID);
    k->kind = op->kind;
    k->multipart = op->multipart;
    k->key = op->key;
    k->mech = op->mech;
    k->tok = s->tok;
    k->mop = copy;
    return CKR_OK;
}

CK_RV
opstate_save(struct library *lib, struct session *s, CK_BYTE *out, CK_ULONG *out_len)
{
    size_t n;
    CK_RV rv = opstate_collect(s, &n);
    if (rv != CKR_OK) return rv;
    CK_ULONG need = (CK_ULONG)(OPSTATE_HDR + n * OPSTATE_ENTRY);
    if (out == NULL || *out_len < need) {
        *out_len = need;
        return out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
    }
    memcpy(out, OPSTATE_MAGIC, 4);
    out[4] = 1;
    out[5] = (CK_BYTE)n;
    CK_BYTE *p = out + OPSTATE_HDR;
    for (size_t i = 0; i < sizeof saveable / sizeof saveable[0]; i++) {
        const struct op *op = s->ops[saveable[i]];
        if (op == NULL) continue;
        p[0] = (CK_BYTE)op->kind;
        rv = opstate_keep(lib, s, op, p + 1);
        if (rv != CKR_OK) return rv;
        p += OPSTATE_ENTRY;
    }
    *out_len = need;
    return CKR_OK;
}

static struct opstate_kept *
opstate_find(struct library *lib, const uint8_t id[OPSTATE_ID])
{
    for (size_t i = 0; i < OPSTATE_KEEP; i++)
        if (lib->kept[i].mop != NULL && ct_eq(lib->kept[i].id, id, OPSTATE_ID))
            return &lib->kept[i];
    return NULL;
}

/* May this session continue that operation? A keyed one needs the user,
 * and its key object must still allow it (not destroyed, not changed). */
static bool
opstate_fits(struct library *lib, struct session *s, const struct opstate_kept *k)
{
    if (k->tok != s->tok) return false;
    if (k->kind == OP_DIGEST) return true;
    return s->tok->user == CKU_USER &&
           manage_key_usable(lib, s, k->kind, k->mech, k->key) == CKR_OK;
}

CK_RV
opstate_restore(struct library *lib, struct session *s, const CK_BYTE *in, CK_ULONG len,
                CK_OBJECT_HANDLE enc_key, CK_OBJECT_HANDLE auth_key)
{
    if (len < OPSTATE_HDR || memcmp(in, OPSTATE_MAGIC, 4) != 0 || in[4] != 1)
        return CKR_SAVED_STATE_INVALID;
    size_t n = in[5];
    if (n == 0 || len != OPSTATE_HDR + n * OPSTATE_ENTRY) return CKR_SAVED_STATE_INVALID;
    if (enc_key != CK_INVALID_HANDLE || auth_key != CK_INVALID_HANDLE) return CKR_KEY_NOT_NEEDED;
    struct op *fresh[OP_KINDS] = {NULL};
    CK_RV rv = CKR_OK;
    for (size_t i = 0; rv == CKR_OK && i < n; i++) {
        const CK_BYTE *e = in + OPSTATE_HDR + i * OPSTATE_ENTRY;
        struct opstate_kept *k = opstate_find(lib, e + 1);
        struct mech_op *copy = NULL;
        rv = CKR_SAVED_STATE_INVALID;
        if (k == NULL || k->kind != (enum op_kind)e[0] || fresh[k->kind] != NULL) break;
        if (!opstate_fits(lib, s, k)) break;
        rv = mech_op_dup(k->mop, &copy);
        if (rv == CKR_STATE_UNSAVEABLE) rv = CKR_SAVED_STATE_INVALID;
        if (rv == CKR_OK) rv = op_new_take(k->kind, copy, &fresh[k->kind]);
        if (rv == CKR_OK) {
            fresh[k->kind]->multipart = k->multipart;
            fresh[k->kind]->key = k->key;
            fresh[k->kind]->mech = k->mech;
        }
    }
    /* All or nothing: the session's operations change only on success. */
    for (int k = 0; k < OP_KINDS; k++) {
        if (fresh[k] == NULL) continue;
        if (rv == CKR_OK) {
            op_free(s->ops[k]);
            s->ops[k] = fresh[k];
        } else {
            op_free(fresh[k]);
        }
    }
    return rv;
}
