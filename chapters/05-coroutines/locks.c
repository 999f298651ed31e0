/* locks.c - Condition, Event, Semaphore and Lock on the waiters list.
 * Tornado: tornado.locks. */
#include "locks.h"

#include "waiters.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- Condition ---- */

struct condition {
    struct waiters *waiters; /* a timed-out one resolves NULL: False */
};

struct condition *condition_new(struct ioloop *loop)
{
    struct condition *c = malloc(sizeof *c);

    if (!c)
        return NULL;
    if (!(c->waiters = waiters_new(loop, 0))) {
        free(c);
        return NULL;
    }
    return c;
}

void condition_free(struct condition *c)
{
    if (!c)
        return;
    waiters_free(c->waiters);
    free(c);
}

struct future *condition_wait(struct condition *c, double deadline)
{
    return waiters_add(c->waiters, deadline, NULL);
}

void condition_notify(struct condition *c, size_t n)
{
    waiters_wake_n(c->waiters, n, (void *)1);
}

void condition_notify_all(struct condition *c)
{
    condition_notify(c, SIZE_MAX);
}

/* ---- Event ---- */

struct event {
    struct ioloop *loop;
    int is_set;
    struct waiters *waiters;
};

struct event *event_new(struct ioloop *loop)
{
    struct event *e = malloc(sizeof *e);

    if (!e)
        return NULL;
    *e = (struct event){.loop = loop};
    if (!(e->waiters = waiters_new(loop, ETIMEDOUT))) {
        free(e);
        return NULL;
    }
    return e;
}

void event_free(struct event *e)
{
    if (!e)
        return;
    waiters_free(e->waiters);
    free(e);
}

int event_is_set(const struct event *e) { return e->is_set; }

void event_set(struct event *e)
{
    if (e->is_set)
        return;
    e->is_set = 1;
    waiters_wake_n(e->waiters, SIZE_MAX, NULL);
}

void event_clear(struct event *e) { e->is_set = 0; }

struct future *event_wait(struct event *e, double deadline)
{
    if (e->is_set)
        return waiters_done_future(e->loop, NULL);
    return waiters_add(e->waiters, deadline, NULL);
}

/* ---- Semaphore, BoundedSemaphore ---- */

struct semaphore {
    struct ioloop *loop;
    int value;
    int bound; /* a bounded one's initial value; -1: unbounded */
    struct waiters *waiters;
};

static struct semaphore *semaphore_make(struct ioloop *loop, int value,
                                        int bound)
{
    struct semaphore *s;

    if (value < 0) {
        errno = EINVAL; /* Tornado: ValueError */
        return NULL;
    }
    if (!(s = malloc(sizeof *s)))
        return NULL;
    *s = (struct semaphore){.loop = loop, .value = value, .bound = bound};
    if (!(s->waiters = waiters_new(loop, ETIMEDOUT))) {
        free(s);
        return NULL;
    }
    return s;
}

struct semaphore *semaphore_new(struct ioloop *loop, int value)
{
    return semaphore_make(loop, value, -1);
}

struct semaphore *semaphore_new_bounded(struct ioloop *loop, int value)
{
    return semaphore_make(loop, value, value);
}

void semaphore_free(struct semaphore *s)
{
    if (!s)
        return;
    waiters_free(s->waiters);
    free(s);
}

int semaphore_value(const struct semaphore *s) { return s->value; }

/* A free slot is taken at once. A waiter exists only while value is 0
 * (release hands a slot straight to the oldest one), so taking it here
 * never jumps the line. */
struct future *semaphore_acquire(struct semaphore *s, double deadline)
{
    if (s->value > 0) {
        s->value--;
        return waiters_done_future(s->loop, NULL);
    }
    return waiters_add(s->waiters, deadline, NULL);
}

int semaphore_release(struct semaphore *s)
{
    if (s->bound >= 0 && s->value >= s->bound) {
        errno = EINVAL; /* Tornado: ValueError, released too many times */
        return -1;
    }
    if (!waiters_wake(s->waiters, NULL, NULL))
        s->value++; /* nobody waits: the slot goes back to the pool */
    return 0;
}

/* ---- Lock ---- */

struct lock {
    struct semaphore *block;
};

struct lock *lock_new(struct ioloop *loop)
{
    struct lock *lock = malloc(sizeof *lock);

    if (!lock)
        return NULL;
    if (!(lock->block = semaphore_new_bounded(loop, 1))) {
        free(lock);
        return NULL;
    }
    return lock;
}

void lock_free(struct lock *lock)
{
    if (!lock)
        return;
    semaphore_free(lock->block);
    free(lock);
}

struct future *lock_acquire(struct lock *lock, double deadline)
{
    return semaphore_acquire(lock->block, deadline);
}

int lock_release(struct lock *lock)
{
    if (semaphore_release(lock->block) < 0) {
        errno = EPERM; /* Tornado: RuntimeError("release unlocked lock") */
        return -1;
    }
    return 0;
}
