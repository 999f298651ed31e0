/* sema.h - exercise 05-semaphore: a counter of free slots that coroutines
 * wait on, and its bounded kind. Tornado: tornado.locks.Semaphore and
 * BoundedSemaphore; chapter 5 has them as semaphore_* in locks.h. The
 * exercise's names are sema_*, so that it links beside locks.o (and does
 * not meet POSIX's sem_* of <semaphore.h>).
 *
 *     struct sema *s = sema_new(loop, 2);      // two slots
 *     struct future *f = sema_acquire(s, 0);   // 0: no deadline
 *     int err = gen_await(f, NULL);            // a slot is ours (FIFO)
 *     future_unref(f);
 *     ...
 *     sema_release(s);                         // to the oldest waiter
 *
 * A deadline is an absolute ioloop_time(); 0 means none.
 */
#ifndef EX05_SEMA_H
#define EX05_SEMA_H

#include "future.h"
#include "ioloop.h"

struct sema;

/* A semaphore of value free slots. A bounded one refuses a release that
 * would take it past value. NULL with errno: EINVAL for a negative value
 * [ValueError], ENOMEM. */
struct sema *sema_new(struct ioloop *loop, int value);
struct sema *sema_new_bounded(struct ioloop *loop, int value);

/* Free s; each acquire still waiting fails with ECANCELED (its future is
 * its caller's, who still drops it). NULL is a no-op. */
void sema_free(struct sema *s);

/* The free slots now. */
int sema_value(const struct sema *s);

/* A future (a reference for the caller) done with NULL when a slot is
 * ours: at once if one is free; else when a release hands one over,
 * oldest waiter first (an acquire made after the release cannot barge in
 * ahead of a waiter). At the deadline it fails with ETIMEDOUT having taken
 * nothing; cancelled (future_cancel) it takes nothing either. NULL with
 * errno. */
struct future *sema_acquire(struct sema *s, double deadline);

/* Give a slot back: to the oldest waiter if any, else to the count. 0; -1
 * with EINVAL for a bounded semaphore at its initial value [ValueError]. */
int sema_release(struct sema *s);

#endif
