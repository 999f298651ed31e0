/* server.c - exercise 01-fork-per-conn: one child process per connection.
 * As given, this is chapter 1's accept loop: it serves one client at a time.
 * The task is in README.md; only this file changes. */
#include "connection.h"

#include "args.h"
#include "log.h"
#include "server.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

/* Accept a client, serve it completely, then accept the next. Clients that
 * connect meanwhile wait in the kernel's listen queue. */
static void serve_forever(int listen_fd)
{
    while (!server_stop_requested()) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR)
                log_error_errno("accept");
            if (errno == EMFILE || errno == ENFILE)
                sleep(1); /* out of descriptors: wait for some to close */
            continue;
        }
        /* Exercise: serve fd in a child process (fork), so that this loop
         * goes straight back to accept(). The child serves and _exit()s;
         * the parent closes its copy of fd. And reap the children that
         * have finished, or they stay zombies (README.md, hints 1-4). */
        connection_serve(fd);
    }
}

int main(int argc, char **argv)
{
    struct server_config config = SERVER_CONFIG_DEFAULT;
    const struct args_option options[] = {SERVER_OPTIONS(config), {0}};
    enum args_status status = args_parse(
        argc, argv, "Exercise 01-fork-per-conn: a process per connection.",
        options);
    int listen_fd;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    log_setup("fork");
    if (server_catch_signals() < 0)
        die("cannot install signal handlers");
    /* Exercise: install the SIGCHLD handler here (hint 3). */
    listen_fd = server_listen(&config);
    if (listen_fd < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    serve_forever(listen_fd);
    log_info("stopping");
    close(listen_fd);
    return 0;
}
