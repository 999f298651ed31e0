/* httpclient_request.c - a request checked as the caller gave it, and
 * written as it goes on the wire (RFC 9112 section 3). Tornado:
 * HTTPRequest's checks and _HTTPConnection's header lines. */
#include "httpclient_request.h"

#include <stdlib.h>
#include <string.h>

/* A header line the caller gave: "Name: value", no CR or LF. */
static int header_line_ok(const char *line)
{
    const char *colon = strchr(line, ':');

    return colon && colon > line && !strpbrk(line, "\r\n") &&
           strcspn(line, " \t") > (size_t)(colon - line);
}

static int method_ok(const char *m)
{
    if (!*m)
        return 0;
    for (; *m; m++)
        if (*m <= ' ' || *m >= 0x7F || strchr("()<>@,;:\\\"/[]?={}", *m))
            return 0;
    return 1;
}

char *httpclient_request_header_lines(const char *const *lines)
{
    struct buffer b;
    char *text;

    buffer_init(&b);
    for (; lines && *lines; lines++)
        if (buffer_printf(&b, "%s\r\n", *lines) < 0)
            goto fail;
    if (buffer_append(&b, "", 1) < 0 || !(text = strdup(buffer_data(&b))))
        goto fail;
    buffer_free(&b);
    return text;
fail:
    buffer_free(&b);
    return NULL;
}

int httpclient_request_check(const struct httpclient_request *q)
{
    if (!q || !q->url || (q->method && !method_ok(q->method)))
        return 0;
    for (const char *const *h = q->headers; h && *h; h++)
        if (!header_line_ok(*h))
            return 0;
    return 1;
}

/* The request's head and body, as they go on the wire. */
int httpclient_request_format(struct buffer *out,
                              const struct httpclient_wire *w)
{
    /* A POST, PUT or PATCH says its length even when it is 0: a server
     * may otherwise wait for a body (or answer 411). */
    int has_body = w->body_len > 0 || strcmp(w->method, "POST") == 0 ||
                   strcmp(w->method, "PUT") == 0 ||
                   strcmp(w->method, "PATCH") == 0;

    if (buffer_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", w->method,
                      w->target, w->authority) < 0 ||
        (w->close && buffer_printf(out, "Connection: close\r\n") < 0) ||
        (has_body &&
         buffer_printf(out, "Content-Length: %zu\r\n", w->body_len) < 0) ||
        buffer_printf(out, "%s\r\n", w->extra) < 0 ||
        (w->body_len && buffer_append(out, w->body, w->body_len) < 0))
        return -1;
    return 0;
}
