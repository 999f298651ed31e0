/* server.c - exercise 02-poll-backend, solved: chapter 2's loop on poll(),
 * which takes a list of descriptors instead of a bitmap of 1024 bits. */
#include "conn.h"

#include "args.h"
#include "clock.h"
#include "log.h"
#include "net.h"
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long the listener rests after accept() fails for want of descriptors:
 * it stays readable, and retrying at once would spin the CPU. */
#define ACCEPT_PAUSE_MS 1000

/* Connections indexed by descriptor, as in chapter 2, but the table grows
 * to fit the largest descriptor: the limit is now RLIMIT_NOFILE (ulimit -n),
 * not FD_SETSIZE. pfds is what we hand to ppoll(): one entry per watched
 * descriptor, rebuilt before every wait, so it needs max_fd + 2 slots at
 * most (the listener and every connection). */
static struct conn **conns;
static int conns_size; /* slots in conns */
static struct pollfd *pfds;
static int max_fd = -1;
static int64_t accept_paused_until;

/* Make conns (and pfds) big enough for descriptor fd. Doubling keeps the
 * number of realloc() calls logarithmic in the number of clients.
 * 0, or -1 when memory ran out (the tables are left as they were). */
static int conns_grow(int fd)
{
    int size = conns_size ? conns_size : 64;
    struct conn **bigger;
    struct pollfd *more;

    if (fd < conns_size)
        return 0;
    while (size <= fd)
        size *= 2;
    bigger = realloc(conns, (size_t)size * sizeof *conns);
    if (!bigger)
        return -1;
    memset(bigger + conns_size, 0,
           (size_t)(size - conns_size) * sizeof *bigger);
    conns = bigger;
    more = realloc(pfds, ((size_t)size + 1) * sizeof *pfds);
    if (!more)
        return -1; /* conns grew, pfds did not: conns_size stays, retry later */
    pfds = more;
    conns_size = size;
    return 0;
}

/* Take ownership of a new client's descriptor. Any descriptor the process
 * may hold fits now; only running out of memory refuses one. */
static void conns_add(int fd)
{
    struct conn *c;

    if (conns_grow(fd) < 0 || !(c = conn_new(fd))) {
        log_warn("fd %d: out of memory; closing", fd);
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

/* Fill pfds with what each connection wants and set *n to the number of
 * entries; return the earliest deadline (or -1 when nobody has one). Only
 * a connection that wants to read or write gets an entry: poll() reports
 * POLLHUP and POLLERR even for events == 0, so a sleeping connection whose
 * client has gone would otherwise wake us again and again until its
 * deadline. The listener, when watched, is always entry 0. */
static int64_t watch_all(int listen_fd, nfds_t *n, int64_t now)
{
    int64_t earliest = -1;

    *n = 0;
    if (now >= accept_paused_until)
        pfds[(*n)++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
    else
        earliest = accept_paused_until;
    for (int fd = 0; fd <= max_fd; fd++) {
        struct conn *c = conns[fd];
        if (!c)
            continue;
        short events = (short)((conn_wants_read(c) ? POLLIN : 0) |
                               (conn_wants_write(c) ? POLLOUT : 0));
        if (events)
            pfds[(*n)++] = (struct pollfd){.fd = fd, .events = events};
        int64_t d = conn_deadline(c);
        if (d >= 0 && (earliest < 0 || d < earliest))
            earliest = d;
    }
    return earliest;
}

/* Tell each connection what ppoll() found, then give every connection its
 * deadline and free the finished ones. An error or a hang-up counts as
 * readable or writable, whichever was asked: the read() or write() then
 * says what happened. Entries from i = first on are connections; none was
 * freed since watch_all(), so no entry names a reused descriptor. */
static void dispatch_all(nfds_t n, nfds_t first, int64_t now)
{
    for (nfds_t i = first; i < n; i++) {
        struct conn *c = conns[pfds[i].fd];
        short asked = pfds[i].events, got = pfds[i].revents;
        if ((asked & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR)))
            conn_on_readable(c);
        if ((asked & POLLOUT) && (got & (POLLOUT | POLLHUP | POLLERR)) &&
            !conn_closed(c))
            conn_on_writable(c);
    }
    for (int fd = 0; fd <= max_fd; fd++) {
        struct conn *c = conns[fd];
        if (!c)
            continue;
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
 * ppoll(), which unblocks them atomically while it waits, as pselect() did
 * in chapter 2. */
static void serve_forever(int listen_fd, const sigset_t *wait_mask)
{
    nfds_t n;

    while (!server_stop_requested()) {
        int64_t now = clock_now_ms();
        int64_t deadline = watch_all(listen_fd, &n, now);
        int64_t wait_ms = deadline < 0   ? -1
                          : deadline > now ? deadline - now
                                           : 0;
        struct timespec timeout = {.tv_sec = wait_ms / 1000,
                                   .tv_nsec = (wait_ms % 1000) * 1000000};
        nfds_t first = n > 0 && pfds[0].fd == listen_fd ? 1 : 0;

        if (ppoll(pfds, n, wait_ms < 0 ? NULL : &timeout, wait_mask) < 0) {
            if (errno != EINTR)
                log_error_errno("poll");
            continue;
        }
        if (first && (pfds[0].revents & POLLIN))
            accept_all(listen_fd);
        dispatch_all(n, first, clock_now_ms());
    }
}

static void conns_free_all(void)
{
    for (int fd = 0; fd <= max_fd; fd++)
        if (conns[fd])
            conn_free(conns[fd]);
    free(conns);
    free(pfds);
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
    /* pfds needs a slot for the listener even before the first client. */
    if (conns_grow(listen_fd) < 0)
        die("out of memory");
    serve_forever(listen_fd, &wait_mask);
    log_info("stopping");
    conns_free_all();
    close(listen_fd);
    return 0;
}
