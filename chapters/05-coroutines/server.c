/* server.c - chapter 5: the demo app with every route a coroutine
 * handler (gen_web.c): /sleep/N is a gen_sleep() in the handler's own
 * coroutine, where chapter 4 split it into a method and a timer callback,
 * and POST /echo reads its body in its coroutine as the body arrives.
 * The rest is chapter 4's: the web layer, the HTTP server, IOStreams and
 * the IOLoop, linked, and common/'s routes' bodies and options. */
#include "demo_handlers.h"
#include "gen_web.h"
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

static const struct web_route routes[] = {
    {"/", &demo_hello_handler.base, NULL},
    {"/sleep/([0-9]+(\\.[0-9]+)?)", &demo_sleep_handler.base, NULL},
    {"/cpu/([0-9]+)", &demo_cpu_handler.base, NULL},
    {"/pid", &demo_pid_handler.base, NULL},
    {"/echo", &demo_echo_handler.base, NULL},
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
    if (!(app = web_application_new(loop, routes)) ||
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
    ioloop_free(loop);
    return 0;
}
