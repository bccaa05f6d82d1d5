/*
 * schema.h: which attributes each object class may carry, and the rules
 * for each (PKCS#11 3.0 §4.2-§4.10 and the key-type chapters of the
 * current-mechanisms specification).
 *
 * Every creation path (C_CreateObject, C_GenerateKey[Pair], C_CopyObject,
 * and later unwrap/derive/credential-set import) calls schema_check() once.
 * C_SetAttributeValue calls schema_check_set(); C_GetAttributeValue asks
 * schema_is_secret() whether a value may be revealed.
 */
#ifndef CT_CORE_SCHEMA_H
#define CT_CORE_SCHEMA_H

#include <stdbool.h>

#include "credtoken/pkcs11.h"
#include "util/attr.h"

enum schema_op {
    SCHEMA_CREATE,   /* C_CreateObject: key material supplied */
    SCHEMA_GENERATE, /* C_GenerateKey / C_GenerateKeyPair: material generated */
    SCHEMA_COPY,     /* C_CopyObject: the template changes a copy */
    SCHEMA_UNWRAP,   /* C_UnwrapKey: material from the wrapped bytes */
    SCHEMA_DERIVE,   /* C_DeriveKey: material from the derivation */
};

/*
 * Validate a caller template for a new object of the class and key type it
 * names, and fill in the defaults of the spec (CKA_TOKEN false, CKA_PRIVATE
 * true for private and secret keys, CKA_SENSITIVE..., CKA_LOCAL,
 * CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM).
 * so is true when the SO is logged in (CKA_TRUSTED may be set only then).
 * gen_mech is the generation mechanism for SCHEMA_GENERATE, else
 * CK_UNAVAILABLE_INFORMATION.
 * SCHEMA_UNWRAP and SCHEMA_DERIVE check the caller's template before the
 * material exists: material attributes may not be given (as for
 * generation), nothing is required beyond the class and key type, and the
 * key is not local (CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE start
 * FALSE; derivation adjusts them from the base key).
 * For SCHEMA_COPY, attrs is the copy and tmpl the caller's changes; the
 * changes are checked against the per-attribute "modifiable in copy" rules
 * and merged. For the other ops tmpl is NULL and attrs is checked in place.
 * Returns CKR_OK, CKR_HOST_MEMORY, CKR_TEMPLATE_INCOMPLETE,
 * CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_TYPE_INVALID,
 * CKR_ATTRIBUTE_VALUE_INVALID, CKR_ATTRIBUTE_READ_ONLY.
 */
CK_RV schema_check(enum schema_op op, struct attr_set *attrs, const struct attr_set *tmpl, bool so,
                   CK_MECHANISM_TYPE gen_mech);

/*
 * C_SetAttributeValue: may tmpl be applied to an object with these
 * attributes? Checks CKA_MODIFIABLE (CKR_ACTION_PROHIBITED), read-only and
 * only-on-create attributes (CKR_ATTRIBUTE_READ_ONLY), unknown types
 * (CKR_ATTRIBUTE_TYPE_INVALID), CKA_SENSITIVE only to TRUE, CKA_EXTRACTABLE
 * only to FALSE, CKA_WRAP_WITH_TRUSTED only to TRUE, value sizes
 * (CKR_ATTRIBUTE_VALUE_INVALID), CKA_TRUSTED only by the SO.
 */
CK_RV schema_check_set(const struct attr_set *attrs, const struct attr_set *tmpl, bool so);

/* Whether CKA_VALUE-like secret material of this object may not be
 * revealed: a secret attribute (private exponent, EC scalar, secret value)
 * of an object that is sensitive or not extractable. */
bool schema_is_secret(const struct attr_set *attrs, CK_ATTRIBUTE_TYPE type);

/* Whether the type is valid for the object's class and key type. */
bool schema_is_known(const struct attr_set *attrs, CK_ATTRIBUTE_TYPE type);

#endif
