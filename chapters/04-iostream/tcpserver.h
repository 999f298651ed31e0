/* tcpserver.h - accept connections and hand each one over as an IOStream.
 * Tornado's tornado.tcpserver.TCPServer, with netutil.bind_sockets and
 * netutil.add_accept_handler underneath.
 *
 *     static void on_stream(struct tcpserver *srv, struct iostream *s,
 *                           const char *peer, void *arg)
 *     {
 *         ... s is yours: set its close callback, start reading ...
 *     }
 *
 *     struct tcpserver *srv = tcpserver_new(loop, on_stream, NULL);
 *     if (tcpserver_listen(srv, "127.0.0.1", 8888) < 0) die("listen");
 *     ioloop_start(loop);
 *
 * listen() is bind_sockets() then add_sockets(). Chapter 6 calls the two
 * halves apart: bind in the parent, fork, then add the same sockets to each
 * child's loop, so that every worker accepts on one port.
 */
#ifndef CH04_TCPSERVER_H
#define CH04_TCPSERVER_H

#include "iostream.h"

#define TCPSERVER_MAX_SOCKETS 8

struct tcpserver;

/* A new connection, already wrapped: the callee owns stream. peer is
 * "ip:port", valid during the call. */
typedef void tcpserver_stream_fn(struct tcpserver *srv, struct iostream *stream,
                                 const char *peer, void *arg);

struct tcpserver *tcpserver_new(struct ioloop *loop,
                                tcpserver_stream_fn *handle_stream, void *arg);

/* Stop accepting and close the listening sockets. Streams already handed
 * out are their owners' business. */
void tcpserver_free(struct tcpserver *srv);

/* Create non-blocking, close-on-exec listening sockets for host:port, one
 * per address host resolves to (at most max), with SO_REUSEADDR. port 0
 * picks a free port (the same one for every address). Returns how many, or
 * -1 with errno. Tornado: netutil.bind_sockets(). */
int tcpserver_bind_sockets(const char *host, int port, int backlog, int *fds,
                           int max);

/* Start accepting on sockets made by bind_sockets; the server owns them
 * from now on. 0 or -1 with errno (then none was taken: they are still
 * the caller's). Tornado: TCPServer.add_sockets(). */
int tcpserver_add_sockets(struct tcpserver *srv, const int *fds, int n);

/* bind_sockets + add_sockets. Tornado: TCPServer.listen(). */
int tcpserver_listen(struct tcpserver *srv, const char *host, int port);

/* The port of the first listening socket (the answer to port 0), or -1. */
int tcpserver_port(const struct tcpserver *srv);

/* Chapter 6's accept counters: the cost of several processes watching one
 * socket. A wake-up is one call of the accept handler; a wasted one
 * accepted nothing (a sibling took the client first). */
struct tcpserver_stats {
    unsigned long wakeups;  /* the listeners were reported readable */
    unsigned long wasted;   /* ...and not one accept() succeeded */
    unsigned long accepted; /* connections accepted */
    unsigned long eagain;   /* accept() calls that found the queue empty */
};

void tcpserver_get_stats(const struct tcpserver *srv,
                         struct tcpserver_stats *out);

/* Watch the sockets added from now on with IOLOOP_EXCLUSIVE: of the
 * processes sharing one, the kernel wakes one per connection. A pause
 * for lack of descriptors then cannot switch them off (EPOLL_CTL_MOD is
 * refused), so they go on being reported meanwhile. Chapter 6's
 * --exclusive. */
void tcpserver_set_exclusive(struct tcpserver *srv, int on);

#endif
