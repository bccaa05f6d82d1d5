/*
 * calls.h: one well-formed invocation of every function of the 3.0 list
 * (but C_Initialize, C_GetFunctionList, C_GetInterfaceList and
 * C_GetInterface, which may be called at any time). The arguments are valid
 * apart from what the caller passes in call_args, so the table-driven cases
 * (before C_Initialize, after C_Finalize, invalid or closed session handle)
 * change exactly one thing. Pointers always point at real buffers.
 */
#ifndef CT_CONF_CALLS_H
#define CT_CONF_CALLS_H

#include "harness.h"

struct call_args {
    CK_SESSION_HANDLE s;
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE obj;
};

struct call {
    enum fn fn;
    CK_RV (*call)(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a);
};

extern const struct call calls[];
extern const size_t ncalls;

/* The entry for f, or NULL. */
const struct call *call_find(enum fn f);

#endif
