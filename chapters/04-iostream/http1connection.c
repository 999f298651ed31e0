/* http1connection.c - HTTP/1.1 on one connection, the reading half: heads,
 * bodies by length and chunked, the limits, the deadlines, and the
 * connection's life until its last request is finished. Tornado:
 * http1connection.HTTP1ServerConnection and HTTP1Connection._read_message. */
#include "http1connection.h"

#include "http_response.h"
#include "log.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A body is read in pieces of at most this (Tornado's chunk_size): its
 * bytes pass through the stream's buffer a piece at a time. */
#define HTTP1_PIECE 65536
/* The most a body's buffer is given before its bytes arrive. */
#define HTTP1_RESERVE (1024 * 1024)
/* A chunk-size line, extensions included (Tornado allows 64 bytes). */
#define HTTP1_MAX_CHUNK_LINE 4096
/* After an error answer, how long and how much input we read and drop
 * before closing (nginx: lingering_timeout, lingering_time). */
#define HTTP1_LINGER_SECONDS 5.0
#define HTTP1_LINGER_BYTES (1024 * 1024)
/* Pipelined requests are read and answered while less than this waits to
 * be sent on the connection: answers that join in one send(), and a bound
 * on what a client that does not read them makes us hold. */
#define HTTP1_MAX_QUEUED 65536

static void http1_read_head(struct http1_connection *c);

/* ---- deadlines ---- */

static int http1_on_timer(struct ioloop *loop, void *arg);

static void http1_cancel_timer(struct http1_connection *c)
{
    if (c->timer)
        ioloop_remove_timeout(c->loop, c->timer);
    c->timer = 0;
}

/* Give the current phase `seconds` from now (<= 0: no deadline). Only a
 * deadline earlier than the armed timer touches the timer heap. */
static void http1_set_deadline(struct http1_connection *c, double seconds)
{
    if (seconds <= 0) {
        c->deadline = 0; /* a timer still armed finds nothing to do */
        return;
    }
    c->deadline = ioloop_time(c->loop) + seconds;
    if (c->timer && c->timer_at <= c->deadline)
        return;
    http1_cancel_timer(c);
    c->timer = ioloop_add_timeout(c->loop, c->deadline, http1_on_timer, c);
    c->timer_at = c->deadline;
}

/* A deadline passed: close. The close callback does the rest. Tornado
 * closes silently too, without a 408. */
static int http1_on_timer(struct ioloop *loop, void *arg)
{
    struct http1_connection *c = arg;

    c->timer = 0; /* it has run: the handle is dead */
    if (c->deadline == 0 || !c->stream)
        return 0;
    if (ioloop_time(loop) < c->deadline) { /* moved later since: re-arm */
        c->timer = ioloop_add_timeout(loop, c->deadline, http1_on_timer, c);
        c->timer_at = c->deadline;
        return 0;
    }
    log_debug("%s: %s timeout, closing", c->peer_ip,
              c->state == HTTP1_BODY ? "body" : "idle");
    iostream_close(c->stream);
    return 0;
}

/* ---- the connection's life ---- */

static void http1_unlink(struct http1_connection *c)
{
    if (!c->srv)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

void http1_connection_free(struct http1_connection *c)
{
    http1_unlink(c);
    http1_cancel_timer(c);
    iostream_free(c->stream); /* NULL-safe; safe inside its callbacks */
    http1_exchange_give(c);
    free(c);
}

/* A failed call on the stream (EPIPE: it closed, the close callback is on
 * its way; ENOMEM): make sure it closes. */
static void http1_fail(struct http1_connection *c, const char *what)
{
    if (errno != EPIPE)
        log_warn("%s: %s: %s", c->peer_ip, what, strerror(errno));
    iostream_close(c->stream);
}

/* The stream closed, by either side. A request the handler holds keeps
 * the connection (and so itself) alive until finish; the handler hears of
 * the close through its close callback, which must come last: it may
 * finish the request, and that frees the connection. */
static void http1_on_close(struct iostream *s, void *arg)
{
    struct http1_connection *c = arg;
    http_response_close_fn *fn;

    http1_cancel_timer(c);
    if (!c->held) {
        http1_connection_free(c);
        return;
    }
    fn = c->x->close_fn; /* held: the exchange is there */
    iostream_free(s);
    c->stream = NULL;
    c->x->close_fn = NULL;
    if (fn)
        fn(&c->x->req, c->x->close_arg);
}

void http1_connection_close_all(struct httpserver *srv)
{
    while (srv->conns) {
        struct http1_connection *c = srv->conns;
        http_response_close_fn *fn = c->held ? c->x->close_fn : NULL;

        http1_unlink(c);
        c->srv = NULL;
        http1_cancel_timer(c);
        iostream_free(c->stream);
        c->stream = NULL;
        if (!c->held) {
            http1_connection_free(c);
            continue;
        }
        c->x->close_fn = NULL;
        if (fn)
            fn(&c->x->req, c->x->close_arg); /* may finish, and so free, c */
    }
}

/* "ip:port" -> "ip" (an IPv6 address has colons of its own: the last one
 * goes). */
static void http1_set_peer(struct http1_connection *c, const char *peer)
{
    const char *colon = strrchr(peer, ':');
    size_t n = colon ? (size_t)(colon - peer) : strlen(peer);

    if (n >= sizeof c->peer_ip)
        n = sizeof c->peer_ip - 1;
    memcpy(c->peer_ip, peer, n);
    c->peer_ip[n] = '\0';
}

void http1_connection_start(struct httpserver *srv, struct iostream *stream,
                            const char *peer)
{
    struct http1_connection *c = calloc(1, sizeof *c);
    size_t head_room = srv->options.max_header_size;
    int one = 1;

    if (!c) {
        log_warn("%s: no memory for a connection", peer);
        iostream_free(stream);
        return;
    }
    c->srv = srv;
    c->loop = srv->loop;
    c->stream = stream;
    http1_set_peer(c, peer);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    /* The stream's buffer bounds what a client can make us hold: a head
     * over the limit is cut short once past it (http1_head_end), which
     * one more read fits in, and gets its 431; a body passes a piece at a
     * time. Past the buffer, the stream closes. */
    if (head_room < HTTP1_PIECE)
        head_room = HTTP1_PIECE;
    iostream_set_max_buffer_size(stream, head_room + HTTP1_PIECE);
    iostream_set_close_callback(stream, http1_on_close, c);
    /* Each response leaves in one send(); Nagle's algorithm would hold a
     * pipelined one back until the previous one is acknowledged. */
    setsockopt(iostream_fd(stream), IPPROTO_TCP, TCP_NODELAY, &one,
               sizeof one);
    http1_set_deadline(c, srv->options.idle_timeout);
    http1_read_head(c);
}

/* ---- answering a request we will not deliver ---- */

static void http1_linger_read(struct http1_connection *c);

static void http1_on_linger(struct iostream *s, int status, const char *data,
                            size_t len, void *arg)
{
    struct http1_connection *c = arg;

    (void)data;
    if (status < 0) /* EOF (or a reset): the close callback frees us */
        return;
    if (len >= c->linger_left) {
        iostream_close(s);
        return;
    }
    c->linger_left -= len;
    http1_linger_read(c);
}

static void http1_linger_read(struct http1_connection *c)
{
    if (iostream_read_bytes(c->stream, HTTP1_PIECE, http1_on_linger, c) < 0)
        http1_fail(c, "read");
}

/* The error answer is out. Closing now, with the rest of the request
 * (a refused body) still arriving, would make the kernel send a reset,
 * and a reset can destroy our answer at the client before it reads it.
 * So: shut our side (the client sees the end of the answer), then read
 * and drop until the client closes, for a bounded time and amount. */
static void http1_on_error_sent(struct iostream *s, int status, void *arg)
{
    struct http1_connection *c = arg;

    if (status < 0)
        return;
    if (shutdown(iostream_fd(s), SHUT_WR) < 0) {
        iostream_close(s);
        return;
    }
    c->state = HTTP1_LINGER;
    c->linger_left = HTTP1_LINGER_BYTES;
    http1_linger_read(c);
}

/* Answer status ("400 Bad Request\n" as the body) and close: after a
 * malformed or refused request we cannot know where the next one starts. */
static void http1_send_error(struct http1_connection *c, int status)
{
    char body[64], len_line[64];
    int body_len = snprintf(body, sizeof body, "%d %s\n", status,
                            http_reason(status));
    int line_len = snprintf(len_line, sizeof len_line,
                            "Content-Length: %d\r\n", body_len);
    static const char fixed[] = "Content-Type: text/plain; charset=UTF-8\r\n"
                                "Connection: close\r\n";
    double linger = HTTP1_LINGER_SECONDS;
    struct buffer out; /* its own: an error may come before any exchange */

    log_debug("%s: answering %d", c->peer_ip, status);
    c->state = HTTP1_CLOSING;
    if (c->srv->options.idle_timeout > 0 &&
        c->srv->options.idle_timeout < linger)
        linger = c->srv->options.idle_timeout;
    http1_set_deadline(c, linger); /* for the write and the linger both */
    buffer_init(&out);
    if (http1_put_status(&out, status) < 0 ||
        buffer_append(&out, fixed, sizeof fixed - 1) < 0 ||
        buffer_append(&out, len_line, (size_t)line_len) < 0 ||
        buffer_append(&out, "\r\n", 2) < 0 ||
        buffer_append(&out, body, (size_t)body_len) < 0 ||
        iostream_write(c->stream, buffer_data(&out), buffer_len(&out),
                       http1_on_error_sent, c) < 0)
        http1_fail(c, "write");
    buffer_free(&out);
}

/* ---- delivering ---- */

static void http1_deliver(struct http1_connection *c)
{
    struct httpserver *srv = c->srv;

    c->state = HTTP1_HANDLER;
    c->deadline = 0;
    c->held = 1;
    http1_response_reset(c);
    srv->on_request(&c->x->req, srv->arg); /* c may be gone on return */
}

/* ---- bodies by Content-Length ---- */

static void http1_read_body_piece(struct http1_connection *c);
static void http1_read_chunk_data(struct http1_connection *c);

/* A piece of a body, or of a chunk, has arrived. */
static void http1_on_piece(struct iostream *s, int status, const char *data,
                           size_t len, void *arg)
{
    struct http1_connection *c = arg;

    (void)s;
    if (status < 0) /* the client went mid-body: the request is dropped */
        return;
    if (buffer_append(&c->x->req.body, data, len) < 0) {
        http1_send_error(c, 500);
        return;
    }
    c->x->body_left -= len;
    if (c->x->req.head.chunked)
        http1_read_chunk_data(c);
    else if (c->x->body_left > 0)
        http1_read_body_piece(c);
    else
        http1_deliver(c);
}

static void http1_read_body_piece(struct http1_connection *c)
{
    uint64_t left = c->x->body_left;
    size_t n = left < HTTP1_PIECE ? (size_t)left : HTTP1_PIECE;

    if (iostream_read_bytes(c->stream, n, http1_on_piece, c) < 0)
        http1_fail(c, "read");
}

/* ---- chunked bodies (RFC 9112 section 7.1) ---- */

static void http1_read_chunk_line(struct http1_connection *c);

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* chunk-size [ BWS ";" chunk-ext ] from a line without its CRLF: the
 * extensions are ignored (no control characters but HTAB, though). -1 for
 * no hex digit, a bad character, or a size past 64 bits. */
static int parse_chunk_size(const char *line, size_t len, uint64_t *size)
{
    size_t i = 0;
    uint64_t n = 0;

    for (; i < len && hex_value(line[i]) >= 0; i++) {
        if (n > UINT64_MAX >> 4)
            return -1; /* overflow: no wrap-around to a small size */
        n = n << 4 | (uint64_t)hex_value(line[i]);
    }
    if (i == 0)
        return -1;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && line[i] != ';')
        return -1;
    for (; i < len; i++)
        if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
            line[i] == 0x7F)
            return -1;
    *size = n;
    return 0;
}

static void http1_on_trailer(struct iostream *s, int status,
                             const char *data, size_t len, void *arg)
{
    struct http1_connection *c = arg;

    (void)data;
    if (status < 0)
        return;
    if (len == 2) { /* the empty line: the message ends */
        http1_deliver(c);
        return;
    }
    c->x->trailer_bytes += len; /* trailer fields are read and dropped */
    if (c->x->trailer_bytes > c->srv->options.max_header_size)
        http1_send_error(c, 431);
    else if (iostream_read_until(s, "\r\n", 0, http1_on_trailer, c) < 0)
        http1_fail(c, "read");
}

/* A chunk's last bytes and its CRLF. */
static void http1_on_chunk_end(struct iostream *s, int status,
                               const char *data, size_t len, void *arg)
{
    struct http1_connection *c = arg;

    (void)s;
    if (status < 0)
        return;
    if (memcmp(data + len - 2, "\r\n", 2) != 0) {
        http1_send_error(c, 400);
        return;
    }
    if (buffer_append(&c->x->req.body, data, len - 2) < 0) {
        http1_send_error(c, 500);
        return;
    }
    http1_read_chunk_line(c);
}

/* The rest of a chunk in pieces; the last piece brings the CRLF along
 * (alone, if the data ended a piece just short of it). */
static void http1_read_chunk_data(struct http1_connection *c)
{
    uint64_t left = c->x->body_left;
    size_t piece = left < HTTP1_PIECE ? (size_t)left : HTTP1_PIECE;
    int rc;

    if (left + 2 <= HTTP1_PIECE)
        rc = iostream_read_bytes(c->stream, piece + 2, http1_on_chunk_end, c);
    else
        rc = iostream_read_bytes(c->stream, piece, http1_on_piece, c);
    if (rc < 0)
        http1_fail(c, "read");
}

static void http1_on_chunk_line(struct iostream *s, int status,
                                const char *data, size_t len, void *arg)
{
    struct http1_connection *c = arg;
    struct buffer *body = &c->x->req.body;
    uint64_t size;

    if (status < 0)
        return;
    if (len > HTTP1_MAX_CHUNK_LINE ||
        parse_chunk_size(data, len - 2, &size) < 0) {
        http1_send_error(c, 400);
    } else if (size > c->srv->options.max_body_size - buffer_len(body)) {
        http1_send_error(c, 413); /* checked before a byte of it is read */
    } else if (size == 0) {
        c->x->trailer_bytes = 0;
        if (iostream_read_until(s, "\r\n", 0, http1_on_trailer, c) < 0)
            http1_fail(c, "read");
    } else {
        c->x->body_left = size;
        http1_read_chunk_data(c);
    }
}

static void http1_read_chunk_line(struct http1_connection *c)
{
    /* No max_bytes: a line past it would close the stream without an
     * answer. The stream's buffer limit bounds it; we check the length. */
    if (iostream_read_until(c->stream, "\r\n", 0, http1_on_chunk_line, c) < 0)
        http1_fail(c, "read");
}

/* ---- heads ---- */

/* Every byte is CR or LF: blank lines some clients send between requests
 * (RFC 9112 section 2.2), which the next head's delimiter may end on. */
static int all_blank(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] != '\r' && data[i] != '\n')
            return 0;
    return 1;
}

/* The head is in: refuse it, or read its body (after "100 Continue" if
 * the client waits for one), or deliver it. */
static void http1_start_body(struct http1_connection *c)
{
    const struct httpserver_options *o = &c->srv->options;
    const struct http_request_head *h = &c->x->req.head;
    const char *expect = http_request_header(&c->x->req, "Expect");
    static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";

    if (!h->chunked && h->content_length <= 0) {
        http1_deliver(c);
        return;
    }
    if (h->content_length > 0 &&
        (uint64_t)h->content_length > o->max_body_size) {
        http1_send_error(c, 413); /* before the body: no 100 Continue */
        return;
    }
    /* Room for the whole body at once, up to a bound: a client must send
     * bytes, not merely announce them, to make us hold memory. */
    if (!h->chunked &&
        buffer_reserve(&c->x->req.body, h->content_length < HTTP1_RESERVE
                                          ? (size_t)h->content_length
                                          : HTTP1_RESERVE) < 0) {
        http1_send_error(c, 500);
        return;
    }
    c->state = HTTP1_BODY;
    http1_set_deadline(c, o->body_timeout);
    if (h->version == 11 && expect &&
        http_value_has_token(expect, strlen(expect), "100-continue") &&
        iostream_write(c->stream, go_on, sizeof go_on - 1, NULL, NULL) < 0) {
        http1_fail(c, "write");
        return;
    }
    if (h->chunked) {
        http1_read_chunk_line(c);
    } else {
        c->x->body_left = (uint64_t)h->content_length;
        http1_read_body_piece(c);
    }
}

static void http1_on_head(struct iostream *s, int status, const char *data,
                          size_t len, void *arg)
{
    struct http1_connection *c = arg;
    int error;

    (void)s;
    if (status < 0) /* closed: the close callback follows */
        return;
    if (all_blank(data, len)) {
        http1_read_head(c);
        return;
    }
    /* Too large, whole or cut short by http1_head_end: 431, then the
     * lingering close reads and drops the rest of it, up to its bound. */
    if (len > c->srv->options.max_header_size)
        error = 431;
    else
        error = http1_parse_request(c, data, len);
    if (error)
        http1_send_error(c, error);
    else
        http1_start_body(c);
}

/* Where a head ends: a line feed, an optional CR, and a line feed. That is
 * "\r\n\r\n", or the bare-LF spellings RFC 9112 section 2.2 lets a server
 * accept (Tornado reads up to the regex \r?\n\r?\n); the parser then
 * checks every line. The longest match is 3 bytes: look 2 back.
 *
 * No end yet, and already more than max_header_size: the head is too
 * large whatever follows, so the read ends here with what has come, and
 * http1_on_head answers 431. Waiting for the end instead would let the
 * stream's buffer fill, and the stream close unanswered (Tornado closes
 * too; a client with a bad request should hear why). */
static size_t http1_head_end(const char *data, size_t len, size_t from,
                             void *arg)
{
    const struct http1_connection *c = arg;
    const char *p = memchr(data + from, '\n', len - from);

    for (; p; p = memchr(p + 1, '\n', (size_t)(data + len - p - 1))) {
        size_t next = (size_t)(p - data) + 1;
        if (next < len && data[next] == '\n')
            return next + 1;
        if (next + 1 < len && data[next] == '\r' && data[next + 1] == '\n')
            return next + 2;
    }
    return len > c->srv->options.max_header_size ? len : 0;
}

/* Wait for the next head. */
static void http1_read_head(struct http1_connection *c)
{
    c->state = HTTP1_HEAD;
    if (iostream_read_until_match(c->stream, http1_head_end, NULL, c, 2, 0,
                                  http1_on_head, c) < 0)
        http1_fail(c, "read");
}

/* ---- after the response ---- */

static void http1_on_drained(struct iostream *s, int status, void *arg)
{
    struct http1_connection *c = arg;

    if (status < 0)
        return;
    if (c->state == HTTP1_DRAIN)
        http1_read_head(c);
    else
        iostream_close(s);
}

/* The whole response is queued. The next head is read at once while
 * less than HTTP1_MAX_QUEUED waits to be sent: a response queued inside
 * the stream's callback leaves when the callback's frame ends, and if the
 * next request is already in the buffer (pipelining), its response joins
 * this one in that send(). Past the bound, the next head waits until the
 * queue has left (Tornado always waits so): a client that pipelines
 * without reading its answers cannot make us queue without bound. */
void http1_connection_finished(struct http1_connection *c)
{
    struct iostream *s = c->stream;
    size_t queued = iostream_write_pending(s);
    const struct http1_exchange *x = c->x;

    c->state = x->keep_alive ? HTTP1_DRAIN : HTTP1_CLOSING;
    /* The idle deadline covers a client that does not read its answer. */
    http1_set_deadline(c, c->srv->options.idle_timeout);
    /* A flush callback still due (on_flushed) must run before the next
     * request has the connection: wait for the drain then, too. */
    if (x->keep_alive && !x->flush_waits && queued < HTTP1_MAX_QUEUED) {
        http1_read_head(c);
    } else if (queued > 0) {
        if (iostream_on_drained(s, http1_on_drained, c) < 0)
            http1_fail(c, "write");
    } else {
        iostream_close(s);
    }
}
