/* server.c - chapter 5: the demo app with every route a coroutine
 * handler (gen_web.c): /sleep/N is a gen_sleep() in the handler's own
 * coroutine, where chapter 4 split it into a method and a timer callback,
 * and POST /echo reads its body in its coroutine as the body arrives.
 * The rest is chapter 4's: the web layer, the HTTP server, IOStreams and
 * the IOLoop, linked, and common/'s routes' bodies and options. */
#include "gen.h"
#include "gen_web.h"
#include "httpclient.h"
#include "httpserver.h"
#include "ioloop.h"
#include "web.h"

#include "args.h"
#include "demo.h"
#include "log.h"
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ioloop *loop;

/* SIGINT, SIGTERM: ioloop_stop is async-signal-safe (a flag and an
 * eventfd write). */
static void on_stop_signal(void) { ioloop_stop(loop); }

static void text_plain(struct web_handler *h)
{
    web_set_header(h, "Content-Type", "text/plain");
}

static int hello_get(struct web_handler *h)
{
    text_plain(h);
    return web_write_str(h, "Hello, world\n") < 0 ? errno : 0;
}

static int pid_get(struct web_handler *h)
{
    text_plain(h);
    return web_printf(h, "%d\n", (int)getpid()) < 0 ? errno : 0;
}

/* The work holds the loop, coroutine or not: a coroutine only gives the
 * loop back where it waits. */
static int cpu_get(struct web_handler *h)
{
    char *end;
    long units;

    errno = 0;
    units = strtol(web_path_arg(h, 0), &end, 10);
    if (errno || *end || units > DEMO_MAX_CPU_UNITS)
        return web_send_error(h, 400), 0; /* h is finished and freed */
    text_plain(h);
    web_printf(h, "Worked %ld units (%016llx)\n", units,
               (unsigned long long)demo_burn_cpu(units));
    return 0;
}

/* POST /echo: the body is read in the coroutine as it arrives, a piece
 * at a time (the class streams its body: see echo_handler), and written
 * to the answer, which leaves whole, with its length, at the return. */
static int echo_post(struct web_handler *h)
{
    struct buffer piece;
    int err;

    web_set_header(h, "Content-Type", "application/octet-stream");
    buffer_init(&piece);
    while (!(err = gen_web_read_body(h, &piece))) {
        if (web_write(h, buffer_data(&piece), buffer_len(&piece)) < 0)
            err = errno;
        buffer_consume(&piece, buffer_len(&piece));
        if (err)
            break;
    }
    buffer_free(&piece);
    if (err == EMSGSIZE || err == EBADMSG)
        return web_send_error(h, err == EMSGSIZE ? 413 : 400), 0;
    return err == ENODATA ? 0 : err;
}

/* /sleep/N: one wait in the middle of the method. A client that goes
 * cancels the coroutine (gen_web.h): gen_sleep returns ECANCELED. */
static int sleep_get(struct web_handler *h)
{
    const char *arg = web_path_arg(h, 0);
    int64_t ms = demo_parse_ms(arg, strlen(arg));
    int err;

    if (ms < 0 || ms > DEMO_MAX_SLEEP_MS)
        return web_send_error(h, ms < 0 ? 404 : 400), 0;
    if ((err = gen_sleep((double)ms / 1000)))
        return err;
    text_plain(h);
    web_printf(h, "Slept %g s\n", (double)ms / 1000);
    return 0;
}

/* /fetch?url=U: chapter 5's HTTP client in a coroutine handler, which
 * waits for the answer as /sleep waits for its timer, and relays its
 * status, Content-Type and body (redirects followed). No answer (a 599)
 * is a 502 that says why; no url is a 400. A client that goes cancels
 * the coroutine, and gen_await cancels the fetch with it. */
static struct httpclient *client;

static int fetch_relay(struct web_handler *h,
                       const struct httpclient_response *r)
{
    const char *type = httpclient_response_header(r, "Content-Type");

    if (r->code == 599) {
        web_set_status(h, 502);
        text_plain(h);
        return web_printf(h, "%s\n", r->reason) < 0 ? errno : 0;
    }
    web_set_status(h, r->code);
    web_set_header(h, "Content-Type", type ? type : "text/plain");
    if (buffer_len(&r->body) == 0) /* its data is NULL then */
        return 0;
    return web_write(h, buffer_data(&r->body), buffer_len(&r->body)) < 0
               ? errno
               : 0;
}

static int fetch_get(struct web_handler *h)
{
    struct httpclient_request req = HTTPCLIENT_REQUEST_INIT;
    struct httpclient_response *r;
    struct future *f;
    int err;

    req.url = web_get_query_argument(h, "url");
    if (!req.url || !*req.url)
        return web_send_error(h, 400), 0;
    if (!(f = httpclient_fetch(client, &req)))
        return errno;
    err = gen_await(f, (void **)&r);
    future_unref(f);
    if (err)
        return err; /* ECANCELED: the client went; ENOMEM */
    err = fetch_relay(h, r);
    httpclient_response_free(r);
    return err;
}

#define CLASS(NAME, METHOD, BODY)                                           \
    {.base = {.name = NAME, .METHOD = gen_web_##METHOD, GEN_WEB_BASE(0)},   \
     .METHOD = BODY}

static const struct gen_web_class hello_handler =
    CLASS("HelloHandler", get, hello_get);
static const struct gen_web_class pid_handler =
    CLASS("PidHandler", get, pid_get);
static const struct gen_web_class cpu_handler =
    CLASS("CpuHandler", get, cpu_get);
static const struct gen_web_class echo_handler = {
    .base = {.name = "EchoHandler", .post = gen_web_post, GEN_WEB_BASE(0),
             .stream_request_body = 1},
    .post = echo_post};
static const struct gen_web_class sleep_handler =
    CLASS("SleepHandler", get, sleep_get);
static const struct gen_web_class fetch_handler =
    CLASS("FetchHandler", get, fetch_get);

static const struct web_route routes[] = {
    {"/", &hello_handler.base, NULL},
    {"/sleep/([0-9]+(\\.[0-9]+)?)", &sleep_handler.base, NULL},
    {"/cpu/([0-9]+)", &cpu_handler.base, NULL},
    {"/pid", &pid_handler.base, NULL},
    {"/echo", &echo_handler.base, NULL},
    {"/fetch", &fetch_handler.base, NULL},
    {0}};

static const char *const backends[] = {"epoll", "select", NULL};

int main(int argc, char **argv)
{
    const char *backend = "epoll";
    struct server_config config = SERVER_CONFIG_DEFAULT;
    /* /echo's class reads its body itself, as it arrives. */
    const struct httpserver_options http_options = {
        .stream_body = web_application_stream_body};
    int drain = 5;
    const struct args_option options[] = {
        SERVER_OPTIONS(config),
        {"--drain", ARGS_INT, &drain, "SECONDS",
         "at exit, how long cancelled handlers may take to end (default 5)",
         0, 3600, NULL},
        {"--backend", ARGS_CHOICE, &backend, "epoll|select",
         "the poller (default epoll)", 0, 0, backends},
        {0}};
    enum args_status status = args_parse(
        argc, argv, "Chapter 5: the demo app, every handler a coroutine.",
        options);
    struct web_application *app;
    struct httpserver *srv;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    log_setup("ch05");
    if (!(loop = ioloop_new(backend)))
        die("cannot create the %s loop", backend);
    server_on_stop(on_stop_signal);
    if (server_catch_signals() < 0)
        die("cannot install signal handlers");
    if (!(client = httpclient_new(loop, NULL)) ||
        !(app = web_application_new(loop, routes)) ||
        !(srv = httpserver_new(loop, &http_options, web_application_handle,
                              app)))
        die("cannot create the application");
    if (httpserver_listen(srv, config.host, config.port) < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    printf("listening on http://%s:%d\n", config.host, httpserver_port(srv));
    fflush(stdout);
    ioloop_start(loop);
    log_info("stopping");
    httpserver_free(srv); /* cancels the sleepers through their close */
    if (gen_web_drain(loop, drain) != 0)
        log_error("coroutine handlers still running at exit");
    web_application_free(app);
    httpclient_free(client); /* after the drain: no fetch is waiting */
    ioloop_free(loop);
    return 0;
}
