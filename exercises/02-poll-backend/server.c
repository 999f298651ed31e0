/* server.c - exercise 02-poll-backend: chapter 2's loop, on poll() instead
 * of select(). As given, this is chapters/02-select/server.c unchanged: it
 * refuses every client whose descriptor reaches FD_SETSIZE (1024).
 *
 * Exercise: replace the fd_sets with an array of struct pollfd, the
 * FD_SETSIZE table with one that grows, and pselect() with ppoll(); then
 * remove the FD_SETSIZE check in conns_add(). The task and the hints are
 * in README.md; only this file changes. */
#include "conn.h"

#include "args.h"
#include "clock.h"
#include "log.h"
#include "net.h"
#include "server.h"

#include <errno.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long the listener rests after accept() fails for want of descriptors:
 * it stays readable, and retrying at once would spin the CPU. */
#define ACCEPT_PAUSE_MS 1000

/* select() works on bitmaps of FD_SETSIZE (1024) bits, so a connection's
 * descriptor indexes this table directly. */
static struct conn *conns[FD_SETSIZE];
static int max_fd = -1;
static int64_t accept_paused_until;

/* Take ownership of a new client's descriptor, or refuse it. FD_SET() on a
 * descriptor >= FD_SETSIZE writes past the end of the fd_set: memory
 * corruption, not an error. So such a client is closed, with a log line. */
static void conns_add(int fd)
{
    struct conn *c;

    if (fd >= FD_SETSIZE) {
        log_warn("fd %d >= FD_SETSIZE (%d): select() cannot watch it; closing",
                 fd, FD_SETSIZE);
        close(fd);
        return;
    }
    c = conn_new(fd);
    if (!c) {
        close(fd);
        return;
    }
    conns[fd] = c;
    if (fd > max_fd)
        max_fd = fd;
}

/* Accept every connection waiting in the listen queue. The listener is
 * non-blocking, so accept() says EAGAIN when the queue is empty instead of
 * blocking the loop. (In chapter 6 several processes share the socket, and
 * EAGAIN also means a sibling took the client first.) */
static void accept_all(int listen_fd)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            conns_add(fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE) {
            log_error_errno("accept");
            accept_paused_until = clock_now_ms() + ACCEPT_PAUSE_MS;
        } else if (errno != EAGAIN) {
            log_error_errno("accept");
        }
        return;
    }
}

/* Fill the fd_sets with what each connection wants; return the earliest
 * deadline (or -1 when nobody has one). */
static int64_t watch_all(int listen_fd, fd_set *rd, fd_set *wr, int64_t now)
{
    int64_t earliest = -1;

    FD_ZERO(rd);
    FD_ZERO(wr);
    if (now >= accept_paused_until)
        FD_SET(listen_fd, rd);
    else
        earliest = accept_paused_until;
    for (int fd = 0; fd <= max_fd; fd++) {
        struct conn *c = conns[fd];
        if (!c)
            continue;
        if (conn_wants_read(c))
            FD_SET(fd, rd);
        if (conn_wants_write(c))
            FD_SET(fd, wr);
        int64_t d = conn_deadline(c);
        if (d >= 0 && (earliest < 0 || d < earliest))
            earliest = d;
    }
    return earliest;
}

/* Tell each connection what select() found, and free the finished ones. */
static void dispatch_all(fd_set *rd, fd_set *wr, int64_t now)
{
    for (int fd = 0; fd <= max_fd; fd++) {
        struct conn *c = conns[fd];
        if (!c)
            continue;
        if (FD_ISSET(fd, rd))
            conn_on_readable(c);
        if (FD_ISSET(fd, wr) && !conn_closed(c))
            conn_on_writable(c);
        if (!conn_closed(c))
            conn_on_deadline(c, now);
        if (conn_closed(c)) {
            conn_free(c);
            conns[fd] = NULL;
        }
    }
    while (max_fd >= 0 && !conns[max_fd])
        max_fd--;
}

/* The loop. SIGINT and SIGTERM are blocked everywhere except inside
 * pselect(), which unblocks them atomically while it waits: a signal can
 * then only interrupt the wait (EINTR), never slip in between our check of
 * the stop flag and the start of the wait. */
static void serve_forever(int listen_fd, const sigset_t *wait_mask)
{
    fd_set rd, wr;

    while (!server_stop_requested()) {
        int64_t now = clock_now_ms();
        int64_t deadline = watch_all(listen_fd, &rd, &wr, now);
        int64_t wait_ms = deadline < 0 ? -1 : deadline > now ? deadline - now : 0;
        struct timespec timeout = {.tv_sec = wait_ms / 1000,
                                   .tv_nsec = (wait_ms % 1000) * 1000000};
        int top = max_fd > listen_fd ? max_fd : listen_fd;

        if (pselect(top + 1, &rd, &wr, NULL, wait_ms < 0 ? NULL : &timeout,
                    wait_mask) < 0) {
            if (errno != EINTR)
                log_error_errno("select");
            continue;
        }
        if (FD_ISSET(listen_fd, &rd))
            accept_all(listen_fd);
        dispatch_all(&rd, &wr, clock_now_ms());
    }
}

static void conns_free_all(void)
{
    for (int fd = 0; fd <= max_fd; fd++)
        if (conns[fd])
            conn_free(conns[fd]);
}

int main(int argc, char **argv)
{
    struct server_config config = SERVER_CONFIG_DEFAULT;
    const struct args_option options[] = {SERVER_OPTIONS(config), {0}};
    enum args_status status = args_parse(
        argc, argv, "Exercise 02-poll-backend: one loop.", options);
    sigset_t stop_signals, wait_mask;
    int listen_fd;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    log_setup("poll");
    server_stop_signals(&stop_signals);
    if (server_catch_signals() < 0 ||
        sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask) < 0)
        die("cannot install signal handlers");
    listen_fd = server_listen(&config);
    if (listen_fd < 0 || net_set_nonblocking(listen_fd) < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    serve_forever(listen_fd, &wait_mask);
    log_info("stopping");
    conns_free_all();
    close(listen_fd);
    return 0;
}
