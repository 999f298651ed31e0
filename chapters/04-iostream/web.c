/* web.c - Application (routing) and RequestHandler (one object per
 * request) on httpserver: Tornado's tornado.web, callback style. */
#include "web.h"

#include "buffer.h"
#include "http_response.h"
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

struct web_application {
    struct ioloop *loop;
    const struct web_route *routes;
    regex_t *compiled;
    size_t nroutes;
};

struct web_pair {
    char *name, *value;
};

/* Decoded name=value pairs (arguments, cookies), parsed on first use. */
struct web_pairs {
    struct web_pair *v;
    size_t n, cap;
    int parsed;
};

struct web_handler {
    struct web_application *app;
    const struct web_handler_class *cls;
    const void *init_args;
    struct http_request *req;
    double started;            /* ioloop_time(), for the log */
    int status;
    struct web_pairs headers;  /* the response's */
    struct buffer body;        /* written, not yet sent */
    int headers_sent, finished, async, in_execute;
    char **path_args;
    int npath;
    struct web_pairs query, form, cookies;
    _Alignas(max_align_t) unsigned char state[];
};

/* ---- name=value pairs ---- */

static void pairs_free(struct web_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].value);
    }
    free(p->v);
    *p = (struct web_pairs){0};
}

/* Take ownership of name and value (freed here on failure). */
static int pairs_add(struct web_pairs *p, char *name, char *value)
{
    if (!name || !value)
        goto fail;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        struct web_pair *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            goto fail;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = (struct web_pair){name, value};
    return 0;
fail:
    free(name);
    free(value);
    errno = ENOMEM;
    return -1;
}

/* The last value of name (Tornado: get_argument returns the last). */
static const char *pairs_get(const struct web_pairs *p, const char *name,
                             int nocase)
{
    for (size_t i = p->n; i-- > 0;)
        if ((nocase ? strcasecmp : strcmp)(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}

static void pairs_remove(struct web_pairs *p, const char *name)
{
    size_t j = 0;

    for (size_t i = 0; i < p->n; i++) {
        if (strcasecmp(p->v[i].name, name) == 0) {
            free(p->v[i].name);
            free(p->v[i].value);
        } else {
            p->v[j++] = p->v[i];
        }
    }
    p->n = j;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A malloc'd, NUL-terminated copy of s[0..n) with %XX decoded (a malformed
 * escape stays as it is, as Python's unquote leaves it), and '+' as a
 * space when plus is set (forms and queries; not paths). */
static char *url_decode(const char *s, size_t n, int plus)
{
    char *out = malloc(n + 1), *o = out;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Parse "a=1&b=x+y" (application/x-www-form-urlencoded, and queries).
 * A field without '=' has the empty value (keep_blank_values). */
static int parse_urlencoded(const char *s, size_t n, struct web_pairs *p)
{
    const char *end = s + n;

    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        const char *name_end = eq ? eq : stop;
        if (stop > s &&
            pairs_add(p, url_decode(s, (size_t)(name_end - s), 1),
                      eq ? url_decode(eq + 1, (size_t)(stop - eq - 1), 1)
                         : strdup("")) < 0)
            return -1;
        s = stop + 1;
    }
    return 0;
}

static const char *trim(const char *s, const char **end)
{
    while (s < *end && (*s == ' ' || *s == '\t'))
        s++;
    while (*end > s && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
        (*end)--;
    return s;
}

/* Parse one Cookie header: "a=1; b=\"two\"". */
static int parse_cookie_header(const char *s, struct web_pairs *p)
{
    const char *end = s + strlen(s);

    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *stop = semi ? semi : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (eq) {
            const char *name_end = eq, *vend = stop;
            const char *name = trim(s, &name_end);
            const char *value = trim(eq + 1, &vend);
            if (vend - value >= 2 && *value == '"' && vend[-1] == '"')
                value++, vend--;
            if (name_end > name &&
                pairs_add(p, strndup(name, (size_t)(name_end - name)),
                          strndup(value, (size_t)(vend - value))) < 0)
                return -1;
        }
        s = stop + 1;
    }
    return 0;
}

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

/* ---- the handler's life ---- */

static void handler_free(struct web_handler *h)
{
    pairs_free(&h->headers);
    pairs_free(&h->query);
    pairs_free(&h->form);
    pairs_free(&h->cookies);
    buffer_free(&h->body);
    for (int i = 0; i < h->npath; i++)
        free(h->path_args[i]);
    free(h->path_args);
    free(h);
}

/* Tornado: RequestHandler.clear(). */
static int reset_response(struct web_handler *h)
{
    pairs_free(&h->headers);
    buffer_free(&h->body);
    buffer_init(&h->body);
    h->status = 200;
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
        h->path_args[h->npath] = url_decode(path + g->rm_so,
                                            (size_t)(g->rm_eo - g->rm_so), 0);
        if (!h->path_args[h->npath])
            return -1;
    }
    return 0;
}

static void on_connection_close(struct http_request *req, void *arg)
{
    struct web_handler *h = arg;

    (void)req;
    if (!h->finished && h->cls->on_connection_close)
        h->cls->on_connection_close(h);
}

static struct web_handler *handler_new(struct web_application *app,
                                       struct http_request *req,
                                       const struct web_route *route,
                                       const regmatch_t *m, size_t ngroups)
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
        handler_free(h);
        return NULL;
    }
    return h;
}

static void allow_add(struct buffer *b, web_method_fn *fn, const char *name)
{
    if (fn)
        buffer_printf(b, "%s%s", buffer_len(b) ? ", " : "", name);
}

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
    return h->finished ? 0 : web_finish(h);
}

/* 405, with an Allow header naming what the class answers. */
static void method_not_allowed(struct web_handler *h)
{
    const struct web_handler_class *c = h->cls;
    struct buffer allow;

    buffer_init(&allow);
    allow_add(&allow, c->get, "GET");
    allow_add(&allow, c->get ? c->get : c->head, "HEAD");
    allow_add(&allow, c->post, "POST");
    allow_add(&allow, c->put, "PUT");
    allow_add(&allow, c->delete_, "DELETE");
    allow_add(&allow, c->patch, "PATCH");
    allow_add(&allow, c->options, "OPTIONS");
    reset_response(h);
    if (buffer_append(&allow, "", 1) == 0)
        web_set_header(h, "Allow", buffer_data(&allow));
    buffer_free(&allow);
    error_body(h, 405);
}

/* The class's function for the request's method; NULL if it has none.
 * *known is 0 for a method no handler can have. */
static web_method_fn *method_fn(const struct web_handler *h, int *known)
{
    const struct web_handler_class *c = h->cls;
    const char *m = h->req->method;
    const struct {
        const char *name;
        web_method_fn *fn;
    } table[] = {{"GET", c->get},     {"HEAD", c->head ? c->head : c->get},
                 {"POST", c->post},   {"PUT", c->put},
                 {"DELETE", c->delete_}, {"PATCH", c->patch},
                 {"OPTIONS", c->options}};

    *known = 1;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(m, table[i].name) == 0)
            return table[i].fn;
    *known = 0;
    return NULL;
}

/* Tornado: RequestHandler._execute. */
static void execute(struct web_handler *h)
{
    int known;
    web_method_fn *fn = method_fn(h, &known);

    h->in_execute = 1;
    http_request_set_close_callback(h->req, on_connection_close, h);
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
        handler_free(h);
}

/* Tornado's ErrorHandler: the default for a path no route matches. */
static void not_found_prepare(struct web_handler *h)
{
    web_send_error(h, 404);
}

static const struct web_handler_class not_found_class = {
    .name = "ErrorHandler", .prepare = not_found_prepare};

void web_application_handle(struct http_request *req, void *arg)
{
    struct web_application *app = arg;
    static const struct web_route not_found = {"", &not_found_class, NULL};
    const struct web_route *route = &not_found;
    regmatch_t m[WEB_MAX_GROUPS + 1];
    size_t ngroups = 0;
    struct web_handler *h;

    for (size_t i = 0; i < app->nroutes; i++) {
        if (regexec(&app->compiled[i], req->path, WEB_MAX_GROUPS + 1, m,
                    0) == 0) {
            route = &app->routes[i];
            ngroups = app->compiled[i].re_nsub;
            break;
        }
    }
    if (!(h = handler_new(app, req, route, m, ngroups))) {
        log_error("%s %s: out of memory", req->method, req->uri);
        http_request_start_response(req, 500, "Content-Type: text/plain\r\n");
        http_request_write(req, "500 Internal Server Error\n", 26);
        http_request_finish(req);
        return;
    }
    execute(h);
}

/* ---- what a handler reads ---- */

struct http_request *web_request(struct web_handler *h) { return h->req; }
struct ioloop *web_loop(struct web_handler *h) { return h->app->loop; }
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
    if (!h->query.parsed) {
        h->query.parsed = 1;
        if (parse_urlencoded(h->req->query, strlen(h->req->query),
                             &h->query) < 0)
            log_error("query arguments: %s", strerror(errno));
    }
    return pairs_get(&h->query, name, 0);
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
    if (!h->form.parsed) {
        h->form.parsed = 1;
        if (is_form(h->req) &&
            parse_urlencoded(buffer_data(&h->req->body),
                             buffer_len(&h->req->body), &h->form) < 0)
            log_error("body arguments: %s", strerror(errno));
    }
    return pairs_get(&h->form, name, 0);
}

const char *web_get_argument(struct web_handler *h, const char *name)
{
    const char *v = web_get_body_argument(h, name);

    return v ? v : web_get_query_argument(h, name);
}

const char *web_get_cookie(struct web_handler *h, const char *name)
{
    if (!h->cookies.parsed) {
        const struct http_request_head *head = &h->req->head;
        h->cookies.parsed = 1;
        for (size_t i = 0; i < head->nheaders; i++)
            if (strcasecmp(head->headers[i].name, "Cookie") == 0 &&
                parse_cookie_header(head->headers[i].value, &h->cookies) < 0)
                log_error("cookies: %s", strerror(errno));
    }
    return pairs_get(&h->cookies, name, 0);
}

/* ---- what a handler answers ---- */

int web_set_status(struct web_handler *h, int status)
{
    if (h->headers_sent || h->finished) {
        errno = EBUSY;
        return -1;
    }
    if (status < 100 || status > 599) {
        errno = EINVAL;
        return -1;
    }
    h->status = status;
    return 0;
}

static int header_ok(const char *name, const char *value)
{
    static const char *const reserved[] = {"Content-Length",
                                           "Transfer-Encoding", "Connection",
                                           "Date"};

    if (!*name || strpbrk(name, " \t:"))
        return 0;
    for (const char *s = name; *s; s++)
        if ((unsigned char)*s < 0x21 || *s == 0x7f)
            return 0;
    for (const char *s = value; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
            return 0;
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return 0;
    return 1;
}

/* Whether a header may still be set: EBUSY once sent, EINVAL if bad. */
static int header_settable(const struct web_handler *h, const char *name,
                           const char *value)
{
    if (h->headers_sent || h->finished) {
        errno = EBUSY;
        return -1;
    }
    if (!header_ok(name, value)) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int web_add_header(struct web_handler *h, const char *name, const char *value)
{
    if (header_settable(h, name, value) < 0)
        return -1;
    return pairs_add(&h->headers, strdup(name), strdup(value));
}

int web_set_header(struct web_handler *h, const char *name, const char *value)
{
    if (header_settable(h, name, value) < 0)
        return -1;
    pairs_remove(&h->headers, name);
    return pairs_add(&h->headers, strdup(name), strdup(value));
}

static int cookie_ok(const char *s, int is_name)
{
    if (is_name && !*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == ';' ||
            *s == ',' || (is_name && *s == '='))
            return 0;
    return 1;
}

int web_set_cookie(struct web_handler *h, const char *name, const char *value)
{
    char *line;
    int rc;

    if (!cookie_ok(name, 1) || !cookie_ok(value, 0)) {
        errno = EINVAL;
        return -1;
    }
    if (asprintf(&line, "%s=%s; Path=/", name, value) < 0)
        return -1;
    rc = web_add_header(h, "Set-Cookie", line);
    free(line);
    return rc;
}

int web_write(struct web_handler *h, const void *data, size_t len)
{
    if (h->finished) {
        errno = EBUSY;
        return -1;
    }
    return buffer_append(&h->body, data, len);
}

int web_write_str(struct web_handler *h, const char *s)
{
    return web_write(h, s, strlen(s));
}

int web_printf(struct web_handler *h, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    n = web_write(h, s, (size_t)n);
    free(s);
    return n;
}

/* Send the status line and headers (once), then the body written so far. */
static int send_pending(struct web_handler *h)
{
    int rc = 0;

    if (!h->headers_sent) {
        struct buffer lines;
        buffer_init(&lines);
        for (size_t i = 0; i < h->headers.n; i++)
            buffer_printf(&lines, "%s: %s\r\n", h->headers.v[i].name,
                          h->headers.v[i].value);
        rc = buffer_append(&lines, "", 1);
        if (rc == 0)
            rc = http_request_start_response(h->req, h->status,
                                             buffer_data(&lines));
        buffer_free(&lines);
        h->headers_sent = 1;
    }
    if (rc == 0 && buffer_len(&h->body))
        rc = http_request_write(h->req, buffer_data(&h->body),
                                buffer_len(&h->body));
    buffer_consume(&h->body, buffer_len(&h->body));
    return rc;
}

int web_flush(struct web_handler *h)
{
    if (h->finished) {
        errno = EBUSY;
        return -1;
    }
    if (send_pending(h) < 0)
        return -1;
    return http_request_flush(h->req, NULL, NULL);
}

void web_async(struct web_handler *h) { h->async = 1; }

/* Tornado: Application.log_request. Successes at debug level: a line per
 * request would cost the benchmark more than the request itself. */
static void log_request(struct web_handler *h)
{
    const struct http_request *r = h->req;
    double ms = (ioloop_time(h->app->loop) - h->started) * 1000;
    enum log_level level = h->status < 400   ? LOG_DEBUG
                           : h->status < 500 ? LOG_WARN
                                             : LOG_ERROR;

    log_at(level, "%d %s %s (%s) %.2fms", h->status, r->method, r->uri,
           r->remote_ip, ms);
}

int web_finish(struct web_handler *h)
{
    int rc, saved;

    if (h->finished) {
        errno = EALREADY;
        return -1;
    }
    h->finished = 1;
    log_request(h);
    rc = send_pending(h);
    saved = errno;
    http_request_set_close_callback(h->req, NULL, NULL);
    if (http_request_finish(h->req) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (h->cls->on_finish)
        h->cls->on_finish(h);
    if (!h->in_execute)
        handler_free(h);
    errno = saved;
    return rc;
}

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

/* ---- RedirectHandler ---- */

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
