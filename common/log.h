/* log.h - timestamped log lines on stderr, and die() for a program's main.
 *
 *     log_info("listening on port %d", port);
 *     log_warn("fd %d >= FD_SETSIZE, closing it", fd);
 *     log_error_errno("accept");          // "accept: Too many open files"
 *     if (fd < 0) die("cannot listen on %s:%d", host, port);
 *
 * The line format copies Tornado's default log format, so a reader who has
 * seen Tornado's logs recognises it:  [I 261127 12:53:49 server] message
 * Library code logs and returns -1; only main() may call die().
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdnoreturn.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the program name shown in each line (default "server") and the lowest
 * level printed (default LOG_INFO; the environment variable LOG_LEVEL=debug
 * lowers it). */
void log_setup(const char *program);

void log_at(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether a line at level would be printed: a caller skips preparing its
 * arguments (a clock read, a computed value) for a line that is dropped. */
int log_enabled(enum log_level level);

#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)

/* Send each line's message (no stamp, no newline) to sink instead of
 * stderr; NULL: stderr again. For tests that compare what a program logs
 * with what Tornado logs (tests/tornado/). die() always writes stderr. */
typedef void log_sink_fn(enum log_level level, const char *message);
void log_set_sink(log_sink_fn *sink);

/* Log "what: strerror(errno)" at LOG_ERROR; errno is left unchanged. */
void log_error_errno(const char *what);

/* Log at LOG_ERROR (with strerror(errno) appended when errno is set) and
 * exit(1). For main() only. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
