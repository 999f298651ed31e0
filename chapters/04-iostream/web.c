/* web.c - Application (routing) and RequestHandler (one object per
 * request) on httpserver: Tornado's tornado.web, callback style. Here: the
 * routes, a handler's whole life (made, run, finished, freed), errors,
 * what it reads, RedirectHandler. What it answers (status, headers, body,
 * flush, the response's last bytes) is in web_response.c, which is below
 * this file: it never calls back up here. */
#include "web_private.h"

#include "buffer.h"
#include "http_response.h"
#include "httputil.h"
#include "log.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WEB_MAX_GROUPS 15 /* capture groups per pattern */
#define WEB_DEFAULT_CONTENT_TYPE "text/html; charset=UTF-8" /* Tornado's */

/* ---- the Application ---- */

static int compile_route(regex_t *re, const char *pattern)
{
    size_t len = strlen(pattern);
    char *anchored = malloc(len + 3);
    int rc;

    if (!anchored)
        return -1;
    snprintf(anchored, len + 3, "%s%s%s", pattern[0] == '^' ? "" : "^",
             pattern, len && pattern[len - 1] == '$' ? "" : "$");
    rc = regcomp(re, anchored, REG_EXTENDED);
    free(anchored);
    if (rc == 0 && re->re_nsub > WEB_MAX_GROUPS) {
        regfree(re);
        rc = REG_ESUBREG;
    }
    if (rc != 0) {
        log_error("route %s: not a usable extended regex (%d)", pattern, rc);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

struct web_application *web_application_new(struct ioloop *loop,
                                            const struct web_route *routes)
{
    struct web_application *app = calloc(1, sizeof *app);
    size_t n = 0;

    if (!app)
        return NULL;
    while (routes[n].pattern)
        n++;
    app->loop = loop;
    app->routes = routes;
    if (n && !(app->compiled = calloc(n, sizeof *app->compiled)))
        goto fail;
    for (; app->nroutes < n; app->nroutes++)
        if (compile_route(&app->compiled[app->nroutes],
                          routes[app->nroutes].pattern) < 0)
            goto fail;
    return app;
fail:
    web_application_free(app);
    return NULL;
}

void web_application_free(struct web_application *app)
{
    int saved = errno;

    if (!app)
        return;
    for (size_t i = 0; i < app->nroutes; i++)
        regfree(&app->compiled[i]);
    free(app->compiled);
    free(app);
    errno = saved;
}

/* ---- a request's way through this file ---- */

/* web_application_handle() routes a request, web_handler_new() makes its
 * handler, execute() runs the class's functions (or answers 405 with
 * method_not_allowed()), web_finish() ends the response, and
 * web_handler_free() ends the handler. The functions below come in that
 * order, the order a request meets them; hence these declarations. */
static struct web_handler *web_handler_new(struct web_application *app,
                                           struct http_request *req,
                                           const struct web_route *route,
                                           const regmatch_t *m,
                                           size_t ngroups);
static void execute(struct web_handler *h);
static void method_not_allowed(struct web_handler *h);
static void web_handler_free(struct web_handler *h);

/* ---- a request arrives: its route (Tornado: Application.__call__) ---- */

/* Tornado's ErrorHandler: the default for a path no route matches. */
static void not_found_prepare(struct web_handler *h)
{
    web_send_error(h, 404);
}

static const struct web_handler_class not_found_class = {
    .name = "ErrorHandler", .prepare = not_found_prepare};

/* The first route whose pattern matches path, its groups in m; the
 * not-found route if none does. */
static const struct web_route *find_route(const struct web_application *app,
                                          const char *path, regmatch_t *m,
                                          size_t *ngroups)
{
    static const struct web_route not_found = {"", &not_found_class, NULL};

    for (size_t i = 0; i < app->nroutes; i++) {
        if (regexec(&app->compiled[i], path, WEB_MAX_GROUPS + 1, m, 0) == 0) {
            *ngroups = app->compiled[i].re_nsub;
            return &app->routes[i];
        }
    }
    *ngroups = 0;
    return &not_found;
}

void web_application_handle(struct http_request *req, void *arg)
{
    regmatch_t m[WEB_MAX_GROUPS + 1];
    size_t ngroups;
    const struct web_route *route = find_route(arg, req->path, m, &ngroups);
    struct web_handler *h;

    if (!(h = web_handler_new(arg, req, route, m, ngroups))) {
        log_error("%s %s: out of memory", req->method, req->uri);
        http_response_start(req, 500, "Content-Type: text/plain\r\n");
        http_response_write(req, "500 Internal Server Error\n", 26);
        http_response_finish(req);
        return;
    }
    execute(h);
}

/* Routed here at the head, and again at delivery: only requests with a
 * body are asked, and a regexec is cheap beside reading a body. */
int web_application_stream_body(const struct http_request *req, void *arg)
{
    regmatch_t m[WEB_MAX_GROUPS + 1];
    size_t ngroups;

    return find_route(arg, req->path, m, &ngroups)->cls->stream_request_body;
}

/* ---- its handler is made ---- */

/* Tornado: RequestHandler.clear(). */
static int reset_response(struct web_handler *h)
{
    httputil_pairs_free(&h->headers);
    buffer_free(&h->body);
    buffer_init(&h->body);
    h->status = 200;
    h->content_length = -1;
    h->written = 0;
    return web_set_header(h, "Content-Type", WEB_DEFAULT_CONTENT_TYPE);
}

static int set_path_args(struct web_handler *h, const regmatch_t *m,
                         size_t ngroups)
{
    const char *path = h->req->path;

    if (ngroups && !(h->path_args = calloc(ngroups, sizeof *h->path_args)))
        return -1;
    for (; (size_t)h->npath < ngroups; h->npath++) {
        const regmatch_t *g = &m[h->npath + 1];
        if (g->rm_so < 0)
            continue; /* an optional group that did not match: NULL */
        h->path_args[h->npath] = httputil_url_unescape(path + g->rm_so,
                                            (size_t)(g->rm_eo - g->rm_so), 0);
        if (!h->path_args[h->npath])
            return -1;
    }
    return 0;
}

static struct web_handler *web_handler_new(struct web_application *app,
                                           struct http_request *req,
                                           const struct web_route *route,
                                           const regmatch_t *m,
                                           size_t ngroups)
{
    const struct web_handler_class *cls = route->cls;
    struct web_handler *h = calloc(1, sizeof *h + cls->state_size);

    if (!h)
        return NULL;
    h->app = app;
    h->cls = cls;
    h->init_args = route->init_args;
    h->req = req;
    h->started = ioloop_time(app->loop);
    buffer_init(&h->body);
    if (reset_response(h) < 0 || set_path_args(h, m, ngroups) < 0) {
        web_handler_free(h);
        return NULL;
    }
    return h;
}

/* ---- it runs ---- */

/* The methods a class may answer, in the order an Allow header lists
 * them, each with its function or NULL. HEAD without a head() runs get()
 * and drops the body, as RFC 9110 section 9.3.2 allows. */
#define WEB_NMETHODS 7

struct web_method {
    const char *name;
    web_method_fn *fn;
};

static void method_table(const struct web_handler_class *c,
                         struct web_method t[WEB_NMETHODS])
{
    t[0] = (struct web_method){"GET", c->get};
    t[1] = (struct web_method){"HEAD", c->head ? c->head : c->get};
    t[2] = (struct web_method){"POST", c->post};
    t[3] = (struct web_method){"PUT", c->put};
    t[4] = (struct web_method){"DELETE", c->delete_};
    t[5] = (struct web_method){"PATCH", c->patch};
    t[6] = (struct web_method){"OPTIONS", c->options};
}

/* The class's function for the request's method; NULL if it has none.
 * *known is 0 for a method no handler can have. */
static web_method_fn *method_fn(const struct web_handler *h, int *known)
{
    struct web_method table[WEB_NMETHODS];

    method_table(h->cls, table);
    *known = 1;
    for (size_t i = 0; i < WEB_NMETHODS; i++)
        if (strcmp(h->req->method, table[i].name) == 0)
            return table[i].fn;
    *known = 0;
    return NULL;
}

static void on_connection_close(struct http_request *req, void *arg)
{
    struct web_handler *h = arg;

    (void)req;
    if (!h->finished && h->cls->on_connection_close)
        h->cls->on_connection_close(h);
}

void web_async(struct web_handler *h) { h->async = 1; }

/* Tornado: RequestHandler._execute. */
static void execute(struct web_handler *h)
{
    int known;
    web_method_fn *fn = method_fn(h, &known);

    h->in_execute = 1;
    http_response_set_close_callback(h->req, on_connection_close, h);
    if (!known) {
        method_not_allowed(h);
    } else {
        if (h->cls->prepare)
            h->cls->prepare(h);
        if (!h->finished && !fn)
            method_not_allowed(h);
        else if (!h->finished)
            fn(h);
        if (!h->finished && !h->async)
            web_finish(h);
    }
    h->in_execute = 0;
    if (h->finished)
        web_handler_free(h);
}

/* ---- errors: 404, 405, send_error, fail ---- */

/* Write the default error body, or let the class do it, then finish. */
static int error_body(struct web_handler *h, int status)
{
    h->status = status >= 100 && status <= 599 ? status : 500;
    if (h->cls->write_error) {
        h->cls->write_error(h, h->status);
    } else {
        web_set_header(h, "Content-Type", "text/plain");
        web_printf(h, "%d %s\n", h->status, http_reason(h->status));
    }
    return web_finish(h);
}

/* 405, with an Allow header naming what the class answers. */
static void method_not_allowed(struct web_handler *h)
{
    struct web_method table[WEB_NMETHODS];
    struct buffer allow;

    buffer_init(&allow);
    method_table(h->cls, table);
    for (size_t i = 0; i < WEB_NMETHODS; i++)
        if (table[i].fn)
            buffer_printf(&allow, "%s%s", buffer_len(&allow) ? ", " : "",
                          table[i].name);
    reset_response(h);
    if (buffer_append(&allow, "", 1) == 0)
        web_set_header(h, "Allow", buffer_data(&allow));
    buffer_free(&allow);
    error_body(h, 405);
}

int web_send_error(struct web_handler *h, int status)
{
    if (h->finished) {
        errno = EALREADY;
        return -1;
    }
    if (h->headers_sent) {
        log_error("%s %s: cannot send error response after headers written",
                  h->req->method, h->req->uri);
        return web_finish(h);
    }
    reset_response(h);
    return error_body(h, status);
}

void web_fail(struct web_handler *h, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_error("uncaught failure in %s for %s %s (%s): %s",
              h->cls->name ? h->cls->name : "handler", h->req->method,
              h->req->uri, h->req->remote_ip, msg);
    if (!h->finished)
        web_send_error(h, 500);
}

/* ---- it finishes, and is freed ---- */

/* Tornado: Application.log_request. Successes at debug level: a line per
 * request would cost the benchmark more than the request itself. */
static void log_request(struct web_handler *h)
{
    const struct http_request *r = h->req;
    double ms;
    enum log_level level = h->status < 400   ? LOG_DEBUG
                           : h->status < 500 ? LOG_WARN
                                             : LOG_ERROR;

    if (!log_enabled(level))
        return; /* not even the clock is read for a line nobody sees */
    ms = (ioloop_time(h->app->loop) - h->started) * 1000;
    log_at(level, "%d %s %s (%s) %.2fms", h->status, r->method, r->uri,
           r->remote_ip, ms);
}

/* Tornado: finish(): the log line, on_finish(), the last bytes, then the
 * end of the handler (_break_cycles). on_finish() comes before the last
 * bytes, not after as in Tornado, because http_response_finish() releases
 * the request, which on_finish() may still read (Python keeps it alive;
 * we would read freed memory). The close callback that execute() set ends
 * with the response, so nothing calls back with h once it is freed.
 * Inside its method h is only marked: execute() still reads it when the
 * method returns, and frees it then. */
int web_finish(struct web_handler *h)
{
    int rc, saved;

    if (h->finished) {
        errno = EALREADY;
        return -1;
    }
    h->finished = 1;
    log_request(h);
    if (h->cls->on_finish)
        h->cls->on_finish(h);
    rc = web_response_finish(h);
    saved = errno;
    if (!h->in_execute)
        web_handler_free(h);
    errno = saved;
    return rc;
}

/* The one place a handler is freed, with all it owns (the request is the
 * server's): by web_finish() or execute(), whichever comes last (or by
 * web_handler_new(), if making it failed). */
static void web_handler_free(struct web_handler *h)
{
    httputil_pairs_free(&h->headers);
    httputil_pairs_free(&h->query);
    httputil_pairs_free(&h->form);
    httputil_pairs_free(&h->cookies);
    buffer_free(&h->body);
    for (int i = 0; i < h->npath; i++)
        free(h->path_args[i]);
    free(h->path_args);
    free(h);
}

/* ---- what a handler reads ---- */

struct http_request *web_request(struct web_handler *h) { return h->req; }
struct ioloop *web_loop(struct web_handler *h) { return h->app->loop; }
const struct web_handler_class *web_class(struct web_handler *h)
{
    return h->cls;
}
const void *web_init_args(struct web_handler *h) { return h->init_args; }
void *web_state(struct web_handler *h) { return h->state; }
int web_path_argc(struct web_handler *h) { return h->npath; }
int web_finished(struct web_handler *h) { return h->finished; }

const char *web_path_arg(struct web_handler *h, int i)
{
    return i >= 0 && i < h->npath ? h->path_args[i] : NULL;
}

const char *web_get_query_argument(struct web_handler *h, const char *name)
{
    if (!h->query_parsed) {
        h->query_parsed = 1;
        if (httputil_parse_qs(h->req->query, strlen(h->req->query),
                             &h->query) < 0)
            log_error("query arguments: %s", strerror(errno));
    }
    return httputil_pairs_get(&h->query, name, 0);
}

static int is_form(const struct http_request *req)
{
    const char *type = http_request_header(req, "Content-Type");
    static const char form[] = "application/x-www-form-urlencoded";

    return type && strncasecmp(type, form, sizeof form - 1) == 0 &&
           (type[sizeof form - 1] == '\0' || type[sizeof form - 1] == ';' ||
            type[sizeof form - 1] == ' ');
}

const char *web_get_body_argument(struct web_handler *h, const char *name)
{
    if (!h->form_parsed) {
        h->form_parsed = 1;
        if (is_form(h->req) &&
            httputil_parse_qs(buffer_data(&h->req->body),
                             buffer_len(&h->req->body), &h->form) < 0)
            log_error("body arguments: %s", strerror(errno));
    }
    return httputil_pairs_get(&h->form, name, 0);
}

const char *web_get_argument(struct web_handler *h, const char *name)
{
    const char *v = web_get_body_argument(h, name);

    return v ? v : web_get_query_argument(h, name);
}

const char *web_get_cookie(struct web_handler *h, const char *name)
{
    if (!h->cookies_parsed) {
        const struct http_request_head *head = &h->req->head;
        h->cookies_parsed = 1;
        for (size_t i = 0; i < head->nheaders; i++)
            if (strcasecmp(head->headers[i].name, "Cookie") == 0 &&
                httputil_parse_cookie(head->headers[i].value, &h->cookies) < 0)
                log_error("cookies: %s", strerror(errno));
    }
    return httputil_pairs_get(&h->cookies, name, 0);
}

/* ---- redirect(), and RedirectHandler ---- */

/* Here, not in web_response.c, because it finishes. */
int web_redirect(struct web_handler *h, const char *url, int permanent)
{
    if (h->headers_sent || h->finished) {
        errno = EBUSY;
        return -1;
    }
    if (web_set_header(h, "Location", url) < 0)
        return -1;
    h->status = permanent ? 301 : 302;
    return web_finish(h);
}

static void redirect_get(struct web_handler *h)
{
    const struct web_redirect_args *a = web_init_args(h);
    const char *query = h->req->query;
    char *url;

    /* Tornado keeps the query: /old?a=1 -> /?a=1. */
    if (asprintf(&url, "%s%s%s", a->url,
                 !*query ? "" : strchr(a->url, '?') ? "&" : "?", query) < 0) {
        web_fail(h, "redirect: out of memory");
        return;
    }
    if (web_redirect(h, url, a->permanent) < 0 && !h->finished)
        web_fail(h, "redirect to %s: %s", url, strerror(errno));
    free(url);
}

const struct web_handler_class web_redirect_handler = {
    .name = "RedirectHandler", .get = redirect_get};
