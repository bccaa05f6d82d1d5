/*
 * token.h: slots and token labels, through the module's function list.
 * Every function here reports its own failure (report.h) and returns -1.
 */
#ifndef CREDTOKEN_TOOL_TOKEN_H
#define CREDTOKEN_TOOL_TOKEN_H

#include <credtoken/pkcs11.h>

#include "module.h"

#define TOKEN_LABEL_LEN 32 /* CK_TOKEN_INFO.label, blank padded */

/*
 * token_list_slots: the ids of the slots that hold a token. On 0, *ids is
 * a heap array of *n ids (NULL when *n is 0) that the caller frees.
 */
int token_list_slots(const struct module *m, CK_SLOT_ID **ids, CK_ULONG *n);

/* token_get_info: C_GetTokenInfo for slot. */
int token_get_info(const struct module *m, CK_SLOT_ID slot, CK_TOKEN_INFO *info);

/*
 * token_label_pad: label as the blank-padded 32-byte field of C_InitToken and
 * CK_TOKEN_INFO. Returns -1 without reporting when the label is empty or
 * longer than TOKEN_LABEL_LEN bytes: the caller knows which option it was.
 */
int token_label_pad(const char *label, CK_UTF8CHAR out[TOKEN_LABEL_LEN]);

/* token_has_label: nonzero when info's label equals the padded label. */
int token_has_label(const CK_TOKEN_INFO *info, const CK_UTF8CHAR padded[TOKEN_LABEL_LEN]);

#endif
