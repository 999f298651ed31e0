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
    double timeouts_now;      /* while timeouts run, the time they run for */

    pthread_mutex_t lock;        /* guards pending, the only shared state */
    struct callback_list pending;

    int waker;                   /* an eventfd: readable when woken */
    atomic_int stopping;
    int running;                 /* inside ioloop_start() */
    atomic_int polling;          /* inside poll(): a wake-up is needed */

    struct ioloop_hook before_poll; /* the queue's head: a ring of hooks */

    /* The batch being dispatched, so remove_handler can drop stale events. */
    struct poller_event events[IOLOOP_MAX_EVENTS];
    int nevents, dispatching_at;

    struct ioloop_stats stats;   /* only the loop's thread writes it */
    double started;              /* the first poll's time */
    double poll_began;           /* the current poll's */
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
    const struct poller_backend *b = ioloop_find_backend(backend);

    return b ? ioloop_new_with_backend(b) : NULL;
}

struct ioloop *ioloop_new_with_backend(const struct poller_backend *backend)
{
    struct ioloop *loop = calloc(1, sizeof *loop);

    if (!loop)
        return NULL;
    loop->waker = -1;
    loop->backend = backend;
    loop->before_poll.prev = loop->before_poll.next = &loop->before_poll;
    if (!(loop->poller = backend->create()))
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
    while (loop->before_poll.next != &loop->before_poll) /* dropped, */
        ioloop_cancel_before_poll(loop->before_poll.next); /* not run */
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

/* ---- timeouts ---- */

ioloop_timeout ioloop_add_timeout(struct ioloop *loop, double deadline,
                                  ioloop_callback_fn *callback, void *arg)
{
    /* Added by a running timeout with a deadline already past, it would sit
     * on top of the heap, too new to run in this pass, and hold back the
     * older timeouts due behind it (for ever, if it re-adds itself so):
     * it queues behind them instead. It is late either way. */
    if (deadline < loop->timeouts_now)
        deadline = loop->timeouts_now;
    return timer_heap_push(&loop->timers, deadline, callback, arg);
}

ioloop_timeout ioloop_call_later(struct ioloop *loop, double delay,
                                 ioloop_callback_fn *callback, void *arg)
{
    return ioloop_add_timeout(loop, ioloop_time(loop) + delay, callback, arg);
}

int ioloop_remove_timeout(struct ioloop *loop, ioloop_timeout timeout)
{
    return timer_heap_remove(&loop->timers, timeout);
}

/* ---- callbacks, waking, stopping: the parts other threads may call ---- */

int ioloop_add_callback(struct ioloop *loop, ioloop_callback_fn *callback,
                        void *arg)
{
    struct callback_list *q = &loop->pending;
    int was_empty;

    pthread_mutex_lock(&loop->lock);
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        struct callback *items = realloc(q->items, sizeof *items * cap);
        if (!items) {
            pthread_mutex_unlock(&loop->lock);
            return -1;
        }
        q->items = items;
        q->cap = cap;
    }
    was_empty = q->len == 0;
    q->items[q->len++] = (struct callback){callback, arg};
    pthread_mutex_unlock(&loop->lock);
    /* Only a loop asleep in poll() needs waking, and only once: later
     * callbacks find the queue non-empty and the wake-up already sent. */
    if (was_empty && atomic_load(&loop->polling))
        ioloop_wake(loop);
    return 0;
}

void ioloop_wake(struct ioloop *loop)
{
    uint64_t one = 1;

    /* write() is async-signal-safe; EAGAIN means the counter is already
     * non-zero, so the loop is awake anyway. */
    (void)!write(loop->waker, &one, sizeof one);
}

void ioloop_stop(struct ioloop *loop)
{
    atomic_store(&loop->stopping, 1);
    ioloop_wake(loop);
}

/* ---- before-poll hooks ---- */

void ioloop_hook_init(struct ioloop_hook *hook, ioloop_callback_fn *fn,
                      void *arg)
{
    *hook = (struct ioloop_hook){.fn = fn, .arg = arg};
}

int ioloop_hook_queued(const struct ioloop_hook *hook)
{
    return hook->next != NULL;
}

/* Put hook last in the ring whose head is `head`. */
static void ioloop_hook_link(struct ioloop_hook *head, struct ioloop_hook *hook)
{
    hook->prev = head->prev;
    hook->next = head;
    head->prev->next = hook;
    head->prev = hook;
}

void ioloop_before_poll(struct ioloop *loop, struct ioloop_hook *hook)
{
    if (!ioloop_hook_queued(hook))
        ioloop_hook_link(&loop->before_poll, hook);
}

/* A ring needs no head to unlink from: the queue, or the batch that
 * ioloop_run_before_poll is running, whichever holds the hook. */
void ioloop_cancel_before_poll(struct ioloop_hook *hook)
{
    if (!ioloop_hook_queued(hook))
        return;
    hook->prev->next = hook->next;
    hook->next->prev = hook->prev;
    hook->prev = hook->next = NULL;
}

/* ---- the loop ---- */

/* A failing callback or handler is logged, and the loop goes on: one bad
 * connection must not take the server down (Tornado logs the exception). */
static void ioloop_report(int rc, const char *what, int fd)
{
    if (rc < 0 && fd >= 0)
        log_error("%s for fd %d failed: %s", what, fd, strerror(errno));
    else if (rc < 0)
        log_error("%s failed: %s", what, strerror(errno));
}

/* Run the callbacks queued before this moment. The queue is swapped out
 * whole, so callbacks that these callbacks add wait for the next iteration:
 * a callback that re-adds itself cannot starve I/O. */
static void ioloop_run_callbacks(struct ioloop *loop)
{
    struct callback_list batch;

    pthread_mutex_lock(&loop->lock);
    batch = loop->pending;
    loop->pending = (struct callback_list){0};
    pthread_mutex_unlock(&loop->lock);
    for (size_t i = 0; i < batch.len; i++)
        ioloop_report(batch.items[i].fn(loop, batch.items[i].arg), "callback",
                      -1);
    free(batch.items);
}

/* Run the timeouts due now, in deadline order; ones added meanwhile wait. */
static void ioloop_run_timeouts(struct ioloop *loop)
{
    double now = ioloop_time(loop);
    uint64_t limit = loop->timers.next_seq;
    struct timer_due due;

    loop->timeouts_now = now;
    while (timer_heap_pop_due(&loop->timers, now, limit, &due))
        ioloop_report(due.callback(loop, due.arg), "timeout", -1);
    loop->timeouts_now = 0;
}

/* Run the hooks queued so far, oldest first. The queue moves whole into a
 * batch first, as the callbacks do: a hook that queues itself again runs
 * next turn, not for ever now. A hook may cancel another still waiting in
 * the batch: each is unlinked before it runs, so the batch stays sound. */
static void ioloop_run_before_poll(struct ioloop *loop)
{
    struct ioloop_hook batch, *head = &loop->before_poll, *hook;

    if (head->next == head)
        return;
    batch.next = head->next;
    batch.prev = head->prev;
    batch.next->prev = batch.prev->next = &batch;
    head->next = head->prev = head;
    while ((hook = batch.next) != &batch) {
        ioloop_cancel_before_poll(hook);
        ioloop_report(hook->fn(loop, hook->arg), "before-poll hook", -1);
    }
}

/* How long poll() may sleep: 0 if callbacks or hooks wait, until the next timeout
 * (rounded up, so we never wake a hair early and spin), or for ever. */
static int ioloop_wait_ms(struct ioloop *loop)
{
    double deadline, ms;
    size_t pending;

    pthread_mutex_lock(&loop->lock);
    pending = loop->pending.len;
    pthread_mutex_unlock(&loop->lock);
    if (pending || atomic_load(&loop->stopping) ||
        loop->before_poll.next != &loop->before_poll)
        return 0;
    if (!timer_heap_peek(&loop->timers, &deadline))
        return -1;
    ms = (deadline - ioloop_time(loop)) * 1000;
    return ms <= 0 ? 0 : ms > 3600e3 ? 3600000 : (int)ms + 1;
}

/* The wait's length, computed just before poll(): the moment the wait
 * begins, for ioloop_get_stats. Two clock reads per turn (a vDSO call,
 * tens of nanoseconds) are cheap beside the poll() they bracket. */
static int ioloop_poll_timeout(struct ioloop *loop)
{
    int timeout = ioloop_wait_ms(loop);

    loop->poll_began = clock_now();
    if (loop->started == 0)
        loop->started = loop->poll_began;
    return timeout;
}

/* Call each ready descriptor's handler with the events it asked for.
 * remove_handler() may clear later entries of this batch as we go. */
static void ioloop_dispatch(struct ioloop *loop)
{
    loop->stats.poll_seconds += clock_now() - loop->poll_began; /* poll ended */
    loop->stats.turns++;
    for (int i = 0; i < loop->nevents; i++) {
        struct poller_event *ev = &loop->events[i];
        struct handler *h;

        loop->dispatching_at = i;
        if (!ev->events || ev->fd >= loop->nhandlers)
            continue;
        h = &loop->handlers[ev->fd];
        int events = ev->events & (h->events | IOLOOP_ERROR);
        if (h->fn && events)
            ioloop_report(h->fn(loop, ev->fd, events, h->arg), "handler", ev->fd);
    }
    loop->nevents = 0;
}

void ioloop_get_stats(const struct ioloop *loop, struct ioloop_stats *out)
{
    *out = loop->stats;
    out->seconds = loop->started > 0 ? clock_now() - loop->started : 0;
}

/* One turn after another until ioloop_stop():
 *
 *   1. the callbacks queued before this turn (those they add wait a turn);
 *   2. the timeouts due now;
 *   3. the before-poll hooks: what steps 1, 2 and the last turn's handlers
 *      left to finish (chapter 4's streams send their writes here);
 *   4. announce that we are about to sleep, then read how long we may:
 *      `polling` is set BEFORE ioloop_poll_timeout() looks at the queue.
 *      A thread that adds a callback after that look sees polling set and
 *      wakes us; one that added it before the look made the timeout 0.
 *      In the other order, a callback added between the look and the flag
 *      would find no flag, send no wake-up, and wait in the queue while we
 *      slept, until some unrelated event or timeout came;
 *   5. poll, and run the handler of each descriptor it reports.
 *
 * A turn that stops the loop still gets its hooks: a handler that answers
 * and then stops the loop has its answer sent.
 */
void ioloop_start(struct ioloop *loop)
{
    loop->running = 1;
    while (!atomic_load(&loop->stopping)) {
        ioloop_run_callbacks(loop);
        ioloop_run_timeouts(loop);
        ioloop_run_before_poll(loop);
        atomic_store(&loop->polling, 1);
        int timeout = ioloop_poll_timeout(loop);
        int n = loop->backend->poll(loop->poller, loop->events,
                                    IOLOOP_MAX_EVENTS, timeout);
        atomic_store(&loop->polling, 0);
        if (n < 0 && errno != EINTR)
            log_error("%s: %s", loop->backend->name, strerror(errno));
        loop->nevents = n > 0 ? n : 0;
        ioloop_dispatch(loop);
    }
    ioloop_run_before_poll(loop);
    atomic_store(&loop->stopping, 0); /* ready to start again */
    loop->running = 0;
}

int ioloop_running(const struct ioloop *loop)
{
    return loop->running;
}
