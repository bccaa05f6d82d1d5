#include "core/schema.h"

#include <string.h>

/* Value kinds: how long a value must be. */
enum kind { K_BOOL, K_ULONG, K_BYTES, K_DATE, K_MECHS };

/* Rule flags, one set per attribute per class (PKCS#11 3.0 §4.2 table 11
 * footnotes). */
enum {
    R_REQ_CREATE = 1 << 0, /* fn 1: must be given to C_CreateObject */
    R_REQ_GEN = 1 << 1,    /* fn 3: must be given to key generation */
    R_NO_CREATE = 1 << 2,  /* fn 2: must not be given to C_CreateObject */
    R_NO_GEN = 1 << 3,     /* fn 4: must not be given to key generation */
    R_RO = 1 << 4,         /* fn 2+4: set by the token only */
    R_MOD = 1 << 5,        /* fn 8: modifiable with C_SetAttributeValue */
    R_COPY = 1 << 6,       /* may be changed by C_CopyObject's template */
    R_ONLY_TRUE = 1 << 7,  /* fn 11: once TRUE stays TRUE */
    R_ONLY_FALSE = 1 << 8, /* fn 12: once FALSE stays FALSE */
    R_SECRET = 1 << 9,     /* fn 6/7: never revealed when sensitive or unextractable */
    R_SO_TRUE = 1 << 10,   /* fn 10: only the SO may set it TRUE */
    R_DERIVED = 1 << 11,   /* recomputed by the token from the key material */
    R_HIDDEN = 1 << 12,    /* never revealed, whatever the key's flags */
};

struct rule {
    CK_ATTRIBUTE_TYPE type;
    enum kind kind;
    unsigned flags;
};

#define END                                                                                        \
    {                                                                                              \
        CKA_VENDOR_DEFINED, K_BYTES, 0                                                             \
    }

static const struct rule rules_storage[] = {
    {CKA_CLASS, K_ULONG, R_REQ_CREATE},
    {CKA_TOKEN, K_BOOL, R_COPY},
    {CKA_PRIVATE, K_BOOL, R_COPY},
    {CKA_MODIFIABLE, K_BOOL, R_COPY},
    {CKA_LABEL, K_BYTES, R_MOD},
    {CKA_COPYABLE, K_BOOL, R_MOD | R_COPY | R_ONLY_FALSE},
    {CKA_DESTROYABLE, K_BOOL, R_MOD | R_COPY},
    {CKA_UNIQUE_ID, K_BYTES, R_RO},
    END,
};

static const struct rule rules_data[] = {
    {CKA_APPLICATION, K_BYTES, R_MOD},
    {CKA_OBJECT_ID, K_BYTES, R_MOD},
    {CKA_VALUE, K_BYTES, R_MOD},
    END,
};

static const struct rule rules_cert[] = {
    {CKA_CERTIFICATE_TYPE, K_ULONG, R_REQ_CREATE},
    {CKA_TRUSTED, K_BOOL, R_MOD | R_SO_TRUE},
    {CKA_CERTIFICATE_CATEGORY, K_ULONG, R_MOD},
    {CKA_CHECK_VALUE, K_BYTES, 0},
    {CKA_START_DATE, K_DATE, R_MOD},
    {CKA_END_DATE, K_DATE, R_MOD},
    {CKA_PUBLIC_KEY_INFO, K_BYTES, 0},
    /* X.509 (§4.6.3) */
    {CKA_SUBJECT, K_BYTES, R_MOD},
    {CKA_ID, K_BYTES, R_MOD},
    {CKA_ISSUER, K_BYTES, R_MOD},
    {CKA_SERIAL_NUMBER, K_BYTES, R_MOD},
    {CKA_VALUE, K_BYTES, R_REQ_CREATE},
    {CKA_URL, K_BYTES, 0},
    {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, K_BYTES, 0},
    {CKA_HASH_OF_ISSUER_PUBLIC_KEY, K_BYTES, 0},
    {CKA_JAVA_MIDP_SECURITY_DOMAIN, K_ULONG, 0},
    {CKA_NAME_HASH_ALGORITHM, K_ULONG, 0},
    END,
};

/* 3.0 §4.13: created by the token, never by callers. */
static const struct rule rules_profile[] = {
    {CKA_PROFILE_ID, K_ULONG, R_RO},
    END,
};

static const struct rule rules_key[] = {
    {CKA_KEY_TYPE, K_ULONG, R_REQ_CREATE},
    {CKA_ID, K_BYTES, R_MOD | R_COPY},
    {CKA_START_DATE, K_DATE, R_MOD | R_COPY},
    {CKA_END_DATE, K_DATE, R_MOD | R_COPY},
    {CKA_DERIVE, K_BOOL, R_MOD | R_COPY},
    {CKA_LOCAL, K_BOOL, R_RO},
    {CKA_KEY_GEN_MECHANISM, K_ULONG, R_RO},
    {CKA_ALLOWED_MECHANISMS, K_MECHS, 0},
    END,
};

static const struct rule rules_pub[] = {
    {CKA_SUBJECT, K_BYTES, R_MOD | R_COPY},
    {CKA_ENCRYPT, K_BOOL, R_MOD | R_COPY},
    {CKA_VERIFY, K_BOOL, R_MOD | R_COPY},
    {CKA_VERIFY_RECOVER, K_BOOL, R_MOD | R_COPY},
    {CKA_WRAP, K_BOOL, R_MOD | R_COPY},
    {CKA_TRUSTED, K_BOOL, R_MOD | R_SO_TRUE},
    {CKA_PUBLIC_KEY_INFO, K_BYTES, R_NO_GEN | R_DERIVED},
    END,
};

static const struct rule rules_priv[] = {
    {CKA_SUBJECT, K_BYTES, R_MOD | R_COPY},
    {CKA_SENSITIVE, K_BOOL, R_MOD | R_COPY | R_ONLY_TRUE},
    {CKA_DECRYPT, K_BOOL, R_MOD | R_COPY},
    {CKA_SIGN, K_BOOL, R_MOD | R_COPY},
    {CKA_SIGN_RECOVER, K_BOOL, R_MOD | R_COPY},
    {CKA_UNWRAP, K_BOOL, R_MOD | R_COPY},
    {CKA_EXTRACTABLE, K_BOOL, R_MOD | R_COPY | R_ONLY_FALSE},
    {CKA_ALWAYS_SENSITIVE, K_BOOL, R_RO},
    {CKA_NEVER_EXTRACTABLE, K_BOOL, R_RO},
    {CKA_WRAP_WITH_TRUSTED, K_BOOL, R_MOD | R_COPY | R_ONLY_TRUE},
    {CKA_ALWAYS_AUTHENTICATE, K_BOOL, 0},
    {CKA_PUBLIC_KEY_INFO, K_BYTES, R_NO_GEN | R_DERIVED},
    END,
};

static const struct rule rules_secret[] = {
    {CKA_SENSITIVE, K_BOOL, R_MOD | R_COPY | R_ONLY_TRUE},
    {CKA_ENCRYPT, K_BOOL, R_MOD | R_COPY},
    {CKA_DECRYPT, K_BOOL, R_MOD | R_COPY},
    {CKA_SIGN, K_BOOL, R_MOD | R_COPY},
    {CKA_VERIFY, K_BOOL, R_MOD | R_COPY},
    {CKA_WRAP, K_BOOL, R_MOD | R_COPY},
    {CKA_UNWRAP, K_BOOL, R_MOD | R_COPY},
    {CKA_EXTRACTABLE, K_BOOL, R_MOD | R_COPY | R_ONLY_FALSE},
    {CKA_ALWAYS_SENSITIVE, K_BOOL, R_RO},
    {CKA_NEVER_EXTRACTABLE, K_BOOL, R_RO},
    {CKA_WRAP_WITH_TRUSTED, K_BOOL, R_MOD | R_COPY | R_ONLY_TRUE},
    {CKA_TRUSTED, K_BOOL, R_MOD | R_SO_TRUE},
    END,
};

static const struct rule rules_rsa_pub[] = {
    {CKA_MODULUS, K_BYTES, R_REQ_CREATE | R_NO_GEN},
    {CKA_MODULUS_BITS, K_ULONG, R_REQ_GEN | R_NO_CREATE | R_DERIVED},
    {CKA_PUBLIC_EXPONENT, K_BYTES, R_REQ_CREATE},
    END,
};

static const struct rule rules_rsa_priv[] = {
    {CKA_MODULUS, K_BYTES, R_REQ_CREATE | R_NO_GEN},
    {CKA_PUBLIC_EXPONENT, K_BYTES, R_REQ_CREATE | R_NO_GEN},
    {CKA_PRIVATE_EXPONENT, K_BYTES, R_REQ_CREATE | R_NO_GEN | R_SECRET},
    {CKA_PRIME_1, K_BYTES, R_NO_GEN | R_SECRET},
    {CKA_PRIME_2, K_BYTES, R_NO_GEN | R_SECRET},
    {CKA_EXPONENT_1, K_BYTES, R_NO_GEN | R_SECRET},
    {CKA_EXPONENT_2, K_BYTES, R_NO_GEN | R_SECRET},
    {CKA_COEFFICIENT, K_BYTES, R_NO_GEN | R_SECRET},
    /* A key of the TPM backend: the TPM holds the private key (tpmkey.h). */
    {CKA_CREDTOKEN_TPM_KEY, K_BYTES, R_RO | R_SECRET | R_HIDDEN},
    END,
};

static const struct rule rules_ec_pub[] = {
    {CKA_EC_PARAMS, K_BYTES, R_REQ_CREATE | R_REQ_GEN},
    {CKA_EC_POINT, K_BYTES, R_REQ_CREATE | R_NO_GEN},
    END,
};

static const struct rule rules_ec_priv[] = {
    {CKA_EC_PARAMS, K_BYTES, R_REQ_CREATE | R_NO_GEN},
    {CKA_VALUE, K_BYTES, R_REQ_CREATE | R_NO_GEN | R_SECRET},
    /* Not in the spec for private keys; credtoken exposes the public point
     * so applications need not find the public key object. */
    {CKA_EC_POINT, K_BYTES, R_NO_GEN | R_DERIVED},
    /* A key of the TPM backend: the TPM holds the private key (tpmkey.h). */
    {CKA_CREDTOKEN_TPM_KEY, K_BYTES, R_RO | R_SECRET | R_HIDDEN},
    END,
};

static const struct rule rules_sym[] = {
    {CKA_VALUE, K_BYTES, R_REQ_CREATE | R_NO_GEN | R_SECRET},
    {CKA_VALUE_LEN, K_ULONG, R_REQ_GEN | R_NO_CREATE | R_DERIVED},
    /* An HMAC key of the TPM backend: the TPM holds the value (tpmkey.h). */
    {CKA_CREDTOKEN_TPM_KEY, K_BYTES, R_RO | R_SECRET | R_HIDDEN},
    END,
};

/* Secret key types credtoken stores (the mechanisms decide their use). */
static bool
secret_type_known(CK_KEY_TYPE kt)
{
    static const CK_KEY_TYPE types[] = {CKK_GENERIC_SECRET, CKK_AES,         CKK_SHA_1_HMAC,
                                        CKK_SHA224_HMAC,    CKK_SHA256_HMAC, CKK_SHA384_HMAC,
                                        CKK_SHA512_HMAC,    CKK_HKDF};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i] == kt) return true;
    return false;
}

/* The rule groups that apply to one (class, key type). */
struct shape {
    const struct rule *groups[4];
};

static int
shape_of(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, bool have_kt, struct shape *sh)
{
    memset(sh, 0, sizeof *sh);
    sh->groups[0] = rules_storage;
    switch (cls) {
    case CKO_DATA:
        sh->groups[1] = rules_data;
        return 0;
    case CKO_CERTIFICATE:
        sh->groups[1] = rules_cert;
        return 0;
    case CKO_PROFILE:
        sh->groups[1] = rules_profile;
        return 0;
    case CKO_PUBLIC_KEY:
    case CKO_PRIVATE_KEY:
    case CKO_SECRET_KEY:
        break;
    default:
        return -1;
    }
    sh->groups[1] = rules_key;
    if (!have_kt) return 0;
    if (cls == CKO_PUBLIC_KEY) {
        sh->groups[2] = rules_pub;
        if (kt == CKK_RSA)
            sh->groups[3] = rules_rsa_pub;
        else if (kt == CKK_EC || kt == CKK_EC_EDWARDS)
            sh->groups[3] = rules_ec_pub;
        else
            return -1;
    } else if (cls == CKO_PRIVATE_KEY) {
        sh->groups[2] = rules_priv;
        if (kt == CKK_RSA)
            sh->groups[3] = rules_rsa_priv;
        else if (kt == CKK_EC || kt == CKK_EC_EDWARDS)
            sh->groups[3] = rules_ec_priv;
        else
            return -1;
    } else {
        sh->groups[2] = rules_secret;
        if (secret_type_known(kt))
            sh->groups[3] = rules_sym;
        else
            return -1;
    }
    return 0;
}

/* The rule for type; a later group overrides an earlier one (CKA_VALUE of a
 * data object vs. a certificate is resolved by the class's own group). */
static const struct rule *
shape_rule(const struct shape *sh, CK_ATTRIBUTE_TYPE type)
{
    const struct rule *found = NULL;
    for (int g = 0; g < 4 && sh->groups[g]; g++)
        for (const struct rule *r = sh->groups[g]; r->type != CKA_VENDOR_DEFINED; r++)
            if (r->type == type) found = r;
    return found;
}

static CK_RV
kind_check(const struct rule *r, const struct attr *a)
{
    switch (r->kind) {
    case K_BOOL:
        return a->len == sizeof(CK_BBOOL) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
    case K_ULONG:
        return a->len == sizeof(CK_ULONG) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
    case K_DATE:
        return a->len == 0 || a->len == sizeof(CK_DATE) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
    case K_MECHS:
        return a->len % sizeof(CK_MECHANISM_TYPE) == 0 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
    case K_BYTES:
        return CKR_OK;
    }
    return CKR_ATTRIBUTE_VALUE_INVALID;
}

static bool
attr_bool(const struct attr *a)
{
    return a->len == 1 && a->val[0] != CK_FALSE;
}

static CK_RV
shape_load(const struct attr_set *attrs, struct shape *sh, bool need_kt)
{
    CK_OBJECT_CLASS cls;
    CK_RV rv = attr_set_get_ulong(attrs, CKA_CLASS, &cls);
    if (rv != CKR_OK) return rv;
    CK_KEY_TYPE kt = 0;
    bool is_key = cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
    bool have_kt = false;
    if (is_key) {
        rv = attr_set_get_ulong(attrs, CKA_KEY_TYPE, &kt);
        if (rv == CKR_TEMPLATE_INCOMPLETE && !need_kt)
            rv = CKR_OK;
        else if (rv != CKR_OK)
            return rv;
        else
            have_kt = true;
    }
    if (cls == CKO_CERTIFICATE) {
        CK_CERTIFICATE_TYPE ct;
        rv = attr_set_get_ulong(attrs, CKA_CERTIFICATE_TYPE, &ct);
        if (rv != CKR_OK) return rv;
        if (ct != CKC_X_509) return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    return shape_of(cls, kt, have_kt, sh) == 0 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

/* Caller-given attributes against the rules of a new object. */
static CK_RV
check_given(const struct shape *sh, const struct attr_set *attrs, enum schema_op op, bool so)
{
    for (size_t i = 0; i < attr_set_count(attrs); i++) {
        const struct attr *a = attr_set_at(attrs, i);
        const struct rule *r = shape_rule(sh, a->type);
        if (r == NULL) return CKR_ATTRIBUTE_TYPE_INVALID;
        CK_RV rv = kind_check(r, a);
        if (rv != CKR_OK) return rv;
        if (r->flags & R_RO) return CKR_ATTRIBUTE_READ_ONLY;
        if (op == SCHEMA_CREATE && (r->flags & R_NO_CREATE)) return CKR_TEMPLATE_INCONSISTENT;
        if (op != SCHEMA_CREATE && (r->flags & R_NO_GEN)) return CKR_TEMPLATE_INCONSISTENT;
        if ((r->flags & R_SO_TRUE) && attr_bool(a) && !so) return CKR_ATTRIBUTE_READ_ONLY;
    }
    for (int g = 0; g < 4 && sh->groups[g]; g++) {
        for (const struct rule *r = sh->groups[g]; r->type != CKA_VENDOR_DEFINED; r++) {
            unsigned need = op == SCHEMA_CREATE     ? R_REQ_CREATE
                            : op == SCHEMA_GENERATE ? R_REQ_GEN
                                                    : 0;
            if ((r->flags & need) && shape_rule(sh, r->type) == r && !attr_set_has(attrs, r->type))
                return CKR_TEMPLATE_INCOMPLETE;
        }
    }
    return CKR_OK;
}

static CK_RV
put_default_bool(struct attr_set *s, CK_ATTRIBUTE_TYPE t, bool v)
{
    return attr_set_has(s, t) ? CKR_OK : attr_set_put_bool(s, t, v);
}

static CK_RV
put_default_bytes(struct attr_set *s, CK_ATTRIBUTE_TYPE t)
{
    return attr_set_has(s, t) ? CKR_OK : attr_set_put(s, t, NULL, 0);
}

/* Defaults of the spec and of credtoken (usage flags default to TRUE for the
 * key's natural use, wrapping and derivation to FALSE; private and secret
 * keys are sensitive and not extractable unless asked). */
static CK_RV
fill_defaults(struct attr_set *s, CK_OBJECT_CLASS cls, enum schema_op op, CK_MECHANISM_TYPE mech)
{
    bool secretish = cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
    CK_RV rv = CKR_OK;
    static const CK_ATTRIBUTE_TYPE falses[] = {CKA_TOKEN,
                                               CKA_DERIVE,
                                               CKA_WRAP,
                                               CKA_UNWRAP,
                                               CKA_TRUSTED,
                                               CKA_WRAP_WITH_TRUSTED,
                                               CKA_ALWAYS_AUTHENTICATE,
                                               CKA_SIGN_RECOVER,
                                               CKA_VERIFY_RECOVER};
    static const CK_ATTRIBUTE_TYPE trues[] = {CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE,
                                              CKA_SIGN, CKA_VERIFY};
    struct shape sh;
    rv = shape_load(s, &sh, true);
    if (rv != CKR_OK) return rv;
    /* EC and Edwards keys cannot encrypt: do not advertise it. */
    CK_KEY_TYPE kt = CK_UNAVAILABLE_INFORMATION;
    (void)attr_set_get_ulong(s, CKA_KEY_TYPE, &kt);
    bool can_crypt = kt != CKK_EC && kt != CKK_EC_EDWARDS;
    if (shape_rule(&sh, CKA_ENCRYPT)) rv = put_default_bool(s, CKA_ENCRYPT, can_crypt);
    if (rv == CKR_OK && shape_rule(&sh, CKA_DECRYPT))
        rv = put_default_bool(s, CKA_DECRYPT, can_crypt);
    for (size_t i = 0; rv == CKR_OK && i < sizeof falses / sizeof falses[0]; i++)
        if (shape_rule(&sh, falses[i])) rv = put_default_bool(s, falses[i], false);
    for (size_t i = 0; rv == CKR_OK && i < sizeof trues / sizeof trues[0]; i++)
        if (shape_rule(&sh, trues[i])) rv = put_default_bool(s, trues[i], true);
    if (rv == CKR_OK) rv = put_default_bool(s, CKA_PRIVATE, secretish);
    if (rv == CKR_OK) rv = put_default_bytes(s, CKA_LABEL);
    if (rv != CKR_OK || cls == CKO_DATA || cls == CKO_CERTIFICATE) return rv;
    rv = put_default_bytes(s, CKA_ID);
    if (rv == CKR_OK) rv = put_default_bytes(s, CKA_START_DATE);
    if (rv == CKR_OK) rv = put_default_bytes(s, CKA_END_DATE);
    if (rv == CKR_OK && shape_rule(&sh, CKA_SUBJECT)) rv = put_default_bytes(s, CKA_SUBJECT);
    if (rv == CKR_OK) rv = attr_set_put_bool(s, CKA_LOCAL, op == SCHEMA_GENERATE);
    if (rv == CKR_OK && !attr_set_has(s, CKA_KEY_GEN_MECHANISM))
        rv = attr_set_put_ulong(s, CKA_KEY_GEN_MECHANISM,
                                op == SCHEMA_GENERATE ? mech : CK_UNAVAILABLE_INFORMATION);
    if (rv != CKR_OK || !secretish) return rv;
    rv = put_default_bool(s, CKA_SENSITIVE, true);
    if (rv == CKR_OK) rv = put_default_bool(s, CKA_EXTRACTABLE, false);
    if (rv != CKR_OK) return rv;
    bool gen = op == SCHEMA_GENERATE;
    rv = attr_set_put_bool(s, CKA_ALWAYS_SENSITIVE,
                           gen && attr_set_get_bool(s, CKA_SENSITIVE, false));
    if (rv == CKR_OK)
        rv = attr_set_put_bool(s, CKA_NEVER_EXTRACTABLE,
                               gen && !attr_set_get_bool(s, CKA_EXTRACTABLE, true));
    return rv;
}

/* One changed attribute against the modification rules. */
static CK_RV
check_change(const struct shape *sh, const struct attr_set *cur, const struct attr *a, bool copy,
             bool so)
{
    const struct rule *r = shape_rule(sh, a->type);
    if (r == NULL) return CKR_ATTRIBUTE_TYPE_INVALID;
    CK_RV rv = kind_check(r, a);
    if (rv != CKR_OK) return rv;
    unsigned may = copy ? (R_COPY | R_MOD) : R_MOD;
    const struct attr *old = attr_set_find(cur, a->type);
    if (!(r->flags & may)) {
        /* A copy template may repeat an unchangeable value (CKA_CLASS...).
         * Never compare secret or token-set values: an answer would let a
         * caller test guesses of a sensitive key. */
        if (!copy || (r->flags & (R_SECRET | R_RO)) || old == NULL) return CKR_ATTRIBUTE_READ_ONLY;
        bool same = old->len == a->len && (a->len == 0 || !memcmp(old->val, a->val, a->len));
        return same ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
    }
    if (old && old->len == 1 && a->len == 1) {
        if ((r->flags & R_ONLY_TRUE) && attr_bool(old) && !attr_bool(a))
            return CKR_ATTRIBUTE_READ_ONLY;
        if ((r->flags & R_ONLY_FALSE) && !attr_bool(old) && attr_bool(a))
            return CKR_ATTRIBUTE_READ_ONLY;
    }
    if ((r->flags & R_SO_TRUE) && attr_bool(a) && !so) return CKR_ATTRIBUTE_READ_ONLY;
    /* A private or secret key never becomes public through a copy. */
    if (a->type == CKA_PRIVATE && !attr_bool(a) && old && attr_bool(old)) {
        CK_OBJECT_CLASS cls = 0;
        (void)attr_set_get_ulong(cur, CKA_CLASS, &cls);
        if (cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY) return CKR_ATTRIBUTE_READ_ONLY;
    }
    return CKR_OK;
}

static CK_RV
schema_copy(struct attr_set *attrs, const struct attr_set *tmpl, bool so)
{
    struct shape sh;
    CK_RV rv = shape_load(attrs, &sh, true);
    if (rv != CKR_OK) return rv;
    for (size_t i = 0; i < attr_set_count(tmpl); i++) {
        rv = check_change(&sh, attrs, attr_set_at(tmpl, i), true, so);
        if (rv != CKR_OK) return rv;
    }
    rv = attr_set_merge(attrs, tmpl);
    if (rv != CKR_OK) return rv;
    /* The copy has a fresh identity; ALWAYS_SENSITIVE/NEVER_EXTRACTABLE
     * stay as the original's (they describe the key's history). */
    attr_set_del(attrs, CKA_UNIQUE_ID);
    return CKR_OK;
}

CK_RV
schema_check(enum schema_op op, struct attr_set *attrs, const struct attr_set *tmpl, bool so,
             CK_MECHANISM_TYPE gen_mech)
{
    if (op == SCHEMA_COPY) return tmpl ? schema_copy(attrs, tmpl, so) : CKR_OK;
    struct shape sh;
    CK_RV rv = shape_load(attrs, &sh, op != SCHEMA_GENERATE);
    if (rv != CKR_OK) return rv;
    CK_OBJECT_CLASS want = 0;
    (void)attr_set_get_ulong(attrs, CKA_CLASS, &want);
    if (want == CKO_PROFILE) return CKR_ATTRIBUTE_VALUE_INVALID; /* the token's own */
    rv = check_given(&sh, attrs, op, so);
    if (rv != CKR_OK) return rv;
    CK_OBJECT_CLASS cls = 0;
    (void)attr_set_get_ulong(attrs, CKA_CLASS, &cls);
    return fill_defaults(attrs, cls, op, gen_mech);
}

CK_RV
schema_check_set(const struct attr_set *attrs, const struct attr_set *tmpl, bool so)
{
    struct shape sh;
    CK_RV rv = shape_load(attrs, &sh, true);
    if (rv != CKR_OK) return CKR_GENERAL_ERROR; /* stored objects are always well-formed */
    if (!attr_set_get_bool(attrs, CKA_MODIFIABLE, true)) return CKR_ACTION_PROHIBITED;
    for (size_t i = 0; i < attr_set_count(tmpl); i++) {
        rv = check_change(&sh, attrs, attr_set_at(tmpl, i), false, so);
        if (rv != CKR_OK) return rv;
    }
    return CKR_OK;
}

bool
schema_is_secret(const struct attr_set *attrs, CK_ATTRIBUTE_TYPE type)
{
    struct shape sh;
    if (shape_load(attrs, &sh, true) != CKR_OK) return true;
    const struct rule *r = shape_rule(&sh, type);
    if (r == NULL || !(r->flags & R_SECRET)) return false;
    if (r->flags & R_HIDDEN) return true;
    return attr_set_get_bool(attrs, CKA_SENSITIVE, true) ||
           !attr_set_get_bool(attrs, CKA_EXTRACTABLE, false);
}

bool
schema_is_known(const struct attr_set *attrs, CK_ATTRIBUTE_TYPE type)
{
    struct shape sh;
    if (shape_load(attrs, &sh, true) != CKR_OK) return false;
    return shape_rule(&sh, type) != NULL;
}
