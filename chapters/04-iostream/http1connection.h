/* http1connection.h - HTTP/1.1 on one connection: it reads each request
 * (head, body), hands it to the server's callback, and, once the handler
 * has finished it, reads the next or closes. Tornado:
 * http1connection.HTTP1ServerConnection with HTTP1Connection.
 *
 * It owns reading and writing on its stream, and calls only down: the
 * stream, the request (httprequest.h) and the response (httpresponse.h).
 * What it needs of its server comes in the parameters (Tornado:
 * HTTP1ConnectionParameters): the limits, the timeouts, the callback, and
 * the server's pool of connections and spare exchanges.
 */
#ifndef CH04_HTTP1CONNECTION_H
#define CH04_HTTP1CONNECTION_H

#include "httprequest.h"
#include "httpresponse.h"
#include "ioloop.h"
#include "iostream.h"

#include <stddef.h>

struct http1_connection;
struct http1_exchange;

/* A complete request has arrived: answer it (httpresponse.h) and finish
 * it, now or later. */
typedef void http1_request_fn(struct http_request *req, void *arg);

/* A head with a body has come: 1 if its handler reads the body itself,
 * as it arrives (the request is then delivered at once, its body to be
 * read with http_request_read_body), 0 to have it read whole first. */
typedef int http1_stream_fn(const struct http_request *req, void *arg);

/* What the server keeps for its connections: every one not yet freed
 * (to close them all at the end), and finished exchanges kept for the
 * next head on any connection. Zeroed: empty. */
struct http1_pool {
    struct http1_connection *conns;
    struct http1_exchange *spares;
    size_t nspares;
};

struct http1_params {
    struct ioloop *loop;
    size_t max_body_size;   /* larger: 413, before the body is read */
    size_t max_header_size; /* a larger head: 431 */
    double idle_timeout;    /* seconds to wait for a head; <= 0: none */
    double body_timeout;    /* seconds for a body to arrive; <= 0: none */
    int xheaders;           /* trust a proxy's X-Real-Ip and X-Scheme */
    http1_request_fn *on_request;
    http1_stream_fn *stream_body; /* NULL: every body is read whole */
    void *arg;                    /* both callbacks' */
    struct http1_pool *pool;
};

/* Serve a new connection: it owns stream from now on, and lives until its
 * stream closes and its last request is finished. peer is tcpserver's
 * "ip:port". params must outlive the connection or the pool's close. */
void http1_connection_start(struct iostream *stream,
                            const struct http1_params *params,
                            const char *peer);

/* Close every connection of pool at once (no stream callback runs) and
 * free its spares. Those whose request a handler holds get its close
 * callback and live on, detached from the pool, until finished. */
void http1_connection_close_all(struct http1_pool *pool);

#endif
