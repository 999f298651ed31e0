/* web_response.c - what a RequestHandler answers: status, headers,
 * cookies, the body, flushing, and the last bytes of finishing (Tornado:
 * set_status, set_header, write, flush, the sending part of finish). A
 * leaf of the web layer: it calls down to the server's http_response_*
 * and never up into web.c, which owns the handler's life (made, run,
 * finished, freed) and what it reads. */
#include "web_private.h"

#include "buffer.h"
#include "httputil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    return httputil_pairs_add(&h->headers, strdup(name), strdup(value));
}

int web_set_header(struct web_handler *h, const char *name, const char *value)
{
    if (header_settable(h, name, value) < 0)
        return -1;
    httputil_pairs_remove(&h->headers, name);
    return httputil_pairs_add(&h->headers, strdup(name), strdup(value));
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
    /* http_response_write() makes this check only on the bytes it has
     * been given, and this layer holds them until a flush, while the
     * status and headers may still change. Checked here, the write that
     * goes too far is the one that fails, with nothing added. */
    if (h->content_length >= 0 &&
        !http_response_length_fits((uint64_t)h->content_length, h->written,
                                   len)) {
        errno = EMSGSIZE;
        return -1;
    }
    if (buffer_append(&h->body, data, len) < 0)
        return -1;
    h->written += len;
    return 0;
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

/* A response without a body describes no representation: Tornado's
 * finish() drops these headers for 1xx, 204 and 304
 * (_clear_representation_headers). */
static void drop_representation_headers(struct web_handler *h)
{
    if (h->status < 200 || h->status == 204 || h->status == 304) {
        httputil_pairs_remove(&h->headers, "Content-Type");
        httputil_pairs_remove(&h->headers, "Content-Encoding");
        httputil_pairs_remove(&h->headers, "Content-Language");
    }
}

/* Send the status line and headers (once), then the body written so far. */
static int send_pending(struct web_handler *h)
{
    int rc = 0;

    if (!h->headers_sent) {
        struct buffer lines;
        drop_representation_headers(h);
        if (h->content_length >= 0 &&
            http_response_set_content_length(h->req,
                                            (uint64_t)h->content_length) < 0)
            return -1;
        buffer_init(&lines);
        /* Appends, not buffer_printf(): parsing "%s: %s\r\n" twice per
         * header (to size it, then to write it) was a fifth of the
         * server's own CPU time for a hello-world response. */
        for (size_t i = 0; i < h->headers.n && rc == 0; i++) {
            const struct httputil_pair *p = &h->headers.v[i];
            if (buffer_append(&lines, p->name, strlen(p->name)) < 0 ||
                buffer_append(&lines, ": ", 2) < 0 ||
                buffer_append(&lines, p->value, strlen(p->value)) < 0 ||
                buffer_append(&lines, "\r\n", 2) < 0)
                rc = -1;
        }
        if (rc == 0)
            rc = buffer_append(&lines, "", 1);
        if (rc == 0)
            rc = http_response_start(h->req, h->status,
                                             buffer_data(&lines));
        buffer_free(&lines);
        h->headers_sent = 1;
    }
    if (rc == 0 && buffer_len(&h->body))
        rc = http_response_write(h->req, buffer_data(&h->body),
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
    return http_response_flush(h->req, NULL, NULL);
}

static void on_flushed(struct http_request *req, int status, void *arg)
{
    struct web_handler *h = arg;
    web_flush_fn *done = h->flushed;

    (void)req;
    h->flushed = NULL; /* done may flush again */
    done(h, status);
}

int web_flush_then(struct web_handler *h, web_flush_fn *done)
{
    if (!done)
        return web_flush(h);
    if (h->finished || h->flushed) {
        errno = EBUSY;
        return -1;
    }
    if (send_pending(h) < 0 ||
        http_response_flush(h->req, on_flushed, h) < 0)
        return -1;
    h->flushed = done;
    return 0;
}

int web_set_content_length(struct web_handler *h, uint64_t length)
{
    if (h->headers_sent || h->finished) {
        errno = EBUSY;
        return -1;
    }
    if (length > INT64_MAX || length < h->written) {
        errno = length > INT64_MAX ? EINVAL : EMSGSIZE;
        return -1;
    }
    /* Kept here, and given to the server with the headers (send_pending):
     * a web_send_error() before then forgets it, which the server's own
     * length, once set, could not. */
    h->content_length = (int64_t)length;
    return 0;
}

/* The response is ended whatever happened before (that is what releases
 * the request); the first failure is the one reported. */
int web_response_finish(struct web_handler *h)
{
    int rc = send_pending(h);
    int saved = errno;

    if (http_response_finish(h->req) < 0 && rc == 0)
        return -1;
    errno = saved;
    return rc;
}
