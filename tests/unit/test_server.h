/* test_server.h - main() for a unit-test program that is also a small web
 * server: with --port (or --host, --help) it serves test-only routes for a
 * bats suite; otherwise it runs its unit cases. Used by
 * tests/unit/web_test.c (tests/04-iostream.bats) and
 * tests/unit/static_test.c (tests/04-static.bats); test-only, so its
 * functions are static.
 *
 *     int main(int argc, char **argv)
 *     {
 *         return test_server_main(argc, argv, "web_test",
 *                                 "chapter 4's web framework, for the tests",
 *                                 routes, cases);
 *     }
 *
 * The server keeps to the demo servers' CLI: the ready line
 * "listening on http://HOST:PORT", exit 0 on SIGINT or SIGTERM, usage and
 * exit 2 on bad arguments. */
#ifndef TESTS_TEST_SERVER_H
#define TESTS_TEST_SERVER_H

#include "check.h"

#include "httpserver.h"
#include "ioloop.h"
#include "web.h"

#include "args.h"
#include "log.h"
#include "server.h"

#include <stdio.h>
#include <string.h>

static struct ioloop *test_server_loop;

static void test_server_on_stop(void) { ioloop_stop(test_server_loop); }

/* Serve routes on --host/--port until SIGINT or SIGTERM; about is the
 * usage line's description. The process exit status. */
static int test_server_serve(int argc, char **argv, const char *name,
                             const char *about,
                             const struct web_route *routes)
{
    struct server_config config = SERVER_CONFIG_DEFAULT;
    const struct args_option options[] = {SERVER_OPTIONS(config), {0}};
    /* Classes with stream_request_body get their bodies as they come. */
    const struct httpserver_options http_options = {
        .stream_body = web_application_stream_body};
    enum args_status status = args_parse(argc, argv, about, options);
    struct web_application *app;
    struct httpserver *srv;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    log_setup(name);
    if (!(test_server_loop = ioloop_new(NULL)))
        die("ioloop_new");
    server_on_stop(test_server_on_stop);
    if (server_catch_signals() < 0)
        die("signals");
    if (!(app = web_application_new(test_server_loop, routes)) ||
        !(srv = httpserver_new(test_server_loop, &http_options,
                               web_application_handle, app)) ||
        httpserver_listen(srv, config.host, config.port) < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    printf("listening on http://%s:%d\n", config.host, httpserver_port(srv));
    fflush(stdout);
    ioloop_start(test_server_loop);
    httpserver_free(srv);
    web_application_free(app);
    ioloop_free(test_server_loop);
    return 0;
}

/* An option first (but --list): the server; else check_main()'s cases. */
static int test_server_main(int argc, char **argv, const char *name,
                            const char *about, const struct web_route *routes,
                            const struct check_case *cases)
{
    if (argc > 1 && strncmp(argv[1], "--", 2) == 0 &&
        strcmp(argv[1], "--list") != 0)
        return test_server_serve(argc, argv, name, about, routes);
    log_setup(name);
    return check_main(argc, argv, cases);
}

#endif
