/* httpclient_conn.c - one client connection: a non-blocking connect, then
 * request out, response head and body in, on chapter 4's IOStream and
 * its body reader. Tornado: simple_httpclient._HTTPConnection. */
#include "httpclient_conn.h"

#include "httpclient_response.h"

#include "http1body.h"
#include "iostream.h"

#include "http_parse.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Trailer fields of a chunked response, all together (read, dropped). */
#define HTTPCLIENT_MAX_TRAILERS 65536

enum conn_state {
    CONN_CONNECTING, /* fd, a handler waiting for WRITE */
    CONN_FAILED,     /* every address failed: a timeout reports it */
    CONN_READY,      /* connected, between exchanges, nobody watching */
    CONN_BUSY,       /* an exchange under way */
    CONN_IDLE,       /* in the pool: closed is watched */
};

struct httpclient_conn {
    struct ioloop *loop;
    enum conn_state state;
    char *peer;
    struct resolver_result addrs;
    size_t next_addr; /* the address being tried */
    int fd;           /* while connecting */
    int error;        /* the last connect()'s */
    ioloop_timeout report;
    struct iostream *stream;
    httpclient_connected_fn *connected;
    httpclient_exchange_fn *exchanged;
    httpclient_idle_close_fn *idle_closed;
    void *arg;

    /* the exchange */
    int head_only;
    size_t max_body;
    size_t bytes_seen;      /* of the answer, for nothing_received */
    const char *why;        /* a reason known before the stream closes */
    struct httpclient_response *response;
    int keep_alive;         /* the head's, once the body is framed */
    struct http1_body body; /* chapter 4's reader, for the whole body */
};

static void conn_try_next(struct httpclient_conn *c);
static void conn_on_close(struct iostream *s, void *arg);

/* ---- connecting ---- */

/* From the loop: tell the caller how connecting ended. */
static int conn_report_connect(struct ioloop *loop, void *arg)
{
    struct httpclient_conn *c = arg;

    (void)loop;
    c->report = 0;
    c->connected(c->arg, c, c->state == CONN_READY ? 0 : c->error);
    return 0;
}

static void conn_schedule_report(struct httpclient_conn *c)
{
    /* A timer of 0 s, not a plain callback, because a timer can be
     * removed: httpclient_conn_free() before it runs must cancel it. */
    c->report = ioloop_call_later(c->loop, 0, conn_report_connect, c);
    if (!c->report)
        log_error("%s: no memory to report the connection", c->peer);
}

static void conn_drop_fd(struct httpclient_conn *c)
{
    if (c->fd < 0)
        return;
    ioloop_remove_handler(c->loop, c->fd); /* before close(), always */
    close(c->fd);
    c->fd = -1;
}

/* The socket is writable: connect() has ended, its result in SO_ERROR. */
static int conn_on_writable(struct ioloop *loop, int fd, int events,
                            void *arg)
{
    struct httpclient_conn *c = arg;
    int err = 0;
    socklen_t len = sizeof err;

    (void)loop;
    (void)events;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        c->error = err;
        conn_drop_fd(c);
        c->next_addr++;
        conn_try_next(c);
        return 0;
    }
    ioloop_remove_handler(c->loop, fd);
    c->fd = -1;
    if (!(c->stream = iostream_new(c->loop, fd))) { /* fd closed there */
        c->error = errno;
        c->state = CONN_FAILED;
    } else {
        c->state = CONN_READY;
        iostream_set_close_callback(c->stream, conn_on_close, c);
    }
    conn_report_connect(c->loop, c);
    return 0;
}

/* Start connect() on the next address; a refusal found at once tries the
 * one after it. When none is left, the failure is reported. */
static void conn_try_next(struct httpclient_conn *c)
{
    for (; c->next_addr < c->addrs.n; c->next_addr++) {
        const struct sockaddr_storage *ss = &c->addrs.addrs[c->next_addr];
        int fd = socket(ss->ss_family,
                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            c->error = errno;
            continue;
        }
        if (connect(fd, (const struct sockaddr *)ss,
                    c->addrs.lens[c->next_addr]) == 0 ||
            errno == EINPROGRESS) {
            /* Connected or not, WRITE tells: a socket connected at once
             * is writable at once, and SO_ERROR is then 0. */
            if (ioloop_add_handler(c->loop, fd, IOLOOP_WRITE,
                                   conn_on_writable, c) == 0) {
                c->fd = fd;
                return;
            }
        }
        c->error = errno;
        close(fd);
    }
    c->state = CONN_FAILED;
    conn_schedule_report(c);
}

struct httpclient_conn *httpclient_conn_new(struct ioloop *loop,
                                            const struct resolver_result *addrs,
                                            const char *peer,
                                            httpclient_connected_fn *done,
                                            void *arg)
{
    struct httpclient_conn *c = calloc(1, sizeof *c);

    if (!c || !(c->peer = strdup(peer))) {
        free(c);
        return NULL;
    }
    c->loop = loop;
    c->addrs = *addrs;
    c->fd = -1;
    c->error = EHOSTUNREACH; /* if there is no address at all */
    c->connected = done;
    c->arg = arg;
    c->state = CONN_CONNECTING;
    conn_try_next(c);
    return c;
}

/* ---- the end of an exchange ---- */

static void conn_finish(struct httpclient_conn *c, const char *error,
                        int reusable)
{
    struct httpclient_result r = {
        .response = error ? NULL : c->response,
        .error = error,
        .nothing_received = c->bytes_seen == 0,
        .reusable = reusable};

    if (error) {
        httpclient_response_free(c->response);
        c->state = CONN_FAILED;
        if (c->stream && !iostream_closed(c->stream))
            iostream_close(c->stream); /* its state is unknowable now */
    } else {
        c->state = CONN_READY;
    }
    c->response = NULL;
    c->exchanged(c->arg, c, &r); /* may free c */
}

/* The stream closed: mid-exchange that is the answer's end or a failure;
 * idle, the server let the connection go. */
static void conn_on_close(struct iostream *s, void *arg)
{
    struct httpclient_conn *c = arg;
    int err = iostream_error(s);

    if (c->state == CONN_BUSY)
        conn_finish(c, c->why ? c->why
                       : err ? strerror(err) : "Stream closed", 0);
    else if (c->state == CONN_IDLE)
        c->idle_closed(c->arg, c);
}

void httpclient_conn_idle(struct httpclient_conn *c,
                          httpclient_idle_close_fn *closed, void *arg)
{
    c->state = CONN_IDLE;
    c->idle_closed = closed;
    c->arg = arg;
}

/* ---- the body ---- */

static const char *conn_body_error(int status)
{
    switch (status) {
    case 413: return "Response body too large";
    case 431: return "Response trailers too large";
    case 500: return "Out of memory reading the body";
    default:  return "Malformed HTTP response: bad chunked body";
    }
}

/* chapter 4's reader is done: 0, or the status it would answer with. */
static void conn_on_body(void *arg, int status)
{
    struct httpclient_conn *c = arg;

    if (status)
        conn_finish(c, conn_body_error(status), 0);
    else
        conn_finish(c, NULL, c->keep_alive);
}

/* A body without length or chunks ends when the server closes. */
static void conn_on_body_to_close(struct iostream *s, int status,
                                  const char *data, size_t len, void *arg)
{
    struct httpclient_conn *c = arg;

    (void)s;
    if (status < 0) {
        if (errno == EMSGSIZE)
            c->why = "Response body too large"; /* the close reports it */
        return;
    }
    if (buffer_append(&c->response->body, data, len) < 0)
        c->why = "Out of memory reading the body";
    conn_finish(c, c->why, 0);
}

static void conn_read_body(struct httpclient_conn *c,
                           const struct http_response_head *head)
{
    int code = head->code;

    /* Designated: fields added to struct http1_body later start zeroed,
     * which keeps today's behaviour. */
    c->body = (struct http1_body){
        .stream = c->stream, .out = &c->response->body, .peer = c->peer,
        .max_body_size = c->max_body,
        .max_trailer_size = HTTPCLIENT_MAX_TRAILERS,
        .done = conn_on_body, .arg = c};
    c->keep_alive = head->keep_alive;
    if (c->head_only || code < 200 || code == 204 || code == 304) {
        conn_finish(c, NULL, c->keep_alive); /* RFC 9112 6.3: no body */
    } else if (head->chunked) {
        http1_body_read_chunked(&c->body);
    } else if (head->content_length > (int64_t)c->max_body) {
        conn_finish(c, "Response body too large", 0);
    } else if (head->content_length >= 0) {
        if (head->content_length == 0)
            conn_finish(c, NULL, c->keep_alive);
        else
            http1_body_read_length(&c->body,
                                   (uint64_t)head->content_length);
    } else {
        iostream_set_max_buffer_size(c->stream, c->max_body);
        if (iostream_read_until_close(c->stream, conn_on_body_to_close,
                                      c) < 0)
            conn_finish(c, strerror(errno), 0);
    }
}

/* ---- the head ---- */

static int conn_read_head(struct httpclient_conn *c);

static void conn_on_head(struct iostream *s, int status, const char *data,
                         size_t len, void *arg)
{
    struct httpclient_conn *c = arg;
    struct http_head_parser parser;
    struct http_response_head *head;
    size_t used;

    (void)s;
    if (status < 0) {
        if (errno == EMSGSIZE)
            c->why = "Malformed HTTP response: head too large";
        return; /* the close follows, and reports */
    }
    if (!(head = malloc(sizeof *head))) { /* 3 KB: not on a small stack */
        conn_finish(c, "Out of memory reading the head", 0);
        return;
    }
    http_head_parser_init(&parser);
    if (http_parse_response_head(&parser, data, len, head, &used) !=
        HTTP_PARSE_DONE) {
        conn_finish(c, "Malformed HTTP response", 0);
    } else if (head->code >= 100 && head->code < 200 && head->code != 101) {
        /* 100 Continue and friends: the real head comes next. */
        if (conn_read_head(c) < 0)
            conn_finish(c, strerror(errno), 0);
    } else if (head->code == 101) {
        conn_finish(c, "Malformed HTTP response: unexpected 101", 0);
    } else if (!(c->response = httpclient_response_from_head(head))) {
        conn_finish(c, "Out of memory reading the head", 0);
    } else {
        conn_read_body(c, head);
    }
    free(head);
}

/* Finds the head's end (CRLF CRLF, or LF LF from a lenient server) and
 * counts what came: a failure with nothing seen may be retried. */
static size_t conn_match_head(const char *data, size_t len, size_t from,
                              void *arg)
{
    struct httpclient_conn *c = arg;
    size_t i = from > 3 ? from - 3 : 0;

    c->bytes_seen = len;
    for (; i < len; i++) {
        if (data[i] != '\n')
            continue;
        if (i + 1 < len && data[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static int conn_read_head(struct httpclient_conn *c)
{
    return iostream_read_until_match(c->stream, conn_match_head, NULL, c, 3,
                                     HTTP_MAX_HEAD_SIZE, conn_on_head, c);
}

int httpclient_conn_exchange(struct httpclient_conn *c,
                             const struct buffer *request, int head_only,
                             size_t max_body, httpclient_exchange_fn *done,
                             void *arg)
{
    if (c->state != CONN_READY && c->state != CONN_IDLE) {
        errno = EBUSY;
        return -1;
    }
    if (iostream_closed(c->stream)) {
        errno = EPIPE;
        return -1;
    }
    c->state = CONN_BUSY;
    c->exchanged = done;
    c->arg = arg;
    c->head_only = head_only;
    c->max_body = max_body;
    c->bytes_seen = 0;
    c->why = NULL;
    /* A write that fails later closes the stream, and the close reports
     * it; failing here, nothing was sent. */
    if (iostream_write(c->stream, buffer_data(request), buffer_len(request),
                       NULL, NULL) < 0 ||
        conn_read_head(c) < 0) {
        c->state = CONN_FAILED;
        return -1;
    }
    return 0;
}

void httpclient_conn_free(struct httpclient_conn *c)
{
    if (!c)
        return;
    conn_drop_fd(c);
    if (c->report)
        ioloop_remove_timeout(c->loop, c->report);
    iostream_free(c->stream); /* no callback of it runs after this */
    httpclient_response_free(c->response);
    free(c->peer);
    free(c);
}
