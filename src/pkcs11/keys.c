/* keys.c: key management, PKCS#11 3.0 §5.14. */
#include "core/manage.h"
#include "core/tpmkey.h"
#include "core/transfer.h"
#include "util/wipe.h"
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"

/* Check templates under the lock, generate without it (RSA-4096 takes
 * seconds), publish under it again. */
static CK_RV
generate(const char *fn, CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, struct attr_set *pub,
         struct attr_set *priv, CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv)
{
    struct gate g;
    const struct tpm_where *w = NULL; /* the library's: it outlives the unlocked part */
    CK_RV rv = gate_enter_session(&g, fn, h);
    if (rv == CKR_OK) rv = manage_gen_prepare(g.sess, m, pub, priv);
    if (rv != CKR_OK) goto fail;
    w = token_tpm(g.sess->tok);
    gate_unlock(&g);
    if (w != NULL)
        rv = pub ? tpmkey_generate_pair(w, m, pub, priv) : tpmkey_generate_secret(w, m, priv);
    else
        rv = pub ? mech_generate_key_pair(m, pub, priv) : mech_generate_key(m, priv);
    /* §5.14: key generation reports a size outside the mechanism's range
     * as a bad attribute value (CKR_KEY_SIZE_RANGE is not in its list). */
    if (rv == CKR_KEY_SIZE_RANGE) rv = CKR_ATTRIBUTE_VALUE_INVALID;
    CK_RV back = gate_relock(&g, h);
    if (rv == CKR_OK) rv = back;
    if (rv != CKR_OK) goto fail;
    /* Publishing checks the session's access again: the login may have
     * changed while the lock was released. */
    return gate_leave(&g, manage_gen_publish(g.lib, g.sess, pub, priv, hpub, hpriv));
fail:
    attr_set_free(pub);
    attr_set_free(priv);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                 CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
    /* §5.14.1 */
    if (pMechanism == NULL || phKey == NULL) return CKR_ARGUMENTS_BAD;
    if (pTemplate == NULL && ulCount > 0) return CKR_ARGUMENTS_BAD;
    struct attr_set *t;
    CK_RV rv = attr_set_from_template(pTemplate, ulCount, &t);
    if (rv != CKR_OK) return rv;
    return generate(__func__, hSession, pMechanism, NULL, t, NULL, phKey);
}

CK_RV
ct_C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                     CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                     CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                     CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
    /* §5.14.2 */
    if (pMechanism == NULL || phPublicKey == NULL || phPrivateKey == NULL) return CKR_ARGUMENTS_BAD;
    if ((pPublicKeyTemplate == NULL && ulPublicKeyAttributeCount > 0) ||
        (pPrivateKeyTemplate == NULL && ulPrivateKeyAttributeCount > 0))
        return CKR_ARGUMENTS_BAD;
    struct attr_set *pub = NULL, *priv = NULL;
    CK_RV rv = attr_set_from_template(pPublicKeyTemplate, ulPublicKeyAttributeCount, &pub);
    if (rv == CKR_OK)
        rv = attr_set_from_template(pPrivateKeyTemplate, ulPrivateKeyAttributeCount, &priv);
    if (rv != CKR_OK) {
        attr_set_free(pub);
        return rv;
    }
    return generate(__func__, hSession, pMechanism, pub, priv, phPublicKey, phPrivateKey);
}

CK_RV
ct_C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey,
             CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
    /* §5.14.3. The size of a wrap is known before doing it: the §5.2 size
     * query costs no cipher work. */
    if (pMechanism == NULL || pulWrappedKeyLen == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    struct transfer x = {0};
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = transfer_wrap_begin(g.lib, g.sess, pMechanism, hWrappingKey, hKey, &x);
    if (rv != CKR_OK) goto out;
    gate_unlock(&g);
    size_t n = pWrappedKey ? *pulWrappedKeyLen : 0;
    rv = mech_wrap(x.d, pMechanism, x.key, x.blob, x.blob_len, pWrappedKey, &n);
    if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL) *pulWrappedKeyLen = (CK_ULONG)n;
out:
    transfer_cleanup(&x);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
               CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen,
               CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    /* §5.14.4 */
    if (pMechanism == NULL || phKey == NULL || pWrappedKey == NULL) return CKR_ARGUMENTS_BAD;
    if (pTemplate == NULL && ulAttributeCount > 0) return CKR_ARGUMENTS_BAD;
    struct attr_set *t;
    CK_RV rv = attr_set_from_template(pTemplate, ulAttributeCount, &t);
    if (rv != CKR_OK) return rv;
    struct gate g;
    struct transfer x = {0};
    uint8_t *material = NULL;
    size_t len = 0;
    rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = transfer_unwrap_begin(g.lib, g.sess, pMechanism, hUnwrappingKey, t, &x);
    if (rv != CKR_OK) goto out;
    gate_unlock(&g);
    rv = mech_unwrap(x.d, pMechanism, x.key, pWrappedKey, ulWrappedKeyLen, &material, &len);
    CK_RV back = gate_relock(&g, hSession);
    if (rv == CKR_OK) rv = back;
    if (rv == CKR_OK) {
        rv = transfer_unwrap_end(g.lib, g.sess, t, material, len, phKey);
        t = NULL;
    }
out:
    wipe_free(material, len);
    transfer_cleanup(&x);
    attr_set_free(t);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
               CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    /* §5.14.5 */
    if (pMechanism == NULL || phKey == NULL) return CKR_ARGUMENTS_BAD;
    if (pTemplate == NULL && ulAttributeCount > 0) return CKR_ARGUMENTS_BAD;
    struct attr_set *t;
    CK_RV rv = attr_set_from_template(pTemplate, ulAttributeCount, &t);
    if (rv != CKR_OK) return rv;
    struct gate g;
    struct transfer x = {0};
    uint8_t *material = NULL;
    size_t len = 0;
    rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = transfer_derive_begin(g.lib, g.sess, pMechanism, hBaseKey, t, &x);
    if (rv != CKR_OK) goto out;
    gate_unlock(&g);
    rv = mech_derive(x.d, pMechanism, x.key, x.want, &material, &len);
    CK_RV back = gate_relock(&g, hSession);
    if (rv == CKR_OK) rv = back;
    if (rv == CKR_OK) {
        rv = transfer_derive_end(g.lib, g.sess, t, &x, material, len, phKey);
        t = NULL;
    }
out:
    wipe_free(material, len);
    transfer_cleanup(&x);
    attr_set_free(t);
    return gate_leave(&g, rv);
}
