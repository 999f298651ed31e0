/* poller.h - the contract every polling backend implements for the IOLoop.
 *
 *     const struct poller_backend *b = &poller_epoll;
 *     struct poller *p = b->create();
 *     b->add(p, fd, IOLOOP_READ);
 *     struct poller_event ev[64];
 *     int n = b->poll(p, ev, 64, 1000);      // wait up to a second
 *     for (int i = 0; i < n; i++) ... ev[i].fd, ev[i].events ...
 *     b->free(p);
 *
 * Six operations, as in Redis's ae.c (aeApiCreate, aeApiAddEvent, ...): the
 * loop above knows nothing of epoll or select, and a new backend (poll(),
 * kqueue) is one more file that fills in this table. Tornado does the same
 * with its _EPoll, _KQueue and _Select classes behind one interface.
 */
#ifndef CH03_POLLER_H
#define CH03_POLLER_H

/* Interest and event bits. The values are epoll's own (EPOLLIN, EPOLLOUT,
 * EPOLLERR), as Tornado's IOLoop.READ, WRITE and ERROR are. */
enum {
    IOLOOP_READ = 0x001,
    IOLOOP_WRITE = 0x004,
    IOLOOP_ERROR = 0x008, /* error or hang-up: reported whatever the interest */
    /* With READ, when adding a descriptor: of the loops (processes) that
     * watch one listening socket, wake only one per connection
     * (EPOLLEXCLUSIVE, Linux 4.5). The epoll backend passes it on, select
     * ignores it. It cannot be modified later: a modify of such a
     * descriptor fails with EINVAL. Chapter 6's --exclusive. */
    IOLOOP_EXCLUSIVE = 1 << 28,
};

struct poller; /* a backend's private state */

struct poller_event {
    int fd;
    int events; /* IOLOOP_READ | IOLOOP_WRITE | IOLOOP_ERROR */
};

struct poller_backend {
    const char *name;
    /* NULL with errno on failure. */
    struct poller *(*create)(void);
    void (*free)(struct poller *p);
    /* Each returns 0, or -1 with errno (EEXIST, ENOENT, EBADF, ERANGE...). */
    int (*add)(struct poller *p, int fd, int events);
    int (*modify)(struct poller *p, int fd, int events);
    int (*remove)(struct poller *p, int fd);
    /* Wait up to timeout_ms (-1: no limit) and fill at most max events.
     * Returns how many, 0 on timeout, or -1 with errno (EINTR). */
    int (*poll)(struct poller *p, struct poller_event *events, int max,
                int timeout_ms);
};

extern const struct poller_backend poller_epoll;
extern const struct poller_backend poller_select;

#endif
