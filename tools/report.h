/*
 * report.h: how the credtoken tool reports failure.
 *
 * Every failure prints exactly one line on stderr, "credtoken: <what>", or
 * "credtoken: <what failed>: <CKR_NAME>" when the module returned the error,
 * and the command then exits with REPORT_EXIT_FAIL (REPORT_EXIT_USAGE for a
 * bad command line). The function that detects a failure reports it; its
 * callers only propagate the status (-1 for helpers, an exit status for
 * commands), so a failure is never reported twice.
 */
#ifndef CREDTOKEN_TOOL_REPORT_H
#define CREDTOKEN_TOOL_REPORT_H

#include <credtoken/pkcs11.h>

enum { REPORT_EXIT_OK = 0, REPORT_EXIT_FAIL = 1, REPORT_EXIT_USAGE = 2 };

/* "credtoken: <fmt...>: CKR_NAME". An unknown value is shown in hex. */
void report_rv(CK_RV rv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "credtoken: <fmt...>". */
void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "credtoken: warning: <fmt...>". A warning does not change the exit status. */
void report_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
