/* queues.c - the coroutines' FIFO queue: a ring of items, a line of
 * getters, a line of putters (waiters.h), and an event for join. Tornado:
 * tornado.queues.Queue. */
#include "queues.h"

#include "locks.h"
#include "waiters.h"

#include <errno.h>
#include <stdlib.h>

struct queue {
    struct ioloop *loop;
    int maxsize;
    void **ring;      /* items, oldest at ring[head] */
    size_t cap, head, len;
    struct waiters *getters;
    struct waiters *putters; /* each carries the item it would put */
    size_t unfinished;       /* put and not yet task_done */
    struct event *finished;  /* set while unfinished is 0: join waits on it */
};

struct queue *queue_new(struct ioloop *loop, int maxsize)
{
    struct queue *q;

    if (maxsize < 0) {
        errno = EINVAL; /* Tornado: ValueError */
        return NULL;
    }
    if (!(q = calloc(1, sizeof *q)))
        return NULL;
    q->loop = loop;
    q->maxsize = maxsize;
    if (!(q->getters = waiters_new(loop, ETIMEDOUT)) ||
        !(q->putters = waiters_new(loop, ETIMEDOUT)) ||
        !(q->finished = event_new(loop)))
        goto fail;
    event_set(q->finished);
    return q;
fail:
    queue_free(q);
    return NULL;
}

void queue_free(struct queue *q)
{
    if (!q)
        return;
    waiters_free(q->getters);
    waiters_free(q->putters);
    event_free(q->finished);
    free(q->ring);
    free(q);
}

size_t queue_qsize(const struct queue *q) { return q->len; }
int queue_empty(const struct queue *q) { return q->len == 0; }
int queue_maxsize(const struct queue *q) { return q->maxsize; }

int queue_full(const struct queue *q)
{
    return q->maxsize > 0 && q->len >= (size_t)q->maxsize;
}

/* ---- the ring ---- */

/* Room for one more item: the ring doubles when full (an unbounded
 * queue grows; a bounded one stops at maxsize). */
static int queue_reserve(struct queue *q)
{
    size_t cap = q->cap ? q->cap * 2 : 4;
    void **ring;

    if (q->len < q->cap)
        return 0;
    if (!(ring = malloc(cap * sizeof *ring)))
        return -1;
    for (size_t i = 0; i < q->len; i++)
        ring[i] = q->ring[(q->head + i) % q->cap];
    free(q->ring);
    q->ring = ring;
    q->cap = cap;
    q->head = 0;
    return 0;
}

/* An item goes in, and is a task unfinished until its task_done.
 * Tornado: __put_internal. */
static int queue_push(struct queue *q, void *item)
{
    if (queue_reserve(q) < 0)
        return -1;
    q->ring[(q->head + q->len) % q->cap] = item;
    q->len++;
    q->unfinished++;
    event_clear(q->finished);
    return 0;
}

static void *queue_pop(struct queue *q)
{
    void *item = q->ring[q->head];

    q->head = (q->head + 1) % q->cap;
    q->len--;
    return item;
}

/* ---- put and get ---- */

int queue_put_nowait(struct queue *q, void *item)
{
    if (waiters_count(q->getters) > 0) {
        /* Getters wait only on an empty queue: the item goes in and
         * straight out to the oldest of them. */
        if (queue_push(q, item) < 0)
            return -1;
        waiters_wake(q->getters, queue_pop(q), NULL);
        return 0;
    }
    if (queue_full(q)) {
        errno = ENOBUFS; /* Tornado: QueueFull */
        return -1;
    }
    return queue_push(q, item);
}

struct future *queue_put(struct queue *q, void *item, double deadline)
{
    if (queue_put_nowait(q, item) == 0)
        return waiters_done_future(q->loop, NULL);
    if (errno != ENOBUFS)
        return NULL;
    return waiters_add(q->putters, deadline, item);
}

int queue_get_nowait(struct queue *q, void **item)
{
    void *admitted;

    if (q->len == 0) {
        errno = ENODATA; /* Tornado: QueueEmpty */
        return -1;
    }
    *item = queue_pop(q);
    /* Putters wait only on a full queue: the slot just freed goes to the
     * oldest, whose item joins the back of the line. The ring has the
     * room: we just took one out. */
    if (waiters_wake(q->putters, NULL, &admitted))
        queue_push(q, admitted);
    return 0;
}

struct future *queue_get(struct queue *q, double deadline)
{
    void *item;

    if (queue_get_nowait(q, &item) == 0)
        return waiters_done_future(q->loop, item);
    return waiters_add(q->getters, deadline, NULL);
}

/* ---- tasks ---- */

int queue_task_done(struct queue *q)
{
    if (q->unfinished == 0) {
        errno = EINVAL; /* Tornado: ValueError, called too many times */
        return -1;
    }
    if (--q->unfinished == 0)
        event_set(q->finished);
    return 0;
}

struct future *queue_join(struct queue *q, double deadline)
{
    return event_wait(q->finished, deadline);
}
