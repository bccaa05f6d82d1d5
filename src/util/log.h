/*
 * log.h: diagnostics on stderr.
 *
 * Level comes from CREDTOKEN_DEBUG (0 = errors only, 1 = warnings,
 * 2 = every C_* return value) read once with secure_getenv. Never pass a
 * secret to these functions: the format arguments are printed verbatim.
 */
#ifndef CT_UTIL_LOG_H
#define CT_UTIL_LOG_H

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_DEBUG = 2 };

/* (Re)read CREDTOKEN_DEBUG. Called from C_Initialize; thread-safe afterwards. */
void log_init(void);

/* Non-zero when messages at this level are printed. */
int log_enabled(enum log_level level);

/* Print "credtoken: <message>\n" on stderr when the level is enabled. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
