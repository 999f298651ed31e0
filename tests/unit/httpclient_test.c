/* httpclient_test.c - chapter 5's HTTP client (httpclient.c): URLs and
 * Locations, requests refused, a slow name that stalls nothing else, a
 * connect timeout, the retry on a reused connection, freeing with
 * fetches in flight, cancelling; and with --port, a server of test routes
 * (chunks, redirects of every kind, the method and a header echoed) for
 * tests/05-httpclient.bats. */
#include "gen.h"
#include "httpclient.h"
#include "httpclient_url.h"
#include "loop_harness.h"
#include "resolver.h"
#include "test_server.h"

#include "net.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the routes ---- */

static void text(struct web_handler *h)
{
    web_set_header(h, "Content-Type", "text/plain");
}

/* Two pieces, flushed apart: a chunked response. */
static void chunked_get(struct web_handler *h)
{
    text(h);
    web_write_str(h, "hello ");
    web_flush(h);
    web_write_str(h, "world\n");
}

/* /redirect/N: N hops to "arrived", odd ones by a relative Location. */
static void redirect_get(struct web_handler *h)
{
    long n = strtol(web_path_arg(h, 0), NULL, 10);
    char to[64];

    if (n == 0) {
        text(h);
        web_write_str(h, "arrived\n");
        return;
    }
    snprintf(to, sizeof to, n % 2 ? "%ld" : "/redirect/%ld", n - 1);
    web_redirect(h, to, 0);
}

static void loop_get(struct web_handler *h) { web_redirect(h, "/loop", 0); }

/* /to/CODE: a CODE redirect to /method. */
static void to_any(struct web_handler *h)
{
    web_set_status(h, (int)strtol(web_path_arg(h, 0), NULL, 10));
    web_set_header(h, "Location", "/method");
}

/* The method and the body's length, as this hop received them. */
static void method_any(struct web_handler *h)
{
    const struct http_request *req = web_request(h);

    text(h);
    web_printf(h, "%s %zu\n", req->method, buffer_len(&req->body));
}

/* The value of the request's header NAME. */
static void header_get(struct web_handler *h)
{
    const char *v = http_request_header(web_request(h), web_path_arg(h, 0));

    text(h);
    web_printf(h, "%s\n", v ? v : "(none)");
}

static const struct web_handler_class chunked_class = {
    .name = "ChunkedHandler", .get = chunked_get};
static const struct web_handler_class redirect_class = {
    .name = "RedirectHandler", .get = redirect_get};
static const struct web_handler_class loop_class = {
    .name = "LoopHandler", .get = loop_get};
static const struct web_handler_class to_class = {
    .name = "ToHandler", .get = to_any, .post = to_any, .put = to_any,
    .head = to_any};
static const struct web_handler_class method_class = {
    .name = "MethodHandler", .get = method_any, .post = method_any,
    .put = method_any};
static const struct web_handler_class header_class = {
    .name = "HeaderHandler", .get = header_get};

static const struct web_route routes[] = {
    {"/chunked", &chunked_class, NULL},
    {"/redirect/([0-9]+)", &redirect_class, NULL},
    {"/loop", &loop_class, NULL},
    {"/to/([0-9]+)", &to_class, NULL},
    {"/method", &method_class, NULL},
    {"/header/([A-Za-z-]+)", &header_class, NULL},
    {0}};

/* ---- a loop and a server of those routes, for the unit cases ---- */

static struct web_application *app;
static struct httpserver *srv;
static int port;

/* loop_harness.h's loop, with the routes' server on it. */
static void setup_server(void)
{
    setup();
    alarm(20);
    app = web_application_new(loop, routes);
    srv = httpserver_new(loop, NULL, web_application_handle, app);
    CHECK(srv && httpserver_listen(srv, "127.0.0.1", 0) == 0);
    port = httpserver_port(srv);
}

static void teardown_server(void)
{
    httpserver_free(srv);
    one_turn();
    web_application_free(app);
    teardown();
    resolver_set_lookup(NULL);
}

static char url_buf[8][128];

/* "http://HOST:PORT" + path, in one of a few static buffers. */
static const char *url_to(int slot, const char *host, int p,
                          const char *path)
{
    snprintf(url_buf[slot], sizeof url_buf[slot], "http://%s:%d%s", host, p,
             path);
    return url_buf[slot];
}

/* Inside a coroutine: fetch, wait, return the response (or NULL). */
static struct httpclient_response *fetch_wait(struct httpclient *c,
                                              const struct httpclient_request *q)
{
    struct future *f = httpclient_fetch(c, q);
    struct httpclient_response *r = NULL;

    if (f && gen_await(f, (void **)&r) != 0)
        r = NULL;
    future_unref(f);
    return r;
}

static int body_is(const struct httpclient_response *r, const char *s)
{
    return r && buffer_len(&r->body) == strlen(s) &&
           memcmp(buffer_data(&r->body), s, strlen(s)) == 0;
}

/* ---- URLs ---- */

static void url_parse(void)
{
    struct httpclient_url u;
    const char *why;

    CHECK_EQ(httpclient_url_parse("http://example.com", &u, &why), 0);
    CHECK(strcmp(u.host, "example.com") == 0 && u.port == 80);
    CHECK(strcmp(u.target, "/") == 0);
    httpclient_url_free(&u);
    CHECK_EQ(httpclient_url_parse("http://[::1]:8080/a?b#frag", &u, &why), 0);
    CHECK(strcmp(u.host, "::1") == 0 && u.port == 8080);
    CHECK(strcmp(u.authority, "[::1]:8080") == 0);
    CHECK(strcmp(u.target, "/a?b") == 0);
    httpclient_url_free(&u);
    CHECK_EQ(httpclient_url_parse("http://h?q", &u, &why), 0);
    CHECK(strcmp(u.target, "/?q") == 0);
    httpclient_url_free(&u);
    CHECK_EQ(httpclient_url_parse("https://h/", &u, &why), -1);
    CHECK(strstr(why, "https") != NULL);
    CHECK_EQ(httpclient_url_parse("ftp://h/", &u, &why), -1);
    CHECK(strcmp(why, "Unsupported URL scheme") == 0);
    CHECK_EQ(httpclient_url_parse("http://h:0/", &u, &why), -1);
    CHECK_EQ(httpclient_url_parse("http://h:99999/", &u, &why), -1);
    CHECK_EQ(httpclient_url_parse("http://h:x/", &u, &why), -1);
    CHECK_EQ(httpclient_url_parse("http:///p", &u, &why), -1);
    CHECK_EQ(httpclient_url_parse("http://u@h/", &u, &why), -1);
    CHECK_EQ(httpclient_url_parse("http://h/a b", &u, &why), -1);
}

static void check_join(const char *base, const char *ref, const char *want)
{
    char *got = httpclient_url_join(base, ref);

    CHECK(got && strcmp(got, want) == 0);
    if (got && strcmp(got, want) != 0)
        fprintf(stderr, "join(%s, %s) = %s, want %s\n", base, ref, got, want);
    free(got);
}

/* RFC 3986 section 5.4's examples that an http Location can be. */
static void url_join(void)
{
    const char *b = "http://a/b/c/d;p?q";

    check_join(b, "g", "http://a/b/c/g");
    check_join(b, "./g", "http://a/b/c/g");
    check_join(b, "g/", "http://a/b/c/g/");
    check_join(b, "/g", "http://a/g");
    check_join(b, "//g", "http://g");
    check_join(b, "?y", "http://a/b/c/d;p?y");
    check_join(b, "g?y", "http://a/b/c/g?y");
    check_join(b, "", "http://a/b/c/d;p?q");
    check_join(b, ".", "http://a/b/c/");
    check_join(b, "..", "http://a/b/");
    check_join(b, "../g", "http://a/b/g");
    check_join(b, "../..", "http://a/");
    check_join(b, "../../g", "http://a/g");
    check_join(b, "../../../g", "http://a/g");
    check_join(b, "http://other:81/x", "http://other:81/x");
    check_join("http://a", "g", "http://a/g");
}

/* ---- what fails the future, and what is a 599 ---- */

static int einval_body(void *arg, void **result)
{
    struct httpclient *c = arg;
    const char *bad_header[] = {"X-A: b\r\nX-Injected: 1", NULL};
    const char *no_colon[] = {"X-A b", NULL};
    struct httpclient_request q = HTTPCLIENT_REQUEST_INIT;
    struct future *f;

    f = httpclient_fetch(c, NULL);
    CHECK(f && future_done(f) && future_error(f) == EINVAL);
    future_unref(f);
    f = httpclient_fetch(c, &q); /* no URL */
    CHECK(f && future_error(f) == EINVAL);
    future_unref(f);
    q.url = "http://127.0.0.1:1/";
    q.headers = bad_header;
    f = httpclient_fetch(c, &q);
    CHECK(f && future_error(f) == EINVAL);
    future_unref(f);
    q.headers = no_colon;
    f = httpclient_fetch(c, &q);
    CHECK(f && future_error(f) == EINVAL);
    future_unref(f);
    q.headers = NULL;
    q.method = "GE T";
    f = httpclient_fetch(c, &q);
    CHECK(f && future_error(f) == EINVAL);
    future_unref(f);
    *result = NULL;
    return 0;
}

static void request_einval(void)
{
    setup_server();
    struct httpclient *c = httpclient_new(loop, NULL);
    CHECK_EQ(gen_run_sync(loop, einval_body, c, 10, NULL), 0);
    httpclient_free(c);
    teardown_server();
}

/* ---- a slow name ---- */

/* slow.test takes a second to resolve, to 127.0.0.1; other names as
 * usual. This runs on a resolver thread: sleeping here is the point. */
static const char *slow_lookup(const char *host, int p,
                               struct resolver_result *res)
{
    if (strcmp(host, "slow.test") != 0)
        return resolver_numeric("127.0.0.1", p, res) == 0 &&
                       strcmp(host, "localhost") == 0
                   ? NULL
                   : "Name or service not known";
    sleep(1);
    return resolver_numeric("127.0.0.1", p, res) ? "no" : NULL;
}

struct timing {
    struct httpclient *client;
    double fast_done, slow_done, start;
    int fast_code, slow_code, bad_code;
};

static int slow_body(void *arg, void **result)
{
    struct timing *t = arg;
    struct httpclient_request slow = HTTPCLIENT_REQUEST_INIT;
    struct httpclient_request fast = HTTPCLIENT_REQUEST_INIT;
    struct httpclient_request bad = HTTPCLIENT_REQUEST_INIT;
    struct httpclient_response *r;
    struct future *fs, *fb;

    slow.url = url_to(0, "slow.test", port, "/redirect/0");
    bad.url = url_to(1, "nowhere.test", port, "/");
    t->start = ioloop_time(loop);
    fs = httpclient_fetch(t->client, &slow);
    fb = httpclient_fetch(t->client, &bad);
    for (int i = 0; i < 3; i++) { /* numeric, then localhost, resolved */
        fast.url = url_to(2, i == 1 ? "localhost" : "127.0.0.1", port,
                          "/redirect/0");
        r = fetch_wait(t->client, &fast);
        t->fast_code = r ? r->code : -1;
        httpclient_response_free(r);
        if (t->fast_code != 200)
            break;
    }
    t->fast_done = ioloop_time(loop) - t->start;
    gen_await(fb, (void **)&r);
    t->bad_code = r ? r->code : -1;
    CHECK(r && strcmp(r->reason, "Name or service not known") == 0);
    httpclient_response_free(r);
    gen_await(fs, (void **)&r);
    t->slow_done = ioloop_time(loop) - t->start;
    t->slow_code = r ? r->code : -1;
    CHECK(body_is(r, "arrived\n"));
    httpclient_response_free(r);
    future_unref(fs);
    future_unref(fb);
    *result = NULL;
    return 0;
}

static void slow_name_stalls_nothing(void)
{
    struct timing t = {0};

    setup_server();
    resolver_set_lookup(slow_lookup);
    t.client = httpclient_new(loop, NULL);
    CHECK_EQ(gen_run_sync(loop, slow_body, &t, 10, NULL), 0);
    CHECK_EQ(t.fast_code, 200);
    CHECK_EQ(t.slow_code, 200);
    CHECK_EQ(t.bad_code, 599);
    /* Generous bounds: the fast ones well before the slow name's second. */
    CHECK(t.fast_done < 0.5);
    CHECK(t.slow_done >= 0.9 && t.slow_done < 5);
    httpclient_free(t.client);
    teardown_server();
}

/* ---- a connect that never completes ---- */

static int connect_timeout_body(void *arg, void **result)
{
    struct httpclient *c = arg;
    int lfd = net_listen("127.0.0.1", 0, 0), fill[4];
    struct httpclient_request q = HTTPCLIENT_REQUEST_INIT;
    struct httpclient_response *r;
    double start;

    /* A listener that never accepts, its queue full: the kernel drops
     * further SYNs, so a connect hangs until our timeout. */
    CHECK(lfd >= 0);
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)net_local_port(lfd)),
                                .sin_addr.s_addr = htonl(0x7f000001)};
        connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    gen_sleep(0.2); /* the handshakes that can complete, complete */
    q.url = url_to(0, "127.0.0.1", net_local_port(lfd), "/");
    q.connect_timeout = 0.5;
    start = ioloop_time(loop);
    r = fetch_wait(c, &q);
    CHECK(r && r->code == 599);
    CHECK(r && strcmp(r->reason, "Timeout while connecting") == 0);
    CHECK(ioloop_time(loop) - start >= 0.4 && ioloop_time(loop) - start < 3);
    httpclient_response_free(r);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(lfd);
    *result = NULL;
    return 0;
}

static void connect_timeout(void)
{
    setup_server();
    struct httpclient *c = httpclient_new(loop, NULL);
    CHECK_EQ(gen_run_sync(loop, connect_timeout_body, c, 10, NULL), 0);
    httpclient_free(c);
    teardown_server();
}

/* ---- a raw server that drops a kept connection ---- */

/* Answers the first request of each connection, keeping it open; at the
 * second request of a connection it closes without a word, as a server
 * whose idle timeout fell just then. With close_after, it closes right
 * after the first answer instead. */
struct raw_server {
    int lfd, close_after;
    int heads[64]; /* per descriptor */
};

static int raw_on_conn(struct ioloop *l, int fd, int events, void *arg)
{
    struct raw_server *s = arg;
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);

    (void)events;
    if (n > 0 && fd < 64 && memmem(buf, (size_t)n, "\r\n\r\n", 4) &&
        s->heads[fd]++ == 0) {
        if (write(fd, ok, sizeof ok - 1) < 0 || !s->close_after)
            return 0;
    }
    if (n < 0 && errno == EAGAIN)
        return 0;
    ioloop_remove_handler(l, fd);
    close(fd);
    return 0;
}

static int raw_on_accept(struct ioloop *l, int fd, int events, void *arg)
{
    struct raw_server *s = arg;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    (void)events;
    if (c >= 0 && c < 64) {
        s->heads[c] = 0;
        ioloop_add_handler(l, c, IOLOOP_READ, raw_on_conn, s);
    } else if (c >= 0) {
        close(c);
    }
    return 0;
}

struct retry_case {
    struct httpclient *client;
    int port, close_after, codes[2];
    struct httpclient_stats stats;
};

static int retry_body(void *arg, void **result)
{
    struct retry_case *rc = arg;
    struct httpclient_request q = HTTPCLIENT_REQUEST_INIT;

    q.url = url_to(0, "127.0.0.1", rc->port, "/");
    for (int i = 0; i < 2; i++) {
        struct httpclient_response *r = fetch_wait(rc->client, &q);
        rc->codes[i] = r ? r->code : -1;
        CHECK(body_is(r, "ok"));
        httpclient_response_free(r);
        if (gen_sleep(0.1)) /* the close, if any, arrives meanwhile */
            break;
    }
    *result = NULL;
    return 0;
}

static void run_retry_case(struct retry_case *rc)
{
    struct raw_server s = {.close_after = rc->close_after};

    s.lfd = net_listen("127.0.0.1", 0, 16);
    net_set_nonblocking(s.lfd);
    rc->port = net_local_port(s.lfd);
    ioloop_add_handler(loop, s.lfd, IOLOOP_READ, raw_on_accept, &s);
    rc->client = httpclient_new(loop, NULL);
    CHECK_EQ(gen_run_sync(loop, retry_body, rc, 10, NULL), 0);
    rc->stats = httpclient_stats(rc->client);
    httpclient_free(rc->client);
    ioloop_remove_handler(loop, s.lfd);
    close(s.lfd);
}

/* The server closes the kept connection as the second request comes:
 * nothing was received, so it goes again on a fresh connection. */
static void retry_on_reused_connection(void)
{
    struct retry_case rc = {0};

    setup_server();
    run_retry_case(&rc);
    CHECK_EQ(rc.codes[0], 200);
    CHECK_EQ(rc.codes[1], 200);
    CHECK_EQ(rc.stats.connections, 2);
    CHECK_EQ(rc.stats.reused, 1);
    CHECK_EQ(rc.stats.retries, 1);
    CHECK_EQ(rc.stats.requests, 3);
    teardown_server();
}

/* The server closes a connection after answering (no Connection: close):
 * the pool sees the close and drops it; the next fetch connects anew,
 * with no retry. */
static void idle_close_drops_connection(void)
{
    struct retry_case rc = {.close_after = 1};

    setup_server();
    run_retry_case(&rc);
    CHECK_EQ(rc.codes[0], 200);
    CHECK_EQ(rc.codes[1], 200);
    CHECK_EQ(rc.stats.connections, 2);
    CHECK_EQ(rc.stats.reused, 0);
    CHECK_EQ(rc.stats.retries, 0);
    teardown_server();
}

/* An idle connection is closed after the idle timeout: the next fetch
 * connects anew. Within it, the connection is reused. */
static int idle_timeout_body(void *arg, void **result)
{
    struct httpclient *c = arg;
    struct httpclient_request q = HTTPCLIENT_REQUEST_INIT;

    q.url = url_to(0, "127.0.0.1", port, "/redirect/0");
    for (int i = 0; i < 3; i++) {
        struct httpclient_response *r = fetch_wait(c, &q);
        CHECK(body_is(r, "arrived\n"));
        httpclient_response_free(r);
        if (i == 1 && gen_sleep(0.5)) /* past the 0.2 s idle timeout */
            break;
    }
    *result = NULL;
    return 0;
}

static void idle_timeout_closes(void)
{
    struct httpclient_options o = {.idle_timeout = 0.2};
    struct httpclient_stats st;

    setup_server();
    struct httpclient *c = httpclient_new(loop, &o);
    CHECK_EQ(gen_run_sync(loop, idle_timeout_body, c, 10, NULL), 0);
    st = httpclient_stats(c);
    CHECK_EQ(st.requests, 3);
    CHECK_EQ(st.connections, 2);
    CHECK_EQ(st.reused, 1);
    httpclient_free(c);
    teardown_server();
}

/* ---- freeing with fetches in flight, cancelling ---- */

static void free_with_fetches_in_flight(void)
{
    struct httpclient_options o = {.max_clients = 2};
    struct httpclient_request q = HTTPCLIENT_REQUEST_INIT;
    struct httpclient *c;
    int lfd;

    setup_server();
    resolver_set_lookup(slow_lookup);
    lfd = net_listen("127.0.0.1", 0, 16); /* accepts, never answers */
    c = httpclient_new(loop, &o);
    struct future *f[4];
    q.url = url_to(0, "127.0.0.1", net_local_port(lfd), "/");
    f[0] = httpclient_fetch(c, &q); /* connecting, then sent */
    q.url = url_to(1, "slow.test", port, "/");
    f[1] = httpclient_fetch(c, &q); /* in the resolver */
    q.url = url_to(2, "127.0.0.1", port, "/redirect/0");
    f[2] = httpclient_fetch(c, &q); /* queued */
    f[3] = httpclient_fetch(c, &q); /* queued, then cancelled */
    CHECK_EQ(future_cancel(f[3]), 1);
    CHECK(future_cancelled(f[3]));
    for (int i = 0; i < 5; i++)
        one_turn();
    httpclient_free(c);
    one_turn();
    for (int i = 0; i < 3; i++) {
        struct httpclient_response *r = future_result(f[i]);
        CHECK(future_done(f[i]) && future_error(f[i]) == 0);
        CHECK(r && r->code == 599 && strcmp(r->reason, "Client closed") == 0);
        httpclient_response_free(r);
        future_unref(f[i]);
    }
    future_unref(f[3]);
    close(lfd);
    teardown_server();
}

static const struct check_case cases[] = {
    {"url_parse", url_parse},
    {"url_join", url_join},
    {"request_einval", request_einval},
    {"slow_name_stalls_nothing", slow_name_stalls_nothing},
    {"connect_timeout", connect_timeout},
    {"retry_on_reused_connection", retry_on_reused_connection},
    {"idle_close_drops_connection", idle_close_drops_connection},
    {"idle_timeout_closes", idle_timeout_closes},
    {"free_with_fetches_in_flight", free_with_fetches_in_flight},
    {0}};

int main(int argc, char **argv)
{
    return test_server_main(argc, argv, "httpclient_test",
                            "chapter 5's HTTP client, for the tests", routes,
                            cases);
}
