/* poller_select.c - the poller contract on select(): chapter 2's loop,
 * generalised. Portable and simple; O(highest descriptor) per call. */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

struct poller {
    fd_set read_set, write_set; /* the interest, copied for each select() */
    int max_fd;                 /* highest registered descriptor, or -1 */
    unsigned char registered[FD_SETSIZE];
};

static struct poller *select_create_poller(void)
{
    struct poller *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    FD_ZERO(&p->read_set);
    FD_ZERO(&p->write_set);
    p->max_fd = -1;
    return p;
}

static void select_free_poller(struct poller *p)
{
    free(p);
}

/* FD_SET with fd >= FD_SETSIZE writes past the end of the set: memory
 * corruption that Redis once shipped. Refuse it with ERANGE instead. */
static int select_check_fd(int fd)
{
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd >= FD_SETSIZE) {
        errno = ERANGE;
        return -1;
    }
    return 0;
}

static void select_set_interest(struct poller *p, int fd, int events)
{
    if (events & IOLOOP_READ)
        FD_SET(fd, &p->read_set);
    else
        FD_CLR(fd, &p->read_set);
    if (events & IOLOOP_WRITE)
        FD_SET(fd, &p->write_set);
    else
        FD_CLR(fd, &p->write_set);
}

static int select_add(struct poller *p, int fd, int events)
{
    if (select_check_fd(fd) < 0)
        return -1;
    if (p->registered[fd]) {
        errno = EEXIST;
        return -1;
    }
    p->registered[fd] = 1;
    select_set_interest(p, fd, events);
    if (fd > p->max_fd)
        p->max_fd = fd;
    return 0;
}

static int select_modify(struct poller *p, int fd, int events)
{
    if (select_check_fd(fd) < 0)
        return -1;
    if (!p->registered[fd]) {
        errno = ENOENT;
        return -1;
    }
    select_set_interest(p, fd, events);
    return 0;
}

static int select_remove(struct poller *p, int fd)
{
    if (select_modify(p, fd, 0) < 0)
        return -1;
    p->registered[fd] = 0;
    while (p->max_fd >= 0 && !p->registered[p->max_fd])
        p->max_fd--;
    return 0;
}

static int select_poll(struct poller *p, struct poller_event *events, int max,
                       int timeout_ms)
{
    fd_set rd = p->read_set, wr = p->write_set;
    struct timeval tv = {.tv_sec = timeout_ms / 1000,
                         .tv_usec = (timeout_ms % 1000) * 1000};
    int n = select(p->max_fd + 1, &rd, &wr, NULL, timeout_ms < 0 ? NULL : &tv);

    if (n <= 0)
        return n;
    n = 0; /* select counts set bits; we count descriptors */
    for (int fd = 0; fd <= p->max_fd && n < max; fd++) {
        int e = (FD_ISSET(fd, &rd) ? IOLOOP_READ : 0) |
                (FD_ISSET(fd, &wr) ? IOLOOP_WRITE : 0);
        if (e)
            events[n++] = (struct poller_event){.fd = fd, .events = e};
    }
    return n;
}

const struct poller_backend poller_select = {
    .name = "select",
    .create = select_create_poller,
    .free = select_free_poller,
    .add = select_add,
    .modify = select_modify,
    .remove = select_remove,
    .poll = select_poll,
};
