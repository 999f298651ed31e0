/* connection.h - serve one client connection with blocking system calls.
 *
 *     int client = accept(listen_fd, NULL, NULL);
 *     connection_serve(client);      // returns when the answer is sent
 *
 * While connection_serve() runs, the calling thread does nothing else: a
 * client that asks for /sleep/5 holds it for five seconds. The accept loop
 * in server.c calls it for one client after another; the chapter-1
 * exercises call it from a forked process or a thread per client instead.
 */
#ifndef CH01_CONNECTION_H
#define CH01_CONNECTION_H

/* How long a client may keep us waiting for its request, or for room to
 * write the answer, before we give up on it. Without this bound one silent
 * client would hold a blocking server forever. */
#define CONNECTION_TIMEOUT_SECONDS 10

/* Read one request from fd, answer it, and close fd (always, even on
 * error). Errors on this connection are logged; none is fatal. */
void connection_serve(int fd);

#endif
