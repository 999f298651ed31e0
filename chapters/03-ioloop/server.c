/* server.c - chapter 3: the demo app on the IOLoop. The connection state
 * machine is chapter 2's conn.c, unchanged: only the loop is new. */
#include "conn.h"
#include "ioloop.h"

#include "args.h"
#include "clock.h"
#include "log.h"
#include "net.h"
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How many connections one wake-up of the listener accepts at most: a
 * flood of new clients must not starve the ones already connected. */
#define ACCEPTS_PER_WAKEUP 128
/* How long the listener rests when accept() runs out of descriptors. */
#define ACCEPT_PAUSE_SECONDS 1.0

/* A client: chapter 2's connection plus what the loop holds for it. */
struct client {
    struct conn *conn;
    int events;            /* what the loop watches its fd for */
    ioloop_timeout timer;  /* the pending deadline's timeout, or 0 */
    int64_t timer_at;      /* the deadline (clock_now_ms) it is for */
    struct client *prev, *next; /* every client, to free them at exit */
};

static struct ioloop *loop;
static struct client *clients;

static int on_client_timer(struct ioloop *l, void *arg);

static void client_unlink(struct client *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

/* Forget a client: its handler first, then close the fd (in conn_free). */
static void client_free(struct client *c)
{
    if (c->timer)
        ioloop_remove_timeout(loop, c->timer);
    ioloop_remove_handler(loop, conn_fd(c->conn));
    conn_free(c->conn);
    client_unlink(c);
    free(c);
}

/* After every event, tell the loop what the connection wants next: which
 * events to watch, and whether a deadline (a /sleep) needs a timeout. */
static void client_sync(struct client *c)
{
    int64_t deadline = conn_deadline(c->conn);
    int events = (conn_wants_read(c->conn) ? IOLOOP_READ : 0) |
                 (conn_wants_write(c->conn) ? IOLOOP_WRITE : 0);

    if (conn_closed(c->conn)) {
        client_free(c);
        return;
    }
    if (events != c->events &&
        ioloop_update_handler(loop, conn_fd(c->conn), events) == 0)
        c->events = events;
    if (c->timer && deadline != c->timer_at) {
        ioloop_remove_timeout(loop, c->timer);
        c->timer = 0;
    }
    if (deadline >= 0 && !c->timer) {
        c->timer = ioloop_add_timeout(loop, (double)deadline / 1000,
                                      on_client_timer, c);
        c->timer_at = deadline;
    }
}

static int on_client_timer(struct ioloop *l, void *arg)
{
    struct client *c = arg;

    (void)l;
    c->timer = 0; /* it has run: the handle is dead */
    conn_on_deadline(c->conn, clock_now_ms());
    client_sync(c);
    return 0;
}

/* IOLOOP_ERROR counts as readable: the read then meets the error or EOF,
 * and the connection closes itself, even while it sleeps. */
static int on_client_event(struct ioloop *l, int fd, int events, void *arg)
{
    struct client *c = arg;

    (void)l, (void)fd;
    if (events & (IOLOOP_READ | IOLOOP_ERROR))
        conn_on_readable(c->conn);
    if ((events & IOLOOP_WRITE) && !conn_closed(c->conn))
        conn_on_writable(c->conn);
    client_sync(c);
    return 0;
}

static void client_add(int fd)
{
    struct client *c = calloc(1, sizeof *c);

    if (!c || !(c->conn = conn_new(fd))) {
        free(c);
        close(fd);
        return;
    }
    /* The select backend refuses fd >= FD_SETSIZE here, with ERANGE. */
    if (ioloop_add_handler(loop, fd, IOLOOP_READ, on_client_event, c) < 0) {
        log_warn("fd %d: cannot watch it (%s); closing", fd, strerror(errno));
        conn_free(c->conn);
        free(c);
        return;
    }
    c->events = IOLOOP_READ;
    c->next = clients;
    if (clients)
        clients->prev = c;
    clients = c;
}

static int on_accept_resume(struct ioloop *l, void *arg)
{
    return ioloop_update_handler(l, *(int *)arg, IOLOOP_READ);
}

/* Out of descriptors: stop watching the listener for a while. It stays
 * readable, and a level-triggered loop would call us again at once. */
static void accept_pause(int *listen_fd)
{
    log_error("accept: %s; pausing for %.0f s", strerror(errno),
              ACCEPT_PAUSE_SECONDS);
    ioloop_update_handler(loop, *listen_fd, 0);
    ioloop_call_later(loop, ACCEPT_PAUSE_SECONDS, on_accept_resume, listen_fd);
}

/* Tornado: netutil.add_accept_handler. accept() until EAGAIN (the queue is
 * empty, or another process sharing the socket took the client first), or
 * ACCEPTS_PER_WAKEUP clients: the rest wait for the next iteration. */
static int on_accept(struct ioloop *l, int fd, int events, void *arg)
{
    (void)l, (void)events;
    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        int client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client >= 0) {
            client_add(client);
        } else if (errno == EMFILE || errno == ENFILE) {
            accept_pause(arg);
            return 0;
        } else if (errno != EINTR && errno != ECONNABORTED) {
            return errno == EAGAIN ? 0 : -1;
        }
    }
    return 0;
}

static void on_stop_signal(void)
{
    ioloop_stop(loop); /* async-signal-safe: a flag and an eventfd write */
}

int main(int argc, char **argv)
{
    static const char *const backends[] = {"epoll", "select", NULL};
    struct server_config config = SERVER_CONFIG_DEFAULT;
    const char *backend = "epoll";
    const struct args_option options[] = {
        SERVER_OPTIONS(config),
        {"--backend", ARGS_CHOICE, &backend, "epoll|select",
         "the poller (default epoll)", 0, 0, backends},
        {0}};
    enum args_status status = args_parse(
        argc, argv, "Chapter 3: the demo app on the IOLoop.", options);
    static int listen_fd;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    log_setup("ch03");
    if (!(loop = ioloop_new(backend)))
        die("cannot create the %s loop", backend);
    server_on_stop(on_stop_signal); /* before a signal can arrive */
    if (server_catch_signals() < 0)
        die("cannot install signal handlers");
    listen_fd = server_listen(&config);
    if (listen_fd < 0 || net_set_nonblocking(listen_fd) < 0 ||
        ioloop_add_handler(loop, listen_fd, IOLOOP_READ, on_accept, &listen_fd) < 0)
        die("cannot listen on %s:%d", config.host, config.port);
    ioloop_start(loop);
    log_info("stopping");
    while (clients)
        client_free(clients);
    ioloop_remove_handler(loop, listen_fd);
    close(listen_fd);
    ioloop_free(loop);
    return 0;
}
