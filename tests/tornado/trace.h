/* trace.h - the C side of tests/tornado/: print a scenario's events in the
 * same words as semantics.py, so that the two traces can be compared line
 * for line (see README.md).
 *
 *     static const struct trace_error names[] = {
 *         {EDOM, "ValueError a"}, {ERANGE, "ValueError b"}, {0}};
 *     trace_start(names);
 *     say("raising %s", "a");           // "raising a"
 *     trace_error(NULL, EDOM);          // "error: ValueError a"
 *     trace_error("getter", ECANCELED); // "getter cancelled"
 *
 * Errors are errno values in C. A scenario names the codes it uses for
 * Python's exceptions in a table; ETIMEDOUT is Tornado's TimeoutError and
 * ECANCELED prints "cancelled", as in semantics.py. What chapter 5 logs
 * (log_error) is printed as semantics.py's LogLine prints what Tornado
 * logs: "logged: MESSAGE: Name", with the strerror() text at the end of
 * the message replaced by the code's name.
 */
#ifndef TESTS_TORNADO_TRACE_H
#define TESTS_TORNADO_TRACE_H

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct trace_error {
    int code;
    const char *name; /* "ValueError boom", "QueueFull" */
};

static const struct trace_error *trace_names;

/* One event: a line on stdout, flushed (so that log lines keep their
 * place among the events). */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* Python's name for an error code, as "error: NAME" prints it. */
static const char *trace_error_name(int code)
{
    for (const struct trace_error *e = trace_names; e && e->code; e++)
        if (e->code == code)
            return e->name;
    if (code == ETIMEDOUT)
        return "TimeoutError";
    return strerror(code);
}

/* "cancelled" or "error: NAME", after who if not NULL. */
static void trace_error(const char *who, int code)
{
    const char *sep = who ? " " : "";

    who = who ? who : "";
    if (code == ECANCELED)
        say("%s%scancelled", who, sep);
    else
        say("%s%serror: %s", who, sep, trace_error_name(code));
}

/* A log line as semantics.py's LogLine prints Tornado's: "logged: " and
 * the message, its trailing strerror() text named as above. */
static void trace_log_sink(enum log_level level, const char *message)
{
    size_t len = strlen(message);

    (void)level;
    for (const struct trace_error *e = trace_names; e && e->code; e++) {
        const char *text = strerror(e->code);
        size_t n = strlen(text);
        if (len >= n && strcmp(message + len - n, text) == 0) {
            say("logged: %.*s%s", (int)(len - n), message, e->name);
            return;
        }
    }
    say("logged: %s", message);
}

/* Before a scenario runs: its error names, and the log sink. */
static void trace_start(const struct trace_error *names)
{
    trace_names = names;
    log_set_sink(trace_log_sink);
}

#endif
