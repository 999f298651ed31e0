/* httpclient_request.h - a fetch's request: checked as the caller gave
 * it (httpclient_fetch's EINVAL), and its head and body as they go on the
 * wire. Private to httpclient.c.
 *
 *     if (!httpclient_request_check(q)) ... EINVAL ...
 *     extra = httpclient_request_header_lines(q->headers);  // "A: b\r\n..."
 *     httpclient_request_format(&out, &(struct httpclient_wire){...});
 */
#ifndef CH05_HTTPCLIENT_REQUEST_H
#define CH05_HTTPCLIENT_REQUEST_H

#include "httpclient.h"

#include "buffer.h"

#include <stddef.h>

/* One hop's request, as it is sent. */
struct httpclient_wire {
    const char *method, *target, *authority;
    int close;         /* send Connection: close (no pool) */
    const char *extra; /* the caller's header lines, each with its CRLF */
    const void *body;
    size_t body_len;
};

/* Whether q is a request at all: a URL, a method that is a token, header
 * lines "Name: value" without CR or LF (no header injection). */
int httpclient_request_check(const struct httpclient_request *q);

/* The header lines joined, each ended by CRLF ("" for none): a new
 * string, or NULL (ENOMEM). */
char *httpclient_request_header_lines(const char *const *lines);

/* Append the request line, Host, Connection, Content-Length, the extra
 * lines, the empty line and the body to out. 0, or -1 (ENOMEM). */
int httpclient_request_format(struct buffer *out,
                              const struct httpclient_wire *w);

#endif
