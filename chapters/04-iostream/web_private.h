/* web_private.h - private to web.c and web_response.c: the application's
 * and a handler's fields. Applications include web.h, where both structs
 * are opaque.
 *
 * web.c routes a request and owns its handler's whole life: it makes it,
 * runs it (Tornado's _execute), answers errors, finishes it and frees it;
 * it also holds what a handler reads. web_response.c, below it, holds what
 * a handler answers: status, headers, body, flush, and the bytes that end
 * the response. Tornado keeps both in one RequestHandler class; here the
 * calls go one way, web.c to web_response.c, and the one thing web.c needs
 * of web_response.c beyond web.h is web_response_finish().
 */
#ifndef CH04_WEB_PRIVATE_H
#define CH04_WEB_PRIVATE_H

#include "buffer.h"
#include "httputil.h"
#include "web.h"

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

struct web_application {
    struct ioloop *loop;
    const struct web_route *routes;
    regex_t *compiled;
    size_t nroutes;
};

struct web_handler {
    struct web_application *app;
    const struct web_handler_class *cls;
    const void *init_args;
    struct http_request *req;
    double started;                /* ioloop_time(), for the log */
    int status;
    struct httputil_pairs headers; /* the response's */
    struct buffer body;            /* written, not yet sent */
    int64_t content_length;        /* web_set_content_length's, or -1 */
    uint64_t written;              /* body bytes written, sent or not */
    web_flush_fn *flushed;         /* web_flush_then's, while pending */
    int headers_sent, finished, async;
    int in_execute;                /* execute() is running: it frees */
    char **path_args;
    int npath;
    struct httputil_pairs query, form, cookies; /* parsed on first use */
    int query_parsed, form_parsed, cookies_parsed;
    _Alignas(max_align_t) unsigned char state[];
};

/* ---- web_response.c ---- */

/* The sending part of web_finish(): the headers if not yet sent, the body
 * not yet flushed, then http_response_finish(), which releases h->req.
 * -1 with errno if any of it failed (EPIPE: the client was gone). */
int web_response_finish(struct web_handler *h);

#endif
