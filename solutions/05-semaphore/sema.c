/* sema.c - exercise 05-semaphore (a solution): free slots counted, and a
 * line of waiters (chapter 5's waiters.h) served oldest first. The task
 * and hints are in README.md; the contract is in sema.h. */
#include "sema.h"

#include "waiters.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

struct sema {
    struct ioloop *loop;
    int value;             /* free slots; never above 0 while any wait */
    int limit;             /* a bounded one's initial value, else INT_MAX */
    struct waiters *queue; /* the acquires waiting, oldest first */
};

static struct sema *sema_make(struct ioloop *loop, int value, int limit)
{
    struct sema *s;

    if (value < 0) { /* hint 4: Tornado's ValueError */
        errno = EINVAL;
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->loop = loop, s->value = value, s->limit = limit;
    /* A deadline fails the waiter with ETIMEDOUT and takes it off the
     * line: nothing was taken, nothing is to give back (hint 3). */
    s->queue = waiters_new(loop, ETIMEDOUT);
    if (s->queue)
        return s;
    free(s);
    return NULL;
}

struct sema *sema_new(struct ioloop *loop, int value)
{
    return sema_make(loop, value, INT_MAX);
}

struct sema *sema_new_bounded(struct ioloop *loop, int value)
{
    return sema_make(loop, value, value);
}

void sema_free(struct sema *s)
{
    if (s) {
        waiters_free(s->queue); /* the waiters fail with ECANCELED */
        free(s);
    }
}

int sema_value(const struct sema *s) { return s->value; }

/* While anyone waits, value is 0 (release hands its slot over instead of
 * counting it), so a free slot here means nobody is in line: taking it
 * jumps no one (hint 2). */
struct future *sema_acquire(struct sema *s, double deadline)
{
    if (s->value == 0)
        return waiters_add(s->queue, deadline, NULL); /* hint 1 */
    s->value--;
    return waiters_done_future(s->loop, NULL);
}

/* The slot goes straight to the oldest waiter still waiting (one that
 * timed out or was cancelled has left the line: hint 3), and the count
 * does not move; only with nobody waiting is it counted (hint 2). */
int sema_release(struct sema *s)
{
    if (s->value >= s->limit) {
        errno = EINVAL; /* hint 4: released more often than acquired */
        return -1;
    }
    if (waiters_wake(s->queue, NULL, NULL) == 0)
        s->value++;
    return 0;
}
