/* waiters.c - a FIFO of waiting futures with deadlines, for the queue and
 * the locks. Tornado: the waiter deques of tornado.queues and
 * tornado.locks, with their timeouts and _TimeoutGarbageCollector. */
#include "waiters.h"

#include <errno.h>
#include <stdlib.h>

/* One waiting future: in the list from waiters_add() until it is woken,
 * times out or is cancelled, whichever comes first; then freed. */
struct waiter {
    struct waiters *list;
    struct future *f;      /* the list's reference */
    ioloop_timeout timer;  /* 0: no deadline */
    void *item;
    struct waiter *prev, *next;
};

struct waiters {
    struct ioloop *loop;
    int timeout_error;
    struct waiter *head, *tail;
    size_t count;
};

struct waiters *waiters_new(struct ioloop *loop, int timeout_error)
{
    struct waiters *w = calloc(1, sizeof *w);

    if (!w)
        return NULL;
    w->loop = loop;
    w->timeout_error = timeout_error;
    return w;
}

/* Take wt off its list, stop its timer, and resolve its future with error
 * (or value), dropping the list's reference. Every way out goes here. */
static void waiter_finish(struct waiter *wt, int error, void *value)
{
    struct waiters *w = wt->list;

    *(wt->prev ? &wt->prev->next : &w->head) = wt->next;
    *(wt->next ? &wt->next->prev : &w->tail) = wt->prev;
    w->count--;
    if (wt->timer)
        ioloop_remove_timeout(w->loop, wt->timer);
    future_set_cancel_hook(wt->f, NULL, NULL);
    if (!future_done(wt->f)) { /* resolved by hand: leave it be */
        if (error)
            future_set_error(wt->f, error);
        else
            future_set_result(wt->f, value);
    }
    future_unref(wt->f);
    free(wt);
}

/* The deadline came first. Tornado: the on_timeout of each wait(). */
static int waiter_timed_out(struct ioloop *loop, void *arg)
{
    struct waiter *wt = arg;

    (void)loop;
    wt->timer = 0; /* it has run: nothing to remove */
    waiter_finish(wt, wt->list->timeout_error, NULL);
    return 0;
}

/* Someone cancelled the future (a coroutine cancelled while it awaits
 * it): it leaves the line at once. */
static int waiter_cancelled(struct future *f, void *arg)
{
    (void)f;
    waiter_finish(arg, ECANCELED, NULL);
    return 1;
}

void waiters_free(struct waiters *w)
{
    if (!w)
        return;
    while (w->head)
        waiter_finish(w->head, ECANCELED, NULL);
    free(w);
}

struct future *waiters_add(struct waiters *w, double deadline, void *item)
{
    struct waiter *wt = calloc(1, sizeof *wt);

    if (!wt || !(wt->f = future_new(w->loop))) {
        free(wt);
        return NULL;
    }
    if (deadline > 0 &&
        !(wt->timer = ioloop_add_timeout(w->loop, deadline, waiter_timed_out,
                                         wt))) {
        future_unref(wt->f);
        free(wt);
        errno = ENOMEM;
        return NULL;
    }
    wt->list = w;
    wt->item = item;
    wt->prev = w->tail;
    *(w->tail ? &w->tail->next : &w->head) = wt;
    w->tail = wt;
    w->count++;
    future_set_cancel_hook(wt->f, waiter_cancelled, wt);
    return future_ref(wt->f);
}

int waiters_wake(struct waiters *w, void *value, void **item)
{
    struct waiter *wt;

    while ((wt = w->head) && future_done(wt->f))
        waiter_finish(wt, 0, NULL); /* resolved by hand: skipped */
    if (!wt)
        return 0;
    if (item)
        *item = wt->item;
    waiter_finish(wt, 0, value);
    return 1;
}

size_t waiters_wake_n(struct waiters *w, size_t n, void *value)
{
    size_t woken = 0;

    while (woken < n && waiters_wake(w, value, NULL))
        woken++;
    return woken;
}

size_t waiters_count(const struct waiters *w) { return w->count; }

struct future *waiters_done_future(struct ioloop *loop, void *value)
{
    struct future *f = future_new(loop);

    if (f)
        future_set_result(f, value);
    return f;
}
