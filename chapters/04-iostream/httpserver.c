/* httpserver.c - the HTTP server around its connections, and the response
 * a handler writes: status line, Date, framing (Content-Length, chunked, or
 * until the close), in as few send()s as the handler allows. The request's
 * fields are made in httprequest.c. Tornado: httpserver.HTTPServer, and
 * HTTP1Connection's write_headers, write and finish. */
#include "http1connection.h"

#include "http_response.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the server ---- */

static void httpserver_on_stream(struct tcpserver *tcp, struct iostream *s,
                                 const char *peer, void *arg)
{
    (void)tcp;
    http1_connection_start(arg, s, peer);
}

static void fill_defaults(struct httpserver_options *o)
{
    if (o->max_body_size == 0)
        o->max_body_size = HTTPSERVER_DEFAULT_MAX_BODY_SIZE;
    if (o->max_header_size == 0)
        o->max_header_size = HTTPSERVER_DEFAULT_MAX_HEADER_SIZE;
    if (o->idle_timeout == 0)
        o->idle_timeout = HTTPSERVER_DEFAULT_TIMEOUT;
    if (o->body_timeout == 0)
        o->body_timeout = HTTPSERVER_DEFAULT_TIMEOUT;
}

struct httpserver *httpserver_new(struct ioloop *loop,
                                  const struct httpserver_options *options,
                                  httpserver_request_fn *on_request, void *arg)
{
    struct httpserver *srv;

    if (!on_request) {
        errno = EINVAL;
        return NULL;
    }
    if (!(srv = calloc(1, sizeof *srv)))
        return NULL;
    srv->loop = loop;
    srv->on_request = on_request;
    srv->arg = arg;
    if (options)
        srv->options = *options;
    fill_defaults(&srv->options);
    if (!(srv->tcp = tcpserver_new(loop, httpserver_on_stream, srv))) {
        free(srv);
        return NULL;
    }
    return srv;
}

void httpserver_free(struct httpserver *srv)
{
    if (!srv)
        return;
    tcpserver_free(srv->tcp);
    http1_connection_close_all(srv);
    http1_exchange_free_spares(srv);
    free(srv);
}

int httpserver_listen(struct httpserver *srv, const char *host, int port)
{
    return tcpserver_listen(srv->tcp, host, port);
}

int httpserver_add_sockets(struct httpserver *srv, const int *fds, int n)
{
    return tcpserver_add_sockets(srv->tcp, fds, n);
}

int httpserver_port(const struct httpserver *srv)
{
    return tcpserver_port(srv->tcp);
}

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

int http1_put_status(struct buffer *b, int status)
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
static int put_framing(struct http1_connection *c, int streaming)
{
    struct http1_exchange *x = c->x;
    char line[64];
    size_t n = 0;

    if (x->no_body) {
        /* 1xx, 204, 304: no body, so nothing to frame */
    } else if (!streaming || x->fixed_length) {
        memcpy(line, "Content-Length: ", 16);
        n = 16 + put_number(line + 16,
                            x->fixed_length ? x->content_length
                                            : x->body_count,
                            10);
        memcpy(line + n, "\r\n", 2);
        n += 2;
    } else if (x->req.version == 11) {
        memcpy(line, "Transfer-Encoding: chunked\r\n", 28);
        n = 28;
        x->chunked = 1;
    } else {
        x->keep_alive = 0;
    }
    if (buffer_append(&x->out, line, n) < 0)
        return -1;
    if (!x->keep_alive && APPEND_LITERAL(&x->out, "Connection: close\r\n") < 0)
        return -1;
    if (x->keep_alive && x->req.version == 10 &&
        APPEND_LITERAL(&x->out, "Connection: keep-alive\r\n") < 0)
        return -1;
    x->headers_sent = 1;
    return APPEND_LITERAL(&x->out, "\r\n");
}

/* Move the body written since the last flush behind the head, as a chunk
 * if chunked. */
static int put_body(struct http1_connection *c)
{
    struct http1_exchange *x = c->x;
    size_t n = buffer_len(&x->body_out), k = 0;
    char size[24];

    if (n == 0)
        return 0;
    if (x->chunked) {
        k = put_number(size, n, 16);
        memcpy(size + k, "\r\n", 2);
        k += 2;
    }
    if (buffer_reserve(&x->out, k + n + 2) < 0)
        return -1;
    buffer_append(&x->out, size, k);
    buffer_append(&x->out, buffer_data(&x->body_out), n);
    if (x->chunked)
        buffer_append(&x->out, "\r\n", 2);
    buffer_consume(&x->body_out, n);
    return 0;
}

/* ---- the response ---- */

static int gone(const struct http1_connection *c)
{
    return !c->stream || iostream_closed(c->stream);
}

/* Memory ran out half-way through a response: it cannot be completed,
 * so the connection goes. */
static int fail_response(struct http1_connection *c)
{
    struct http1_exchange *x = c->x;
    int saved = errno;

    buffer_consume(&x->out, buffer_len(&x->out));
    buffer_consume(&x->body_out, buffer_len(&x->body_out));
    if (c->stream)
        iostream_close(c->stream);
    errno = saved;
    return -1;
}

/* Queue everything in out; cb (may be NULL) when it has been sent. */
static int send_out(struct http1_connection *c, iostream_write_fn *cb)
{
    struct http1_exchange *x = c->x;
    size_t n = buffer_len(&x->out);
    int rc = n ? iostream_write(c->stream, buffer_data(&x->out), n, cb, c)
             : cb ? iostream_on_drained(c->stream, cb, c)
                  : 0; /* nothing to send, no one to tell */

    buffer_consume(&x->out, n);
    return rc;
}

void http1_response_reset(struct http1_connection *c)
{
    struct http1_exchange *x = c->x;
    x->started = x->headers_sent = x->chunked = x->no_body = 0;
    x->fixed_length = 0;
    x->head_only = strcmp(x->req.method, "HEAD") == 0;
    x->keep_alive = x->req.head.keep_alive;
    x->body_count = 0;
    x->flush_fn = NULL;
    x->close_fn = NULL;
}

int http_response_start(struct http_request *req, int status,
                                const char *extra_headers)
{
    struct http1_connection *c = req->connection;
    struct http1_exchange *x = c->x;

    if (!c->held || x->started || status < 100 || status > 999) {
        errno = EINVAL;
        return -1;
    }
    x->started = 1;
    x->no_body = status < 200 || status == 204 || status == 304;
    if (gone(c)) {
        errno = EPIPE;
        return -1;
    }
    if (http1_put_status(&x->out, status) < 0 ||
        (extra_headers &&
         buffer_append(&x->out, extra_headers, strlen(extra_headers)) < 0))
        return fail_response(c);
    return 0;
}

static int ensure_started(struct http_request *req)
{
    struct http1_connection *c = req->connection;
    struct http1_exchange *x = c->x;

    if (!c->held) {
        errno = EINVAL;
        return -1;
    }
    if (!x->started && http_response_start(req, 200, NULL) < 0)
        return -1;
    if (gone(c)) {
        errno = EPIPE;
        return -1;
    }
    return 0;
}

int http_response_write(struct http_request *req, const void *data, size_t len)
{
    struct http1_connection *c = req->connection;
    struct http1_exchange *x = c->x;

    if (ensure_started(req) < 0)
        return -1;
    if (x->fixed_length && !x->no_body &&
        len > x->content_length - x->body_count) {
        errno = EMSGSIZE; /* Tornado: "Tried to write more data than
                             Content-Length" */
        return -1;
    }
    x->body_count += len;
    if (x->no_body || x->head_only)
        return 0; /* counted (HEAD's Content-Length), not sent */
    if (buffer_append(&x->body_out, data, len) < 0)
        return fail_response(c);
    return 0;
}

/* A flush's bytes have left, or failed. */
static void on_flushed(struct iostream *s, int status, void *arg)
{
    struct http1_connection *c = arg;
    struct http1_exchange *x = c->x;
    http_response_done_fn *fn;

    (void)s;
    if (!x) /* finished since, and the exchange given back */
        return;
    fn = x->flush_fn;
    x->flush_fn = NULL; /* NULL if finish came first: it cancelled it */
    if (fn)
        fn(&x->req, status, x->flush_arg);
}

int http_response_flush(struct http_request *req,
                       http_response_done_fn *callback, void *arg)
{
    struct http1_connection *c = req->connection;
    struct http1_exchange *x = c->x;

    if (ensure_started(req) < 0)
        return -1;
    if (callback && x->flush_fn) {
        errno = EBUSY;
        return -1;
    }
    if ((!x->headers_sent && put_framing(c, 1) < 0) || put_body(c) < 0)
        return fail_response(c);
    if (send_out(c, callback ? on_flushed : NULL) < 0)
        return fail_response(c);
    if (callback) { /* a flush without one leaves a pending one be */
        x->flush_fn = callback;
        x->flush_arg = arg;
    }
    return 0;
}

int http_response_finish(struct http_request *req)
{
    struct http1_connection *c = req->connection;
    struct http1_exchange *x = c->x;
    int short_body;

    if (!c->held) {
        errno = EINVAL;
        return -1;
    }
    if (!x->started)
        http_response_start(req, 200, NULL);
    c->held = 0;
    x->flush_waits = x->flush_fn != NULL;
    x->flush_fn = NULL;
    x->close_fn = NULL;
    buffer_consume(&req->body, buffer_len(&req->body)); /* a big one goes */
    if (!c->stream) { /* closed while the handler held it: we were waited for */
        http1_connection_free(c);
        errno = EPIPE;
        return -1;
    }
    if (gone(c)) { /* closed; its close callback, on its way, frees c */
        fail_response(c);
        errno = EPIPE;
        return -1;
    }
    short_body = x->fixed_length && !x->no_body && !x->head_only &&
                 x->body_count < x->content_length;
    if (short_body) /* the client would wait for the rest: close instead */
        x->keep_alive = 0;
    if ((!x->headers_sent && put_framing(c, 0) < 0) || put_body(c) < 0 ||
        (x->chunked && !x->head_only &&
         APPEND_LITERAL(&x->out, "0\r\n\r\n") < 0) ||
        send_out(c, NULL) < 0)
        return fail_response(c);
    http1_connection_finished(c);
    http1_exchange_give(c); /* the response is queued: req is done with */
    if (short_body) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

int http_response_set_content_length(struct http_request *req,
                                    uint64_t length)
{
    struct http1_connection *c = req->connection;
    struct http1_exchange *x = c->x;

    if (!c->held || x->headers_sent) {
        errno = c->held ? EBUSY : EINVAL;
        return -1;
    }
    if (length < x->body_count) {
        errno = EMSGSIZE;
        return -1;
    }
    x->fixed_length = 1;
    x->content_length = length;
    return 0;
}

void http_response_set_close_callback(struct http_request *req,
                                     http_response_close_fn *fn, void *arg)
{
    struct http1_connection *c = req->connection;
    struct http1_exchange *x = c->x;

    x->close_fn = fn;
    x->close_arg = arg;
}

int http_response_closed(const struct http_request *req)
{
    return gone(req->connection);
}
