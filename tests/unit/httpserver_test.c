/* httpserver_test.c - chapter 4's HTTPServer, two ways.
 *
 *   httpserver_test --port 0 [--max-body-size N] [--max-header-size N]
 *                   [--idle-timeout S] [--body-timeout S] [--xheaders]
 *       serves a few handlers for tests/04-iostream.bats to hit with httpc:
 *       /        200 "Hello, world"
 *       /echo    200 with the request body
 *       /info    200 "remote_ip=IP protocol=P"
 *       /later   200 "later" from a 0.2 s timer (an asynchronous finish)
 *       /stream  "part 1" flushed (chunked), then "part 2" from the flush
 *                callback, then finish
 *       else     404
 *   httpserver_test CASE
 *       runs one in-process unit case (check.h): the request's fields, a
 *       late finish after the client vanished, freeing the server while a
 *       handler holds a request, pipelined answers sharing a send(), what
 *       an idle keep-alive connection holds.
 */
#include "check.h"
#include "heap.h"
#include "httpserver.h"

#include "args.h"
#include "log.h"
#include "net.h"
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>


static struct ioloop *loop;
static struct httpserver *srv;
static int stopping;

/* ---- the handlers ---- */

static void reply(struct http_request *req, int status, const char *text)
{
    http_response_start(req, status,
                                "Content-Type: text/plain; charset=UTF-8\r\n");
    http_response_write(req, text, strlen(text));
    http_response_finish(req);
}

/* /later's state: the request and its timer. */
struct later {
    struct http_request *req;
    ioloop_timeout timer;
};

static int later_fire(struct ioloop *l, void *arg)
{
    struct later *job = arg;
    int gone = http_response_closed(job->req);

    (void)l;
    job->req->data = NULL;
    reply(job->req, 200, "later\n"); /* harmless if the client has gone */
    if (gone)
        log_info("later: finished after the client had gone");
    free(job);
    return 0;
}

/* The connection closed before the handler finished. In service we only
 * say so (the timer still finishes the request, late); when the server is
 * being freed, no timer will run again, so we finish now. */
static void on_gone(struct http_request *req, void *arg)
{
    struct later *job = req->data;

    (void)arg;
    log_info("%s: the client went before the answer", req->path);
    if (!stopping)
        return;
    if (job) {
        ioloop_remove_timeout(loop, job->timer);
        free(job);
    }
    http_response_finish(req);
}

static void later(struct http_request *req)
{
    struct later *job = malloc(sizeof *job);

    if (!job || !(job->timer = ioloop_call_later(loop, 0.2, later_fire, job))) {
        free(job);
        reply(req, 500, "no memory\n");
        return;
    }
    job->req = req;
    req->data = job;
    http_response_set_close_callback(req, on_gone, NULL);
}

static void stream_flushed(struct http_request *req, int status, void *arg)
{
    (void)arg;
    if (status == 0)
        http_response_write(req, "part 2\n", 7);
    http_response_finish(req);
}

static void stream(struct http_request *req)
{
    http_response_start(req, 200, "Content-Type: text/plain\r\n");
    http_response_write(req, "part 1\n", 7);
    http_response_set_close_callback(req, on_gone, NULL);
    if (http_response_flush(req, stream_flushed, NULL) < 0)
        http_response_finish(req);
}

static void info(struct http_request *req)
{
    char text[128];

    snprintf(text, sizeof text, "remote_ip=%s protocol=%s\n", req->remote_ip,
             req->protocol);
    reply(req, 200, text);
}

static void on_request(struct http_request *req, void *arg)
{
    (void)arg;
    if (strcmp(req->path, "/") == 0) {
        reply(req, 200, "Hello, world\n");
    } else if (strcmp(req->path, "/echo") == 0) {
        http_response_start(
            req, 200, "Content-Type: application/octet-stream\r\n");
        http_response_write(req, buffer_data(&req->body),
                           buffer_len(&req->body));
        http_response_finish(req);
    } else if (strcmp(req->path, "/info") == 0) {
        info(req);
    } else if (strcmp(req->path, "/later") == 0) {
        later(req);
    } else if (strcmp(req->path, "/stream") == 0) {
        stream(req);
    } else {
        reply(req, 404, "404 Not Found\n");
    }
}

/* ---- serve ---- */

static void on_stop_signal(void)
{
    ioloop_stop(loop);
}

static int parse_seconds(const char *text, double *out)
{
    char *end;

    if (!text)
        return 0;
    *out = strtod(text, &end);
    return end == text || *end || !(*out > 0) ? -1 : 0;
}

static int serve(int argc, char **argv)
{
    struct server_config config = SERVER_CONFIG_DEFAULT;
    struct httpserver_options o = {0};
    int max_body = 0, max_header = 0;
    const char *idle = NULL, *body = NULL;
    const struct args_option options[] = {
        SERVER_OPTIONS(config),
        {"--max-body-size", ARGS_INT, &max_body, "N", "bytes (100 MiB)", 1,
         1 << 30, NULL},
        {"--max-header-size", ARGS_INT, &max_header, "N", "bytes (64 KiB)", 1,
         1 << 30, NULL},
        {"--idle-timeout", ARGS_STRING, &idle, "S", "seconds (3600)", 0, 0,
         NULL},
        {"--body-timeout", ARGS_STRING, &body, "S", "seconds (3600)", 0, 0,
         NULL},
        {"--xheaders", ARGS_FLAG, &o.xheaders, NULL, "trust X-Real-Ip etc.", 0,
         0, NULL},
        {0}};
    enum args_status status = args_parse(
        argc, argv, "chapter 4's HTTPServer, for the tests", options);

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    if (parse_seconds(idle, &o.idle_timeout) < 0 ||
        parse_seconds(body, &o.body_timeout) < 0) {
        fprintf(stderr, "httpserver_test: timeouts are seconds above 0\n");
        return 2;
    }
    o.max_body_size = (size_t)max_body;
    o.max_header_size = (size_t)max_header;
    log_setup("httpserver_test");
    if (!(loop = ioloop_new(NULL)))
        die("ioloop_new");
    server_on_stop(on_stop_signal);
    if (server_catch_signals() < 0)
        die("signals");
    if (!(srv = httpserver_new(loop, &o, on_request, NULL)) ||
        httpserver_listen(srv, config.host, config.port) < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    printf("listening on http://%s:%d\n", config.host, httpserver_port(srv));
    fflush(stdout);
    ioloop_start(loop);
    stopping = 1; /* held requests are finished from on_gone */
    httpserver_free(srv);
    ioloop_free(loop);
    return 0;
}

/* ---- unit cases: a client socket and the server in one process ---- */

static struct http_request *held;  /* the request a case keeps */
static char seen[1024];            /* what the handler saw */
static int closes;                 /* close callbacks run */

static void record(struct http_request *req, void *arg)
{
    const struct http_header *h = &req->head.headers[1];

    (void)arg;
    snprintf(seen, sizeof seen,
             "%s|%s|%s|%s|%d|%s|%s|%s=%s|%zu|%s|%.*s|", req->method, req->uri,
             req->path, req->query, req->version, req->remote_ip,
             req->protocol, h->name, h->value, strlen(h->value),
             http_request_header(req, "x-empty"),
             (int)buffer_len(&req->body), buffer_data(&req->body));
    reply(req, 200, "ok\n");
    ioloop_stop(loop);
}

static void hold(struct http_request *req, void *arg)
{
    (void)arg;
    held = req;
    ioloop_stop(loop);
}

static void count_close(struct http_request *req, void *arg)
{
    (void)arg;
    closes++;
    CHECK(req == held);
    CHECK(http_response_closed(req));
    if (stopping)
        CHECK_EQ(http_response_finish(req), -1); /* frees it */
    else
        ioloop_stop(loop);
}

/* A server on a free port and a client connected to it, with request
 * already sent; the loop has not run yet. */
static int setup(httpserver_request_fn *fn, const char *request)
{
    int fd;

    alarm(5);
    held = NULL;
    closes = stopping = 0;
    seen[0] = '\0';
    loop = ioloop_new(NULL);
    srv = httpserver_new(loop, NULL, fn, NULL);
    CHECK(srv && httpserver_listen(srv, "127.0.0.1", 0) == 0);
    fd = net_connect("127.0.0.1", httpserver_port(srv));
    CHECK(fd >= 0);
    CHECK_EQ(net_write_all(fd, request, strlen(request)), 0);
    return fd;
}

static void teardown(int fd)
{
    stopping = 1;
    httpserver_free(srv);
    ioloop_free(loop);
    if (fd >= 0)
        close(fd);
}

static void test_request_fields(void)
{
    int fd = setup(record, "POST /a/b?x=1&y=2 HTTP/1.1\r\n"
                           "Host: example\r\n"
                           "X-Long:   padded value  \r\n"
                           "X-Empty:\r\n"
                           "Content-Length: 5\r\n\r\nhello");
    char answer[512];
    ssize_t n;

    ioloop_start(loop);
    CHECK_SLICE(seen, strlen(seen),
                "POST|/a/b?x=1&y=2|/a/b|x=1&y=2|11|127.0.0.1|http|"
                "X-Long=padded value|12||hello|");
    n = read(fd, answer, sizeof answer - 1);
    CHECK(n > 0);
    answer[n > 0 ? n : 0] = '\0';
    CHECK(strncmp(answer, "HTTP/1.1 200 OK\r\nDate: ", 23) == 0);
    CHECK(strstr(answer, "\r\nContent-Length: 3\r\n\r\nok\n") != NULL);
    CHECK(strstr(answer, "Connection") == NULL); /* 1.1: kept alive */
    teardown(fd);
}

/* The client resets the connection while the handler holds the request:
 * the close callback runs, writes are refused, and the late finish frees
 * everything (ASan checks that nothing leaks). */
static void test_late_finish_after_reset(void)
{
    int fd = setup(hold, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    struct linger reset = {.l_onoff = 1, .l_linger = 0};

    ioloop_start(loop); /* until the handler holds it */
    CHECK(held != NULL);
    if (!held)
        return;
    http_response_set_close_callback(held, count_close, NULL);
    CHECK(!http_response_closed(held));
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(fd);
    ioloop_start(loop); /* until the close callback */
    CHECK_EQ(closes, 1);
    CHECK(http_response_closed(held));
    errno = 0;
    CHECK_EQ(http_response_start(held, 200, NULL), -1);
    CHECK_EQ(errno, EPIPE);
    CHECK_EQ(http_response_write(held, "x", 1), -1);
    CHECK_EQ(http_response_flush(held, NULL, NULL), -1);
    CHECK_EQ(errno, EPIPE);
    CHECK_EQ(http_response_finish(held), -1);
    CHECK_EQ(errno, EPIPE);
    teardown(-1);
}

/* httpserver_free while a handler holds a request: its close callback
 * runs from inside the call, and finishing there frees it. */
static void test_free_with_held_request(void)
{
    int fd = setup(hold, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

    ioloop_start(loop);
    CHECK(held != NULL);
    if (!held)
        return;
    http_response_set_close_callback(held, count_close, NULL);
    teardown(fd);
    CHECK_EQ(closes, 1);
}

/* Answers to pipelined requests that arrive together leave together. The
 * connection runs on a SOCK_SEQPACKET socketpair (handed to the server as
 * tcpserver would hand it an accepted socket), where each send() of the
 * server reaches the client as a record of its own: counting the records
 * counts the sends. 16 requests in one record must be answered, in order,
 * in fewer than 16; a send() per answer would make 16. */
#define PIPELINED_N 16
static int answered;

static void answer_path(struct http_request *req, void *arg)
{
    (void)arg;
    reply(req, 200, req->path);
    if (++answered == PIPELINED_N)
        ioloop_stop(loop); /* after this frame, which sends the answers */
}

static void test_pipelined_answers_coalesce(void)
{
    char requests[PIPELINED_N * 48], want[PIPELINED_N * 8], got[16384];
    char bodies[sizeof want];
    size_t rlen = 0, wlen = 0, have = 0, blen_all = 0;
    int sv[2], records = 0;
    struct iostream *s;
    ssize_t n;

    alarm(5);
    answered = stopping = 0;
    loop = ioloop_new(NULL);
    srv = httpserver_new(loop, NULL, answer_path, NULL);
    CHECK(srv != NULL);
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK((s = iostream_new(loop, sv[0])) != NULL);
    if (!srv || !s)
        return;
    httpserver_handle_stream(srv, s, "127.0.0.1:1");
    for (int i = 1; i <= PIPELINED_N; i++) {
        rlen += (size_t)snprintf(requests + rlen, sizeof requests - rlen,
                                 "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i);
        wlen += (size_t)snprintf(want + wlen, sizeof want - wlen, "/%d|", i);
    }
    CHECK_EQ(send(sv[1], requests, rlen, 0), (ssize_t)rlen); /* 1 record */
    ioloop_start(loop);
    CHECK_EQ(answered, PIPELINED_N);
    while ((n = recv(sv[1], got + have, sizeof got - 1 - have,
                     MSG_DONTWAIT)) > 0) {
        have += (size_t)n;
        records++;
    }
    got[have] = '\0';
    /* The bodies in the order they came, each after its head: "/1|/2|...". */
    for (char *p = got; (p = strstr(p, "\r\n\r\n")); p += 4) {
        size_t blen = strcspn(p + 4, "H"); /* up to the next "HTTP/1.1" */
        if (blen < 8 && blen + 1 < sizeof bodies - blen_all) {
            memcpy(bodies + blen_all, p + 4, blen);
            blen_all += blen;
            bodies[blen_all++] = '|';
        }
    }
    CHECK_SLICE(bodies, blen_all, want);
    CHECK(records >= 1 && records < PIPELINED_N);
    teardown(sv[1]);
}

static int stop_now(struct ioloop *l, void *arg)
{
    (void)arg;
    ioloop_stop(l);
    return 0;
}

/* n iterations of the loop, none of them waiting in poll. */
static void spin(int n)
{
    for (int i = 0; i < n; i++) {
        ioloop_add_callback(loop, stop_now, NULL);
        ioloop_start(loop);
    }
}

static void answer_ok(struct http_request *req, void *arg)
{
    (void)arg;
    reply(req, 200, "ok\n");
    ioloop_stop(loop);
}

/* A keep-alive connection between requests holds no request: the request
 * (3.4 KB with its parsed head's header slots), its copy of the head and
 * the response's buffers go back to the server's spares when the response
 * is finished, and the next head, on any connection, takes them there. A
 * first request on another connection has made the spare; then a second
 * connection's request and answer must leave the heap as they found it. */
static void test_idle_connection_holds_no_request(void)
{
    static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    int a = setup(answer_ok, get), b;
    char answer[1024];
    size_t before, after;

    ioloop_start(loop);
    CHECK(read(a, answer, sizeof answer) > 0);
    b = net_connect("127.0.0.1", httpserver_port(srv));
    CHECK(b >= 0);
    spin(3); /* b accepted, its stream waiting for a head */
    before = heap_in_use();
    CHECK_EQ(net_write_all(b, get, strlen(get)), 0);
    ioloop_start(loop);
    CHECK(read(b, answer, sizeof answer) > 0);
    spin(3);
    after = heap_in_use();
    if (before == 0 && after == 0) { /* valgrind's malloc: nothing seen */
        printf("skipped the heap check: the allocator reports nothing\n");
    } else {
        CHECK(after < before + 512);
        printf("heap in use: idle %zu, idle after a request %zu\n", before,
               after);
    }
    close(b);
    teardown(a);
}

static const struct check_case cases[] = {
    {"request_fields", test_request_fields},
    {"late_finish_after_reset", test_late_finish_after_reset},
    {"free_with_held_request", test_free_with_held_request},
    {"pipelined_answers_coalesce", test_pipelined_answers_coalesce},
    {"idle_connection_holds_no_request",
     test_idle_connection_holds_no_request},
    {0}};

int main(int argc, char **argv)
{
    if (argc > 1 && strncmp(argv[1], "--", 2) == 0 &&
        strcmp(argv[1], "--list") != 0)
        return serve(argc, argv);
    log_setup("httpserver_test");
    return check_main(argc, argv, cases);
}
