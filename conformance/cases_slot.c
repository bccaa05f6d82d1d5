/*
 * cases_slot.c: PKCS#11 3.0 §5.5 slot and token management: the slot and
 * mechanism lists (the §5.2-style counting convention), invalid slot IDs,
 * NULL output pointers, C_InitToken, C_InitPIN and C_SetPIN.
 */
#include "cases.h"
#include "fixtures.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BOGUS_SLOT ((CK_SLOT_ID)0x7ffffff1UL)
#define BOGUS_MECH (CKM_VENDOR_DEFINED | 0x00c0ffeeUL)

static void
case_slot_list(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_ULONG n = 0;
    CK_SLOT_ID list[128];
    ct_rv(cx, FN_C_GetSlotList, cx->p->C_GetSlotList(CK_TRUE, list, NULL), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetSlotList, cx->p->C_GetSlotList(CK_TRUE, NULL, &n));
    if (!ct_check(cx, n >= 1 && n <= 128, "C_GetSlotList counted %lu slots", n)) return;
    CK_ULONG small = n - 1;
    ct_rv(cx, FN_C_GetSlotList, cx->p->C_GetSlotList(CK_TRUE, list, &small), CKR_BUFFER_TOO_SMALL);
    ct_check(cx, small == n, "CKR_BUFFER_TOO_SMALL reported %lu, not %lu", small, n);
    CK_ULONG got = 128;
    ct_ok(cx, FN_C_GetSlotList, cx->p->C_GetSlotList(CK_TRUE, list, &got));
    ct_check(cx, got == n, "the list has %lu slots, the count said %lu", got, n);
    bool ours = false;
    for (CK_ULONG i = 0; i < got; i++) {
        /* "All slots which C_GetSlotList reports MUST be able to be queried
         * as valid slots by C_GetSlotInfo." */
        CK_SLOT_INFO si;
        ct_rv(cx, FN_C_GetSlotInfo, cx->p->C_GetSlotInfo(list[i], &si), CKR_OK);
        ct_check(cx, (si.flags & CKF_TOKEN_PRESENT) != 0, "slot %lu: no CKF_TOKEN_PRESENT",
                 list[i]);
        ours = ours || list[i] == cx->slot;
    }
    ct_check(cx, ours, "our slot is not in the list");
    ct_note(cx, "%lu slots with a token", n);
}

static void
case_slot_info(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SLOT_INFO si;
    ct_rv(cx, FN_C_GetSlotInfo, cx->p->C_GetSlotInfo(BOGUS_SLOT, &si), CKR_SLOT_ID_INVALID);
    ct_rv(cx, FN_C_GetSlotInfo, cx->p->C_GetSlotInfo(cx->slot, NULL), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetSlotInfo, cx->p->C_GetSlotInfo(cx->slot, &si));
    ct_check(cx,
             memchr(si.slotDescription, 0, 64) == NULL && memchr(si.manufacturerID, 0, 32) == NULL,
             "CK_SLOT_INFO strings are not blank padded");
}

static void
case_token_info(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_TOKEN_INFO ti;
    ct_rv(cx, FN_C_GetTokenInfo, cx->p->C_GetTokenInfo(BOGUS_SLOT, &ti), CKR_SLOT_ID_INVALID);
    ct_rv(cx, FN_C_GetTokenInfo, cx->p->C_GetTokenInfo(cx->slot, NULL), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetTokenInfo, cx->p->C_GetTokenInfo(cx->slot, &ti));
    ct_check(cx, (ti.flags & CKF_TOKEN_INITIALIZED) && (ti.flags & CKF_USER_PIN_INITIALIZED),
             "token flags 0x%lx lack CKF_TOKEN_INITIALIZED|CKF_USER_PIN_INITIALIZED", ti.flags);
    ct_check(cx, memchr(ti.label, 0, 32) == NULL && memchr(ti.serialNumber, 0, 16) == NULL,
             "CK_TOKEN_INFO strings are not blank padded");
    ct_note(cx, "flags 0x%lx, PIN %lu..%lu", ti.flags, ti.ulMinPinLen, ti.ulMaxPinLen);
}

static void
case_mech_list(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_ULONG n = 0;
    CK_MECHANISM_TYPE list[512];
    ct_rv(cx, FN_C_GetMechanismList, cx->p->C_GetMechanismList(BOGUS_SLOT, NULL, &n),
          CKR_SLOT_ID_INVALID);
    ct_rv(cx, FN_C_GetMechanismList, cx->p->C_GetMechanismList(cx->slot, list, NULL),
          CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetMechanismList, cx->p->C_GetMechanismList(cx->slot, NULL, &n));
    if (!ct_check(cx, n >= 1 && n <= 512, "%lu mechanisms", n)) return;
    CK_ULONG small = n - 1;
    ct_rv(cx, FN_C_GetMechanismList, cx->p->C_GetMechanismList(cx->slot, list, &small),
          CKR_BUFFER_TOO_SMALL);
    ct_check(cx, small == n, "CKR_BUFFER_TOO_SMALL reported %lu, not %lu", small, n);
    CK_ULONG got = 512;
    ct_ok(cx, FN_C_GetMechanismList, cx->p->C_GetMechanismList(cx->slot, list, &got));
    for (CK_ULONG i = 0; i < got; i++) {
        CK_MECHANISM_INFO mi;
        ct_rv(cx, FN_C_GetMechanismInfo, cx->p->C_GetMechanismInfo(cx->slot, list[i], &mi), CKR_OK);
    }
    ct_note(cx, "%lu mechanisms", got);
}

static void
case_mech_info(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_MECHANISM_INFO mi;
    ct_rv(cx, FN_C_GetMechanismInfo, cx->p->C_GetMechanismInfo(cx->slot, BOGUS_MECH, &mi),
          CKR_MECHANISM_INVALID);
    ct_rv(cx, FN_C_GetMechanismInfo, cx->p->C_GetMechanismInfo(BOGUS_SLOT, CKM_SHA256, &mi),
          CKR_SLOT_ID_INVALID);
    ct_rv(cx, FN_C_GetMechanismInfo, cx->p->C_GetMechanismInfo(cx->slot, CKM_SHA256, NULL),
          CKR_ARGUMENTS_BAD);
}

static void
case_wait_event(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SLOT_ID slot;
    CK_RV rv = cx->p->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
    CT_ANY(cx, FN_C_WaitForSlotEvent, rv, CKR_NO_EVENT, CKR_OK, CKR_FUNCTION_NOT_SUPPORTED);
    ct_note(cx, "%s", rv_name(rv));
}

/* ---- C_InitToken, on a scratch token (never ours) ---- */

static void
case_init_token(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_UTF8CHAR so[256], wrong[] = "wrong-pin", lab[32];
    CK_ULONG so_len = (CK_ULONG)strlen(cx->mod->so_pin);
    memcpy(so, cx->mod->so_pin, so_len);
    char again[32];
    int alen = snprintf(again, sizeof again, "again-%d", (int)getpid());
    memset(lab, ' ', sizeof lab);
    memcpy(lab, again, (size_t)alen);
    ct_rv(cx, FN_C_InitToken, cx->p->C_InitToken(BOGUS_SLOT, so, so_len, lab), CKR_SLOT_ID_INVALID);
    CK_SLOT_ID slot = ct_scratch_token(cx);
    CK_SESSION_HANDLE s = ct_open_on(cx, slot, true);
    fx_data(cx, s, true, false, again);
    ct_rv(cx, FN_C_InitToken, cx->p->C_InitToken(slot, so, so_len, lab), CKR_SESSION_EXISTS);
    ct_ok(cx, FN_C_CloseSession, cx->p->C_CloseSession(s));
    ct_rv(cx, FN_C_InitToken, cx->p->C_InitToken(slot, wrong, sizeof wrong - 1, lab),
          CKR_PIN_INCORRECT);
    ct_rv(cx, FN_C_InitToken, cx->p->C_InitToken(slot, so, so_len, lab), CKR_OK);
    /* "all objects that can be destroyed are destroyed ... access by the
     * normal user is disabled until the SO sets the normal user's PIN" */
    if (!ct_find_label(cx, again, &slot)) ct_fail(cx, "the re-initialized token is gone");
    CK_TOKEN_INFO ti;
    ct_ok(cx, FN_C_GetTokenInfo, cx->p->C_GetTokenInfo(slot, &ti));
    ct_check(cx, !(ti.flags & CKF_USER_PIN_INITIALIZED), "the user PIN survived C_InitToken");
    s = ct_open_on(cx, slot, true);
    /* (A token may create "default" objects, so only ours is looked for.) */
    CK_ATTRIBUTE mine = {CKA_LABEL, again, (CK_ULONG)alen};
    ct_check(cx, fx_count(cx, s, &mine, 1) == 0, "a token object survived C_InitToken");
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, s, CKU_USER), CKR_USER_PIN_NOT_INITIALIZED);
}

/* ---- C_InitPIN and C_SetPIN ---- */

static void
case_init_pin_state(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_UTF8CHAR pin[] = "99999999";
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_rv(cx, FN_C_InitPIN, cx->p->C_InitPIN(s, pin, sizeof pin - 1), CKR_USER_NOT_LOGGED_IN);
    ct_login(cx, s, CKU_USER);
    ct_rv(cx, FN_C_InitPIN, cx->p->C_InitPIN(s, pin, sizeof pin - 1), CKR_USER_NOT_LOGGED_IN);
}

static void
case_set_pin_ro(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_UTF8CHAR pin[256];
    CK_ULONG n = (CK_ULONG)strlen(cx->mod->pin);
    memcpy(pin, cx->mod->pin, n);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    ct_rv(cx, FN_C_SetPIN, cx->p->C_SetPIN(s, pin, n, pin, n), CKR_SESSION_READ_ONLY);
    ct_login(cx, s, CKU_USER);
    ct_rv(cx, FN_C_SetPIN, cx->p->C_SetPIN(s, pin, n, pin, n), CKR_SESSION_READ_ONLY);
}

static void
case_set_pin(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SLOT_ID slot = ct_scratch_token(cx);
    CK_UTF8CHAR old[256], fresh[] = "fresh-pin-1", wrong[] = "not-the-pin";
    CK_ULONG n = (CK_ULONG)strlen(cx->mod->pin);
    memcpy(old, cx->mod->pin, n);
    CK_SESSION_HANDLE s = ct_open_on(cx, slot, true);
    ct_rv(cx, FN_C_SetPIN, cx->p->C_SetPIN(s, wrong, sizeof wrong - 1, fresh, sizeof fresh - 1),
          CKR_PIN_INCORRECT);
    /* Not logged in: "the CKU_USER PIN if the session is not logged in". */
    ct_rv(cx, FN_C_SetPIN, cx->p->C_SetPIN(s, old, n, fresh, sizeof fresh - 1), CKR_OK);
    ct_rv(cx, FN_C_Login, cx->p->C_Login(s, CKU_USER, old, n), CKR_PIN_INCORRECT);
    ct_rv(cx, FN_C_Login, cx->p->C_Login(s, CKU_USER, fresh, sizeof fresh - 1), CKR_OK);
    /* Logged in: the PIN of the user that is logged in. */
    ct_rv(cx, FN_C_SetPIN, cx->p->C_SetPIN(s, fresh, sizeof fresh - 1, old, n), CKR_OK);
    ct_ok(cx, FN_C_Logout, cx->p->C_Logout(s));
    ct_rv(cx, FN_C_Login, cx->p->C_Login(s, CKU_USER, old, n), CKR_OK);
}

void
cases_slot_register(void)
{
    ct_register("5.5.1", "C_GetSlotList: NULL count, size query, CKR_BUFFER_TOO_SMALL exact",
                case_slot_list, NULL);
    ct_register("5.5.2", "C_GetSlotInfo: invalid slot, NULL pInfo", case_slot_info, NULL);
    ct_register("5.5.3", "C_GetTokenInfo: invalid slot, NULL pInfo, our token's flags",
                case_token_info, NULL);
    ct_register("5.5.4", "C_WaitForSlotEvent(CKF_DONT_BLOCK) does not block", case_wait_event,
                NULL);
    ct_register("5.5.5", "C_GetMechanismList: invalid slot, NULL count, CKR_BUFFER_TOO_SMALL",
                case_mech_list, NULL);
    ct_register("5.5.6", "C_GetMechanismInfo: unknown mechanism, invalid slot, NULL pInfo",
                case_mech_info, NULL);
    ct_register("5.5.7",
                "C_InitToken: invalid slot, CKR_SESSION_EXISTS, wrong SO PIN, reinit "
                "destroys objects and the user PIN",
                case_init_token, NULL);
    ct_register("5.5.8", "C_InitPIN outside R/W SO Functions gives CKR_USER_NOT_LOGGED_IN",
                case_init_pin_state, NULL);
    ct_register("5.5.9", "C_SetPIN in a R/O session gives CKR_SESSION_READ_ONLY", case_set_pin_ro,
                NULL);
    ct_register("5.5.9",
                "C_SetPIN: wrong old PIN, public session sets the user PIN, logged-in "
                "user changes own PIN",
                case_set_pin, NULL);
}
