/* iostream.h - a buffered, non-blocking stream over a descriptor.
 * Tornado's tornado.iostream.IOStream, in C, on chapter 3's IOLoop.
 *
 *     static void on_head(struct iostream *s, int status, const char *data,
 *                         size_t len, void *arg)
 *     {
 *         if (status < 0)                    // closed, too long, or an error
 *             return;                        // (the close callback follows)
 *         ... data[0..len) is the head, "\r\n\r\n" included; it is only
 *             valid during this call ...
 *         iostream_write(s, reply, reply_len, on_written, arg);
 *     }
 *
 *     struct iostream *s = iostream_new(loop, fd);   // takes fd
 *     iostream_set_close_callback(s, on_close, arg); // on_close frees s
 *     iostream_read_until(s, "\r\n\r\n", 65536, on_head, arg);
 *
 * One read and any number of writes may be pending at a time. Callbacks
 * carry a status (0, or -1 with errno) and the caller's void *arg, so that
 * chapter 5 can resolve a Future from any of them without changing this
 * module. A callback never runs inside the call that registered it: a read
 * that the buffer already satisfies is delivered from an ioloop callback on
 * the next iteration, without a system call.
 *
 * Backpressure both ways: the stream asks the loop for READ while a read
 * is pending, or while its buffer is empty (to see the peer close); never
 * while unread bytes wait with no read for them. WRITE only while output
 * the kernel refused is queued. The read buffer is allocated when bytes
 * arrive and released when it empties, so an idle connection costs the
 * struct and nothing else.
 */
#ifndef CH04_IOSTREAM_H
#define CH04_IOSTREAM_H

#include "ioloop.h"

#include <stddef.h>
#include <stdint.h> /* SIZE_MAX */

#define IOSTREAM_DEFAULT_MAX_BUFFER (100 * 1024 * 1024) /* Tornado's 100 MB */
#define IOSTREAM_MAX_DELIMITER 16 /* read_until copies its delimiter inline */

struct iostream;

/* A read finished: status 0 and the bytes, or -1 with errno: ECONNRESET
 * (closed before the read could finish; EOF for read_until_close is a
 * success), EMSGSIZE (max_bytes or max_buffer_size exceeded: the stream is
 * then closed), or the socket's error. data is valid only during the call;
 * the bytes are consumed from the buffer when it returns. */
typedef void iostream_read_fn(struct iostream *s, int status, const char *data,
                              size_t len, void *arg);

/* Everything written so far has reached the kernel (status 0), or the
 * stream failed first (-1 with errno: EPIPE, ECONNRESET...). */
typedef void iostream_write_fn(struct iostream *s, int status, void *arg);

/* The stream has closed, by either side. Runs once, from an ioloop
 * callback, after any pending read or write callback got its error. This is
 * where the owner calls iostream_free(). */
typedef void iostream_close_fn(struct iostream *s, void *arg);

/* Wrap a connected descriptor (made non-blocking here). The stream owns fd
 * from now on. NULL with errno on failure (fd is then closed). */
struct iostream *iostream_new(struct ioloop *loop, int fd);

/* Free a stream, closing it first if needed (no callback runs then). Safe
 * from any of its callbacks; free streams before their loop. */
void iostream_free(struct iostream *s);

/* Reads. EBUSY if a read is already pending; EPIPE if closed. read_until
 * copies delimiter (1..IOSTREAM_MAX_DELIMITER bytes, else EINVAL); its
 * max_bytes 0 means no limit but max_buffer_size. */
int iostream_read_until(struct iostream *s, const char *delimiter,
                        size_t max_bytes, iostream_read_fn *callback,
                        void *arg);
/* Where a match ends in data[0..len): the length of the read it
 * completes, or 0 for none yet. Matches that start before `from` were
 * ruled out by an earlier call, so only data[from..len) needs a look.
 * match_arg is the one given to iostream_read_until_match() (which may
 * be the read's arg, as http1connection.c's is). A matcher may also end the
 * read early (return len) when it can tell that no match will come in
 * time: its callback then decides, and can still answer on the stream,
 * which max_bytes or the buffer's limit would have closed. */
typedef size_t iostream_match_fn(const char *data, size_t len, size_t from,
                                 void *match_arg);
/* Releases a matcher's match_arg (a compiled regex) when the read ends. */
typedef void iostream_match_free_fn(void *match_arg);

/* lookback for a match of unbounded length (a regex): from is then always
 * 0, and each search covers the whole buffer again, as Tornado's does. */
#define IOSTREAM_LOOKBACK_ALL SIZE_MAX

/* read_until with a matcher in place of a fixed delimiter, for an end that
 * has more than one spelling: an HTTP head ends at "\r\n\r\n" or, from a
 * lenient client, "\n\n". lookback is how many bytes before the last
 * search the matcher must see again (the longest match minus one), or
 * IOSTREAM_LOOKBACK_ALL. Once this returns 0 the stream owns match_arg:
 * match_free (if not NULL) gets it exactly once, after the read's callback
 * has returned, or in iostream_free() if the read is still pending. On -1
 * the caller keeps it. Tornado: read_until_regex, with any matcher. */
int iostream_read_until_match(struct iostream *s, iostream_match_fn *match,
                              iostream_match_free_fn *match_free,
                              void *match_arg, size_t lookback,
                              size_t max_bytes, iostream_read_fn *callback,
                              void *arg);

int iostream_read_bytes(struct iostream *s, size_t n,
                        iostream_read_fn *callback, void *arg);
int iostream_read_until_close(struct iostream *s, iostream_read_fn *callback,
                              void *arg);

/* Queue len bytes (copied) for writing. callback (may be NULL) runs once
 * these bytes, and all queued before them, have reached the kernel.
 * EPIPE if closed; a failure after that reaches callback and closes.
 * Called from outside the stream's callbacks, a write into an empty queue
 * is sent at once. From inside them it waits until the loop is about to
 * sleep (a before-poll hook, chapter 3), so that everything the turn
 * wrote leaves in one send(); and while the stream still has a read to
 * deliver from its buffer, one turn more, so that what that read's
 * callback writes joins it. */
int iostream_write(struct iostream *s, const void *data, size_t len,
                   iostream_write_fn *callback, void *arg);

/* Call callback once everything written so far has reached the kernel
 * (status 0), or the stream has failed first (-1): a barrier, with no
 * bytes of its own. EPIPE if closed, EINVAL without a callback. */
int iostream_on_drained(struct iostream *s, iostream_write_fn *callback,
                        void *arg);

/* Close now: remove the handler, close the descriptor, fail what is
 * pending, and schedule the close callback. Harmless if already closed.
 * Writes made earlier in the same callback, not yet tried, get their
 * send() first, as they would have at once outside a callback; what the
 * kernel does not take is dropped (as Tornado's close drops it). To close
 * after a large answer, close from its write's callback. */
void iostream_close(struct iostream *s);

void iostream_set_close_callback(struct iostream *s, iostream_close_fn *fn,
                                 void *arg);
int iostream_closed(const struct iostream *s);
/* Why the stream closed: 0 for a clean EOF or iostream_close(), else the
 * errno (Tornado: IOStream.error). */
int iostream_error(const struct iostream *s);
/* The descriptor, or -1 once closed. */
int iostream_fd(const struct iostream *s);
/* Bytes queued and not yet written. */
size_t iostream_write_pending(const struct iostream *s);
/* The read buffer's limit (default IOSTREAM_DEFAULT_MAX_BUFFER). */
void iostream_set_max_buffer_size(struct iostream *s, size_t max);

#endif
