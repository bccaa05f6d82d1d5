/* slot.h: what slot.c shares with the vendor interfaces. */
#ifndef CT_PKCS11_SLOT_H
#define CT_PKCS11_SLOT_H

#include "credtoken/pkcs11.h"

struct store_seal;

/* C_InitToken, the new token sealed as seal says (NULL: not sealed;
 * store.h). Enters and leaves the gate itself. */
CK_RV slot_init_token(CK_SLOT_ID slotID, const CK_UTF8CHAR *pPin, CK_ULONG ulPinLen,
                      const CK_UTF8CHAR *pLabel, const struct store_seal *seal);

#endif
