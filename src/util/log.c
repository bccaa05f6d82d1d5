#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int log_level_cur = LOG_ERR;

void
log_init(void)
{
    const char *v = secure_getenv("CREDTOKEN_DEBUG");
    log_level_cur = (v != NULL && v[0] >= '0' && v[0] <= '9') ? v[0] - '0' : LOG_ERR;
}

int
log_enabled(enum log_level level)
{
    return (int)level <= log_level_cur;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level)) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One write per line so concurrent processes do not interleave mid-line. */
    fprintf(stderr, "credtoken: %s\n", line);
}
