/* 05-retry_driver.c - the checks of exercise 05-retry: runs the reader's
 * retry_fetch() on chapter 5's HTTP client against a server of scripted
 * answers (chapter 4's web framework) on the same loop. Built as
 * build/{exercises,solutions}/05-retry/server; run with a case name
 * (tests/exercises/05-retry.bats runs one per @test).
 *
 * The server counts the attempts and notes when each arrived, so the
 * waits between them are measured where they land, with loose bounds. The
 * link wraps httpclient_response_free (exercises.mk): every response but
 * the one returned must be freed by retry_fetch, which a plain build sees
 * as a count and SAN=1 as a leak. */
#include "check.h"
#include "gen.h"
#include "httpclient.h"
#include "httpserver.h"
#include "ioloop.h"
#include "loop_harness.h"
#include "retry.h"
#include "web.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the counted frees ---- */

static int responses_freed;

void __real_httpclient_response_free(struct httpclient_response *r);
void __wrap_httpclient_response_free(struct httpclient_response *r);

void __wrap_httpclient_response_free(struct httpclient_response *r)
{
    if (r)
        responses_freed++;
    __real_httpclient_response_free(r);
}

/* ---- the scripted server ---- */

/* One answer: a status, and a Retry-After value or NULL. */
struct answer {
    int code;
    const char *retry_after;
};

/* /s/NAME answers its script's answers in turn, then the last one again,
 * with the body "attempt N". */
#define MAX_ATTEMPTS 32
struct script {
    const char *name;
    struct answer answers[8];
    int n;
    int attempts;
    double at[MAX_ATTEMPTS]; /* when each attempt arrived */
};

static struct script *scripts[4];

static struct script *script_find(const char *name)
{
    for (int i = 0; i < 4 && scripts[i]; i++)
        if (strcmp(scripts[i]->name, name) == 0)
            return scripts[i];
    return NULL;
}

static void scripted(struct web_handler *h)
{
    struct script *s = script_find(web_path_arg(h, 0));
    struct answer a;

    if (!s) {
        web_set_status(h, 404);
        return;
    }
    if (s->attempts < MAX_ATTEMPTS)
        s->at[s->attempts] = ioloop_time(loop);
    s->attempts++;
    a = s->answers[(s->attempts < s->n ? s->attempts : s->n) - 1];
    web_set_status(h, a.code);
    if (a.retry_after)
        web_set_header(h, "Retry-After", a.retry_after);
    web_set_header(h, "Content-Type", "text/plain");
    web_printf(h, "attempt %d\n", s->attempts);
}

static const struct web_handler_class script_class = {.name = "ScriptHandler",
                                                      .get = scripted,
                                                      .post = scripted,
                                                      .put = scripted,
                                                      .delete_ = scripted,
                                                      .patch = scripted,
                                                      .head = scripted,
                                                      .options = scripted};

static const struct web_route routes[] = {
    {"/s/([a-z0-9_]+)", &script_class, NULL}, {0}};

/* ---- a loop, the server and a client, for each case ---- */

static struct web_application *app;
static struct httpserver *srv;
static struct httpclient *client;
static int port;

/* loop_harness.h's loop, with the scripted server and a client on it. */
static void setup_server(void)
{
    setup();
    alarm(30);
    log_setup("05-retry");
    CHECK(loop != NULL);
    app = web_application_new(loop, routes);
    srv = httpserver_new(loop, NULL, web_application_handle, app);
    CHECK(srv && httpserver_listen(srv, "127.0.0.1", 0) == 0);
    port = httpserver_port(srv);
    client = httpclient_new(loop, NULL);
    CHECK(client != NULL);
    memset(scripts, 0, sizeof scripts);
}

static void teardown_server(void)
{
    httpclient_free(client);
    one_turn();
    httpserver_free(srv);
    one_turn();
    web_application_free(app);
    teardown();
}

/* One retry_fetch, waited for in a coroutine. */
struct run {
    const char *method;
    const char *url;
    struct retry_policy policy;
    struct httpclient_response *resp; /* the caller's to free */
    int err;
    double took; /* seconds, retry_fetch to its result */
};

static int run_body(void *arg, void **result)
{
    struct run *r = arg;
    struct httpclient_request req = HTTPCLIENT_REQUEST_INIT;
    double start = ioloop_time(loop);
    struct future *f;

    (void)result;
    req.method = r->method;
    req.url = r->url;
    req.request_timeout = 5;
    if (!(f = retry_fetch(client, &req, &r->policy)))
        return errno;
    r->err = gen_await(f, (void **)&r->resp);
    future_unref(f);
    r->took = ioloop_time(loop) - start;
    return 0;
}

static char url_buf[128];

static const char *url_of(const struct script *s)
{
    snprintf(url_buf, sizeof url_buf, "http://127.0.0.1:%d/s/%s", port,
             s->name);
    return url_buf;
}

/* Fetch s's route with method and policy; the response (or NULL). */
static struct httpclient_response *
fetch_script(const char *method, struct script *s, struct retry_policy policy)
{
    struct run r = {.method = method, .url = url_of(s), .policy = policy};

    scripts[0] = s;
    CHECK_EQ(gen_run_sync(loop, run_body, &r, 20, NULL), 0);
    CHECK_EQ(r.err, 0);
    if (r.resp)
        fprintf(stderr, "%s %s: %d after %d attempt(s), %.3f s\n", method,
                s->name, r.resp->code, s->attempts, r.took);
    return r.err ? NULL : r.resp;
}

static int body_is(const struct httpclient_response *r, const char *want)
{
    return r && buffer_len(&r->body) == strlen(want) &&
           memcmp(buffer_data(&r->body), want, strlen(want)) == 0;
}

/* A quick policy: the waits are 25-50 ms, then 50-100 ms. */
static const struct retry_policy quick = {
    .max_attempts = 3, .base_delay = 0.05, .max_delay = 1.0};

/* ---- the cases ---- */

static void test_get_retried(void)
{
    struct script s = {.name = "flaky",
                       .answers = {{503, NULL}, {503, NULL}, {200, NULL}},
                       .n = 3};

    setup_server();
    struct httpclient_response *r = fetch_script("GET", &s, quick);
    CHECK(r && r->code == 200);
    CHECK_EQ(s.attempts, 3);
    CHECK(body_is(r, "attempt 3\n"));
    if (r && r->code != 200)
        fprintf(stderr, "a GET answered 503, 503, 200 should end 200\n");
    httpclient_response_free(r);
    teardown_server();
}

static void test_post_not_retried(void)
{
    struct script s = {
        .name = "busy", .answers = {{503, NULL}, {200, NULL}}, .n = 2};
    struct script p = {
        .name = "patch", .answers = {{502, NULL}, {200, NULL}}, .n = 2};

    setup_server();
    struct httpclient_response *r = fetch_script("POST", &s, quick);
    CHECK(r && r->code == 503);
    CHECK_EQ(s.attempts, 1);
    if (s.attempts > 1)
        fprintf(stderr, "a POST is not idempotent: it must not be sent "
                        "twice\n");
    httpclient_response_free(r);
    r = fetch_script("PATCH", &p, quick);
    CHECK(r && r->code == 502);
    CHECK_EQ(p.attempts, 1);
    httpclient_response_free(r);
    teardown_server();
}

static void test_idempotent_methods(void)
{
    static const char *const methods[] = {"PUT", "DELETE", "HEAD", "OPTIONS",
                                          NULL};

    setup_server();
    for (int i = 0; methods[i]; i++) {
        struct script s = {.name = "gateway",
                           .answers = {{502, NULL}, {504, NULL}, {200, NULL}},
                           .n = 3};
        struct httpclient_response *r = fetch_script(methods[i], &s, quick);
        CHECK(r && r->code == 200);
        CHECK_EQ(s.attempts, 3);
        httpclient_response_free(r);
    }
    teardown_server();
}

static void test_max_attempts(void)
{
    struct script s = {.name = "down", .answers = {{503, NULL}}, .n = 1};
    struct script one = {.name = "once", .answers = {{503, NULL}}, .n = 1};
    struct retry_policy p = quick;

    setup_server();
    p.max_attempts = 4;
    struct httpclient_response *r = fetch_script("GET", &s, p);
    CHECK(r && r->code == 503);
    CHECK_EQ(s.attempts, 4);
    CHECK(body_is(r, "attempt 4\n")); /* the last attempt's answer */
    if (r && !body_is(r, "attempt 4\n"))
        fprintf(stderr, "the response returned must be the last attempt's\n");
    httpclient_response_free(r);
    p.max_attempts = 1;
    r = fetch_script("GET", &one, p);
    CHECK(r && r->code == 503);
    CHECK_EQ(one.attempts, 1);
    httpclient_response_free(r);
    teardown_server();
}

static void test_not_retryable(void)
{
    static const int codes[] = {200, 404, 500, 429, 0};

    setup_server();
    for (int i = 0; codes[i]; i++) {
        /* 429 without a Retry-After: the server did not say when. */
        struct script s = {.name = "final",
                           .answers = {{codes[i], NULL}, {200, NULL}},
                           .n = 2};
        struct httpclient_response *r = fetch_script("GET", &s, quick);
        CHECK(r && r->code == codes[i]);
        CHECK_EQ(s.attempts, 1);
        httpclient_response_free(r);
    }
    teardown_server();
}

static void test_retry_after(void)
{
    struct script s = {
        .name = "later", .answers = {{503, "1"}, {200, NULL}}, .n = 2};
    struct script t = {
        .name = "slow", .answers = {{429, "0"}, {200, NULL}}, .n = 2};
    struct retry_policy p = {
        .max_attempts = 3, .base_delay = 0.01, .max_delay = 10.0};

    setup_server();
    struct httpclient_response *r = fetch_script("GET", &s, p);
    CHECK(r && r->code == 200);
    CHECK_EQ(s.attempts, 2);
    if (s.attempts == 2) {
        double gap = s.at[1] - s.at[0];
        fprintf(stderr,
                "Retry-After: 1, and the next attempt came %.3f s "
                "later\n",
                gap);
        CHECK(gap >= 0.9 && gap < 2.5);
    }
    httpclient_response_free(r);
    /* A 429 is retried when it says when: here, at once. */
    r = fetch_script("GET", &t, p);
    CHECK(r && r->code == 200);
    CHECK_EQ(t.attempts, 2);
    httpclient_response_free(r);
    teardown_server();
}

static void test_retry_after_capped(void)
{
    struct script s = {
        .name = "hour", .answers = {{503, "3600"}, {200, NULL}}, .n = 2};
    struct retry_policy p = {
        .max_attempts = 2, .base_delay = 0.01, .max_delay = 0.3};

    setup_server();
    struct httpclient_response *r = fetch_script("GET", &s, p);
    CHECK(r && r->code == 200);
    CHECK_EQ(s.attempts, 2);
    if (s.attempts == 2) {
        double gap = s.at[1] - s.at[0];
        fprintf(stderr,
                "Retry-After: 3600, max_delay 0.3: the next attempt "
                "came %.3f s later\n",
                gap);
        CHECK(gap >= 0.25 && gap < 1.5);
    }
    httpclient_response_free(r);
    teardown_server();
}

/* base 0.1: the waits are in [0.05, 0.1], [0.1, 0.2], [0.2, 0.4]. */
static void test_backoff_grows(void)
{
    struct script s = {.name = "grow", .answers = {{503, NULL}}, .n = 1};
    struct retry_policy p = {
        .max_attempts = 4, .base_delay = 0.1, .max_delay = 10.0};
    static const double low[] = {0.045, 0.09, 0.18}, high[] = {0.6, 0.7, 0.9};

    setup_server();
    struct httpclient_response *r = fetch_script("GET", &s, p);
    CHECK_EQ(s.attempts, 4);
    for (int i = 1; i < s.attempts && i < 4; i++) {
        double gap = s.at[i] - s.at[i - 1];
        fprintf(stderr, "wait %d: %.3f s (expected %.2f-%.2f)\n", i, gap,
                low[i - 1] + 0.005, high[i - 1] - 0.5);
        CHECK(gap >= low[i - 1] && gap < high[i - 1]);
    }
    if (s.attempts == 4)
        CHECK(s.at[3] - s.at[2] > s.at[1] - s.at[0]);
    httpclient_response_free(r);
    teardown_server();
}

/* Eight GETs fail together; their second attempts must not all come back
 * together. base 0.6: each wait is in [0.3, 0.6]. */
struct herd {
    struct run runs[8];
    int done;
};

static int herd_body(void *arg, void **result)
{
    struct herd *h = arg;
    struct future *f[8];

    (void)result;
    for (int i = 0; i < 8; i++)
        f[i] = gen_spawn(loop, "herd", run_body, &h->runs[i]);
    for (int i = 0; i < 8; i++) {
        if (f[i] && gen_await(f[i], NULL) == 0)
            h->done++;
        future_unref(f[i]);
    }
    return 0;
}

static void test_jitter(void)
{
    struct script s = {.name = "herd",
                       .answers = {{503, NULL},
                                   {503, NULL},
                                   {503, NULL},
                                   {503, NULL},
                                   {503, NULL},
                                   {503, NULL},
                                   {503, NULL},
                                   {503, NULL}},
                       .n = 8};
    struct herd h = {0};

    setup_server();
    scripts[0] = &s;
    for (int i = 0; i < 8; i++)
        h.runs[i] = (struct run){.method = "GET",
                                 .url = url_of(&s),
                                 .policy = {.max_attempts = 2,
                                            .base_delay = 0.6,
                                            .max_delay = 10.0}};
    CHECK_EQ(gen_run_sync(loop, herd_body, &h, 20, NULL), 0);
    CHECK_EQ(h.done, 8);
    CHECK_EQ(s.attempts, 16);
    if (s.attempts == 16) {
        double lo = s.at[8], hi = s.at[8];
        for (int i = 9; i < 16; i++) {
            lo = s.at[i] < lo ? s.at[i] : lo;
            hi = s.at[i] > hi ? s.at[i] : hi;
        }
        fprintf(stderr,
                "the 8 second attempts came within %.3f s of each "
                "other\n",
                hi - lo);
        CHECK(hi - lo > 0.03);
        CHECK(s.at[8] - s.at[7] >= 0.25);
    }
    for (int i = 0; i < 8; i++)
        httpclient_response_free(h.runs[i].resp);
    teardown_server();
}

static void test_refused_599(void)
{
    struct run r = {
        .method = "GET", .url = "http://127.0.0.1:1/", .policy = quick};

    setup_server();
    CHECK_EQ(gen_run_sync(loop, run_body, &r, 20, NULL), 0);
    CHECK_EQ(r.err, 0);
    CHECK(r.resp && r.resp->code == 599);
    CHECK_EQ(httpclient_stats(client).connections, 3);
    fprintf(stderr, "connection refused: %lu connection(s) tried, %.3f s\n",
            httpclient_stats(client).connections, r.took);
    CHECK(r.took >= 0.07);
    httpclient_response_free(r.resp);
    teardown_server();
}

static void test_responses_freed(void)
{
    struct script s = {.name = "freed",
                       .answers = {{503, NULL}, {502, NULL}, {200, NULL}},
                       .n = 3};

    setup_server();
    responses_freed = 0;
    struct httpclient_response *r = fetch_script("GET", &s, quick);
    CHECK_EQ(s.attempts, 3);
    fprintf(stderr, "%d response(s) freed by retry_fetch\n", responses_freed);
    CHECK_EQ(responses_freed, 2);
    httpclient_response_free(r);
    CHECK_EQ(responses_freed, 3);
    teardown_server();
}

/* Cancelled in its wait: ECANCELED, and no more attempts. */
struct cancel_run {
    struct script *s;
    int err, attempts_at_cancel;
};

static int cancel_body(void *arg, void **result)
{
    struct cancel_run *c = arg;
    struct httpclient_request req = HTTPCLIENT_REQUEST_INIT;
    struct retry_policy p = {
        .max_attempts = 3, .base_delay = 4.0, .max_delay = 10.0};
    struct httpclient_response *resp = NULL;
    struct future *f;

    (void)result;
    req.url = url_of(c->s);
    if (!(f = retry_fetch(client, &req, &p)))
        return errno;
    gen_sleep(0.3); /* the first 503 has come; the wait is 2-4 s */
    c->attempts_at_cancel = c->s->attempts;
    future_cancel(f);
    c->err = gen_await(f, (void **)&resp);
    if (c->err == 0)
        httpclient_response_free(resp);
    future_unref(f);
    return gen_sleep(0.1); /* time for an attempt that should not come */
}

static void test_cancel(void)
{
    struct script s = {.name = "cancel", .answers = {{503, NULL}}, .n = 1};
    struct cancel_run c = {.s = &s};

    setup_server();
    scripts[0] = &s;
    responses_freed = 0;
    CHECK_EQ(gen_run_sync(loop, cancel_body, &c, 20, NULL), 0);
    fprintf(stderr, "cancelled after %d attempt(s): %s\n",
            c.attempts_at_cancel, strerror(c.err));
    CHECK_EQ(c.attempts_at_cancel, 1);
    CHECK_EQ(c.err, ECANCELED);
    CHECK_EQ(s.attempts, 1);
    CHECK_EQ(responses_freed, 1); /* the 503, by retry_fetch */
    teardown_server();
}

static const struct check_case cases[] = {
    {"get_retried", test_get_retried},
    {"post_not_retried", test_post_not_retried},
    {"idempotent_methods", test_idempotent_methods},
    {"max_attempts", test_max_attempts},
    {"not_retryable", test_not_retryable},
    {"retry_after", test_retry_after},
    {"retry_after_capped", test_retry_after_capped},
    {"backoff_grows", test_backoff_grows},
    {"jitter", test_jitter},
    {"refused_599", test_refused_599},
    {"responses_freed", test_responses_freed},
    {"cancel", test_cancel},
    {0}};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
