/* server.c - chapter 4: the demo app on Application and RequestHandler
 * (web.c), over the HTTP server, IOStreams and the IOLoop. The routes and
 * bodies are common/demo.c's; /sleep waits on an IOLoop timer while the
 * handler stays alive on its own, with no connection state of ours. With
 * --static DIR, /static/... serves DIR's files (static.c). */
#include "httpserver.h"
#include "ioloop.h"
#include "static.h"
#include "web.h"

#include "args.h"
#include "demo.h"
#include "log.h"
#include "server.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct ioloop *loop;

static void text_plain(struct web_handler *h)
{
    web_set_header(h, "Content-Type", "text/plain");
}

static void hello_get(struct web_handler *h)
{
    text_plain(h);
    web_write_str(h, "Hello, world\n");
}

static void pid_get(struct web_handler *h)
{
    text_plain(h);
    web_printf(h, "%d\n", (int)getpid());
}

static void cpu_get(struct web_handler *h)
{
    char *end;
    long units;

    errno = 0;
    units = strtol(web_path_arg(h, 0), &end, 10);
    if (errno || *end || units > DEMO_MAX_CPU_UNITS) {
        web_send_error(h, 400);
        return;
    }
    text_plain(h);
    web_printf(h, "Worked %ld units (%016llx)\n", units,
               (unsigned long long)demo_burn_cpu(units));
}

static void echo_post(struct web_handler *h)
{
    const struct buffer *body = &web_request(h)->body;

    web_set_header(h, "Content-Type", "application/octet-stream");
    web_write(h, buffer_data(body), buffer_len(body));
}

/* /sleep/N: the handler waits on a timer, and finishes from it. */
struct sleep_state {
    ioloop_timeout timer;
    int64_t ms;
};

static int on_slept(struct ioloop *l, void *arg)
{
    struct web_handler *h = arg;
    struct sleep_state *st = web_state(h);

    (void)l;
    st->timer = 0;
    web_printf(h, "Slept %g s\n", (double)st->ms / 1000);
    web_finish(h); /* frees h: nothing after this */
    return 0;
}

static void sleep_get(struct web_handler *h)
{
    struct sleep_state *st = web_state(h);

    const char *arg = web_path_arg(h, 0);

    /* The same answers as chapters 1-3 (common/demo.c): more than three
     * decimals is no route of ours, more than an hour a bad argument. */
    st->ms = demo_parse_ms(arg, strlen(arg));
    if (st->ms < 0 || st->ms > DEMO_MAX_SLEEP_MS) {
        web_send_error(h, st->ms < 0 ? 404 : 400);
        return;
    }
    text_plain(h);
    st->timer = ioloop_call_later(web_loop(h), (double)st->ms / 1000,
                                  on_slept, h);
    if (!st->timer) {
        web_fail(h, "cannot add a timer: %s", strerror(errno));
        return;
    }
    web_async(h); /* Tornado: the method returned a coroutine */
}

/* The client went (or the server is stopping): nobody waits any more. */
static void sleep_on_close(struct web_handler *h)
{
    struct sleep_state *st = web_state(h);

    if (st->timer) {
        ioloop_remove_timeout(web_loop(h), st->timer);
        st->timer = 0;
        web_finish(h);
    }
}

static const struct web_handler_class hello_handler = {
    .name = "HelloHandler", .get = hello_get};
static const struct web_handler_class pid_handler = {
    .name = "PidHandler", .get = pid_get};
static const struct web_handler_class cpu_handler = {
    .name = "CpuHandler", .get = cpu_get};
static const struct web_handler_class echo_handler = {
    .name = "EchoHandler", .post = echo_post};
static const struct web_handler_class sleep_handler = {
    .name = "SleepHandler",
    .get = sleep_get,
    .state_size = sizeof(struct sleep_state),
    .on_connection_close = sleep_on_close};

static const struct web_redirect_args old_to_root = {"/", 1};

static const struct web_route routes[] = {
    {"/", &hello_handler, NULL},
    {"/sleep/([0-9]+(\\.[0-9]+)?)", &sleep_handler, NULL},
    {"/cpu/([0-9]+)", &cpu_handler, NULL},
    {"/pid", &pid_handler, NULL},
    {"/echo", &echo_handler, NULL},
    {"/old", &web_redirect_handler, &old_to_root},
    {0}};

#define NROUTES (sizeof routes / sizeof *routes - 1) /* without the {0} */
static struct web_static_args static_files;
static struct web_route routes_and_static[NROUTES + 2];

/* With --static DIR, the routes and one more: /static/PATH is DIR/PATH
 * (Tornado's static_path setting adds the same route). Without it,
 * /static/... is a 404. NULL if DIR is not a directory. */
static const struct web_route *with_static_route(const char *dir)
{
    struct stat st;

    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "server: --static %s: not a directory\n", dir);
        return NULL;
    }
    static_files.root = dir;
    memcpy(routes_and_static, routes, NROUTES * sizeof *routes);
    routes_and_static[NROUTES] = (struct web_route){
        "/static/(.*)", &web_static_file_handler, &static_files};
    return routes_and_static; /* the last entry stays {0} */
}

static void on_stop_signal(void)
{
    ioloop_stop(loop); /* async-signal-safe: a flag and an eventfd write */
}

int main(int argc, char **argv)
{
    static const char *const backends[] = {"epoll", "select", NULL};
    struct server_config config = SERVER_CONFIG_DEFAULT;
    struct httpserver_options hopts = {0};
    const char *backend = "epoll";
    const char *static_dir = NULL;
    const struct web_route *app_routes = routes;
    int max_body = 0;
    const struct args_option options[] = {
        SERVER_OPTIONS(config),
        {"--backend", ARGS_CHOICE, &backend, "epoll|select",
         "the poller (default epoll)", 0, 0, backends},
        {"--max-body-size", ARGS_INT, &max_body, "BYTES",
         "larger request bodies get 413 (default 100 MiB)", 1, INT_MAX, NULL},
        {"--xheaders", ARGS_FLAG, &hopts.xheaders, NULL,
         "trust X-Real-Ip / X-Forwarded-For (only behind a proxy)", 0, 0,
         NULL},
        {"--static", ARGS_STRING, &static_dir, "DIR",
         "serve DIR's files at /static/ (default: no such route)", 0, 0,
         NULL},
        {0}};
    enum args_status status = args_parse(
        argc, argv, "Chapter 4: the demo app on Application and RequestHandler.",
        options);
    struct web_application *app;
    struct httpserver *srv;
    int bracket;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    if (static_dir && !(app_routes = with_static_route(static_dir)))
        return 2;
    log_setup("ch04");
    hopts.max_body_size = (size_t)max_body;
    if (!(loop = ioloop_new(backend)))
        die("cannot create the %s loop", backend);
    server_on_stop(on_stop_signal); /* before a signal can arrive */
    if (server_catch_signals() < 0)
        die("cannot install signal handlers");
    if (!(app = web_application_new(loop, app_routes)) ||
        !(srv = httpserver_new(loop, &hopts, web_application_handle, app)))
        die("cannot create the application");
    if (httpserver_listen(srv, config.host, config.port) < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    bracket = strchr(config.host, ':') != NULL; /* an IPv6 address */
    printf("listening on http://%s%s%s:%d\n", bracket ? "[" : "", config.host,
           bracket ? "]" : "", httpserver_port(srv));
    fflush(stdout);
    ioloop_start(loop);
    log_info("stopping");
    httpserver_free(srv); /* finishes the sleepers through their close */
    web_application_free(app);
    ioloop_free(loop);
    return 0;
}
