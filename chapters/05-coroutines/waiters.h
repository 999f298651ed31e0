/* waiters.h - a FIFO of futures waiting for something, each with an
 * optional deadline: what Queue, Condition, Event and Semaphore wait on.
 * Tornado: the deques of Futures in tornado.queues and tornado.locks, with
 * _TimeoutGarbageCollector and the timeouts each wait() sets.
 *
 *     struct waiters *w = waiters_new(loop, ETIMEDOUT);
 *     struct future *f = waiters_add(w, ioloop_time(loop) + 1.0, NULL);
 *     ...                            // await f in a coroutine (gen_await)
 *     waiters_wake(w, "hello", NULL);  // f succeeds with "hello"; or, a
 *                                      // second later, fails with ETIMEDOUT
 *     future_unref(f);
 *     waiters_free(w);
 *
 * A waiter leaves the list the moment it is no longer waiting: woken, timed
 * out, or cancelled (future_cancel(), as a cancelled coroutine does to what
 * it awaits). So the list holds only live waiters, and waking one never
 * lands on a waiter that has given up. Tornado leaves such futures in its
 * deques and skips them later (_consume_expired, _garbage_collect); what a
 * program sees is the same.
 *
 * Ownership: waiters_add() returns a reference for the caller; the list
 * holds one more while the waiter waits. Resolve a waiter's future only
 * through this list (or cancel it): one resolved by hand is skipped.
 * waiters_free() cancels every waiter still waiting: their futures fail with
 * ECANCELED, so a coroutine awaiting one wakes up instead of hanging.
 */
#ifndef CH05_WAITERS_H
#define CH05_WAITERS_H

#include "future.h"
#include "ioloop.h"

#include <stddef.h>

struct waiters;

/* An empty list on loop. A waiter whose deadline comes fails with
 * timeout_error (ETIMEDOUT: Tornado's TimeoutError), or, with 0, succeeds
 * with NULL (Condition.wait's False). NULL with errno (ENOMEM). */
struct waiters *waiters_new(struct ioloop *loop, int timeout_error);

/* Cancel every waiter still waiting (ECANCELED), then free the list. NULL
 * is a no-op. */
void waiters_free(struct waiters *w);

/* A new waiter at the back, carrying item (the caller's; Queue's putters
 * keep their item here), with a deadline (absolute ioloop_time(); 0: none).
 * Returns its pending future: a reference for the caller. NULL with errno. */
struct future *waiters_add(struct waiters *w, double deadline, void *item);

/* Resolve the oldest waiter with value and take it off the list; its item
 * goes to *item (if item is not NULL). 1 if there was one, 0 if none. */
int waiters_wake(struct waiters *w, void *value, void **item);

/* Wake up to n waiters (all of them for SIZE_MAX), oldest first, each
 * with value; returns how many. */
size_t waiters_wake_n(struct waiters *w, size_t n, void *value);

/* How many are waiting. */
size_t waiters_count(const struct waiters *w);

/* A future already done with value: what a wait that need not wait
 * returns (a reference for the caller). NULL with errno. */
struct future *waiters_done_future(struct ioloop *loop, void *value);

#endif
