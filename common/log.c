/* log.c - timestamped log lines on stderr in Tornado's format. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *log_program = "server";
static enum log_level log_threshold = LOG_INFO;
static log_sink_fn *log_sink;

void log_setup(const char *program)
{
    const char *level = getenv("LOG_LEVEL");

    log_program = program;
    if (level && strcasecmp(level, "debug") == 0)
        log_threshold = LOG_DEBUG;
}

/* One fprintf per line: stderr is unbuffered, and a single call keeps the
 * lines of forked workers (chapter 6) from interleaving mid-line. */
static void log_vprint(enum log_level level, const char *fmt, va_list ap,
                       const char *suffix)
{
    static const char letters[] = "DIWE";
    char stamp[32], message[1024];
    time_t now = time(NULL);
    struct tm tm;

    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%y%m%d %H:%M:%S", &tm);
    vsnprintf(message, sizeof message, fmt, ap);
    if (log_sink) {
        log_sink(level, message);
        return;
    }
    fprintf(stderr, "[%c %s %s] %s%s%s\n", letters[level], stamp, log_program,
            message, suffix ? ": " : "", suffix ? suffix : "");
}

void log_set_sink(log_sink_fn *sink)
{
    log_sink = sink;
}

int log_enabled(enum log_level level)
{
    return level >= log_threshold;
}

void log_at(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    if (level < log_threshold)
        return;
    va_start(ap, fmt);
    log_vprint(level, fmt, ap, NULL);
    va_end(ap);
}

void log_error_errno(const char *what)
{
    int saved = errno;

    log_error("%s: %s", what, strerror(saved));
    errno = saved;
}

noreturn void die(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    log_sink = NULL; /* a program's last words go to stderr */
    va_start(ap, fmt);
    log_vprint(LOG_ERROR, fmt, ap, saved ? strerror(saved) : NULL);
    va_end(ap);
    exit(1);
}
