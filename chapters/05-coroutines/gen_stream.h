/* gen_stream.h - chapter 4's IOStream, read and written from inside a
 * coroutine: each call waits for its callback, and returns 0 or an error.
 * Tornado: `await stream.read_until(...)`, `await stream.write(...)`, the
 * Futures that IOStream's methods return.
 *
 *     static int echo_line(void *arg, void **result)
 *     {
 *         struct iostream *s = arg;
 *         struct buffer line;
 *         int err;
 *
 *         buffer_init(&line);
 *         err = gen_stream_read_until(s, "\n", 4096, &line);   // waits
 *         if (!err)
 *             err = gen_stream_write(s, buffer_data(&line), buffer_len(&line));
 *         buffer_free(&line);
 *         *result = NULL;
 *         return err;          // ECONNRESET, EPIPE, ECANCELED... or 0
 *     }
 *
 *     struct future *f = gen_spawn(loop, "echo", echo_line, stream);
 *
 * Each call makes a future, starts the stream's operation with a callback
 * that resolves it, and gen_await()s it: a coroutine waiting here is
 * cancelled like any other (ECANCELED).
 *
 * Errors: 0 on success; the errno of the stream's callback (ECONNRESET:
 * closed before the read could finish; EMSGSIZE: past max_bytes, and the
 * stream is then closed); EPIPE for a stream already closed; EBUSY while
 * another read is pending; EPERM outside a coroutine. A closed stream is
 * always an error, never a wait for ever.
 *
 * Ownership: the bytes a read returns are appended to the caller's
 * buffer out (common/buffer.h), which the caller owns and frees; they
 * are appended when they arrive, so a call that returns 0 has them all,
 * and one cancelled after they came (before the coroutine ran again)
 * returns ECANCELED with them in out. A write copies its bytes (as
 * iostream_write does). The stream stays the caller's.
 *
 * Cancellation: the operation's record lives on the heap, not on the
 * coroutine's stack, and the stream's callback holds it, so a callback
 * that comes after the coroutine has gone touches nothing of it.
 *   - A read cancelled while it waits returns ECANCELED and closes the
 *     stream: its read is still pending inside the stream, and where the
 *     next one would start is unknowable; bytes that had not come are
 *     never appended.
 *   - A write cancelled returns ECANCELED; its bytes are queued already
 *     and go on out (Tornado's write does not take them back).
 *   - iostream_free() with a read pending: the read's record is released
 *     there (iostream_read_until_match's match_free), and the coroutine
 *     waiting on it gets EPIPE. With a write pending, free the stream
 *     from its close callback, as iostream.h asks: by then every pending
 *     write callback has run, and released its record.
 */
#ifndef CH05_GEN_STREAM_H
#define CH05_GEN_STREAM_H

#include "buffer.h"
#include "iostream.h"

#include <stddef.h>

/* Read up to and including delimiter (1..IOSTREAM_MAX_DELIMITER bytes,
 * else EINVAL), appending it to out. max_bytes 0: no limit but the
 * stream's buffer size. Tornado: await stream.read_until(). */
int gen_stream_read_until(struct iostream *s, const char *delimiter,
                          size_t max_bytes, struct buffer *out);

/* Read exactly n bytes (n > 0, else EINVAL), appending them to out.
 * Tornado: await stream.read_bytes(n). */
int gen_stream_read_bytes(struct iostream *s, size_t n, struct buffer *out);

/* Queue len bytes (copied) and wait until they, and all written before
 * them, have reached the kernel. Tornado: await stream.write(data). */
int gen_stream_write(struct iostream *s, const void *data, size_t len);

#endif
