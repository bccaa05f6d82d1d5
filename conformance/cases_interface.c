/*
 * cases_interface.c: PKCS#11 3.0 §5.4.5 C_GetInterfaceList and §5.4.6
 * C_GetInterface, and fork() in the middle of a session ([PKCS11-UG]
 * "Applications and processes"). Part of the general-purpose chapter.
 */
#include "cases.h"
#include "fixtures.h"

#include <string.h>

static CK_UTF8CHAR pkcs11_name[] = "PKCS 11";
static CK_UTF8CHAR bogus_name[] = "No Such Interface";

static bool
is_pkcs11(const CK_INTERFACE *i)
{
    return i->pInterfaceName != NULL && strcmp((const char *)i->pInterfaceName, "PKCS 11") == 0;
}

static void
need_interfaces(struct cx *cx)
{
    if (cx->get_interface_list == NULL || cx->get_interface == NULL)
        ct_skip(cx, "the module exports no C_GetInterfaceList/C_GetInterface (2.40)");
}

static void
case_interface_list(struct cx *cx, const void *arg)
{
    (void)arg;
    need_interfaces(cx);
    CK_ULONG n = 0;
    ct_rv(cx, FN_C_GetInterfaceList, cx->get_interface_list(NULL, NULL), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetInterfaceList, cx->get_interface_list(NULL, &n));
    if (!ct_check(cx, n >= 1 && n < 64, "%lu interfaces", n)) return;
    CK_INTERFACE list[64];
    CK_ULONG small = n - 1;
    ct_rv(cx, FN_C_GetInterfaceList, cx->get_interface_list(list, &small), CKR_BUFFER_TOO_SMALL);
    ct_check(cx, small == n, "CKR_BUFFER_TOO_SMALL reported %lu, not %lu", small, n);
    CK_ULONG full = n;
    ct_ok(cx, FN_C_GetInterfaceList, cx->get_interface_list(list, &full));
    bool v30 = false;
    for (CK_ULONG i = 0; i < full; i++) {
        const CK_VERSION *v = list[i].pFunctionList;
        if (!ct_check(cx, list[i].pInterfaceName != NULL && v != NULL, "interface %lu is empty", i))
            continue;
        ct_note(cx, "\"%s\" %u.%u flags 0x%lx", (const char *)list[i].pInterfaceName, v->major,
                v->minor, list[i].flags);
        v30 = v30 || (is_pkcs11(&list[i]) && v->major == 3 && v->minor == 0);
    }
    ct_check(cx, v30, "no \"PKCS 11\" 3.0 interface is listed");
}

static void
case_interface_get(struct cx *cx, const void *arg)
{
    (void)arg;
    need_interfaces(cx);
    CK_INTERFACE *i = NULL;
    CK_VERSION v30 = {3, 0}, v99 = {9, 9};
    ct_rv(cx, FN_C_GetInterface, cx->get_interface(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetInterface, cx->get_interface(NULL, NULL, &i, 0));
    const CK_VERSION *v = i->pFunctionList;
    ct_note(cx, "default \"%s\" %u.%u", (const char *)i->pInterfaceName, v->major, v->minor);
    ct_ok(cx, FN_C_GetInterface, cx->get_interface(pkcs11_name, &v30, &i, 0));
    v = i->pFunctionList;
    ct_check(cx, is_pkcs11(i) && v->major == 3 && v->minor == 0,
             "(\"PKCS 11\", 3.0) gave another interface");
    i = NULL;
    CK_RV rv = cx->get_interface(bogus_name, NULL, &i, 0);
    ct_allowed(cx, FN_C_GetInterface, rv);
    ct_check(cx, rv != CKR_OK, "an unknown interface name was accepted");
    rv = cx->get_interface(pkcs11_name, &v99, &i, 0);
    ct_allowed(cx, FN_C_GetInterface, rv);
    ct_check(cx, rv != CKR_OK, "version 9.9 was accepted");
    rv = cx->get_interface(pkcs11_name, NULL, &i, CKF_INTERFACE_FORK_SAFE);
    ct_allowed(cx, FN_C_GetInterface, rv);
    if (rv == CKR_OK)
        ct_check(cx, (i->flags & CKF_INTERFACE_FORK_SAFE) != 0,
                 "asked for CKF_INTERFACE_FORK_SAFE, got flags 0x%lx", i->flags);
    else
        ct_note(cx, "no fork-safe interface (%s)", rv_name(rv));
}

static void
case_interface_240(struct cx *cx, const void *arg)
{
    (void)arg;
    need_interfaces(cx);
    CK_INTERFACE *i = NULL;
    CK_VERSION v240 = {2, 40};
    CK_RV rv = cx->get_interface(pkcs11_name, &v240, &i, 0);
    ct_allowed(cx, FN_C_GetInterface, rv);
    if (rv != CKR_OK) {
        ct_note(cx, "no 2.40 interface (%s)", rv_name(rv));
        return;
    }
    const CK_VERSION *v = i->pFunctionList;
    ct_check(cx, v->major == 2 && v->minor == 40, "(\"PKCS 11\", 2.40) gave %u.%u", v->major,
             v->minor);
    ct_ok(cx, FN_C_Initialize, ((CK_FUNCTION_LIST *)i->pFunctionList)->C_Initialize(NULL));
    cx->inited = true;
    CK_INFO info;
    ct_rv(cx, FN_C_GetInfo, ((CK_FUNCTION_LIST *)i->pFunctionList)->C_GetInfo(&info), CKR_OK);
    ct_note(cx, "2.40 interface's C_GetInfo reports %u.%u", info.cryptokiVersion.major,
            info.cryptokiVersion.minor);
    ct_check(cx, info.cryptokiVersion.major == 2, "its C_GetInfo reports a 3.x version");
}

static void
case_interface_full(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_need_v3(cx);
    /* Every member of the 3.0 list is set; unsupported ones are stubs. */
    void *const *fp = (void *const *)&cx->p->C_Initialize;
    size_t n = (sizeof *cx->p - offsetof(CK_FUNCTION_LIST_3_0, C_Initialize)) / sizeof *fp;
    unsigned null = 0;
    for (size_t k = 0; k < n; k++)
        if (fp[k] == NULL) null++;
    ct_check(cx, null == 0, "%u of the %zu functions of the 3.0 list are NULL", null, n);
    ct_check(cx, cx->p->version.major == 3 && cx->p->version.minor == 0, "list version %u.%u",
             cx->p->version.major, cx->p->version.minor);
    ct_init(cx);
    CK_INFO info;
    ct_ok(cx, FN_C_GetInfo, cx->p->C_GetInfo(&info));
    ct_note(cx, "3.0 interface's C_GetInfo reports %u.%u", info.cryptokiVersion.major,
            info.cryptokiVersion.minor);
    ct_check(cx, info.cryptokiVersion.major == 3, "its C_GetInfo does not report 3.x");
}

/* ---- fork() in the middle of a session ---- */

struct fork_ctx {
    CK_SESSION_HANDLE s;
};

/* In the child: the parent's initialization is not ours. */
static void
fork_child(struct cx *cx, const void *arg)
{
    const struct fork_ctx *fc = arg;
    CK_SESSION_INFO si;
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    ct_rv(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(fc->s, &si),
          CKR_CRYPTOKI_NOT_INITIALIZED);
    ct_rv(cx, FN_C_GetSlotList, cx->p->C_GetSlotList(CK_TRUE, slots, &n),
          CKR_CRYPTOKI_NOT_INITIALIZED);
    CK_BYTE sig[64];
    CK_ULONG len = sizeof sig;
    CK_BYTE data[32] = {0};
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(fc->s, data, sizeof data, sig, &len),
          CKR_CRYPTOKI_NOT_INITIALIZED);
    ct_init(cx);
    /* A separate application: it logs in itself even though the parent is. */
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_check(cx, ct_state(cx, s) == CKS_RW_PUBLIC_SESSION, "the child inherited a login");
    ct_login(cx, s, CKU_USER);
}

static void
case_fork(struct cx *cx, const void *arg)
{
    (void)arg;
    if (cx->iface != NULL && (cx->iface->flags & CKF_INTERFACE_FORK_SAFE))
        ct_skip(cx, "the interface is CKF_INTERFACE_FORK_SAFE: a child keeps its sessions");
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_ecdsa, priv));
    struct fork_ctx fc = {s};
    ct_subprocess(cx, "child", fork_child, &fc);
    /* The parent's session, login and active operation are untouched. */
    ct_check(cx, ct_state(cx, s) == CKS_RW_USER_FUNCTIONS, "the parent's login changed");
    CK_BYTE data[32] = {1}, sig[64];
    CK_ULONG len = sizeof sig;
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(s, data, sizeof data, sig, &len), CKR_OK);
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(s, &fx_ecdsa, pub));
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(s, data, sizeof data, sig, len), CKR_OK);
}

void
cases_interface_register(void)
{
    ct_register("5.4.5", "C_GetInterfaceList: NULL count, size query, too small, lists 3.0",
                case_interface_list, NULL);
    ct_register("5.4.6", "C_GetInterface: NULL out, default, 3.0, unknown name/version, flags",
                case_interface_get, NULL);
    ct_register("5.4.6", "C_GetInterface(\"PKCS 11\", 2.40) and its C_GetInfo version",
                case_interface_240, NULL);
    ct_register("5.4.6", "the 3.0 interface is fully populated and C_GetInfo reports 3.x",
                case_interface_full, NULL);
    ct_register("PKCS11-UG",
                "fork: the child gets CKR_CRYPTOKI_NOT_INITIALIZED until it calls "
                "C_Initialize; the parent's session and operation survive",
                case_fork, NULL);
}
