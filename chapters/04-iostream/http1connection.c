/* http1connection.c - HTTP/1.1 on one connection: read a head, then its
 * body (by length or chunked), within the limits and the deadlines; hand
 * the request to the server's callback; once the handler has finished,
 * read the next head or close. Errors are answered here, with a lingering
 * close. Tornado: http1connection.HTTP1ServerConnection._server_request_loop
 * and HTTP1Connection._read_message.
 *
 * The functions are in the order a request meets them: the connection
 * starts, a head arrives, then a body, the request is delivered and
 * finished, and the cycle starts again; errors, deadlines and the end
 * come last. */
#include "http1connection.h"

#include "http1body.h"
#include "http_response.h"
#include "log.h"

#include <assert.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* After an error answer, how long and how much input we read and drop
 * before closing (nginx: lingering_timeout, lingering_time). */
#define HTTP1_LINGER_SECONDS 5.0
#define HTTP1_LINGER_BYTES (1024 * 1024)
/* Pipelined requests are read and answered while less than this waits to
 * be sent on the connection: answers that join in one send(), and a bound
 * on what a client that does not read them makes us hold. */
#define HTTP1_MAX_QUEUED 65536
/* A few spare exchanges are enough: each one is in use only from a head
 * to its finish, and most handlers finish before returning. */
#define HTTP1_MAX_SPARES 16

/* Where a connection is in its cycle. Each callback asserts the state it
 * expects: the machine documents and checks itself. */
enum http1_state {
    HTTP1_HEAD,    /* waiting for a head; the idle deadline runs */
    HTTP1_BODY,    /* reading its body; the body deadline runs */
    HTTP1_HANDLER, /* the handler holds the request; no deadline */
    HTTP1_DRAIN,   /* finished, the response still being sent; then a head */
    HTTP1_CLOSING, /* the last response being sent; then close */
    HTTP1_LINGER,  /* an error answered: read and drop input until EOF */
};

/* A streamed body's progress, beside the state (Tornado:
 * @stream_request_body): its handler holds the request while it reads. */
enum http1_stream {
    HTTP1_STREAM_OFF,       /* no body left to stream (or none streamed) */
    HTTP1_STREAM_UNSTARTED, /* delivered at its head; not yet asked for */
    HTTP1_STREAM_READING,   /* the handler waits for a piece */
    HTTP1_STREAM_PAUSED,    /* a piece handed over; until the next ask */
    HTTP1_STREAM_FAILED,    /* refused half-way: the rest is unreadable */
};

/* One request and its response: what a connection needs only while a
 * request is read, handled and answered. A connection takes one when a
 * head arrives and gives it back when the response is finished, to the
 * pool's spares, where the next head on any connection finds it with its
 * buffers: an idle keep-alive connection holds none of it (the request
 * alone, with its parsed head's 100 header slots, is 3.4 KB), and a busy
 * one still costs no malloc per request. */
struct http1_exchange {
    struct http_request req;
    struct http_response resp;
    struct http1_body body;      /* while its body is read */
    struct http1_exchange *next; /* among the pool's spares */
};

/* One connection: what it holds for its whole life, idle or not. */
struct http1_connection {
    const struct http1_params *params; /* NULL once detached from the pool */
    struct ioloop *loop;
    struct iostream *stream; /* NULL once closed (the close callback ran) */
    struct http1_connection *prev, *next; /* in the pool */
    struct http1_exchange *x; /* from its head to its finish, else NULL */
    enum http1_state state;
    size_t linger_left;       /* HTTP1_LINGER: bytes we still drop */
    enum http1_stream body_stream;
    int stream_error;         /* HTTP1_STREAM_FAILED: what reads return */
    size_t stream_mark;       /* the body's length when a read began */

    /* One lazy timer for every deadline: moving a deadline later (every
     * keep-alive request) costs no heap operation; the timer, when it
     * fires early, re-arms itself at the deadline. */
    double deadline;      /* 0: none */
    ioloop_timeout timer; /* 0: none */
    double timer_at;
    char peer_ip[INET6_ADDRSTRLEN];
};

static void http1_read_head(struct http1_connection *c);
static void http1_deliver(struct http1_connection *c);
static void http1_send_error(struct http1_connection *c, int status);
static void http1_set_deadline(struct http1_connection *c, double seconds);
static void http1_fail(struct http1_connection *c, const char *what);
static void http1_on_close(struct iostream *s, void *arg);
static void http1_free(struct http1_connection *c);
static int http1_take_exchange(struct http1_connection *c);
static void http1_give_exchange(struct http1_connection *c);
static void http1_deliver_streamed(struct http1_connection *c);
static void http1_on_piece_read(void *arg);
static void http1_on_error_sent(struct iostream *s, int status, void *arg);
static double http1_linger_seconds(const struct http1_connection *c);

/* ---- the start ---- */

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

static void http1_link(struct http1_connection *c, struct http1_pool *pool)
{
    c->next = pool->conns;
    if (pool->conns)
        pool->conns->prev = c;
    pool->conns = c;
}

void http1_connection_start(struct iostream *stream,
                            const struct http1_params *params,
                            const char *peer)
{
    struct http1_connection *c = calloc(1, sizeof *c);
    size_t head_room = params->max_header_size;
    int one = 1;

    if (!c) {
        log_warn("%s: no memory for a connection", peer);
        iostream_free(stream);
        return;
    }
    c->params = params;
    c->loop = params->loop;
    c->stream = stream;
    http1_set_peer(c, peer);
    http1_link(c, params->pool);
    /* The stream's buffer bounds what a client can make us hold: a head
     * over the limit is cut short once past it (http1_head_end), which
     * one more read fits in, and gets its 431; a body passes a piece at a
     * time. Past the buffer, the stream closes. */
    if (head_room < HTTP1_BODY_PIECE)
        head_room = HTTP1_BODY_PIECE;
    iostream_set_max_buffer_size(stream, head_room + HTTP1_BODY_PIECE);
    iostream_set_close_callback(stream, http1_on_close, c);
    /* Each response leaves in one send(); Nagle's algorithm would hold a
     * pipelined one back until the previous one is acknowledged. */
    setsockopt(iostream_fd(stream), IPPROTO_TCP, TCP_NODELAY, &one,
               sizeof one);
    http1_set_deadline(c, params->idle_timeout);
    http1_read_head(c);
}

/* ---- heads ---- */

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
    return len > c->params->max_header_size ? len : 0;
}

static void http1_on_head(struct iostream *s, int status, const char *data,
                          size_t len, void *arg);

/* Wait for the next head. */
static void http1_read_head(struct http1_connection *c)
{
    c->state = HTTP1_HEAD;
    if (iostream_read_until_match(c->stream, http1_head_end, NULL, c, 2, 0,
                                  http1_on_head, c) < 0)
        http1_fail(c, "read");
}

/* Every byte is CR or LF: blank lines some clients send between requests
 * (RFC 9112 section 2.2), which the next head's delimiter may end on. */
static int all_blank(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] != '\r' && data[i] != '\n')
            return 0;
    return 1;
}

/* Make the request from its head, in an exchange: 0, or the status to
 * answer with. */
static int http1_parse_head(struct http1_connection *c, const char *data,
                            size_t len)
{
    const struct http1_params *p = c->params;

    /* Too large, whole or cut short by http1_head_end: 431, then the
     * lingering close reads and drops the rest of it, up to its bound. */
    if (len > p->max_header_size)
        return 431;
    if (!c->x && http1_take_exchange(c) < 0)
        return 500;
    return http_request_parse(&c->x->req, data, len, p->max_header_size,
                              c->peer_ip, p->xheaders);
}

static void http1_start_body(struct http1_connection *c);

static void http1_on_head(struct iostream *s, int status, const char *data,
                          size_t len, void *arg)
{
    struct http1_connection *c = arg;
    int error;

    (void)s;
    if (status < 0) /* closed: the close callback follows */
        return;
    assert(c->state == HTTP1_HEAD);
    if (all_blank(data, len)) {
        http1_read_head(c);
        return;
    }
    if ((error = http1_parse_head(c, data, len)))
        http1_send_error(c, error);
    else
        http1_start_body(c);
}

/* ---- the body ---- */

static void http1_on_body(void *arg, int status);

/* Send "100 Continue" if the client waits for one, and read the body:
 * whole, or (piece set) streamed. */
static void http1_begin_body(struct http1_connection *c,
                             http1_body_piece_fn *piece)
{
    const struct http1_params *p = c->params;
    const struct http_request_head *h = &c->x->req.head;
    const char *expect = http_request_header(&c->x->req, "Expect");
    static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";

    if (h->version == 11 && expect &&
        http_value_has_token(expect, strlen(expect), "100-continue") &&
        iostream_write(c->stream, go_on, sizeof go_on - 1, NULL, NULL) < 0) {
        http1_fail(c, "write");
        return;
    }
    c->x->body = (struct http1_body){
        .stream = c->stream, .out = &c->x->req.body, .peer = c->peer_ip,
        .max_body_size = p->max_body_size,
        .max_trailer_size = p->max_header_size,
        .done = http1_on_body, .piece = piece, .arg = c};
    if (h->chunked)
        http1_body_read_chunked(&c->x->body);
    else
        http1_body_read_length(&c->x->body, (uint64_t)h->content_length);
}

/* The head is in: refuse it, or read its body, or deliver it (at once
 * if it has no body, or if its handler streams the body). */
static void http1_start_body(struct http1_connection *c)
{
    const struct http1_params *p = c->params;
    const struct http_request_head *h = &c->x->req.head;

    if (!h->chunked && h->content_length <= 0) {
        http1_deliver(c);
        return;
    }
    if (h->content_length > 0 &&
        (uint64_t)h->content_length > p->max_body_size) {
        http1_send_error(c, 413); /* before the body: no 100 Continue */
        return;
    }
    http1_set_deadline(c, p->body_timeout);
    if (p->stream_body && p->stream_body(&c->x->req, p->arg)) {
        http1_deliver_streamed(c);
        return;
    }
    c->state = HTTP1_BODY;
    http1_begin_body(c, NULL);
}

static void http1_on_stream_end(struct http1_connection *c, int status);

/* The body is in (status 0), or it must be refused. */
static void http1_on_body(void *arg, int status)
{
    struct http1_connection *c = arg;

    if (c->body_stream != HTTP1_STREAM_OFF) {
        http1_on_stream_end(c, status);
        return;
    }
    assert(c->state == HTTP1_BODY);
    if (status)
        http1_send_error(c, status);
    else
        http1_deliver(c);
}

/* ---- a streamed body, which the handler reads as it comes ---- */

/* http_request_read_body() asks for the next piece: the first read starts
 * the body (and its "100 Continue"), the later ones resume it. The body
 * deadline set at the head covers it all, the handler's pauses included,
 * as Tornado's body_timeout covers _read_body. */
static int http1_read_more(void *arg)
{
    struct http1_connection *c = arg;
    enum http1_stream was = c->body_stream;

    assert(c->state == HTTP1_HANDLER);
    if (was == HTTP1_STREAM_FAILED || !c->stream) {
        errno = was == HTTP1_STREAM_FAILED ? c->stream_error : EPIPE;
        return -1;
    }
    assert(was == HTTP1_STREAM_UNSTARTED || was == HTTP1_STREAM_PAUSED);
    c->body_stream = HTTP1_STREAM_READING;
    c->stream_mark = buffer_len(&c->x->req.body);
    if (was == HTTP1_STREAM_UNSTARTED)
        http1_begin_body(c, http1_on_piece_read);
    else
        http1_body_resume(&c->x->body);
    return 0; /* a failure closes the stream: the read gets ECONNRESET */
}

static void http1_deliver_streamed(struct http1_connection *c)
{
    c->body_stream = HTTP1_STREAM_UNSTARTED;
    http_request_stream_body(&c->x->req, http1_read_more, c);
    http1_deliver(c);
}

/* A piece is in req->body, more to come: the waiting read ends. After
 * the handler has finished, nobody waits. */
static void http1_on_piece_read(void *arg)
{
    struct http1_connection *c = arg;

    assert(c->body_stream == HTTP1_STREAM_READING);
    c->body_stream = HTTP1_STREAM_PAUSED;
    if (c->state == HTTP1_HANDLER)
        http_request_body_read(&c->x->req, 0);
}

/* http1body's status as the errno a read returns. */
static int http1_stream_errno(int status)
{
    return status == 400 ? EBADMSG : status == 500 ? ENOMEM : EMSGSIZE;
}

/* A streamed body has all come (0: its last bytes, if any, are in
 * req->body), or it is refused: the handler hears it from its read, and
 * answers as it likes; the connection closes after that answer. Tornado
 * closes at once, unanswered. */
static void http1_on_stream_end(struct http1_connection *c, int status)
{
    struct http_request *req = &c->x->req;
    int appended = buffer_len(&req->body) > c->stream_mark;

    assert(c->body_stream == HTTP1_STREAM_READING);
    if (status) {
        c->body_stream = HTTP1_STREAM_FAILED;
        c->stream_error = http1_stream_errno(status);
    } else {
        c->body_stream = HTTP1_STREAM_OFF;
        http_request_stream_body(req, NULL, NULL);
    }
    if (c->state != HTTP1_HANDLER)
        return; /* finished already: nobody waits, the close comes */
    if (!status)
        c->deadline = 0;
    http_request_body_read(req, status    ? c->stream_error
                                : appended ? 0
                                           : ENODATA);
}

/* The handler finished before its streamed body had all been read: the
 * rest of it cannot be told from a next request, so the connection
 * closes once the answer is out, lingering to drop what still comes
 * (Tornado: _disconnect_on_finish). */
static void http1_abandon_body(struct http1_connection *c)
{
    c->state = HTTP1_CLOSING;
    http1_set_deadline(c, http1_linger_seconds(c));
    if (iostream_on_drained(c->stream, http1_on_error_sent, c) < 0)
        http1_fail(c, "write");
}

/* ---- delivering, and after the handler has finished ---- */

static void http1_on_finished(struct http_response *r, void *arg);

static void http1_deliver(struct http1_connection *c)
{
    c->state = HTTP1_HANDLER;
    if (c->body_stream == HTTP1_STREAM_OFF)
        c->deadline = 0; /* a streamed body's deadline runs on */
    http_response_begin(&c->x->resp, &c->x->req, c->stream,
                        http1_on_finished, c);
    c->params->on_request(&c->x->req, c->params->arg); /* c may be gone */
}

static void http1_on_drained(struct iostream *s, int status, void *arg)
{
    struct http1_connection *c = arg;

    if (status < 0)
        return;
    assert(c->state == HTTP1_DRAIN || c->state == HTTP1_CLOSING);
    http1_give_exchange(c); /* kept for a flush callback that was due */
    if (c->state == HTTP1_DRAIN)
        http1_read_head(c);
    else
        iostream_close(s);
}

static void http1_wait_drain(struct http1_connection *c)
{
    if (iostream_on_drained(c->stream, http1_on_drained, c) < 0)
        http1_fail(c, "write");
}

/* The handler has finished and its response is queued (httpresponse.c).
 * The next head is read at once while less than HTTP1_MAX_QUEUED waits to
 * be sent: the stream sends what its callbacks wrote just before the loop
 * polls, so if the next request is already in the buffer (pipelining),
 * its response joins this one in that send(). Past the bound, the next
 * head waits until the queue has left (Tornado always waits so): a client
 * that pipelines without reading its answers cannot make us queue without
 * bound. A flush callback still due must run before the next request has
 * the connection: wait for the drain then, too, and keep the exchange
 * (the callback's response) until then. */
static void http1_on_finished(struct http_response *r, void *arg)
{
    struct http1_connection *c = arg;
    struct iostream *s = c->stream;

    assert(c->state == HTTP1_HANDLER);
    http_request_body_read(&c->x->req, ECANCELED); /* a read left pending */
    if (!s) { /* closed while the handler held it: we were waited for */
        http1_free(c);
        return;
    }
    if (iostream_closed(s)) { /* its close callback, on its way, frees c */
        c->state = HTTP1_CLOSING;
        return;
    }
    if (c->body_stream != HTTP1_STREAM_OFF) {
        http1_abandon_body(c);
        return;
    }
    c->state = r->keep_alive ? HTTP1_DRAIN : HTTP1_CLOSING;
    /* The idle deadline covers a client that does not read its answer. */
    http1_set_deadline(c, c->params->idle_timeout);
    if (r->flush_waits) {
        http1_wait_drain(c);
        return;
    }
    http1_give_exchange(c); /* the response is queued: req is done */
    if (c->state == HTTP1_DRAIN &&
        iostream_write_pending(s) < HTTP1_MAX_QUEUED)
        http1_read_head(c);
    else if (iostream_write_pending(s) > 0)
        http1_wait_drain(c);
    else
        iostream_close(s);
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
    assert(c->state == HTTP1_LINGER);
    if (len >= c->linger_left) {
        iostream_close(s);
        return;
    }
    c->linger_left -= len;
    http1_linger_read(c);
}

static void http1_linger_read(struct http1_connection *c)
{
    if (iostream_read_bytes(c->stream, HTTP1_BODY_PIECE, http1_on_linger,
                            c) < 0)
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
    assert(c->state == HTTP1_CLOSING);
    /* A streamed body's piece still being read holds the stream's one
     * read: no lingering then. */
    if (c->body_stream == HTTP1_STREAM_READING ||
        shutdown(iostream_fd(s), SHUT_WR) < 0) {
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
    struct buffer out; /* its own: an error may come before any exchange */

    log_debug("%s: answering %d", c->peer_ip, status);
    c->state = HTTP1_CLOSING;
    /* For the write and the linger both. */
    http1_set_deadline(c, http1_linger_seconds(c));
    buffer_init(&out);
    if (http_format_error(&out, status) < 0 ||
        iostream_write(c->stream, buffer_data(&out), buffer_len(&out),
                       http1_on_error_sent, c) < 0)
        http1_fail(c, "write");
    buffer_free(&out);
}

/* ---- deadlines ---- */

/* How long a closing connection may take to send its last answer and
 * drop what still comes: the linger bound, or the idle timeout if less. */
static double http1_linger_seconds(const struct http1_connection *c)
{
    double idle = c->params->idle_timeout;

    return idle > 0 && idle < HTTP1_LINGER_SECONDS ? idle
                                                   : HTTP1_LINGER_SECONDS;
}

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
    /* A handler holding its request has a deadline only for a streamed
     * body. */
    log_debug("%s: %s timeout, closing", c->peer_ip,
              c->state == HTTP1_BODY || c->state == HTTP1_HANDLER ? "body"
                                                                 : "idle");
    iostream_close(c->stream);
    return 0;
}

/* ---- the end ---- */

/* A failed call on the stream (EPIPE: it closed, the close callback is on
 * its way; ENOMEM): make sure it closes. */
static void http1_fail(struct http1_connection *c, const char *what)
{
    if (errno != EPIPE)
        log_warn("%s: %s: %s", c->peer_ip, what, strerror(errno));
    iostream_close(c->stream);
}

/* Out of the pool: the server no longer sees c (at its free, or c's). */
static void http1_unlink(struct http1_connection *c)
{
    struct http1_pool *pool = c->params ? c->params->pool : NULL;

    if (!pool)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        pool->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

/* The stream is gone while the handler holds the request: keep c (and so
 * the request) until the handler finishes, and tell it now. Its close
 * callback must come last: it may finish the request, and that frees c. */
static void http1_lose_stream(struct http1_connection *c)
{
    http1_cancel_timer(c);
    iostream_free(c->stream); /* NULL-safe; safe inside its callbacks */
    c->stream = NULL;
    if (c->state == HTTP1_HANDLER) {
        http_request_body_read(&c->x->req, ECONNRESET); /* if one waits */
        http_response_lost(&c->x->resp); /* may free c */
    }
    else
        http1_free(c);
}

/* The stream closed, by either side. */
static void http1_on_close(struct iostream *s, void *arg)
{
    (void)s;
    http1_lose_stream(arg);
}

void http1_connection_close_all(struct http1_pool *pool)
{
    while (pool->conns) {
        struct http1_connection *c = pool->conns;

        http1_unlink(c);
        c->params = NULL; /* detached: the server is going */
        http1_lose_stream(c);
    }
    while (pool->spares) {
        struct http1_exchange *x = pool->spares;
        pool->spares = x->next;
        http_request_free(&x->req);
        http_response_free(&x->resp);
        free(x);
    }
    pool->nspares = 0;
}

static void http1_free(struct http1_connection *c)
{
    http1_unlink(c);
    http1_cancel_timer(c);
    iostream_free(c->stream);
    http1_give_exchange(c);
    free(c);
}

/* ---- exchanges, from the pool's spares and back ---- */

/* A spare exchange, else a new one (zeroed: its buffers empty). */
static int http1_take_exchange(struct http1_connection *c)
{
    struct http1_pool *pool = c->params->pool;
    struct http1_exchange *x = pool->spares;

    if (x) {
        pool->spares = x->next;
        pool->nspares--;
    } else if (!(x = calloc(1, sizeof *x))) {
        return -1;
    }
    c->x = x;
    return 0;
}

/* Give c's exchange (if any) back: to the spares, or to free() when c is
 * detached or there are enough spares. */
static void http1_give_exchange(struct http1_connection *c)
{
    struct http1_exchange *x = c->x;
    struct http1_pool *pool = c->params ? c->params->pool : NULL;

    c->x = NULL;
    if (!x)
        return;
    if (!pool || pool->nspares >= HTTP1_MAX_SPARES) {
        http_request_free(&x->req);
        http_response_free(&x->resp);
        free(x);
        return;
    }
    http_request_trim(&x->req);
    http_response_trim(&x->resp);
    x->next = pool->spares;
    pool->spares = x;
    pool->nspares++;
}
