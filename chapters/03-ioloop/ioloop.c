/* ioloop.c - the event loop: one thread, a poller, timers and callbacks. */
#include "ioloop.h"

#include "clock.h"
#include "log.h"
#include "timer_heap.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IOLOOP_MAX_EVENTS 1024

struct handler {
    ioloop_handler_fn *fn; /* NULL: no handler for this descriptor */
    void *arg;
    int events;
};

struct callback {
    ioloop_callback_fn *fn;
    void *arg;
};

/* A growable FIFO of callbacks; the loop swaps it out whole each iteration. */
struct callback_list {
    struct callback *items;
    size_t len, cap;
};

struct ioloop {
    const struct poller_backend *backend;
    struct poller *poller;
    struct handler *handlers; /* indexed by descriptor */
    int nhandlers;            /* size of handlers[] */
    struct timer_heap timers;

    pthread_mutex_t lock;        /* guards pending, the only shared state */
    struct callback_list pending;

    int waker;                   /* an eventfd: readable when woken */
    atomic_int stopping;
    atomic_int polling;          /* inside poll(): a wake-up is needed */

    /* The batch being dispatched, so remove_handler can drop stale events. */
    struct poller_event events[IOLOOP_MAX_EVENTS];
    int nevents, dispatching_at;
};

static const struct poller_backend *ioloop_find_backend(const char *name)
{
    if (!name || strcmp(name, "epoll") == 0)
        return &poller_epoll;
    if (strcmp(name, "select") == 0)
        return &poller_select;
    errno = ENOENT;
    return NULL;
}

/* The waker's handler: empty the eventfd so it stops being readable. Its
 * only job was to make poll() return. */
static int ioloop_drain_waker(struct ioloop *loop, int fd, int events, void *arg)
{
    uint64_t count;

    (void)loop, (void)events, (void)arg;
    if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
        return -1;
    return 0;
}

struct ioloop *ioloop_new(const char *backend)
{
    struct ioloop *loop = calloc(1, sizeof *loop);

    if (!loop)
        return NULL;
    loop->waker = -1;
    loop->backend = ioloop_find_backend(backend);
    if (!loop->backend || !(loop->poller = loop->backend->create()))
        goto fail;
    timer_heap_init(&loop->timers);
    pthread_mutex_init(&loop->lock, NULL);
    loop->waker = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->waker < 0 ||
        ioloop_add_handler(loop, loop->waker, IOLOOP_READ, ioloop_drain_waker,
                           NULL) < 0)
        goto fail;
    return loop;
fail:;
    int saved = errno;
    ioloop_free(loop);
    errno = saved;
    return NULL;
}

void ioloop_free(struct ioloop *loop)
{
    if (!loop)
        return;
    if (loop->waker >= 0) {
        if (loop->poller)
            loop->backend->remove(loop->poller, loop->waker);
        close(loop->waker);
    }
    if (loop->poller) {
        loop->backend->free(loop->poller);
        timer_heap_free(&loop->timers);
        pthread_mutex_destroy(&loop->lock);
    }
    free(loop->pending.items);
    free(loop->handlers);
    free(loop);
}

const char *ioloop_backend(const struct ioloop *loop)
{
    return loop->backend->name;
}

double ioloop_time(const struct ioloop *loop)
{
    (void)loop;
    return clock_now();
}

/* ---- handlers ---- */

/* The handler slot for fd, growing the table to reach it; NULL on ENOMEM. */
static struct handler *ioloop_slot(struct ioloop *loop, int fd)
{
    if (fd >= loop->nhandlers) {
        int n = loop->nhandlers ? loop->nhandlers : 64;
        while (n <= fd)
            n *= 2;
        struct handler *h = realloc(loop->handlers, sizeof *h * (size_t)n);
        if (!h)
            return NULL;
        memset(h + loop->nhandlers, 0,
               sizeof *h * (size_t)(n - loop->nhandlers));
        loop->handlers = h;
        loop->nhandlers = n;
    }
    return &loop->handlers[fd];
}

/* fd's handler, or NULL with ENOENT (EBADF for a negative fd). */
static struct handler *ioloop_find_handler(struct ioloop *loop, int fd)
{
    if (fd < 0) {
        errno = EBADF;
        return NULL;
    }
    if (fd >= loop->nhandlers || !loop->handlers[fd].fn) {
        errno = ENOENT;
        return NULL;
    }
    return &loop->handlers[fd];
}

int ioloop_add_handler(struct ioloop *loop, int fd, int events,
                       ioloop_handler_fn *handler, void *arg)
{
    struct handler *h;

    if (fd < 0 || !handler) {
        errno = fd < 0 ? EBADF : EINVAL;
        return -1;
    }
    if (!(h = ioloop_slot(loop, fd)))
        return -1;
    if (h->fn) {
        errno = EEXIST;
        return -1;
    }
    if (loop->backend->add(loop->poller, fd, events) < 0)
        return -1;
    *h = (struct handler){.fn = handler, .arg = arg, .events = events};
    return 0;
}

int ioloop_update_handler(struct ioloop *loop, int fd, int events)
{
    struct handler *h = ioloop_find_handler(loop, fd);

    if (!h)
        return -1;
    if (h->events == events)
        return 0; /* a syscall saved: callers update after every event */
    if (loop->backend->modify(loop->poller, fd, events) < 0)
        return -1;
    h->events = events;
    return 0;
}

int ioloop_remove_handler(struct ioloop *loop, int fd)
{
    struct handler *h = ioloop_find_handler(loop, fd);

    if (!h)
        return -1;
    /* The descriptor may already be closed (EBADF): the handler still goes. */
    loop->backend->remove(loop->poller, fd);
    *h = (struct handler){0};
    /* Drop events for fd still waiting in this batch: fd may be closed and
     * reused by the time we reach them (Tornado: self._events.pop(fd)). */
    for (int i = loop->dispatching_at + 1; i < loop->nevents; i++)
        if (loop->events[i].fd == fd)
            loop->events[i].events = 0;
    return 0;
}
