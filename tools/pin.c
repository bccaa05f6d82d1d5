/* pin.c: read a PIN from a file or from the terminal, never from argv. */
#include "pin.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "report.h"

void
pin_wipe(struct pin *p)
{
    explicit_bzero(p, sizeof(*p));
}

/*
 * Keep the first line of the n bytes in p->buf, without its trailing CR/LF,
 * and wipe the rest. A line with no LF is whole only at end of input.
 */
static int
pin_take_line(struct pin *p, size_t n, int eof)
{
    size_t e = 0;

    while (e < n && p->buf[e] != '\n')
        e++;
    if (e == n && !eof) return -1;
    while (e > 0 && p->buf[e - 1] == '\r')
        e--;
    if (e > PIN_MAX) return -1;
    explicit_bzero(p->buf + e, sizeof(p->buf) - e);
    p->len = e;
    return 0;
}

static int
pin_read_file(struct pin *p, const char *file, const char *what)
{
    struct stat st;
    size_t n = 0;
    int eof = 0, rc = -1;
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0 || fstat(fd, &st) != 0) {
        report_error("cannot open %s file %s: %s", what, file, strerror(errno));
        goto out;
    }
    /* A pipe (--pin-file <(pass show x)) has no meaningful mode. */
    if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
        report_warn("%s file %s is readable by group or others", what, file);
    while (n < sizeof(p->buf) - 1 && memchr(p->buf, '\n', n) == NULL) {
        ssize_t r = read(fd, p->buf + n, sizeof(p->buf) - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            report_error("cannot read %s file %s: %s", what, file, strerror(errno));
            goto out;
        }
        if (r == 0) {
            eof = 1;
            break;
        }
        n += (size_t)r;
    }
    if (pin_take_line(p, n, eof) != 0) {
        report_error("%s in %s is longer than %d bytes", what, file, PIN_MAX);
        goto out;
    }
    if (p->len == 0) {
        report_error("empty %s in %s", what, file);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0) close(fd);
    if (rc != 0) pin_wipe(p);
    return rc;
}

/* The signals that would otherwise leave the terminal with echo off. */
static const int pin_signals[] = {SIGALRM, SIGHUP,  SIGINT,  SIGPIPE, SIGQUIT,
                                  SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
#define PIN_NSIG (sizeof(pin_signals) / sizeof(pin_signals[0]))

static volatile sig_atomic_t pin_signo;

static void
pin_on_signal(int signo)
{
    pin_signo = signo;
}

struct pin_tty {
    struct termios saved;
    struct sigaction old[PIN_NSIG];
};

static int
pin_tty_enter(struct pin_tty *t)
{
    struct termios quiet;
    struct sigaction sa;

    if (tcgetattr(STDIN_FILENO, &t->saved) != 0) return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = pin_on_signal; /* no SA_RESTART: read() must return */
    sigemptyset(&sa.sa_mask);
    pin_signo = 0;
    for (size_t i = 0; i < PIN_NSIG; i++)
        sigaction(pin_signals[i], &sa, &t->old[i]);
    quiet = t->saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0) return 0;
    for (size_t i = 0; i < PIN_NSIG; i++)
        sigaction(pin_signals[i], &t->old[i], NULL);
    return -1;
}

/* Restore the terminal, then the handlers, then deliver a signal that came. */
static void
pin_tty_leave(struct pin_tty *t)
{
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
    fputc('\n', stderr);
    for (size_t i = 0; i < PIN_NSIG; i++)
        sigaction(pin_signals[i], &t->old[i], NULL);
    if (pin_signo != 0) raise(pin_signo);
}

/* Read one line from the terminal into p->buf, without its LF; returns its length or -1. */
static long
pin_tty_line(struct pin *p)
{
    unsigned char c = 0;
    size_t n = 0;

    for (;;) {
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == EINTR && pin_signo == 0) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        if (c == '\n') break;
        if (n < sizeof(p->buf) - 1) p->buf[n++] = c;
    }
    explicit_bzero(&c, sizeof(c));
    return (long)n;
}

static int
pin_prompt(struct pin *p, const char *what, const char *again)
{
    struct pin_tty t;
    long n;

    if (pin_tty_enter(&t) != 0) {
        report_error("cannot turn off terminal echo: %s", strerror(errno));
        return -1;
    }
    fprintf(stderr, "%s%s: ", what, again);
    fflush(stderr);
    n = pin_tty_line(p);
    pin_tty_leave(&t);
    if (n < 0 || pin_signo != 0) {
        report_error("%s entry interrupted", what);
        goto fail;
    }
    if (pin_take_line(p, (size_t)n, 1) != 0) {
        report_error("%s is longer than %d bytes", what, PIN_MAX);
        goto fail;
    }
    if (p->len == 0) {
        report_error("empty %s", what);
        goto fail;
    }
    return 0;
fail:
    pin_wipe(p);
    return -1;
}

/* Constant time over the whole buffer: both are zero past their length. */
static int
pin_equal(const struct pin *a, const struct pin *b)
{
    unsigned d = a->len != b->len ? 1u : 0u;

    for (size_t i = 0; i < sizeof(a->buf); i++)
        d |= (unsigned)(a->buf[i] ^ b->buf[i]);
    return d == 0;
}

int
pin_read(struct pin *p, const char *file, const char *what, const char *option, int confirm)
{
    struct pin again;
    int rc = -1;

    pin_wipe(p);
    pin_wipe(&again);
    if (file != NULL) {
        rc = pin_read_file(p, file, what);
        goto out;
    }
    if (!isatty(STDIN_FILENO)) {
        report_error("no %s: use %s", what, option);
        goto out;
    }
    if (pin_prompt(p, what, "") != 0) goto out;
    if (confirm) {
        if (pin_prompt(&again, what, " (again)") != 0) goto out;
        if (!pin_equal(p, &again)) {
            report_error("the two %ss differ", what);
            goto out;
        }
    }
    rc = 0;
out:
    pin_wipe(&again);
    if (rc != 0) pin_wipe(p);
    return rc;
}
