/* httpserver.h - an HTTP/1.1 server on TCPServer and IOStream: requests in,
 * responses out. Tornado's tornado.httpserver.HTTPServer, with
 * http1connection.HTTP1Connection (the protocol on one connection) and
 * httputil.HTTPServerRequest (the request) underneath.
 *
 *     static void on_request(struct http_request *req, void *arg)
 *     {
 *         if (strcmp(req->path, "/echo") == 0) {          // the whole body
 *             http_response_start(req, 200,       // has arrived
 *                 "Content-Type: application/octet-stream\r\n");
 *             http_response_write(req, buffer_data(&req->body),
 *                                buffer_len(&req->body));
 *         } else {
 *             http_response_start(req, 200,
 *                                         "Content-Type: text/plain\r\n");
 *             http_response_write(req, "Hello, world\n", 13);
 *         }
 *         http_response_finish(req);   // now, or later (from a timer...)
 *     }
 *
 *     struct httpserver_options options = {.idle_timeout = 60};
 *     struct httpserver *srv =
 *         httpserver_new(loop, &options, on_request, NULL);
 *     if (httpserver_listen(srv, "127.0.0.1", 8888) < 0) die("listen");
 *     ioloop_start(loop);
 *     httpserver_free(srv);
 *
 * Who owns what:
 *   - The server owns every connection and every request object; the
 *     handler borrows a request from on_request until it calls
 *     http_response_finish(), which it must do exactly once, now or later.
 *   - Until then the request and every pointer in it stay valid, even if
 *     the client has gone: writes and flushes then fail (-1, EPIPE) and do
 *     nothing, and finish releases the request. After finish, the request
 *     must not be touched: the connection reuses it for its next request.
 *   - Strings passed in (extra headers, data) are copied before the call
 *     returns.
 *
 * The protocol, as Tornado speaks it: keep-alive by default in HTTP/1.1
 * and on request in HTTP/1.0; pipelined requests answered strictly in
 * order (the next head is read only once the current response is
 * finished, and sent if 64 KiB or more waits; the answers to requests
 * that arrived together leave together, in one send()); bodies by
 * Content-Length or chunked; the limits
 * (413, 431) answered before the body is read; "Expect: 100-continue";
 * timeouts for an idle connection and for a slow body. A response
 * finished without a flush gets a Content-Length and leaves in one send();
 * a flush first switches to chunked (HTTP/1.1) or to a body ended by the
 * close (HTTP/1.0), unless the handler said the length beforehand
 * (http_response_set_content_length: a file's size). Errors (400, 413, 431, 501, 505) are answered with
 * "Connection: close", and the rest of the request is read and dropped
 * before the close, so that a reset cannot destroy the answer.
 *
 * A head ends at its blank line, in CRLFs or bare LFs (RFC 9112 section
 * 2.2). One over max_header_size gets its 431 as soon as the bytes show
 * it, whether its end has come or not: a client that never sends the
 * blank line is answered too, and costs at most max_header_size plus one
 * read (Tornado closes such a stream unanswered). The rest of it is read
 * and dropped like any refused request's.
 *
 * Callbacks carry a status and a void *arg, so that chapter 5 can resolve
 * a Future from them without changing this module.
 */
#ifndef CH04_HTTPSERVER_H
#define CH04_HTTPSERVER_H

#include "iostream.h"

#include "buffer.h"
#include "http_parse.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPSERVER_DEFAULT_MAX_BODY_SIZE (100 * 1024 * 1024) /* Tornado's */
#define HTTPSERVER_DEFAULT_MAX_HEADER_SIZE HTTP_MAX_HEAD_SIZE  /* 64 KiB */
#define HTTPSERVER_DEFAULT_TIMEOUT 3600.0                       /* seconds */

/* A field left 0 takes its default. Tornado: HTTPServer's keyword
 * arguments of the same names. */
struct httpserver_options {
    size_t max_body_size;   /* larger: 413, before the body is read */
    size_t max_header_size; /* a larger head: 431 */
    /* Seconds a connection may wait for a head: from the connection's
     * start, and after each response is finished until the next head has
     * arrived whole (Tornado: idle_connection_timeout). Negative: none. */
    double idle_timeout;
    /* Seconds a body may take to arrive, once its head has (Tornado:
     * body_timeout, which defaults to none; ours to an hour). Negative:
     * none. */
    double body_timeout;
    /* Trust X-Real-Ip / X-Forwarded-For for remote_ip and X-Scheme /
     * X-Forwarded-Proto for protocol: only behind a proxy that sets them
     * (Tornado: xheaders). */
    int xheaders;
};

struct httpserver;
struct http1_connection;

/* One request, complete with its body. Read-only for the handler, except
 * data. Tornado: httputil.HTTPServerRequest. */
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
    struct buffer body;                 /* the whole body, possibly empty */
    char remote_ip[INET6_ADDRSTRLEN];   /* the peer, or what xheaders say */
    const char *protocol;               /* "http", or "https" (xheaders) */
    void *data; /* NULL on delivery; free for the layers above */
    struct http1_connection *connection; /* private */
};

/* A complete request has arrived: answer it with the calls below, and
 * finish it, now or later. */
typedef void httpserver_request_fn(struct http_request *req, void *arg);

/* A flush has reached the kernel (status 0), or the connection failed
 * first (-1 with errno). */
typedef void http_response_done_fn(struct http_request *req, int status,
                                  void *arg);

/* The connection closed before the handler finished the request
 * (Tornado: RequestHandler.on_connection_close). The request stays valid;
 * the handler must still finish it, from here or later. */
typedef void http_response_close_fn(struct http_request *req, void *arg);

/* A server on loop. options may be NULL (all defaults); it is copied.
 * NULL with errno on failure. */
struct httpserver *httpserver_new(struct ioloop *loop,
                                  const struct httpserver_options *options,
                                  httpserver_request_fn *on_request,
                                  void *arg);

/* Stop listening and close every connection at once. A request that a
 * handler still holds gets its close callback (from inside this call) and
 * stays valid until the handler finishes it. Free the server before the
 * loop. */
void httpserver_free(struct httpserver *srv);

/* As tcpserver_listen / tcpserver_add_sockets / tcpserver_port
 * (Tornado: HTTPServer inherits them from TCPServer). */
int httpserver_listen(struct httpserver *srv, const char *host, int port);
int httpserver_add_sockets(struct httpserver *srv, const int *fds, int n);
int httpserver_port(const struct httpserver *srv);

/* The value of the first header named name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *req,
                                const char *name);

/* Begin the response: status (100-999) and extra header lines, each ending
 * in "\r\n" (may be NULL). The server adds Date, the framing
 * (Content-Length or Transfer-Encoding) and Connection itself: extra
 * headers must not contain those. Called again: EINVAL. Writing or
 * finishing without it starts a 200. Tornado: write_headers(). */
int http_response_start(struct http_request *req, int status,
                                const char *extra_headers);

/* Add len bytes to the body (copied). They are held until flush or finish.
 * A HEAD request, a 1xx, 204 or 304 sends no body: the bytes are only
 * counted (HEAD gets the Content-Length a GET would). Tornado: write(). */
int http_response_write(struct http_request *req, const void *data,
                       size_t len);

/* Send what has been written so far, headers first; callback (may be
 * NULL) runs once it has reached the kernel, or failed. The first flush
 * fixes the framing: chunked in HTTP/1.1, read-until-close in HTTP/1.0,
 * unless the length was set. EBUSY if a flush callback is still pending
 * (a flush without one leaves it pending); EPIPE once the connection is
 * gone (the callback then never runs). Tornado: flush(). */
int http_response_flush(struct http_request *req,
                       http_response_done_fn *callback, void *arg);

/* The body will be exactly length bytes (Tornado: a handler's own
 * Content-Length header, as StaticFileHandler sets it). The head then
 * says "Content-Length: length" even if the body is flushed in pieces:
 * no chunks, no close to end it, keep-alive as usual; a HEAD gets the
 * same header and no body. Writing past length is EMSGSIZE (nothing is
 * added); finishing short of it sends what there is and closes the
 * connection (finish is then -1 with EMSGSIZE), since the client would
 * wait for the rest. Call before the first flush (EBUSY after it);
 * EMSGSIZE if more than length is written already. */
int http_response_set_content_length(struct http_request *req,
                                    uint64_t length);

/* End the response: send what is left (with its Content-Length if nothing
 * was flushed), then read the next request or close. Releases req in every
 * case, even when the connection is gone (then -1, EPIPE). A flush
 * callback still pending never runs. Tornado: finish(). */
int http_response_finish(struct http_request *req);

/* Call fn if the connection closes before the request is finished
 * (NULL: no longer). Set after the close, it is never called: check
 * http_response_closed(). */
void http_response_set_close_callback(struct http_request *req,
                                     http_response_close_fn *fn, void *arg);

/* Whether the connection is gone (writes are being dropped). */
int http_response_closed(const struct http_request *req);

#endif
