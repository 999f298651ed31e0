/* httprequest.h - one HTTP request, as a handler reads it: method, target,
 * headers, body, the client's address. Tornado: httputil.HTTPServerRequest.
 *
 * The connection (http1connection.c) fills one from each head it reads;
 * the handler reads it and answers it with httpresponse.h's calls.
 */
#ifndef CH04_HTTPREQUEST_H
#define CH04_HTTPREQUEST_H

#include "buffer.h"
#include "http_parse.h"

#include <netinet/in.h>
#include <stddef.h>

struct http_response;

/* One request, complete with its body. Read-only for the handler, except
 * data. */
struct http_request {
    const char *method; /* "GET", NUL-terminated like every string here */
    const char *uri;    /* the target as sent: "/path?a=1" */
    const char *path;   /* "/path" */
    const char *query;  /* "a=1", or "" */
    int version;        /* 10 for HTTP/1.0, 11 for HTTP/1.1 */
    /* The parsed head (common/http_parse.h): the headers, in order, with
     * each name and value NUL-terminated here; content_length, chunked,
     * keep_alive. Use http_request_header() or http_find_header(). */
    struct http_request_head head;
    struct buffer body;               /* the whole body, possibly empty */
    char remote_ip[INET6_ADDRSTRLEN]; /* the peer, or what xheaders say */
    const char *protocol;             /* "http", or "https" (xheaders) */
    void *data; /* NULL on delivery; free for the layers above */

    /* Private. */
    struct http_response *response; /* its answer (httpresponse.h) */
    char *text;      /* our copy of the head, then the path: the strings */
    size_t text_cap;
};

/* The value of the first header named name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *req,
                                const char *name);

/* ---- for the connection ---- */

/* Copy a head (len bytes, up to its blank line) into req and parse it
 * there, filling the fields above from it; remote_ip is peer_ip, and with
 * xheaders what a proxy's X-Real-Ip / X-Forwarded-For / X-Scheme /
 * X-Forwarded-Proto say (Tornado: xheaders=True). 0, or the status to
 * answer with: 400, 431, 501, 505; 500 when memory runs out. */
int http_request_parse(struct http_request *req, const char *head,
                       size_t len, size_t max_header_size,
                       const char *peer_ip, int xheaders);

/* Drop what a finished request holds past a small one's needs (a big
 * head's copy, a body), keeping the rest for the next request. */
void http_request_trim(struct http_request *req);

/* Free what req holds (not req itself). */
void http_request_free(struct http_request *req);

#endif
