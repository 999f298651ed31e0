/* server.h - what every chapter's main() does before its real work starts:
 * the shared options, the listening socket with its ready line, and the
 * signals that stop it.
 *
 *     struct server_config config = SERVER_CONFIG_DEFAULT;
 *     const struct args_option options[] = {SERVER_OPTIONS(config), {0}};
 *     int status = args_parse(argc, argv, "chapter 1: blocking", options);
 *     if (status != ARGS_OK) return status == ARGS_HELP ? 0 : 2;
 *     if (server_catch_signals() < 0) die("signals");
 *     int fd = server_listen(&config);      // prints "listening on http://..."
 *     if (fd < 0) die("cannot listen on %s:%d", config.host, config.port);
 *     while (!server_stop_requested()) ...
 */
#ifndef COMMON_SERVER_H
#define COMMON_SERVER_H

#include "args.h"

#include <signal.h>

struct server_config {
    const char *host;
    int port;
};

#define SERVER_CONFIG_DEFAULT {.host = "127.0.0.1", .port = 8888}

/* The --host and --port entries of an args_option table. */
#define SERVER_OPTIONS(config)                                               \
    {"--host", ARGS_STRING, &(config).host, "HOST",                          \
     "address to listen on (default 127.0.0.1)", 0, 0, NULL},                \
    {"--port", ARGS_INT, &(config).port, "PORT",                             \
     "port to listen on (default 8888; 0 picks a free one)", 0, 65535, NULL}

/* Listen on config's host and port, then print the one ready line
 * "listening on http://HOST:PORT" (with the real port when port is 0) to
 * stdout and flush it: tests and scripts wait for that line. Returns the
 * listening descriptor (blocking), or -1 with errno. */
int server_listen(const struct server_config *config);

/* Ignore SIGPIPE (a write to a vanished client then fails with EPIPE
 * instead of killing the server), and make SIGINT and SIGTERM set the flag
 * that server_stop_requested() reads. The handlers are installed without
 * SA_RESTART, so a blocking call such as accept() returns -1 with EINTR and
 * the program gets to look at the flag. 0, or -1 with errno. */
int server_catch_signals(void);

/* Also call hook from the SIGINT/SIGTERM handler, after setting the flag.
 * hook must be async-signal-safe: chapter 3 passes one that stops the
 * IOLoop (a flag and an eventfd write). */
void server_on_stop(void (*hook)(void));

/* Whether SIGINT or SIGTERM has arrived. */
int server_stop_requested(void);

/* The set {SIGINT, SIGTERM}, for pselect()/epoll_pwait() masks. */
void server_stop_signals(sigset_t *set);

#endif
