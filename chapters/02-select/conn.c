/* conn.c - the demo app's connection state machine on a non-blocking fd. */
#include "conn.h"

#include "buffer.h"
#include "clock.h"
#include "demo.h"
#include "http_parse.h"
#include "http_response.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_READ_SIZE 4096
/* How long a closing connection waits for the client to close its side. */
#define CONN_LINGER_MS 2000

enum conn_state {
    CONN_READING,
    CONN_SLEEPING,
    CONN_WRITING,
    CONN_LINGERING, /* answer sent, our side shut: wait for the client's EOF */
    CONN_CLOSED,
};

struct conn {
    int fd;
    enum conn_state state;
    struct buffer in;          /* bytes read and not yet parsed */
    struct buffer out;         /* the answer being written */
    struct http_head_parser parser;
    struct demo_request req;   /* the request being answered */
    int64_t wake_at; /* SLEEPING: when to answer; LINGERING: when to stop */
};

struct conn *conn_new(int fd)
{
    struct conn *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->fd = fd;
    c->state = CONN_READING;
    buffer_init(&c->in);
    buffer_init(&c->out);
    http_head_parser_init(&c->parser);
    return c;
}

void conn_free(struct conn *c)
{
    close(c->fd);
    buffer_free(&c->in);
    buffer_free(&c->out);
    free(c);
}

int conn_fd(const struct conn *c) { return c->fd; }
int conn_wants_read(const struct conn *c)
{
    return c->state == CONN_READING || c->state == CONN_LINGERING;
}

int conn_wants_write(const struct conn *c) { return c->state == CONN_WRITING; }
int conn_closed(const struct conn *c) { return c->state == CONN_CLOSED; }

int64_t conn_deadline(const struct conn *c)
{
    return c->state == CONN_SLEEPING || c->state == CONN_LINGERING
               ? c->wake_at
               : -1;
}

/* Format the answer to c->req and switch to writing it. */
static void conn_answer(struct conn *c)
{
    if (demo_respond(&c->out, &c->req) < 0) {
        c->state = CONN_CLOSED;
        return;
    }
    c->state = CONN_WRITING;
}

/* Try to parse a request head from what has been read. Returns 1 if the
 * state changed (there is more to do now), 0 if we must wait for bytes. */
static int conn_parse_request(struct conn *c)
{
    struct http_request_head head;
    size_t used;

    switch (http_parse_head(&c->parser, buffer_data(&c->in),
                            buffer_len(&c->in), &head, &used)) {
    case HTTP_PARSE_INCOMPLETE:
        return 0;
    case HTTP_PARSE_INVALID:
        http_format_error(&c->out, c->parser.status);
        c->req.flags = HTTP_CLOSE;
        c->state = CONN_WRITING;
        return 1;
    case HTTP_PARSE_DONE:
        break;
    }
    demo_route(&head, &c->req);
    buffer_consume(&c->in, used); /* head's pointers are dead from here */
    if (c->req.route == DEMO_SLEEP) {
        /* Not a sleep() call: a deadline the loop will wake us at. */
        c->wake_at = clock_now_ms() + c->req.sleep_ms;
        c->state = CONN_SLEEPING;
    } else {
        conn_answer(c); /* /cpu/N does its work in here, stalling everyone */
    }
    return 1;
}

/* Close our side but keep reading until the client closes its own. A plain
 * close() with unread request bytes in the socket (the rest of a 70 KB head
 * we refused, a body we do not read) makes the kernel send a reset, and the
 * client may lose our answer before reading it. This is nginx's "lingering
 * close"; it is bounded by CONN_LINGER_MS. */
static void conn_start_lingering(struct conn *c)
{
    shutdown(c->fd, SHUT_WR);
    buffer_free(&c->in);
    c->wake_at = clock_now_ms() + CONN_LINGER_MS;
    c->state = CONN_LINGERING;
}

/* Read and drop whatever the client still sends; its EOF ends the linger. */
static void conn_discard_input(struct conn *c)
{
    char scratch[CONN_READ_SIZE];
    ssize_t n = read(c->fd, scratch, sizeof scratch);

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        c->state = CONN_CLOSED;
}

/* Write as much of c->out as the socket takes. Returns 1 if the answer is
 * all sent (the state changed), 0 if the socket is full and we must wait. */
static int conn_flush(struct conn *c)
{
    while (buffer_len(&c->out) > 0) {
        ssize_t n = write(c->fd, buffer_data(&c->out), buffer_len(&c->out));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0; /* a partial write: the rest when fd is writable */
        if (n < 0) {  /* EPIPE, ECONNRESET: the client has gone */
            log_debug("fd %d: write: %s", c->fd, strerror(errno));
            c->state = CONN_CLOSED;
            return 1;
        }
        buffer_consume(&c->out, (size_t)n);
    }
    if (c->req.flags & HTTP_KEEP_ALIVE)
        c->state = CONN_READING;
    else
        conn_start_lingering(c);
    return 1;
}

/* Move the connection forward until it has to wait for the socket or a
 * deadline. A loop rather than mutual recursion: a client that pipelines
 * thousands of requests must not grow the stack. Note that after an answer
 * is sent, the next request may already be in c->in: select() would not
 * report that (the bytes left the socket), so we must look ourselves. */
static void conn_advance(struct conn *c)
{
    for (;;) {
        if (c->state == CONN_READING && !conn_parse_request(c))
            return;
        if (c->state == CONN_WRITING && !conn_flush(c))
            return;
        if (c->state != CONN_READING && c->state != CONN_WRITING)
            return; /* sleeping, lingering or closed: wait for the loop */
    }
}

void conn_on_readable(struct conn *c)
{
    ssize_t n;

    if (c->state == CONN_LINGERING) {
        conn_discard_input(c);
        return;
    }
    if (buffer_reserve(&c->in, CONN_READ_SIZE) < 0) {
        c->state = CONN_CLOSED;
        return;
    }
    n = read(c->fd, buffer_tail(&c->in), buffer_space(&c->in));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return; /* a spurious wake-up: select(2), BUGS */
    if (n <= 0) { /* 0: the client closed; -1: ECONNRESET and friends */
        c->state = CONN_CLOSED;
        return;
    }
    buffer_commit(&c->in, (size_t)n);
    conn_advance(c);
}

void conn_on_writable(struct conn *c)
{
    conn_advance(c);
}

void conn_on_deadline(struct conn *c, int64_t now_ms)
{
    if (now_ms < c->wake_at)
        return;
    if (c->state == CONN_LINGERING) {
        c->state = CONN_CLOSED; /* the client never closed: stop waiting */
        return;
    }
    if (c->state != CONN_SLEEPING)
        return;
    conn_answer(c);
    conn_advance(c);
}
