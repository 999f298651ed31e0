/* stream_body_test.c - chapter 4's streamed request bodies: a server
 * whose options' stream_body says yes delivers a request at its head, and
 * its handler reads the body a piece at a time with
 * http_request_read_body() (Tornado: @stream_request_body). Each case runs
 * the server and a client socket in one process.
 *
 *   stream_body_test CASE
 */
#include "check.h"
#include "httpserver.h"

#include "buffer.h"
#include "log.h"
#include "net.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct ioloop *loop;
static struct httpserver *srv;
static struct http_request *held; /* the request /hold keeps */
static char events[512];          /* what the handler saw, in order */
static struct buffer got;         /* the body's bytes, as /read took them */
static int pieces;

static void note(const char *fmt, const char *what)
{
    size_t len = strlen(events);

    snprintf(events + len, sizeof events - len, fmt, what);
}

static void reply(struct http_request *req, int status, const char *text)
{
    http_response_start(req, status, "Content-Type: text/plain\r\n");
    http_response_write(req, text, strlen(text));
    http_response_finish(req);
}

static const char *error_name(int error)
{
    switch (error) {
    case ENODATA: return "ENODATA";
    case EBADMSG: return "EBADMSG";
    case EMSGSIZE: return "EMSGSIZE";
    case ECONNRESET: return "ECONNRESET";
    case ECANCELED: return "ECANCELED";
    case EBUSY: return "EBUSY";
    case EPIPE: return "EPIPE";
    default: return strerror(error);
    }
}

/* ---- /read: every piece, then the answer ---- */

static void read_next(struct http_request *req);

static void on_piece(struct http_request *req, int status, void *arg)
{
    char text[64];

    (void)arg;
    if (status == 0) {
        pieces++;
        buffer_append(&got, buffer_data(&req->body), buffer_len(&req->body));
        buffer_consume(&req->body, buffer_len(&req->body));
        read_next(req);
        return;
    }
    note("%s|", error_name(status));
    if (status == ECONNRESET || status == ECANCELED)
        return; /* the close callback, or the finish, is ours to see */
    if (status == ENODATA) {
        snprintf(text, sizeof text, "%d pieces, %zu bytes\n", pieces,
                 buffer_len(&got));
        reply(req, 200, text);
    } else {
        reply(req, status == EMSGSIZE ? 413 : 400, "refused\n");
    }
    ioloop_stop(loop);
}

static void read_next(struct http_request *req)
{
    if (http_request_read_body(req, on_piece, NULL) < 0)
        on_piece(req, errno, NULL); /* ENODATA at once: all read */
}

static void on_gone(struct http_request *req, void *arg)
{
    (void)arg;
    note("%s|", "close");
    http_response_finish(req);
    ioloop_stop(loop);
}

static void on_request(struct http_request *req, void *arg)
{
    (void)arg;
    note("deliver %s|", req->body_streamed ? "streamed" : "whole");
    http_response_set_close_callback(req, on_gone, NULL);
    if (strcmp(req->path, "/read") == 0) {
        read_next(req);
    } else if (strcmp(req->path, "/refuse") == 0) {
        reply(req, 403, "no\n");
        ioloop_stop(loop);
    } else { /* /hold */
        held = req;
        ioloop_stop(loop);
    }
}

static int stream_all(const struct http_request *req, void *arg)
{
    (void)req;
    (void)arg;
    return 1;
}

/* ---- the harness ---- */

/* A server (its bodies streamed, or not) and a client connected to it;
 * the loop has not run yet. */
static int setup(int streamed, size_t max_body_size)
{
    struct httpserver_options o = {.max_body_size = max_body_size};
    int fd;

    alarm(10);
    held = NULL;
    events[0] = '\0';
    pieces = 0;
    buffer_init(&got);
    if (streamed)
        o.stream_body = stream_all;
    loop = ioloop_new(NULL);
    srv = httpserver_new(loop, &o, on_request, NULL);
    CHECK(srv && httpserver_listen(srv, "127.0.0.1", 0) == 0);
    fd = net_connect("127.0.0.1", httpserver_port(srv));
    CHECK(fd >= 0);
    return fd;
}

static void teardown(int fd)
{
    httpserver_free(srv);
    ioloop_free(loop);
    buffer_free(&got);
    if (fd >= 0)
        close(fd);
}

static void send_text(int fd, const char *text)
{
    CHECK_EQ(net_write_all(fd, text, strlen(text)), 0);
}

static int stop_now(struct ioloop *l, void *arg)
{
    (void)arg;
    ioloop_stop(l);
    return 0;
}

/* Run the loop for about ms milliseconds. */
static void run_for(int ms)
{
    ioloop_call_later(loop, ms / 1000.0, stop_now, NULL);
    ioloop_start(loop);
}

/* What the server has sent so far (the loop run a little first), and
 * whether it has closed: "...|EOF". */
static void received(int fd, char *out, size_t cap)
{
    size_t have = 0;
    ssize_t n = 1;

    run_for(50);
    while (have + 1 < cap &&
           (n = recv(fd, out + have, cap - 1 - have, MSG_DONTWAIT)) > 0)
        have += (size_t)n;
    out[have] = '\0';
    if (n == 0 && have + 5 < cap)
        strcat(out, "|EOF");
}

/* A body of n bytes, each its offset's low byte: corruption shows. */
static char *make_body(size_t n)
{
    char *body = malloc(n);

    for (size_t i = 0; body && i < n; i++)
        body[i] = (char)(i * 7 + 1);
    return body;
}

/* ---- the cases ---- */

/* 200,000 bytes by Content-Length come in pieces of at most 64 KiB, in
 * order; then the connection serves its next request (keep-alive). */
static void test_length_body_in_pieces(void)
{
    enum { N = 200000 };
    int fd = setup(1, 0);
    char *body = make_body(N), head[128], answer[4096];

    snprintf(head, sizeof head,
             "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
             N);
    send_text(fd, head);
    CHECK_EQ(net_write_all(fd, body, N), 0);
    send_text(fd, "GET /refuse HTTP/1.1\r\nHost: x\r\n\r\n");
    ioloop_start(loop); /* until /read has answered */
    CHECK(pieces >= 4); /* 200,000 / 65,536, rounded up */
    CHECK_EQ(buffer_len(&got), (size_t)N);
    CHECK(buffer_len(&got) == N && memcmp(buffer_data(&got), body, N) == 0);
    ioloop_start(loop); /* until /refuse has */
    received(fd, answer, sizeof answer);
    CHECK(strstr(answer, "\r\n\r\n4 pieces, 200000 bytes\n") != NULL);
    CHECK(strstr(answer, "HTTP/1.1 403 Forbidden") != NULL);
    CHECK(strstr(answer, "|EOF") == NULL);
    CHECK_SLICE(events, strlen(events),
                "deliver streamed|ENODATA|deliver whole|");
    free(body);
    teardown(fd);
}

/* Chunked: a piece per chunk, the trailer dropped, and the end seen by
 * the read that finds the last chunk. */
static void test_chunked_body(void)
{
    int fd = setup(1, 0);
    char answer[1024];

    send_text(fd, "POST /read HTTP/1.1\r\nHost: x\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n"
                  "0\r\nX-Trailer: t\r\n\r\n");
    ioloop_start(loop);
    CHECK_SLICE(buffer_data(&got), buffer_len(&got), "hello, world");
    CHECK_EQ(pieces, 3);
    received(fd, answer, sizeof answer);
    CHECK(strstr(answer, "3 pieces, 12 bytes\n") != NULL);
    teardown(fd);
}

/* The request is delivered at its head, before a byte of body; "100
 * Continue" goes out only when the handler first reads. */
static void test_delivered_at_head(void)
{
    int fd = setup(1, 0);
    char answer[1024];

    send_text(fd, "POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  "Expect: 100-continue\r\n\r\n");
    ioloop_start(loop); /* until /hold has the request */
    CHECK(held != NULL);
    if (!held)
        return;
    CHECK(held->body_streamed);
    received(fd, answer, sizeof answer);
    CHECK_SLICE(answer, strlen(answer), ""); /* no 100 Continue yet */
    read_next(held);
    received(fd, answer, sizeof answer);
    CHECK_SLICE(answer, strlen(answer), "HTTP/1.1 100 Continue\r\n\r\n");
    errno = 0;
    CHECK_EQ(http_request_read_body(held, on_piece, NULL), -1);
    CHECK_EQ(errno, EBUSY); /* one read at a time */
    send_text(fd, "hello");
    ioloop_start(loop);
    CHECK_SLICE(buffer_data(&got), buffer_len(&got), "hello");
    CHECK_SLICE(events, strlen(events), "deliver streamed|ENODATA|");
    teardown(fd);
}

/* Answered without reading the body: no "100 Continue", and the
 * connection closes once the answer is out, for the rest of the body
 * cannot be told from a next request. */
static void test_finish_unread_closes(void)
{
    int fd = setup(1, 0);
    char answer[1024];

    send_text(fd, "POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n"
                  "Expect: 100-continue\r\n\r\n");
    ioloop_start(loop);
    received(fd, answer, sizeof answer);
    CHECK(strncmp(answer, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
    CHECK(strstr(answer, "100 Continue") == NULL);
    send_text(fd, "the body!"); /* dropped by the lingering close */
    shutdown(fd, SHUT_WR);
    received(fd, answer, sizeof answer);
    CHECK_SLICE(answer, strlen(answer), "|EOF");
    teardown(fd);
}

/* A malformed chunk after a good one: the handler has the good one, its
 * next read fails with EBADMSG, it answers 400, and the connection
 * closes. */
static void test_bad_chunk(void)
{
    int fd = setup(1, 0);
    char answer[1024];

    send_text(fd, "POST /read HTTP/1.1\r\nHost: x\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
    ioloop_start(loop);
    CHECK_SLICE(buffer_data(&got), buffer_len(&got), "hello");
    CHECK_SLICE(events, strlen(events), "deliver streamed|EBADMSG|");
    shutdown(fd, SHUT_WR);
    received(fd, answer, sizeof answer);
    CHECK(strncmp(answer, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
    CHECK(strstr(answer, "refused\n|EOF") != NULL);
    teardown(fd);
}

/* A chunk that would take the body past max_body_size: EMSGSIZE before
 * a byte of it is read, and the handler's 413. */
static void test_chunk_past_limit(void)
{
    int fd = setup(1, 8);
    char answer[1024];

    send_text(fd, "POST /read HTTP/1.1\r\nHost: x\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n");
    ioloop_start(loop);
    CHECK_SLICE(events, strlen(events), "deliver streamed|EMSGSIZE|");
    received(fd, answer, sizeof answer);
    CHECK(strncmp(answer, "HTTP/1.1 413 Content Too Large\r\n", 32) == 0);
    teardown(fd);
}

/* The client goes mid-body: the waiting read gets ECONNRESET, then the
 * close callback runs (which finishes the request). A piece is handed
 * over whole (64 KiB, or the rest of the body): 11 of 100 bytes never
 * made one. */
static void test_client_gone_mid_body(void)
{
    int fd = setup(1, 0);

    send_text(fd, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                  "\r\nonly a part");
    run_for(50);
    close(fd);
    ioloop_start(loop); /* until the close callback */
    CHECK_EQ(buffer_len(&got), 0);
    CHECK_SLICE(events, strlen(events), "deliver streamed|ECONNRESET|close|");
    teardown(-1);
}

/* Finishing with a read pending ends that read, with ECANCELED, inside
 * the finish; the connection then closes. */
static void test_finish_with_read_pending(void)
{
    int fd = setup(1, 0);
    char answer[1024];

    send_text(fd, "POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n"
                  "\r\n");
    ioloop_start(loop);
    CHECK(held != NULL);
    if (!held)
        return;
    read_next(held);
    run_for(20);
    reply(held, 200, "early\n");
    CHECK_SLICE(events, strlen(events), "deliver streamed|ECANCELED|");
    received(fd, answer, sizeof answer);
    CHECK(strstr(answer, "\r\n\r\nearly\n|EOF") != NULL);
    teardown(fd);
}

/* Without stream_body, the body comes whole in req->body, and a read
 * says so at once: ENODATA, no callback. */
static void test_whole_body_reads_nothing(void)
{
    int fd = setup(0, 0);

    send_text(fd, "POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  "\r\nhello");
    ioloop_start(loop);
    CHECK(held != NULL);
    if (!held)
        return;
    CHECK(!held->body_streamed);
    CHECK_SLICE(buffer_data(&held->body), buffer_len(&held->body), "hello");
    errno = 0;
    CHECK_EQ(http_request_read_body(held, on_piece, NULL), -1);
    CHECK_EQ(errno, ENODATA);
    reply(held, 200, "ok\n");
    CHECK_SLICE(events, strlen(events), "deliver whole|");
    teardown(fd);
}

static const struct check_case cases[] = {
    {"length_body_in_pieces", test_length_body_in_pieces},
    {"chunked_body", test_chunked_body},
    {"delivered_at_head", test_delivered_at_head},
    {"finish_unread_closes", test_finish_unread_closes},
    {"bad_chunk", test_bad_chunk},
    {"chunk_past_limit", test_chunk_past_limit},
    {"client_gone_mid_body", test_client_gone_mid_body},
    {"finish_with_read_pending", test_finish_with_read_pending},
    {"whole_body_reads_nothing", test_whole_body_reads_nothing},
    {0}};

int main(int argc, char **argv)
{
    log_setup("stream_body_test");
    return check_main(argc, argv, cases);
}
