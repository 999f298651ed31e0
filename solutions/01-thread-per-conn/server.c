/* server.c - exercise 01-thread-per-conn, solved: a detached thread per
 * connection, so a slow client holds up only its own thread. */
#include "connection.h"

#include "args.h"
#include "log.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* A thread's whole life: serve one client, then end. The descriptor rides
 * in the pointer argument itself (intptr_t), so nothing is allocated for
 * it. Passing &fd instead would race: the loop overwrites fd with the next
 * client before the thread has read it. */
static void *serve_thread(void *arg)
{
    connection_serve((int)(intptr_t)arg);
    return NULL;
}

/* Start a detached thread for fd: nobody will pthread_join() it, so its
 * stack and bookkeeping are released as soon as it returns. SIGINT and
 * SIGTERM are blocked while it is created, and it keeps that mask: a stop
 * signal is then always delivered to the main thread, where it interrupts
 * accept(), and never spent on a worker. */
static void serve_in_thread(const pthread_attr_t *detached, int fd)
{
    sigset_t stop, old;
    pthread_t tid;
    int err;

    server_stop_signals(&stop);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    err = pthread_create(&tid, detached, serve_thread, (void *)(intptr_t)fd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) { /* EAGAIN: out of memory for stacks, or the thread limit */
        errno = err;
        log_error_errno("pthread_create");
        close(fd);
    }
}

/* Accept a client, hand it to a thread, and accept the next at once. */
static void serve_forever(int listen_fd)
{
    pthread_attr_t detached;

    pthread_attr_init(&detached);
    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
    while (!server_stop_requested()) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR)
                log_error_errno("accept");
            if (errno == EMFILE || errno == ENFILE)
                sleep(1); /* out of descriptors: wait for some to close */
            continue;
        }
        serve_in_thread(&detached, fd);
    }
    pthread_attr_destroy(&detached);
}

/* Returning from main() ends the process, threads still serving included:
 * their clients see the connection close. */
int main(int argc, char **argv)
{
    struct server_config config = SERVER_CONFIG_DEFAULT;
    const struct args_option options[] = {SERVER_OPTIONS(config), {0}};
    enum args_status status = args_parse(
        argc, argv, "Exercise 01-thread-per-conn: a thread per connection.",
        options);
    int listen_fd;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    log_setup("thread");
    if (server_catch_signals() < 0)
        die("cannot install signal handlers");
    listen_fd = server_listen(&config);
    if (listen_fd < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    serve_forever(listen_fd);
    log_info("stopping");
    close(listen_fd);
    return 0;
}
