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
struct http_request;

/* A streamed body's read has ended: 0, a piece is appended to req->body;
 * or an errno (see http_request_read_body). */
typedef void http_request_body_fn(struct http_request *req, int status,
                                  void *arg);

/* One request, with its body (whole, unless its server streams it: see
 * http_request_read_body). Read-only for the handler, except data and
 * body, which it may empty. */
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
    struct buffer body; /* the whole body (possibly empty), or, streamed,
                         * what has come of it and not been taken */
    int body_streamed;  /* delivered at its head, its body still to read */
    char remote_ip[INET6_ADDRSTRLEN]; /* the peer, or what xheaders say */
    const char *protocol;             /* "http", or "https" (xheaders) */
    void *data; /* NULL on delivery; free for the layers above */

    /* Private. */
    struct http_response *response; /* its answer (httpresponse.h) */
    int (*read_more)(void *conn);   /* a streamed body's reader, or NULL */
    void *conn;
    http_request_body_fn *body_fn;  /* the read waiting on it */
    void *body_arg;
    char *text;      /* our copy of the head, then the path: the strings */
    size_t text_cap;
};

/* The value of the first header named name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *req,
                                const char *name);

/* A request whose server streams its body (httpserver_options'
 * stream_body said so; req->body_streamed) is delivered once its head
 * has come. Read the body then a piece at a time, each at most 64 KiB,
 * as it arrives: fn(req, 0, arg) once the next piece is appended to
 * req->body (take it from there: the body is not kept for you), or
 * fn(req, error, arg): EBADMSG (a malformed chunk: answer 400),
 * EMSGSIZE (past the server's max_body_size: 413), ENOMEM, ECONNRESET
 * (the client went; the close callback follows), ECANCELED (the request
 * was finished with this read pending: fn runs inside that finish).
 * Reading nothing is fine: a request finished before its body has all
 * come closes its connection once the answer is out (the rest of the
 * body cannot be told from the next request).
 * The first read sends "100 Continue" to a client that waits for it, so
 * a handler that refuses a request unread never invites the body.
 * 0, or -1 with errno: ENODATA once the body has all been read (at once,
 * without a callback: for a request delivered whole, always), EBUSY with
 * a read pending, the earlier error after one, EPIPE once the client has
 * gone. Tornado: @stream_request_body's data_received, pulled rather
 * than pushed. */
int http_request_read_body(struct http_request *req,
                           http_request_body_fn *fn, void *arg);

/* ---- for the connection ---- */

/* Copy a head (len bytes, up to its blank line) into req and parse it
 * there, filling the fields above from it; remote_ip is peer_ip, and with
 * xheaders what a proxy's X-Real-Ip / X-Forwarded-For / X-Scheme /
 * X-Forwarded-Proto say (Tornado: xheaders=True). 0, or the status to
 * answer with: 400, 431, 501, 505; 500 when memory runs out. */
int http_request_parse(struct http_request *req, const char *head,
                       size_t len, size_t max_header_size,
                       const char *peer_ip, int xheaders);

/* Stream req's body: read_more(conn) starts or resumes its reader (0,
 * or -1 with errno); NULL once the body has all been read. */
void http_request_stream_body(struct http_request *req,
                              int (*read_more)(void *conn), void *conn);

/* The read waiting on the body has ended with status (0, or an errno):
 * call its callback. */
void http_request_body_read(struct http_request *req, int status);

/* Drop what a finished request holds past a small one's needs (a big
 * head's copy, a body), keeping the rest for the next request. */
void http_request_trim(struct http_request *req);

/* Free what req holds (not req itself). */
void http_request_free(struct http_request *req);

#endif
