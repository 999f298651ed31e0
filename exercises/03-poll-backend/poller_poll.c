/* poller_poll.c - exercise 03-poll-backend: a third backend for chapter 3's
 * IOLoop, on poll(2), past select()'s FD_SETSIZE. The contract is in
 * chapters/03-ioloop/poller.h; poller_epoll.c and poller_select.c fill in
 * the same table. Every operation here fails with ENOSYS ("not
 * implemented") until you write it: README.md has the task and hints. */
#include "poller.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

struct poller {
    int todo; /* hint 1: the pollfd array and the fd -> index table */
};

static struct poller *poll_create_poller(void)
{
    errno = ENOSYS;
    return NULL;
}

static void poll_free_poller(struct poller *p)
{
    free(p);
}

static int poll_add(struct poller *p, int fd, int events)
{
    (void)p, (void)fd, (void)events;
    errno = ENOSYS;
    return -1;
}

static int poll_modify(struct poller *p, int fd, int events)
{
    (void)p, (void)fd, (void)events;
    errno = ENOSYS;
    return -1;
}

static int poll_remove(struct poller *p, int fd)
{
    (void)p, (void)fd;
    errno = ENOSYS;
    return -1;
}

static int poll_poll(struct poller *p, struct poller_event *events, int max,
                     int timeout_ms)
{
    (void)p, (void)events, (void)max, (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

const struct poller_backend poller_poll = {
    .name = "poll",
    .create = poll_create_poller,
    .free = poll_free_poller,
    .add = poll_add,
    .modify = poll_modify,
    .remove = poll_remove,
    .poll = poll_poll,
};
