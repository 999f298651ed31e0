/* periodic.c - exercise 03-periodic, solved: Tornado's PeriodicCallback on
 * chapter 3's IOLoop: a fixed schedule, missed runs skipped, and a stop that
 * works from anywhere, the callback included. */
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
    double next_deadline;   /* the schedule: start + k * interval */
    ioloop_timeout timeout; /* the pending run, or 0 (none, or it is running) */
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

/* The next deadline on the schedule after now (Tornado's _update_next).
 * Adding whole intervals to the previous deadline keeps the schedule: a run
 * that starts late does not make the next one late. When the loop was
 * blocked past one or more deadlines, jump over all of them at once: they
 * are skipped, not run in a burst to catch up. */
static void periodic_update_next(struct periodic *p, double now)
{
    if (p->next_deadline <= now)
        p->next_deadline +=
            (floor((now - p->next_deadline) / p->interval) + 1) * p->interval;
    else
        /* Only if the clock went backwards, which a monotonic one cannot;
         * Tornado keeps this for its wall-clock past. Still move forward. */
        p->next_deadline += p->interval;
}

/* Add the timeout for the next run; on ENOMEM, stop. 0 or -1. */
static int periodic_schedule_next(struct periodic *p)
{
    periodic_update_next(p, ioloop_time(p->loop));
    p->timeout = ioloop_add_timeout(p->loop, p->next_deadline, periodic_run, p);
    if (!p->timeout) {
        p->running = 0;
        return -1;
    }
    return 0;
}

/* The timeout's callback. Its handle has just been spent (the loop removed
 * it before calling us), so forget it first: a periodic_stop() inside the
 * callback then has nothing to cancel, and clears p->running instead, which
 * we look at afterwards. A stop-then-start inside the callback has already
 * scheduled the next run: p->timeout is set, and we must not add a second. */
static int periodic_run(struct ioloop *loop, void *arg)
{
    struct periodic *p = arg;
    int rc, saved;

    p->timeout = 0;
    rc = p->callback(loop, p->arg);
    saved = errno;
    if (p->running && !p->timeout && periodic_schedule_next(p) < 0)
        return -1; /* the loop logs ENOMEM: we stopped */
    errno = saved;
    return rc; /* a failing callback is logged by the loop, and we go on */
}

void periodic_start(struct periodic *p)
{
    if (p->running)
        return; /* a second schedule would double the rate */
    p->running = 1;
    p->next_deadline = ioloop_time(p->loop); /* the new schedule's origin */
    periodic_schedule_next(p);
}

void periodic_stop(struct periodic *p)
{
    p->running = 0;
    if (p->timeout) {
        ioloop_remove_timeout(p->loop, p->timeout);
        p->timeout = 0;
    }
}

int periodic_is_running(const struct periodic *p)
{
    return p->running;
}

void periodic_free(struct periodic *p)
{
    if (!p)
        return;
    /* A pending timeout holds p as its argument: cancel it, or the loop
     * calls periodic_run() on freed memory. */
    periodic_stop(p);
    free(p);
}
