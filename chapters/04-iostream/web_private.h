/* web_private.h - private to web.c and web_response.c: the application's
 * and a handler's fields. Applications include web.h, where both structs
 * are opaque.
 *
 * web.c routes a request, makes its handler, runs it (Tornado's
 * _execute), answers errors and frees it; it also holds what a handler
 * reads. web_response.c holds what a handler answers: status, headers,
 * body, flush and finish. Tornado keeps both in one RequestHandler class;
 * the one thing web_response.c needs of web.c is handler_free(), for a
 * web_finish() outside the handler's method.
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
    int headers_sent, finished, async, in_execute;
    char **path_args;
    int npath;
    struct httputil_pairs query, form, cookies; /* parsed on first use */
    int query_parsed, form_parsed, cookies_parsed;
    _Alignas(max_align_t) unsigned char state[];
};

/* ---- web.c ---- */

/* Free a handler and all it owns (the request stays the server's). Run
 * once it is finished: by execute() when its method returns, or by
 * web_finish() when it finishes later (h->in_execute is 0 then). */
void handler_free(struct web_handler *h);

#endif
