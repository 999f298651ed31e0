/* httpserver.h - an HTTP/1.1 server on TCPServer and IOStream: requests in,
 * responses out. Tornado's tornado.httpserver.HTTPServer. Underneath, one
 * layer per file, each calling only the ones below it:
 *   http1connection.h  one connection's cycle (HTTP1ServerConnection)
 *   httpresponse.h     the answer a handler writes (HTTP1Connection.write)
 *   httprequest.h      the request it reads (httputil.HTTPServerRequest)
 * This header includes the last two: it is all an application needs.
 *
 *     static void on_request(struct http_request *req, void *arg)
 *     {
 *         if (strcmp(req->path, "/echo") == 0) { // the whole body is in
 *             http_response_start(req, 200,
 *                 "Content-Type: application/octet-stream\r\n");
 *             http_response_write(req, buffer_data(&req->body),
 *                                 buffer_len(&req->body));
 *         } else {
 *             http_response_start(req, 200, "Content-Type: text/plain\r\n");
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
 * (http_response_set_content_length: a file's size). Errors (400, 413,
 * 431, 501, 505) are answered with "Connection: close", and the rest of
 * the request is read and dropped before the close, so that a reset
 * cannot destroy the answer.
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

#include "httprequest.h"
#include "httpresponse.h"
#include "ioloop.h"
#include "iostream.h"

#include "http_parse.h"

#include <stddef.h>

#define HTTPSERVER_DEFAULT_MAX_BODY_SIZE (100 * 1024 * 1024) /* Tornado's */
#define HTTPSERVER_DEFAULT_MAX_HEADER_SIZE HTTP_MAX_HEAD_SIZE  /* 64 KiB */
#define HTTPSERVER_DEFAULT_TIMEOUT 3600.0                       /* seconds */

/* A field left 0 takes its default. Tornado: HTTPServer's keyword
 * arguments of the same names. */
/* For a request with a body, once its head has come: 1 if its handler
 * reads the body itself (see stream_body below), else 0. */
typedef int httpserver_stream_fn(const struct http_request *req, void *arg);

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
    /* Which requests' handlers read their bodies as they arrive, a piece
     * at a time (http_request_read_body), rather than whole before they
     * run; called with on_request's arg. Such a request is delivered once
     * its head has come (Tornado: a @stream_request_body handler's
     * prepare() runs then). NULL: none. web_application_stream_body asks
     * the route's class. */
    httpserver_stream_fn *stream_body;
};

struct httpserver;

/* A complete request has arrived: answer it with httpresponse.h's calls,
 * and finish it, now or later. */
typedef void httpserver_request_fn(struct http_request *req, void *arg);

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

/* Serve one connection that came another way than a listening socket
 * (a socketpair, in tests): the server owns stream from now on. peer is
 * "ip:port". Tornado: HTTPServer.handle_stream. */
void httpserver_handle_stream(struct httpserver *srv, struct iostream *stream,
                              const char *peer);

#endif
