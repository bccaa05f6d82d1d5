/* module.c: dlopen a PKCS#11 module, pick its function list, initialize it. */
#include "module.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#ifndef CREDTOKEN_MODULE_DEFAULT
#error "CREDTOKEN_MODULE_DEFAULT must name the installed module"
#endif

/* C_GetInterface takes a non-const name. */
static CK_UTF8CHAR module_iface_name[] = "PKCS 11";

static void
module_take_list30(struct module *m, const CK_FUNCTION_LIST_3_0 *l)
{
    m->version = l->version;
#define MODULE_COPY(name) m->C_##name = l->C_##name;
    MODULE_FUNCS(MODULE_COPY)
#undef MODULE_COPY
}

static void
module_take_list(struct module *m, const CK_FUNCTION_LIST *l)
{
    m->version = l->version;
#define MODULE_COPY(name) m->C_##name = l->C_##name;
    MODULE_FUNCS(MODULE_COPY)
#undef MODULE_COPY
}

static int
module_complete(const struct module *m)
{
    int ok = 1;
#define MODULE_CHECK(name) ok = ok && m->C_##name != NULL;
    MODULE_FUNCS(MODULE_CHECK)
#undef MODULE_CHECK
    return ok;
}

/*
 * PKCS#11 3.0 §5.4: prefer the default "PKCS 11" interface; a 2.40 module has
 * no C_GetInterface, and one whose C_GetInterface fails still has its 2.40 list.
 */
static CK_RV
module_get_list(struct module *m)
{
    CK_C_GetInterface get_iface = (CK_C_GetInterface)dlsym(m->dl, "C_GetInterface");
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList");
    CK_INTERFACE_PTR iface = NULL;
    CK_FUNCTION_LIST_PTR list = NULL;
    CK_RV rv;

    static CK_UTF8CHAR vendor[] = CT_CREDSETS_INTERFACE;
    CK_INTERFACE_PTR vi = NULL;
    if (get_iface != NULL && get_iface(vendor, NULL, &vi, 0) == CKR_OK && vi != NULL &&
        vi->pFunctionList != NULL && ((const CK_VERSION *)vi->pFunctionList)->major == 1)
        m->credsets = vi->pFunctionList;
    static CK_UTF8CHAR tokens[] = CT_TOKENS_INTERFACE;
    vi = NULL;
    if (get_iface != NULL && get_iface(tokens, NULL, &vi, 0) == CKR_OK && vi != NULL &&
        vi->pFunctionList != NULL && ((const CK_VERSION *)vi->pFunctionList)->major == 1)
        m->tokens = vi->pFunctionList;
    if (get_iface != NULL && get_iface(module_iface_name, NULL, &iface, 0) == CKR_OK &&
        iface != NULL && iface->pFunctionList != NULL) {
        const CK_VERSION *v = iface->pFunctionList; /* every list starts with its version */
        if (v->major >= 3)
            module_take_list30(m, iface->pFunctionList);
        else
            module_take_list(m, iface->pFunctionList);
        return CKR_OK;
    }
    if (get_list == NULL) return CKR_FUNCTION_NOT_SUPPORTED;
    rv = get_list(&list);
    if (rv == CKR_OK && list == NULL) rv = CKR_GENERAL_ERROR;
    if (rv == CKR_OK) module_take_list(m, list);
    return rv;
}

static const char *
module_path(const char *path)
{
    if (path != NULL) return path;
    path = secure_getenv("CREDTOKEN_MODULE");
    if (path != NULL && path[0] != '\0') return path;
    return CREDTOKEN_MODULE_DEFAULT;
}

int
module_load(struct module *m, const char *path)
{
    CK_C_INITIALIZE_ARGS args;
    CK_RV rv;

    memset(m, 0, sizeof(*m));
    path = module_path(path);
    if (path[0] == '\0') {
        report_error("empty module path");
        goto fail;
    }
    m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (m->dl == NULL) {
        const char *why = dlerror(); /* it names the path */
        report_error("cannot load module: %s", why != NULL ? why : path);
        goto fail;
    }
    rv = module_get_list(m);
    if (rv != CKR_OK) {
        report_rv(rv, "%s: no PKCS#11 function list", path);
        goto fail;
    }
    if (!module_complete(m)) {
        report_error("%s: function list has NULL entries", path);
        goto fail;
    }
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    rv = m->C_Initialize(&args);
    if (rv != CKR_OK) {
        report_rv(rv, "C_Initialize (%s)", path);
        goto fail;
    }
    m->initialized = CK_TRUE;
    return 0;
fail:
    module_unload(m);
    return -1;
}

void
module_unload(struct module *m)
{
    if (m->initialized) m->C_Finalize(NULL);
    if (m->dl != NULL) dlclose(m->dl);
    memset(m, 0, sizeof(*m));
}

struct ckr_entry {
    CK_RV rv;
    const char *name;
};

#define CKR_ENTRY(n)                                                                               \
    {                                                                                              \
        n, #n                                                                                      \
    }
static const struct ckr_entry ckr_table[] = {
    CKR_ENTRY(CKR_OK),
    CKR_ENTRY(CKR_CANCEL),
    CKR_ENTRY(CKR_HOST_MEMORY),
    CKR_ENTRY(CKR_SLOT_ID_INVALID),
    CKR_ENTRY(CKR_GENERAL_ERROR),
    CKR_ENTRY(CKR_FUNCTION_FAILED),
    CKR_ENTRY(CKR_ARGUMENTS_BAD),
    CKR_ENTRY(CKR_NO_EVENT),
    CKR_ENTRY(CKR_NEED_TO_CREATE_THREADS),
    CKR_ENTRY(CKR_CANT_LOCK),
    CKR_ENTRY(CKR_ATTRIBUTE_READ_ONLY),
    CKR_ENTRY(CKR_ATTRIBUTE_SENSITIVE),
    CKR_ENTRY(CKR_ATTRIBUTE_TYPE_INVALID),
    CKR_ENTRY(CKR_ATTRIBUTE_VALUE_INVALID),
    CKR_ENTRY(CKR_ACTION_PROHIBITED),
    CKR_ENTRY(CKR_DATA_INVALID),
    CKR_ENTRY(CKR_DATA_LEN_RANGE),
    CKR_ENTRY(CKR_DEVICE_ERROR),
    CKR_ENTRY(CKR_DEVICE_MEMORY),
    CKR_ENTRY(CKR_DEVICE_REMOVED),
    CKR_ENTRY(CKR_ENCRYPTED_DATA_INVALID),
    CKR_ENTRY(CKR_ENCRYPTED_DATA_LEN_RANGE),
    CKR_ENTRY(CKR_AEAD_DECRYPT_FAILED),
    CKR_ENTRY(CKR_FUNCTION_CANCELED),
    CKR_ENTRY(CKR_FUNCTION_NOT_PARALLEL),
    CKR_ENTRY(CKR_FUNCTION_NOT_SUPPORTED),
    CKR_ENTRY(CKR_KEY_HANDLE_INVALID),
    CKR_ENTRY(CKR_KEY_SIZE_RANGE),
    CKR_ENTRY(CKR_KEY_TYPE_INCONSISTENT),
    CKR_ENTRY(CKR_KEY_NOT_NEEDED),
    CKR_ENTRY(CKR_KEY_CHANGED),
    CKR_ENTRY(CKR_KEY_NEEDED),
    CKR_ENTRY(CKR_KEY_INDIGESTIBLE),
    CKR_ENTRY(CKR_KEY_FUNCTION_NOT_PERMITTED),
    CKR_ENTRY(CKR_KEY_NOT_WRAPPABLE),
    CKR_ENTRY(CKR_KEY_UNEXTRACTABLE),
    CKR_ENTRY(CKR_MECHANISM_INVALID),
    CKR_ENTRY(CKR_MECHANISM_PARAM_INVALID),
    CKR_ENTRY(CKR_OBJECT_HANDLE_INVALID),
    CKR_ENTRY(CKR_OPERATION_ACTIVE),
    CKR_ENTRY(CKR_OPERATION_NOT_INITIALIZED),
    CKR_ENTRY(CKR_PIN_INCORRECT),
    CKR_ENTRY(CKR_PIN_INVALID),
    CKR_ENTRY(CKR_PIN_LEN_RANGE),
    CKR_ENTRY(CKR_PIN_EXPIRED),
    CKR_ENTRY(CKR_PIN_LOCKED),
    CKR_ENTRY(CKR_SESSION_CLOSED),
    CKR_ENTRY(CKR_SESSION_COUNT),
    CKR_ENTRY(CKR_SESSION_HANDLE_INVALID),
    CKR_ENTRY(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    CKR_ENTRY(CKR_SESSION_READ_ONLY),
    CKR_ENTRY(CKR_SESSION_EXISTS),
    CKR_ENTRY(CKR_SESSION_READ_ONLY_EXISTS),
    CKR_ENTRY(CKR_SESSION_READ_WRITE_SO_EXISTS),
    CKR_ENTRY(CKR_SIGNATURE_INVALID),
    CKR_ENTRY(CKR_SIGNATURE_LEN_RANGE),
    CKR_ENTRY(CKR_TEMPLATE_INCOMPLETE),
    CKR_ENTRY(CKR_TEMPLATE_INCONSISTENT),
    CKR_ENTRY(CKR_TOKEN_NOT_PRESENT),
    CKR_ENTRY(CKR_TOKEN_NOT_RECOGNIZED),
    CKR_ENTRY(CKR_TOKEN_WRITE_PROTECTED),
    CKR_ENTRY(CKR_UNWRAPPING_KEY_HANDLE_INVALID),
    CKR_ENTRY(CKR_UNWRAPPING_KEY_SIZE_RANGE),
    CKR_ENTRY(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT),
    CKR_ENTRY(CKR_USER_ALREADY_LOGGED_IN),
    CKR_ENTRY(CKR_USER_NOT_LOGGED_IN),
    CKR_ENTRY(CKR_USER_PIN_NOT_INITIALIZED),
    CKR_ENTRY(CKR_USER_TYPE_INVALID),
    CKR_ENTRY(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    CKR_ENTRY(CKR_USER_TOO_MANY_TYPES),
    CKR_ENTRY(CKR_WRAPPED_KEY_INVALID),
    CKR_ENTRY(CKR_WRAPPED_KEY_LEN_RANGE),
    CKR_ENTRY(CKR_WRAPPING_KEY_HANDLE_INVALID),
    CKR_ENTRY(CKR_WRAPPING_KEY_SIZE_RANGE),
    CKR_ENTRY(CKR_WRAPPING_KEY_TYPE_INCONSISTENT),
    CKR_ENTRY(CKR_RANDOM_SEED_NOT_SUPPORTED),
    CKR_ENTRY(CKR_RANDOM_NO_RNG),
    CKR_ENTRY(CKR_DOMAIN_PARAMS_INVALID),
    CKR_ENTRY(CKR_CURVE_NOT_SUPPORTED),
    CKR_ENTRY(CKR_BUFFER_TOO_SMALL),
    CKR_ENTRY(CKR_SAVED_STATE_INVALID),
    CKR_ENTRY(CKR_INFORMATION_SENSITIVE),
    CKR_ENTRY(CKR_STATE_UNSAVEABLE),
    CKR_ENTRY(CKR_CRYPTOKI_NOT_INITIALIZED),
    CKR_ENTRY(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    CKR_ENTRY(CKR_MUTEX_BAD),
    CKR_ENTRY(CKR_MUTEX_NOT_LOCKED),
    CKR_ENTRY(CKR_NEW_PIN_MODE),
    CKR_ENTRY(CKR_NEXT_OTP),
    CKR_ENTRY(CKR_EXCEEDED_MAX_ITERATIONS),
    CKR_ENTRY(CKR_FIPS_SELF_TEST_FAILED),
    CKR_ENTRY(CKR_LIBRARY_LOAD_FAILED),
    CKR_ENTRY(CKR_PIN_TOO_WEAK),
    CKR_ENTRY(CKR_PUBLIC_KEY_INVALID),
    CKR_ENTRY(CKR_FUNCTION_REJECTED),
    CKR_ENTRY(CKR_TOKEN_RESOURCE_EXCEEDED),
    CKR_ENTRY(CKR_OPERATION_CANCEL_FAILED),
    CKR_ENTRY(CKR_VENDOR_DEFINED),
};
#undef CKR_ENTRY

static const char *
ckr_lookup(CK_RV rv)
{
    for (size_t i = 0; i < sizeof(ckr_table) / sizeof(ckr_table[0]); i++)
        if (ckr_table[i].rv == rv) return ckr_table[i].name;
    return NULL;
}

int
ckr_is_known(CK_RV rv)
{
    return ckr_lookup(rv) != NULL;
}

const char *
ckr_name(CK_RV rv)
{
    const char *name = ckr_lookup(rv);
    if (name != NULL) return name;
    return rv >= CKR_VENDOR_DEFINED ? "CKR_VENDOR_DEFINED" : "CKR_UNKNOWN";
}
