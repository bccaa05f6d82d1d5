/* lists.h: access to the module's own 3.0 function list (for in-tree
 * callers such as tests linking the objects directly). */
#ifndef CT_PKCS11_LISTS_H
#define CT_PKCS11_LISTS_H

#include "credtoken/pkcs11.h"

const CK_FUNCTION_LIST_3_0 *lists_30(void);
/* The vendor interface "credtoken credsets" (credsets.c). */
#include "credtoken/credsets.h"
extern CT_CREDSETS_FUNCTION_LIST credsets_list;
/* The vendor interface "credtoken tokens" (tokens.c). */
#include "credtoken/tokens.h"
extern CT_TOKENS_FUNCTION_LIST tokens_list;

#endif
