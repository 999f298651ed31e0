/* web_test.c - chapter 4's web framework (web.c): unit cases, and with
 * --port a server of test-only handlers (arguments, cookies, captures,
 * failures, write_error, flush, prepare) for tests/04-iostream.bats. */
#include "check.h"
#include "test_server.h" /* main(): the --port server, or the unit cases */

#include "ioloop.h"
#include "web.h"

#include "log.h"

#include <errno.h>
#include <string.h>

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* /args: what the request's query, form body and cookie "c" say. */
static void args_get(struct web_handler *h)
{
    const char *set = web_get_query_argument(h, "set");

    web_set_header(h, "Content-Type", "text/plain");
    if (set && web_set_cookie(h, "c", set) < 0)
        web_printf(h, "bad cookie: %s\n", strerror(errno));
    web_printf(h, "q=%s|b=%s|arg=%s|c=%s|a=%s\n",
               or_dash(web_get_query_argument(h, "q")),
               or_dash(web_get_body_argument(h, "b")),
               or_dash(web_get_argument(h, "arg")),
               or_dash(web_get_cookie(h, "c")),
               or_dash(web_get_cookie(h, "a")));
}

/* /path/...: the path arguments. */
static void path_get(struct web_handler *h)
{
    web_printf(h, "n=%d", web_path_argc(h));
    for (int i = 0; i < web_path_argc(h); i++)
        web_printf(h, " %s", or_dash(web_path_arg(h, i)));
    web_write_str(h, "\n");
}

static void fail_get(struct web_handler *h)
{
    web_write_str(h, "this never leaves\n");
    web_fail(h, "failing on purpose");
}

static void forbidden_get(struct web_handler *h) { web_send_error(h, 403); }

static void forbidden_write_error(struct web_handler *h, int status)
{
    web_set_header(h, "X-Error", "custom");
    web_printf(h, "custom error %d\n", status);
}

static void flush_get(struct web_handler *h)
{
    web_write_str(h, "part 1\n");
    web_flush(h);
    web_write_str(h, "part 2\n");
}

/* /headers: what set_header refuses. */
static void headers_get(struct web_handler *h)
{
    int a = web_set_header(h, "X-Bad", "a\r\nInjected: 1");
    int b = web_set_header(h, "Content-Length", "5");
    int c = web_set_status(h, 42);

    web_set_header(h, "X-Twice", "first");
    web_set_header(h, "X-Twice", "second");
    web_add_header(h, "X-Multi", "1");
    web_add_header(h, "X-Multi", "2");
    web_printf(h, "refused %d %d %d (%s)\n", a, b, c, strerror(errno));
}

/* /hooks: prepare may finish the request alone (?stop=1); on_finish runs
 * after every response. */
static void hooks_prepare(struct web_handler *h)
{
    const char *stop = web_get_query_argument(h, "stop");

    if (stop && strcmp(stop, "1") == 0) {
        web_write_str(h, "stopped in prepare\n");
        web_finish(h);
    }
}

static void hooks_get(struct web_handler *h) { web_write_str(h, "got\n"); }

static void hooks_on_finish(struct web_handler *h)
{
    log_info("on_finish ran for %s", web_request(h)->uri);
}

/* The handler's class, as web_class() gives it. */
static void class_get(struct web_handler *h)
{
    web_printf(h, "%s\n", web_class(h)->name);
}

static const struct web_handler_class class_class = {"ClassHandler",
                                                     .get = class_get};
static const struct web_handler_class args_class = {
    .name = "ArgsHandler", .get = args_get, .post = args_get};
static const struct web_handler_class path_class = {
    .name = "PathHandler", .get = path_get};
static const struct web_handler_class fail_class = {
    .name = "FailHandler", .get = fail_get};
static const struct web_handler_class forbidden_class = {
    .name = "ForbiddenHandler", .get = forbidden_get,
    .write_error = forbidden_write_error};
static const struct web_handler_class flush_class = {
    .name = "FlushHandler", .get = flush_get};
static const struct web_handler_class headers_class = {
    .name = "HeadersHandler", .get = headers_get};
static const struct web_handler_class hooks_class = {
    .name = "HooksHandler", .prepare = hooks_prepare, .get = hooks_get,
    .on_finish = hooks_on_finish};
static const struct web_redirect_args to_args = {"/args?q=moved", 0};

static const struct web_route routes[] = {
    {"/args", &args_class, NULL},
    {"/path/([a-z]+)(/([0-9]+))?", &path_class, NULL},
    {"^/name/([^/]+)$", &path_class, NULL},
    {"/fail", &fail_class, NULL},
    {"/forbidden", &forbidden_class, NULL},
    {"/flush", &flush_class, NULL},
    {"/headers", &headers_class, NULL},
    {"/hooks", &hooks_class, NULL},
    {"/class", &class_class, NULL},
    {"/temporary", &web_redirect_handler, &to_args},
    {0}};

/* A pattern regcomp refuses fails the application with EINVAL. */
static void test_bad_pattern(void)
{
    static const struct web_route bad[] = {{"/ok", &path_class, NULL},
                                           {"/broken/([a-z]", &path_class,
                                            NULL},
                                           {0}};
    struct ioloop *l = ioloop_new(NULL);

    CHECK(l != NULL);
    errno = 0;
    CHECK(web_application_new(l, bad) == NULL);
    CHECK_EQ(errno, EINVAL);
    struct web_application *app = web_application_new(l, routes);
    CHECK(app != NULL);
    web_application_free(app);
    ioloop_free(l);
}

static const struct check_case cases[] = {
    {"bad_pattern", test_bad_pattern}, {0}};

int main(int argc, char **argv)
{
    return test_server_main(argc, argv, "web_test",
                            "chapter 4's web framework, for the tests", routes,
                            cases);
}
