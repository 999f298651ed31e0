/* httpresponse.c - the answer to one request: status line, Date, framing
 * (Content-Length, chunked, or until the close), in as few send()s as the
 * handler allows. Tornado: HTTP1Connection's write_headers, write and
 * finish. */
#include "httpresponse.h"

#include "http_response.h"

#include <errno.h>
#include <string.h>

/* ---- formatting, without printf ---- */

/* n in base 10 or 16 at out (room for 20 digits); returns the length. */
static size_t put_number(char *out, uint64_t n, unsigned base)
{
    char digits[20];
    size_t len = 0;

    do {
        digits[len++] = "0123456789abcdef"[n % base];
        n /= base;
    } while (n);
    for (size_t i = 0; i < len; i++)
        out[i] = digits[len - 1 - i];
    return len;
}

/* "HTTP/1.1 STATUS Reason\r\n" and the Date line (made once a second). */
static int put_status(struct buffer *b, int status)
{
    const char *reason = http_reason(status);
    size_t reason_len = strlen(reason), date_len;
    const char *date = http_date_line(&date_len);
    char *p;

    if (buffer_reserve(b, 9 + 4 + reason_len + 2 + date_len) < 0)
        return -1;
    p = buffer_tail(b);
    memcpy(p, "HTTP/1.1 ", 9); /* our version, whatever the client's */
    p += 9;
    p += put_number(p, (uint64_t)status, 10);
    *p++ = ' ';
    memcpy(p, reason, reason_len);
    p += reason_len;
    memcpy(p, "\r\n", 2);
    memcpy(p + 2, date, date_len);
    buffer_commit(b, 9 + 4 + reason_len + 2 + date_len);
    return 0;
}

#define APPEND_LITERAL(b, s) buffer_append((b), (s), sizeof(s) - 1)

/* The framing headers and the blank line. streaming: a flush came before
 * finish, so the length is unknown: chunked in HTTP/1.1; in HTTP/1.0 the
 * close ends the body. */
static int put_framing(struct http_response *r, int streaming)
{
    char line[64];
    size_t n = 0;

    if (r->no_body) {
        /* 1xx, 204, 304: no body, so nothing to frame */
    } else if (!streaming || r->fixed_length) {
        memcpy(line, "Content-Length: ", 16);
        n = 16 + put_number(line + 16,
                            r->fixed_length ? r->content_length
                                            : r->body_count,
                            10);
        memcpy(line + n, "\r\n", 2);
        n += 2;
    } else if (r->req->version == 11) {
        memcpy(line, "Transfer-Encoding: chunked\r\n", 28);
        n = 28;
        r->chunked = 1;
    } else {
        r->keep_alive = 0;
    }
    if (buffer_append(&r->out, line, n) < 0)
        return -1;
    if (!r->keep_alive && APPEND_LITERAL(&r->out, "Connection: close\r\n") < 0)
        return -1;
    if (r->keep_alive && r->req->version == 10 &&
        APPEND_LITERAL(&r->out, "Connection: keep-alive\r\n") < 0)
        return -1;
    r->headers_sent = 1;
    return APPEND_LITERAL(&r->out, "\r\n");
}

/* Move the body written since the last flush behind the head, as a chunk
 * if chunked. */
static int put_body(struct http_response *r)
{
    size_t n = buffer_len(&r->body_out), k = 0;
    char size[24];

    if (n == 0)
        return 0;
    if (r->chunked) {
        k = put_number(size, n, 16);
        memcpy(size + k, "\r\n", 2);
        k += 2;
    }
    if (buffer_reserve(&r->out, k + n + 2) < 0)
        return -1;
    buffer_append(&r->out, size, k);
    buffer_append(&r->out, buffer_data(&r->body_out), n);
    if (r->chunked)
        buffer_append(&r->out, "\r\n", 2);
    buffer_consume(&r->body_out, n);
    return 0;
}

/* ---- on the stream ---- */

static int gone(const struct http_response *r)
{
    return !r->stream || iostream_closed(r->stream);
}

/* Memory ran out half-way through a response: it cannot be completed,
 * so the connection goes. */
static int fail(struct http_response *r)
{
    int saved = errno;

    buffer_consume(&r->out, buffer_len(&r->out));
    buffer_consume(&r->body_out, buffer_len(&r->body_out));
    if (r->stream)
        iostream_close(r->stream);
    errno = saved;
    return -1;
}

/* Queue everything in out; cb (may be NULL) when it has been sent. */
static int send_out(struct http_response *r, iostream_write_fn *cb)
{
    size_t n = buffer_len(&r->out);
    int rc = n ? iostream_write(r->stream, buffer_data(&r->out), n, cb, r)
             : cb ? iostream_on_drained(r->stream, cb, r)
                  : 0; /* nothing to send, no one to tell */

    buffer_consume(&r->out, n);
    return rc;
}

/* ---- the handler's calls, in the order it makes them ---- */

void http_response_begin(struct http_response *r, struct http_request *req,
                         struct iostream *stream,
                         http_response_finished_fn *on_finished, void *arg)
{
    r->req = req;
    r->stream = stream;
    r->held = 1;
    r->started = r->headers_sent = r->chunked = r->no_body = 0;
    r->fixed_length = r->flush_waits = 0;
    r->head_only = strcmp(req->method, "HEAD") == 0;
    r->keep_alive = req->head.keep_alive;
    r->body_count = 0;
    r->flush_fn = NULL;
    r->close_fn = NULL;
    r->on_finished = on_finished;
    r->finished_arg = arg;
    req->response = r;
}

int http_response_start(struct http_request *req, int status,
                        const char *extra_headers)
{
    struct http_response *r = req->response;

    if (!r->held || r->started || status < 100 || status > 999) {
        errno = EINVAL;
        return -1;
    }
    r->started = 1;
    r->no_body = status < 200 || status == 204 || status == 304;
    if (gone(r)) {
        errno = EPIPE;
        return -1;
    }
    if (put_status(&r->out, status) < 0 ||
        (extra_headers &&
         buffer_append(&r->out, extra_headers, strlen(extra_headers)) < 0))
        return fail(r);
    return 0;
}

/* Before a write or a flush: held, started (a 200 if not), not gone. */
static int ensure_started(struct http_request *req)
{
    struct http_response *r = req->response;

    if (!r->held) {
        errno = EINVAL;
        return -1;
    }
    if (!r->started && http_response_start(req, 200, NULL) < 0)
        return -1;
    if (gone(r)) {
        errno = EPIPE;
        return -1;
    }
    return 0;
}

int http_response_write(struct http_request *req, const void *data,
                        size_t len)
{
    struct http_response *r = req->response;

    if (ensure_started(req) < 0)
        return -1;
    if (r->fixed_length && !r->no_body &&
        !http_response_length_fits(r->content_length, r->body_count, len)) {
        errno = EMSGSIZE;
        return -1;
    }
    r->body_count += len;
    if (r->no_body || r->head_only)
        return 0; /* counted (HEAD's Content-Length), not sent */
    if (buffer_append(&r->body_out, data, len) < 0)
        return fail(r);
    return 0;
}

/* A flush's bytes have left, or failed. */
static void on_flushed(struct iostream *s, int status, void *arg)
{
    struct http_response *r = arg;
    http_response_done_fn *fn = r->flush_fn;

    (void)s;
    r->flush_fn = NULL; /* NULL if finish came first: it cancelled it */
    if (fn)
        fn(r->req, status, r->flush_arg);
}

int http_response_flush(struct http_request *req,
                        http_response_done_fn *callback, void *arg)
{
    struct http_response *r = req->response;

    if (ensure_started(req) < 0)
        return -1;
    if (callback && r->flush_fn) {
        errno = EBUSY;
        return -1;
    }
    if ((!r->headers_sent && put_framing(r, 1) < 0) || put_body(r) < 0)
        return fail(r);
    if (send_out(r, callback ? on_flushed : NULL) < 0)
        return fail(r);
    if (callback) { /* a flush without one leaves a pending one be */
        r->flush_fn = callback;
        r->flush_arg = arg;
    }
    return 0;
}

int http_response_set_content_length(struct http_request *req,
                                     uint64_t length)
{
    struct http_response *r = req->response;

    if (!r->held || r->headers_sent) {
        errno = r->held ? EBUSY : EINVAL;
        return -1;
    }
    if (length < r->body_count) {
        errno = EMSGSIZE;
        return -1;
    }
    r->fixed_length = 1;
    r->content_length = length;
    return 0;
}

/* Queue the rest of the response: the framing if nothing was flushed, the
 * body, the last chunk. A body short of its fixed length cannot be ended
 * on a kept connection (the client waits for the rest): the connection
 * closes after it, and the answer is -1, EMSGSIZE. */
static int queue_last(struct http_response *r)
{
    int short_body = r->fixed_length && !r->no_body && !r->head_only &&
                     r->body_count < r->content_length;

    if (short_body)
        r->keep_alive = 0;
    if ((!r->headers_sent && put_framing(r, 0) < 0) || put_body(r) < 0 ||
        (r->chunked && !r->head_only &&
         APPEND_LITERAL(&r->out, "0\r\n\r\n") < 0) ||
        send_out(r, NULL) < 0)
        return fail(r);
    if (short_body) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

int http_response_finish(struct http_request *req)
{
    struct http_response *r = req->response;
    int rc, saved;

    if (!r->held) {
        errno = EINVAL;
        return -1;
    }
    if (!r->started)
        http_response_start(req, 200, NULL);
    r->held = 0;
    r->flush_waits = r->flush_fn != NULL;
    r->flush_fn = NULL;
    r->close_fn = NULL;
    buffer_consume(&req->body, buffer_len(&req->body)); /* a big one goes */
    if (gone(r)) {
        fail(r);
        errno = EPIPE;
        rc = -1;
    } else {
        rc = queue_last(r);
    }
    saved = errno;
    r->on_finished(r, r->finished_arg); /* r and req may be gone after it */
    errno = saved;
    return rc;
}

void http_response_set_close_callback(struct http_request *req,
                                      http_response_close_fn *fn, void *arg)
{
    struct http_response *r = req->response;

    r->close_fn = fn;
    r->close_arg = arg;
}

int http_response_closed(const struct http_request *req)
{
    return gone(req->response);
}

/* ---- the connection's calls ---- */

void http_response_lost(struct http_response *r)
{
    http_response_close_fn *fn = r->close_fn;

    r->stream = NULL;
    r->close_fn = NULL;
    if (fn)
        fn(r->req, r->close_arg); /* may finish, and so free, r */
}

void http_response_trim(struct http_response *r)
{
    buffer_consume(&r->out, buffer_len(&r->out));
    buffer_consume(&r->body_out, buffer_len(&r->body_out));
}

void http_response_free(struct http_response *r)
{
    buffer_free(&r->out);
    buffer_free(&r->body_out);
}
