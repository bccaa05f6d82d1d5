/* unit.h: what the unit suites share: CK_RV assertions that name the call,
 * and a way to silence the log lines a test provokes on purpose. */
#ifndef CREDTOKEN_TESTS_UNIT_H
#define CREDTOKEN_TESTS_UNIT_H

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "credtoken/pkcs11.h"

#define ck_assert_rv(expr, want)                                                                   \
    do {                                                                                           \
        CK_RV got_ = (expr), want_ = (want);                                                       \
        ck_assert_msg(got_ == want_, "%s: 0x%lx, expected 0x%lx", #expr, got_, want_);             \
    } while (0)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Send stderr to /dev/null until quiet_end(); returns what to restore. */
static inline int
quiet_begin(void)
{
    fflush(stderr);
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(devnull, 0);
    dup2(devnull, 2);
    close(devnull);
    return saved;
}

static inline void
quiet_end(int saved)
{
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
}

#endif
