/* poller_poll.c - exercise 03-poll-backend, solved: the poller contract on
 * poll(2). An array of struct pollfd, packed, handed whole to each poll(),
 * and a table from descriptor to place in that array. No FD_SETSIZE. */
#include "poller.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

struct poller {
    struct pollfd *fds; /* the registered descriptors, in no order */
    int nfds, fds_cap;
    int *index;         /* index[fd]: fd's place in fds[], or -1 */
    int index_size;
};

static struct poller *poll_create_poller(void)
{
    /* Everything starts empty; the arrays grow on the first add. */
    return calloc(1, sizeof(struct poller));
}

static void poll_free_poller(struct poller *p)
{
    free(p->fds);
    free(p->index);
    free(p);
}

/* fd's place in fds[], or -1 with errno: EBADF for a negative fd, ENOENT
 * for one that is not registered (however large: no read past index[]). */
static int poll_find(const struct poller *p, int fd)
{
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd >= p->index_size || p->index[fd] < 0) {
        errno = ENOENT;
        return -1;
    }
    return p->index[fd];
}

/* Grow index[] to cover fd, new slots -1, doubling so that registering
 * descriptors in rising order reallocates only log(n) times. */
static int poll_grow_index(struct poller *p, int fd)
{
    int n = p->index_size ? p->index_size : 64;
    int *index;

    if (fd < p->index_size)
        return 0;
    while (n <= fd)
        n *= 2;
    if (!(index = realloc(p->index, sizeof *index * (size_t)n)))
        return -1;
    for (int i = p->index_size; i < n; i++)
        index[i] = -1;
    p->index = index;
    p->index_size = n;
    return 0;
}

static int poll_grow_fds(struct poller *p)
{
    int n = p->fds_cap ? p->fds_cap * 2 : 64;
    struct pollfd *fds;

    if (p->nfds < p->fds_cap)
        return 0;
    if (!(fds = realloc(p->fds, sizeof *fds * (size_t)n)))
        return -1;
    p->fds = fds;
    p->fds_cap = n;
    return 0;
}

/* The same bits have the same values in poll.h and poller.h (both are
 * epoll's), but say what is meant. POLLERR and POLLHUP need no asking. */
static short poll_interest(int events)
{
    return (short)((events & IOLOOP_READ ? POLLIN : 0) |
                   (events & IOLOOP_WRITE ? POLLOUT : 0));
}

static int poll_add(struct poller *p, int fd, int events)
{
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd < p->index_size && p->index[fd] >= 0) {
        errno = EEXIST;
        return -1;
    }
    /* epoll_ctl refuses a descriptor that is not open with EBADF; poll()
     * would take it and answer POLLNVAL on every call. Refuse it here. */
    if (fcntl(fd, F_GETFD) < 0)
        return -1;
    if (poll_grow_index(p, fd) < 0 || poll_grow_fds(p) < 0)
        return -1;
    p->fds[p->nfds] = (struct pollfd){.fd = fd, .events = poll_interest(events)};
    p->index[fd] = p->nfds++;
    return 0;
}

static int poll_modify(struct poller *p, int fd, int events)
{
    int i = poll_find(p, fd);

    if (i < 0)
        return -1;
    p->fds[i].events = poll_interest(events);
    return 0;
}

/* Fill the hole with the last entry: O(1), and fds[] stays packed, so each
 * poll() passes exactly the registered descriptors. */
static int poll_remove(struct poller *p, int fd)
{
    int i = poll_find(p, fd);

    if (i < 0)
        return -1;
    p->fds[i] = p->fds[--p->nfds];
    p->index[p->fds[i].fd] = i;
    p->index[fd] = -1; /* second: if fd was the last, the line above was it */
    return 0;
}

static int poll_poll(struct poller *p, struct poller_event *events, int max,
                     int timeout_ms)
{
    int ready = poll(p->fds, (nfds_t)p->nfds, timeout_ms);
    int n = 0;

    if (ready <= 0)
        return ready; /* 0: timeout; -1: errno, EINTR for a signal */
    /* The kernel marked ready entries in place: walk the array for them,
     * stopping once all `ready` are found. Ones past max wait for the next
     * call; level-triggered, they are still ready then. */
    for (int i = 0; i < p->nfds && ready > 0 && n < max; i++) {
        short r = p->fds[i].revents;
        if (!r)
            continue;
        ready--;
        events[n++] = (struct poller_event){
            .fd = p->fds[i].fd,
            .events = (r & POLLIN ? IOLOOP_READ : 0) |
                      (r & POLLOUT ? IOLOOP_WRITE : 0) |
                      (r & (POLLERR | POLLHUP | POLLNVAL) ? IOLOOP_ERROR : 0),
        };
    }
    return n;
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
