/* http1connection.h - private to httpserver.c, httprequest.c and
 * http1connection.c: the server's state and one connection's. Applications
 * include httpserver.h.
 *
 * http1connection.c reads: heads, bodies, timeouts, the connection's life
 * and death. httprequest.c makes a request's fields from its head, in an
 * exchange from the server's spares. httpserver.c holds the server around
 * the connections and writes the response a handler builds. Tornado keeps
 * reading and writing together in http1connection.HTTP1Connection.
 */
#ifndef CH04_HTTP1CONNECTION_H
#define CH04_HTTP1CONNECTION_H

#include "httpserver.h"
#include "tcpserver.h"

#include <stdint.h>

struct httpserver {
    struct ioloop *loop;
    struct tcpserver *tcp;
    struct httpserver_options options; /* defaults filled in */
    httpserver_request_fn *on_request;
    void *arg;
    struct http1_connection *conns; /* every connection not yet freed */
    struct http1_exchange *spares;  /* finished exchanges, for new heads */
    size_t nspares;
};

enum http1_state {
    HTTP1_HEAD,    /* waiting for a head; the idle deadline runs */
    HTTP1_BODY,    /* reading its body; the body deadline runs */
    HTTP1_HANDLER, /* the handler holds the request; no deadline */
    HTTP1_DRAIN,   /* finished, the response still being sent; then a head */
    HTTP1_CLOSING, /* the last response being sent; then close */
    HTTP1_LINGER,  /* an error answered: read and drop input until EOF */
};

/* One request and its response: what a connection needs only while a
 * request is read, handled and answered. A connection takes one when a
 * head arrives and gives it back when the response is finished, to the
 * server's spares, where the next head on any connection finds it with
 * its buffers: an idle keep-alive connection holds none of it (the
 * request alone, with its parsed head's 100 header slots, is 3.4 KB),
 * and a busy one still costs no malloc per request. */
struct http1_exchange {
    struct http_request req;     /* first: the request is the exchange */
    struct http1_exchange *next; /* among the server's spares */

    /* Reading. */
    char *text;             /* the request's copy of its head, + its path */
    size_t text_cap;
    uint64_t body_left;     /* bytes of the body, or of the chunk, to come */
    size_t trailer_bytes;   /* chunked: trailer lines so far */

    /* Writing: what httpserver.c builds for the current response. */
    unsigned started : 1;      /* start_response has run */
    unsigned headers_sent : 1; /* the head (and its framing) has been sent */
    unsigned chunked : 1;      /* the body goes out in chunks */
    unsigned head_only : 1;    /* a HEAD request: no body bytes */
    unsigned no_body : 1;      /* 1xx, 204, 304: no body, no framing */
    unsigned keep_alive : 1;   /* read the next request after this one */
    unsigned fixed_length : 1; /* the handler gave the length: no chunks */
    unsigned flush_waits : 1;  /* finished with a flush callback due */
    uint64_t body_count;       /* body bytes written in all */
    uint64_t content_length;   /* if fixed_length: what body_count will be */
    struct buffer out;         /* the head, then bytes ready to send */
    struct buffer body_out;    /* body bytes written since the last flush */
    http_response_done_fn *flush_fn;
    void *flush_arg;
    http_response_close_fn *close_fn;
    void *close_arg;
};

/* One connection: what it holds for its whole life, idle or not. */
struct http1_connection {
    struct httpserver *srv;  /* NULL once the server is freed */
    struct ioloop *loop;
    struct iostream *stream; /* NULL once closed (the close callback ran) */
    struct http1_connection *prev, *next;
    struct http1_exchange *x; /* from its head to its finish, else NULL */
    enum http1_state state;
    unsigned held : 1;       /* the handler holds x's request: no finish yet */
    size_t linger_left;      /* HTTP1_LINGER: bytes we still drop */

    /* One lazy timer for every deadline: moving a deadline later (every
     * keep-alive request) costs no heap operation; the timer, when it
     * fires early, re-arms itself at the deadline. */
    double deadline;        /* 0: none */
    ioloop_timeout timer;   /* 0: none */
    double timer_at;
    char peer_ip[INET6_ADDRSTRLEN];
};

/* ---- http1connection.c ---- */

/* Serve a new connection: the connection owns stream from now on. peer is
 * tcpserver's "ip:port". */
void http1_connection_start(struct httpserver *srv, struct iostream *stream,
                            const char *peer);

/* The handler finished and the response is queued: once it is sent, read
 * the next request, or close. */
void http1_connection_finished(struct http1_connection *c);

/* Release a connection whose stream is gone and whose request is not held. */
void http1_connection_free(struct http1_connection *c);

/* At httpserver_free: close every connection at once (no stream callback
 * runs). Those whose request a handler holds get its close callback and
 * live on, detached, until finished. */
void http1_connection_close_all(struct httpserver *srv);

/* ---- httprequest.c ---- */

/* Copy a head into the connection's exchange (taken now if it has none)
 * and parse it there, filling the request's fields: 0, or the status to
 * answer with (400, 431, 501, 505; 500 when memory runs out). */
int http1_parse_request(struct http1_connection *c, const char *data,
                        size_t len);

/* Give the connection's exchange (if any) back: to the server's spares,
 * or to free() when there is no server or enough spares. */
void http1_exchange_give(struct http1_connection *c);

/* At httpserver_free: free the spares. */
void http1_exchange_free_spares(struct httpserver *srv);

/* ---- httpserver.c ---- */

/* Append "HTTP/1.1 STATUS Reason\r\n" and the Date line (cached for the
 * second) to b. 0, or -1 (ENOMEM). */
int http1_put_status(struct buffer *b, int status);

/* A new request is about to be delivered: reset the response state. */
void http1_response_reset(struct http1_connection *c);

#endif
