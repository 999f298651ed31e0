/* poller_epoll.c - the poller contract on Linux's epoll, level-triggered. */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct poller {
    int epfd;
    struct epoll_event *ready; /* what epoll_wait fills */
    int capacity;
};

static struct poller *epoll_create_poller(void)
{
    struct poller *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        free(p);
        return NULL;
    }
    return p;
}

static void epoll_free_poller(struct poller *p)
{
    close(p->epfd);
    free(p->ready);
    free(p);
}

/* Level-triggered (no EPOLLET): epoll reports a descriptor for as long as
 * it is readable, like select does, so a handler that reads only part of
 * what is waiting is called again. Tornado chose this too: edge-triggered
 * saves wake-ups but punishes every handler that does not read to EAGAIN. */
static int epoll_ctl_events(struct poller *p, int op, int fd, int events)
{
    struct epoll_event ev = {.events = (uint32_t)events, .data.fd = fd};

    return epoll_ctl(p->epfd, op, fd, &ev);
}

/* The interest bits are epoll's own, so they pass straight through. */
_Static_assert((unsigned)IOLOOP_EXCLUSIVE == (unsigned)EPOLLEXCLUSIVE,
               "IOLOOP_EXCLUSIVE is EPOLLEXCLUSIVE");

static int epoll_add(struct poller *p, int fd, int events)
{
    return epoll_ctl_events(p, EPOLL_CTL_ADD, fd, events);
}

static int epoll_modify(struct poller *p, int fd, int events)
{
    return epoll_ctl_events(p, EPOLL_CTL_MOD, fd, events);
}

static int epoll_remove(struct poller *p, int fd)
{
    return epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static int epoll_poll(struct poller *p, struct poller_event *events, int max,
                      int timeout_ms)
{
    int n;

    if (max > p->capacity) {
        struct epoll_event *ready = realloc(p->ready, sizeof *ready * (size_t)max);
        if (!ready)
            return -1;
        p->ready = ready;
        p->capacity = max;
    }
    n = epoll_wait(p->epfd, p->ready, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        uint32_t e = p->ready[i].events;
        events[i].fd = p->ready[i].data.fd;
        events[i].events = (e & EPOLLIN ? IOLOOP_READ : 0) |
                           (e & EPOLLOUT ? IOLOOP_WRITE : 0) |
                           (e & (EPOLLERR | EPOLLHUP) ? IOLOOP_ERROR : 0);
    }
    return n;
}

const struct poller_backend poller_epoll = {
    .name = "epoll",
    .create = epoll_create_poller,
    .free = epoll_free_poller,
    .add = epoll_add,
    .modify = epoll_modify,
    .remove = epoll_remove,
    .poll = epoll_poll,
};
