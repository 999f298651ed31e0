/* gen_stream.c - IOStream reads and writes that a coroutine waits for:
 * a future per call, resolved by the stream's callback. Tornado: the
 * Futures IOStream's read_until, read_bytes and write return. */
#include "gen_stream.h"

#include "future.h"
#include "gen.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One pending read. The stream holds it (as the read's arg and its
 * match_arg) until match_free; the future is what the coroutine awaits. */
struct gen_stream_read {
    struct iostream *s;
    struct future *f;   /* the record's reference */
    struct buffer *out; /* the caller's: written only while f is pending */
    char delimiter[IOSTREAM_MAX_DELIMITER];
    size_t delimiter_len; /* read_until */
    size_t n;             /* read_bytes */
};

static size_t match_delimiter(const char *data, size_t len, size_t from,
                              void *arg)
{
    const struct gen_stream_read *r = arg;
    const char *at = memmem(data + from, len - from, r->delimiter,
                            r->delimiter_len);

    return at ? (size_t)(at - data) + r->delimiter_len : 0;
}

/* read_bytes as a matcher: it ends the read once n bytes are there. The
 * matcher form is for its match_free, which iostream_free() calls too:
 * iostream_read_bytes has no such hook, and a record it held would leak
 * with a stream freed mid-read. */
static size_t match_bytes(const char *data, size_t len, size_t from,
                          void *arg)
{
    const struct gen_stream_read *r = arg;

    (void)data;
    (void)from;
    return len >= r->n ? r->n : 0;
}

/* The stream's read callback: the coroutine is still waiting unless f
 * was cancelled, so out is still alive exactly when f is pending. */
static void on_read(struct iostream *s, int status, const char *data,
                    size_t len, void *arg)
{
    struct gen_stream_read *r = arg;
    int error = status < 0 ? (errno ? errno : EPIPE) : 0;

    (void)s;
    if (future_done(r->f))
        return;
    if (!error && buffer_append(r->out, data, len) < 0)
        error = ENOMEM;
    future_settle(r->f, error);
}

/* The stream is done with the record: after the read's callback, or in
 * iostream_free() with the read still pending (the coroutine then gets
 * EPIPE rather than a wait for ever). */
static void read_free(void *arg)
{
    struct gen_stream_read *r = arg;

    future_settle(r->f, EPIPE);
    future_unref(r->f);
    free(r);
}

/* The waiting coroutine is cancelled: it gets ECANCELED now, and the
 * stream, whose read goes on pending, is closed; the read's callback
 * then comes with an error and finds f done. */
static int cancel_read(struct future *f, void *arg)
{
    struct gen_stream_read *r = arg;

    future_settle(f, ECANCELED);
    iostream_close(r->s);
    return 1;
}

/* Start the read r describes and wait for it. r is ours until
 * iostream_read_until_match takes it. */
static int read_and_wait(struct gen_stream_read *r, iostream_match_fn *match,
                         size_t lookback, size_t max_bytes)
{
    struct ioloop *loop = gen_loop();
    struct future *f;
    int error;

    if (!loop) {
        log_error("gen_stream: not inside a coroutine (start one with "
                  "gen_spawn)");
        free(r);
        return EPERM;
    }
    if (!(r->f = future_new(loop))) {
        free(r);
        return ENOMEM;
    }
    if (iostream_read_until_match(r->s, match, read_free, r, lookback,
                                  max_bytes, on_read, r) < 0) {
        error = errno;
        future_unref(r->f);
        free(r);
        return error;
    }
    future_set_cancel_hook(r->f, cancel_read, r);
    f = future_ref(r->f); /* the record may go before we look at f */
    error = gen_await(f, NULL);
    future_unref(f);
    return error;
}

static struct gen_stream_read *read_new(struct iostream *s,
                                        struct buffer *out)
{
    struct gen_stream_read *r = calloc(1, sizeof *r);

    if (r) {
        r->s = s;
        r->out = out;
    }
    return r;
}

int gen_stream_read_until(struct iostream *s, const char *delimiter,
                          size_t max_bytes, struct buffer *out)
{
    size_t dlen = delimiter ? strlen(delimiter) : 0;
    struct gen_stream_read *r;

    if (dlen == 0 || dlen > IOSTREAM_MAX_DELIMITER)
        return EINVAL;
    if (!(r = read_new(s, out)))
        return ENOMEM;
    memcpy(r->delimiter, delimiter, dlen);
    r->delimiter_len = dlen;
    return read_and_wait(r, match_delimiter, dlen - 1, max_bytes);
}

int gen_stream_read_bytes(struct iostream *s, size_t n, struct buffer *out)
{
    struct gen_stream_read *r;

    if (n == 0)
        return EINVAL;
    if (!(r = read_new(s, out)))
        return ENOMEM;
    r->n = n;
    return read_and_wait(r, match_bytes, IOSTREAM_LOOKBACK_ALL, 0);
}

/* ---- writes ---- */

/* A write's record is only its future: the stream's write callback holds
 * it (one reference) and frees it. */
static void on_written(struct iostream *s, int status, void *arg)
{
    struct future *f = arg;

    (void)s;
    future_settle(f, status < 0 ? (errno ? errno : EPIPE) : 0);
    future_unref(f);
}

int gen_stream_write(struct iostream *s, const void *data, size_t len)
{
    struct ioloop *loop = gen_loop();
    struct future *f;
    int error;

    if (!loop) {
        log_error("gen_stream_write: not inside a coroutine");
        return EPERM;
    }
    if (!(f = future_new(loop)))
        return ENOMEM;
    if (iostream_write(s, data, len, on_written, f) < 0) {
        error = errno;
        future_unref(f);
        return error;
    }
    return gen_await_operation(f); /* cancelled: the bytes still go */
}
