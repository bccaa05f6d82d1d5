/* report.c: the one-line error format of the credtoken tool. */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>

#include "module.h"

void
report_rv(CK_RV rv, const char *fmt, ...)
{
    va_list ap;
    fputs("credtoken: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (ckr_is_known(rv))
        fprintf(stderr, ": %s\n", ckr_name(rv));
    else
        fprintf(stderr, ": %s (0x%08lx)\n", ckr_name(rv), (unsigned long)rv);
}

void
report_error(const char *fmt, ...)
{
    va_list ap;
    fputs("credtoken: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
report_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("credtoken: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
