/* server.c - chapter 5: the demo app with every route a coroutine
 * handler (gen_web.c; the routes' classes are demo_handlers.c's, which
 * chapter 6 links too): /sleep/N is a gen_sleep() in the handler's own
 * coroutine, where chapter 4 split it into a method and a timer callback;
 * POST /echo reads its body in its coroutine as the body arrives; and
 * /fetch waits on the HTTP client.
 * The rest is chapter 4's: the web layer, the HTTP server, IOStreams and
 * the IOLoop, linked, and common/'s routes' bodies and options. */
#include "demo_handlers.h"
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
        web_set_header(h, "Content-Type", "text/plain");
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

static const struct gen_web_class fetch_handler = {
    .base = {.name = "FetchHandler", .get = gen_web_get, GEN_WEB_BASE(0)},
    .get = fetch_get};

static const struct web_route routes[] = {
    {"/", &demo_hello_handler.base, NULL},
    {"/sleep/([0-9]+(\\.[0-9]+)?)", &demo_sleep_handler.base, NULL},
    {"/cpu/([0-9]+)", &demo_cpu_handler.base, NULL},
    {"/pid", &demo_pid_handler.base, NULL},
    {"/echo", &demo_echo_handler.base, NULL},
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
