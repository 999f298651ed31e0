/* tcpserver.c - listening sockets, the accept loop, and running out of
 * descriptors gracefully. Tornado: tcpserver.py and netutil.py. */
#include "tcpserver.h"

#include "log.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How many connections one wake-up accepts at most (Tornado: its backlog,
 * 128): a flood of new clients must not starve the ones already connected.
 * The rest stay queued, and the level-triggered loop calls us again. */
#define TCPSERVER_ACCEPTS_PER_WAKEUP 128
/* How long the listeners rest after running out of descriptors. */
#define TCPSERVER_PAUSE_SECONDS 0.1
/* At most one "out of descriptors" line per this many seconds. */
#define TCPSERVER_LOG_INTERVAL 10.0

struct tcpserver {
    struct ioloop *loop;
    tcpserver_stream_fn *handle_stream;
    void *arg;
    int fds[TCPSERVER_MAX_SOCKETS]; /* the listening sockets */
    int nfds;
    int reserve_fd;         /* /dev/null, given up when accept hits EMFILE */
    ioloop_timeout resume;  /* the pending end of a pause, or 0 */
    int exhausted;          /* in a burst of EMFILE: accept has not won since */
    int logged;             /* this burst's start was logged */
    unsigned long refused;  /* connections closed unserved since the last log */
    double next_log;        /* the earliest time for the next burst's line */
    int accepting;          /* inside the accept loop: free() must wait */
    int freed;              /* tcpserver_free was called from handle_stream */
    int exclusive;          /* add sockets with IOLOOP_EXCLUSIVE */
    struct tcpserver_stats stats;
};

/* ---- bind_sockets ---- */

static void close_all(const int *fds, int n)
{
    int saved = errno;

    for (int i = 0; i < n; i++)
        close(fds[i]);
    errno = saved;
}

static struct addrinfo *resolve(const char *host, int port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *list;
    char service[16];
    int rc;

    if (port < 0 || port > 65535) {
        errno = EINVAL;
        return NULL;
    }
    snprintf(service, sizeof service, "%d", port);
    /* NULL or "" is every interface: 0.0.0.0 and ::, as in Tornado. */
    rc = getaddrinfo(host && *host ? host : NULL, service, &hints, &list);
    if (rc == 0)
        return list;
    if (rc != EAI_SYSTEM)
        errno = rc == EAI_MEMORY ? ENOMEM : EHOSTUNREACH; /* as net.c */
    return NULL;
}

/* Whether an address came earlier in the list: /etc/hosts may name the
 * same one twice, and the second bind() would fail with EADDRINUSE.
 * Tornado: the unique_addresses set in bind_sockets. */
static int seen_before(const struct addrinfo *list, const struct addrinfo *ai)
{
    for (const struct addrinfo *p = list; p != ai; p = p->ai_next)
        if (p->ai_family == ai->ai_family && p->ai_addrlen == ai->ai_addrlen &&
            memcmp(p->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
            return 1;
    return 0;
}

/* Port 0 asks the kernel for a port; every address after the first must
 * then ask for that same port, or IPv4 and IPv6 clients would need two. */
static void set_port(struct sockaddr *sa, int port)
{
    if (sa->sa_family == AF_INET)
        ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
    else if (sa->sa_family == AF_INET6)
        ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
}

/* One listening socket on one address, or -1 with errno. */
static int listen_on(const struct addrinfo *ai, int port, int backlog)
{
    struct sockaddr_storage addr;
    int one = 1;
    int fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);

    if (fd < 0)
        return -1;
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (port > 0)
        set_port((struct sockaddr *)&addr, port);
    /* A restarted server binds while old connections sit in TIME_WAIT. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        goto fail;
    /* Without V6ONLY, [::]:port would also claim 0.0.0.0:port, and the
     * IPv4 socket for the same port could not bind. */
    if (ai->ai_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
        goto fail;
    if (bind(fd, (struct sockaddr *)&addr, ai->ai_addrlen) < 0 ||
        listen(fd, backlog) < 0)
        goto fail;
    return fd;
fail:
    close_all(&fd, 1);
    return -1;
}

int tcpserver_bind_sockets(const char *host, int port, int backlog, int *fds,
                           int max)
{
    struct addrinfo *list;
    int n = 0, skipped = 0;

    if (max <= 0) {
        errno = EINVAL;
        return -1;
    }
    if (!(list = resolve(host, port)))
        return -1;
    for (struct addrinfo *ai = list; ai && n < max; ai = ai->ai_next) {
        if (seen_before(list, ai))
            continue;
        int fd = listen_on(ai, port, backlog);
        /* A family the kernel lacks, or IPv6 half-disabled (Docker: ::1
         * resolves but cannot be bound): skip it, as Tornado does. */
        if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
            skipped = errno;
            continue;
        }
        if (fd < 0)
            goto fail;
        fds[n++] = fd;
        if (port == 0)
            port = net_local_port(fd);
    }
    freeaddrinfo(list);
    if (n == 0)
        errno = skipped ? skipped : EADDRNOTAVAIL;
    return n > 0 ? n : -1;
fail:
    close_all(fds, n);
    freeaddrinfo(list);
    return -1;
}

/* ---- running out of descriptors ---- */

static int on_resume(struct ioloop *loop, void *arg);

/* Stop watching the listeners for a while. Out of descriptors, they stay
 * readable, and a level-triggered loop would call us again at once. */
static void pause_listeners(struct tcpserver *srv)
{
    if (srv->resume)
        return;
    srv->resume = ioloop_call_later(srv->loop, TCPSERVER_PAUSE_SECONDS,
                                    on_resume, srv);
    if (!srv->resume)
        return; /* ENOMEM: better to spin than to stop accepting for good */
    for (int i = 0; i < srv->nfds; i++)
        ioloop_update_handler(srv->loop, srv->fds[i], 0);
}

static int on_resume(struct ioloop *loop, void *arg)
{
    struct tcpserver *srv = arg;

    srv->resume = 0; /* it has run: the handle is dead */
    if (srv->reserve_fd < 0) /* lost to someone quicker last time */
        srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    for (int i = 0; i < srv->nfds; i++)
        ioloop_update_handler(loop, srv->fds[i], IOLOOP_READ);
    return 0;
}

/* Tell the clients waiting in the queue that we cannot serve them, instead
 * of leaving them hanging: give up the reserve descriptor, then accept and
 * close each one (the client sees a clean close, and will retry or report
 * it), and take the reserve back. libuv's "EMFILE trick". Returns how many. */
static unsigned long shed_queue(struct tcpserver *srv, int fd)
{
    unsigned long n = 0;

    if (srv->reserve_fd < 0)
        return 0;
    close(srv->reserve_fd);
    for (int i = 0; i < TCPSERVER_ACCEPTS_PER_WAKEUP; i++) {
        int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (client >= 0) {
            close(client);
            n++;
        } else if (errno != EINTR && errno != ECONNABORTED) {
            break; /* EAGAIN: the queue is empty */
        }
    }
    srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return n;
}

/* Log a burst of EMFILE once when it starts (and at most once per
 * TCPSERVER_LOG_INTERVAL), not once per refused client: an overloaded
 * server must not also flood its log. */
static void log_exhausted(struct tcpserver *srv, int err)
{
    double now = ioloop_time(srv->loop);

    if (srv->exhausted || now < srv->next_log)
        return;
    log_error("accept: %s; closing new connections until descriptors "
              "are free", strerror(err));
    srv->logged = 1;
    srv->next_log = now + TCPSERVER_LOG_INTERVAL;
}

/* An accept succeeded: the burst is over. Its end is logged only if its
 * start was, with every refusal since the last line. */
static void log_recovered(struct tcpserver *srv)
{
    if (srv->logged) {
        log_info("accept: descriptors free again; %lu connection(s) closed "
                 "unserved meanwhile", srv->refused);
        srv->refused = 0;
    }
    srv->exhausted = srv->logged = 0;
}

/* accept() said EMFILE (this process) or ENFILE (the whole system). */
static void out_of_descriptors(struct tcpserver *srv, int fd)
{
    int err = errno;

    log_exhausted(srv, err);
    srv->exhausted = 1;
    srv->refused += shed_queue(srv, fd);
    pause_listeners(srv);
}

/* ---- the accept loop ---- */

/* "ip:port" of a peer, from the address accept() filled in. */
static void format_peer(const struct sockaddr_storage *addr, socklen_t len,
                        char *out, size_t size)
{
    char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";

    getnameinfo((const struct sockaddr *)addr, len, host, sizeof host, port,
                sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(out, size, "%s:%s", host, port);
}

/* Wrap a new connection and hand it to the application. */
static void hand_over(struct tcpserver *srv, int client,
                      const struct sockaddr_storage *addr, socklen_t len)
{
    char peer[NI_MAXHOST + NI_MAXSERV + 2];
    struct iostream *stream = iostream_new(srv->loop, client);

    srv->stats.accepted++;
    if (!stream) { /* iostream_new closed client */
        log_warn("cannot wrap a new connection: %s", strerror(errno));
        return;
    }
    format_peer(addr, len, peer, sizeof peer);
    srv->handle_stream(srv, stream, peer, srv->arg);
}

/* Accept what is queued, up to the bound; 0 or -1 with errno. */
static int accept_batch(struct tcpserver *srv, int fd)
{
    for (int i = 0; i < TCPSERVER_ACCEPTS_PER_WAKEUP && !srv->freed; i++) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int client = accept4(fd, (struct sockaddr *)&addr, &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client >= 0) {
            if (srv->exhausted)
                log_recovered(srv);
            hand_over(srv, client, &addr, len);
        } else if (errno == EAGAIN) {
            /* The queue is empty, or (chapter 6) a sibling process that
             * shares this socket woke up too and took the client first. */
            return 0;
        } else if (errno == EMFILE || errno == ENFILE) {
            out_of_descriptors(srv, fd);
            return 0;
        } else if (errno != EINTR && errno != ECONNABORTED) {
            /* ENOBUFS, ENOMEM, or a bug: let the loop log it, and rest
             * rather than fail again at once, for ever. */
            int err = errno;
            pause_listeners(srv);
            errno = err;
            return -1;
        } /* EINTR, or a client that gave up while queued: next one */
    }
    return 0;
}

/* The listeners' handler. Tornado: netutil.add_accept_handler. */
static int on_accept(struct ioloop *loop, int fd, int events, void *arg)
{
    struct tcpserver *srv = arg;
    unsigned long before = srv->stats.accepted;
    int rc;

    (void)loop, (void)events;
    srv->stats.wakeups++;
    srv->accepting = 1;
    errno = 0;
    rc = accept_batch(srv, fd);
    srv->accepting = 0;
    /* A batch that ends at an empty queue returns 0 with accept()'s
     * EAGAIN in errno. (One that stopped at its bound may leave an EAGAIN
     * of handle_stream's there: at most one too many per 128 accepts.) */
    if (!srv->freed && rc == 0 && errno == EAGAIN)
        srv->stats.eagain++;
    if (!srv->freed && srv->stats.accepted == before)
        srv->stats.wasted++;
    if (srv->freed) /* handle_stream freed the server: finish the job */
        free(srv);
    return rc;
}

/* ---- the server ---- */

struct tcpserver *tcpserver_new(struct ioloop *loop,
                                tcpserver_stream_fn *handle_stream, void *arg)
{
    struct tcpserver *srv = calloc(1, sizeof *srv);

    if (!srv)
        return NULL;
    *srv = (struct tcpserver){.loop = loop, .handle_stream = handle_stream,
                              .arg = arg};
    /* Held from the start, so that there is one to give up on EMFILE. */
    srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (srv->reserve_fd < 0) {
        free(srv);
        return NULL;
    }
    return srv;
}

void tcpserver_free(struct tcpserver *srv)
{
    if (!srv)
        return;
    for (int i = 0; i < srv->nfds; i++) {
        ioloop_remove_handler(srv->loop, srv->fds[i]); /* before close() */
        close(srv->fds[i]);
    }
    srv->nfds = 0;
    if (srv->resume)
        ioloop_remove_timeout(srv->loop, srv->resume);
    srv->resume = 0;
    if (srv->reserve_fd >= 0)
        close(srv->reserve_fd);
    srv->reserve_fd = -1;
    if (srv->accepting)
        srv->freed = 1; /* on_accept is below us on the stack: it frees */
    else
        free(srv);
}

int tcpserver_add_sockets(struct tcpserver *srv, const int *fds, int n)
{
    int i;

    if (n < 0 || n > TCPSERVER_MAX_SOCKETS - srv->nfds) {
        errno = n < 0 ? EINVAL : ENOSPC;
        return -1;
    }
    for (i = 0; i < n; i++) {
        /* A blocking listener would hang in accept() when a sibling
         * process takes the client first (chapter 6): make sure. */
        if (net_set_nonblocking(fds[i]) < 0 ||
            ioloop_add_handler(srv->loop, fds[i],
                               IOLOOP_READ |
                                   (srv->exclusive ? IOLOOP_EXCLUSIVE : 0),
                               on_accept, srv) < 0)
            goto fail;
        srv->fds[srv->nfds + i] = fds[i];
    }
    srv->nfds += n;
    /* Added during a pause: wait for the resume like the others. */
    for (i = 0; srv->resume && i < n; i++)
        ioloop_update_handler(srv->loop, fds[i], 0);
    return 0;
fail:;
    int saved = errno;
    while (i-- > 0)
        ioloop_remove_handler(srv->loop, fds[i]);
    errno = saved;
    return -1;
}

int tcpserver_listen(struct tcpserver *srv, const char *host, int port)
{
    int fds[TCPSERVER_MAX_SOCKETS], n;

    if (srv->nfds == TCPSERVER_MAX_SOCKETS) {
        errno = ENOSPC;
        return -1;
    }
    /* Tornado's default backlog is 128. We ask for SOMAXCONN (the kernel
     * caps it at net.core.somaxconn): clients beyond the backlog wait for
     * a SYN retransmit, a second or more. */
    n = tcpserver_bind_sockets(host, port, SOMAXCONN, fds,
                               TCPSERVER_MAX_SOCKETS - srv->nfds);
    if (n < 0)
        return -1;
    if (tcpserver_add_sockets(srv, fds, n) < 0) {
        close_all(fds, n);
        return -1;
    }
    return 0;
}

int tcpserver_port(const struct tcpserver *srv)
{
    return srv->nfds > 0 ? net_local_port(srv->fds[0]) : -1;
}

void tcpserver_get_stats(const struct tcpserver *srv,
                         struct tcpserver_stats *out)
{
    *out = srv->stats;
}

void tcpserver_set_exclusive(struct tcpserver *srv, int on)
{
    srv->exclusive = on;
}
