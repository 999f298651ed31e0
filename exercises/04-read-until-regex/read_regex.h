/* read_regex.h - read until the buffer matches a regular expression:
 * Tornado's IOStream.read_until_regex(regex, max_bytes), on chapter 4's
 * IOStream. Exercise 04-read-until-regex; this header is given.
 *
 *     static void on_head(struct iostream *s, int status, const char *data,
 *                         size_t len, void *arg)
 *     {
 *         if (status < 0)              // closed, too long, or an error
 *             return;
 *         ... data[0..len) ends where the match ends: "\r\n\r\n", "\n\n"
 *             or "\r\n\n"; the bytes after it wait for the next read ...
 *     }
 *
 *     iostream_read_until_regex(s, "\r?\n\r?\n", 65536, on_head, arg);
 */
#ifndef EX04_READ_REGEX_H
#define EX04_READ_REGEX_H

#include "iostream.h"

#include <stddef.h>

/* Read until the buffer matches pattern, a POSIX extended regex
 * (REG_EXTENDED; write control bytes as C escapes, "\r?\n"). callback gets
 * the bytes up to the END of the leftmost match; the rest stay buffered
 * for the next read. The bytes may be anything, NULs included. '$' never
 * matches: the end of the buffer is not the end of the stream.
 *
 * max_bytes 0 means no limit but the stream's buffer; a read that cannot
 * match within max_bytes fails with EMSGSIZE and closes the stream
 * (Tornado: UnsatisfiableReadError).
 *
 * 0, or -1 with errno: EINVAL if pattern does not compile, or matches the
 * empty string (an empty read would end nothing); EBUSY if a read is
 * pending; EPIPE if the stream is closed; ENOMEM.
 *
 * Ownership: the compiled regex belongs to the read. It lives until the
 * read ends and is freed exactly once, whichever way it ends: a match,
 * an error or a close (after callback has returned), or iostream_free()
 * with the read still pending (callback never runs then). On -1 it is
 * already freed; nothing is left for the caller to free. */
int iostream_read_until_regex(struct iostream *s, const char *pattern,
                              size_t max_bytes, iostream_read_fn *callback,
                              void *arg);

#endif
