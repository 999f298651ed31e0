/* server.c - exercise 01-fork-per-conn, solved: a child process per
 * connection, so a slow client holds up only its own process. */
#include "connection.h"

#include "args.h"
#include "log.h"
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reap every child that has finished. Signals do not queue: one SIGCHLD may
 * stand for several exits, so loop; WNOHANG, because other children are
 * still running and we must not wait for them. waitpid() is
 * async-signal-safe; errno is saved because the handler may run between a
 * failed accept() and the loop's look at errno. */
static void on_child_exit(int sig)
{
    int saved = errno;

    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

/* SA_RESTART: a child's exit restarts accept() instead of failing it, so
 * only SIGINT and SIGTERM (installed without it) interrupt the loop.
 * SA_NOCLDSTOP: no signal when a child is merely stopped (Ctrl-Z). */
static int reap_children(void)
{
    struct sigaction sa = {.sa_handler = on_child_exit,
                           .sa_flags = SA_RESTART | SA_NOCLDSTOP};

    sigemptyset(&sa.sa_mask);
    return sigaction(SIGCHLD, &sa, NULL);
}

/* Serve fd in a new process; the parent only closes its copy. */
static void serve_in_child(int listen_fd, int fd)
{
    pid_t pid = fork();

    if (pid == 0) {
        /* The child never accepts. Keeping the listener open would keep
         * the port alive after the parent stops, with nobody accepting. */
        close(listen_fd);
        connection_serve(fd);
        _exit(0); /* not exit(): the parent's atexit work is not ours */
    }
    if (pid < 0)
        log_error_errno("fork"); /* EAGAIN: the process limit; drop fd */
    /* Both processes held the socket; it closes when the child's copy
     * does. Without this close the parent runs out of descriptors, and
     * the client never sees the end of its answer. */
    close(fd);
}

/* Accept a client, hand it to a child, and accept the next at once. */
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
        serve_in_child(listen_fd, fd);
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
    if (server_catch_signals() < 0 || reap_children() < 0)
        die("cannot install signal handlers");
    listen_fd = server_listen(&config);
    if (listen_fd < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    serve_forever(listen_fd);
    log_info("stopping");
    close(listen_fd);
    return 0;
}
