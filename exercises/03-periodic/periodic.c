/* periodic.c - exercise 03-periodic: a first try at Tornado's
 * PeriodicCallback on chapter 3's IOLoop. It ticks on schedule while the
 * loop is idle; README.md says what it gets wrong and what to do. Only this
 * file changes (periodic.h is the API, and is given). */
#include "periodic.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct periodic {
    struct ioloop *loop;
    int running;
    ioloop_callback_fn *callback;
    void *arg;
    double interval;
    double next_deadline;   /* when the next run is due */
    ioloop_timeout timeout; /* the pending run's handle */
};

static int periodic_run(struct ioloop *loop, void *arg);

struct periodic *periodic_new(struct ioloop *loop, double interval_seconds,
                              ioloop_callback_fn *callback, void *arg)
{
    struct periodic *p;

    /* !(x > 0) also refuses NaN, which every comparison calls false. */
    if (!(interval_seconds > 0) || !callback) {
        errno = EINVAL;
        return NULL;
    }
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    p->loop = loop;
    p->interval = interval_seconds;
    p->callback = callback;
    p->arg = arg;
    return p;
}

/* The timeout's callback: run, then book the next run one interval after
 * this one's deadline. */
static int periodic_run(struct ioloop *loop, void *arg)
{
    struct periodic *p = arg;
    int rc = p->callback(loop, p->arg);

    p->next_deadline += p->interval;
    p->timeout = ioloop_add_timeout(loop, p->next_deadline, periodic_run, p);
    return rc;
}

void periodic_start(struct periodic *p)
{
    p->running = 1;
    p->next_deadline = ioloop_time(p->loop) + p->interval;
    p->timeout = ioloop_add_timeout(p->loop, p->next_deadline, periodic_run, p);
}

void periodic_stop(struct periodic *p)
{
    p->running = 0;
    ioloop_remove_timeout(p->loop, p->timeout);
}

int periodic_is_running(const struct periodic *p)
{
    return p->running;
}

void periodic_free(struct periodic *p)
{
    free(p);
}
