/* httpserver.c - the HTTP server: a TCPServer whose every new stream
 * becomes an HTTP/1.1 connection, made with the server's parameters.
 * Tornado: httpserver.HTTPServer, whose handle_stream makes an
 * HTTP1ServerConnection with its HTTP1ConnectionParameters. */
#include "httpserver.h"

#include "http1connection.h"
#include "tcpserver.h"

#include <errno.h>
#include <stdlib.h>

struct httpserver {
    struct tcpserver *tcp;
    struct http1_params params; /* for every connection */
    struct http1_pool pool;     /* the connections, and spare exchanges */
};

void httpserver_handle_stream(struct httpserver *srv, struct iostream *stream,
                              const char *peer)
{
    http1_connection_start(stream, &srv->params, peer);
}

static void httpserver_on_stream(struct tcpserver *tcp, struct iostream *s,
                                 const char *peer, void *arg)
{
    (void)tcp;
    httpserver_handle_stream(arg, s, peer);
}

/* The options, defaults filled in, as the connections' parameters. */
static void httpserver_set_params(struct httpserver *srv,
                                  const struct httpserver_options *o)
{
    struct http1_params *p = &srv->params;

    p->max_body_size = o->max_body_size ? o->max_body_size
                                        : HTTPSERVER_DEFAULT_MAX_BODY_SIZE;
    p->max_header_size = o->max_header_size
                             ? o->max_header_size
                             : HTTPSERVER_DEFAULT_MAX_HEADER_SIZE;
    p->idle_timeout = o->idle_timeout ? o->idle_timeout
                                      : HTTPSERVER_DEFAULT_TIMEOUT;
    p->body_timeout = o->body_timeout ? o->body_timeout
                                      : HTTPSERVER_DEFAULT_TIMEOUT;
    p->xheaders = o->xheaders;
    p->stream_body = o->stream_body;
}

struct httpserver *httpserver_new(struct ioloop *loop,
                                  const struct httpserver_options *options,
                                  httpserver_request_fn *on_request, void *arg)
{
    static const struct httpserver_options defaults;
    struct httpserver *srv;

    if (!on_request) {
        errno = EINVAL;
        return NULL;
    }
    if (!(srv = calloc(1, sizeof *srv)))
        return NULL;
    httpserver_set_params(srv, options ? options : &defaults);
    srv->params.loop = loop;
    srv->params.on_request = on_request;
    srv->params.arg = arg;
    srv->params.pool = &srv->pool;
    if (!(srv->tcp = tcpserver_new(loop, httpserver_on_stream, srv))) {
        free(srv);
        return NULL;
    }
    return srv;
}

void httpserver_free(struct httpserver *srv)
{
    if (!srv)
        return;
    tcpserver_free(srv->tcp);
    http1_connection_close_all(&srv->pool);
    free(srv);
}

int httpserver_listen(struct httpserver *srv, const char *host, int port)
{
    return tcpserver_listen(srv->tcp, host, port);
}

int httpserver_add_sockets(struct httpserver *srv, const int *fds, int n)
{
    return tcpserver_add_sockets(srv->tcp, fds, n);
}

int httpserver_port(const struct httpserver *srv)
{
    return tcpserver_port(srv->tcp);
}
