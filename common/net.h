/* net.h - the socket chores every chapter needs and none of them teaches.
 *
 *     int fd = net_listen("127.0.0.1", 0, 128);   // port 0: the kernel picks
 *     if (fd < 0) die("listen");
 *     printf("listening on http://127.0.0.1:%d\n", net_local_port(fd));
 *     net_set_nonblocking(fd);                     // chapters 2 on
 *
 *     int c = net_connect("127.0.0.1", 8888);      // a blocking client socket
 *
 * Every descriptor made here is close-on-exec, so a child started by the
 * subprocess demo (chapter 3) or a forked worker's exec never inherits it.
 */
#ifndef COMMON_NET_H
#define COMMON_NET_H

#include <stddef.h>
#include <sys/types.h>

/* Create a TCP socket listening on host:port (port 0 picks a free port).
 * host is an IPv4 or IPv6 literal or a name getaddrinfo() resolves; the first
 * address that binds wins. SO_REUSEADDR is set, so a restarted server can
 * bind while old connections sit in TIME_WAIT. Returns the descriptor
 * (blocking), or -1 with errno set. Tornado: netutil.bind_sockets(). */
int net_listen(const char *host, int port, int backlog);

/* The port a socket is bound to (the answer to --port 0), or -1. */
int net_local_port(int fd);

/* Put a descriptor in non-blocking mode (O_NONBLOCK). 0 or -1 with errno. */
int net_set_nonblocking(int fd);

/* Connect a blocking TCP socket to host:port. Returns it, or -1 with errno
 * (EHOSTUNREACH when the name does not resolve). */
int net_connect(const char *host, int port);

/* Write all len bytes to a blocking descriptor, retrying after EINTR and
 * short writes. 0, or -1 with errno (EPIPE when the peer has gone). */
int net_write_all(int fd, const void *data, size_t len);

/* Format the peer address of a connected socket as "ip:port" into out. */
void net_peer_name(int fd, char *out, size_t size);

#endif
