/* locks.h - coordinating coroutines: Condition, Event, Semaphore,
 * BoundedSemaphore and Lock. Tornado: tornado.locks.
 *
 *     static int worker(void *arg, void **result)
 *     {
 *         struct lock *lock = arg;
 *         struct future *f = lock_acquire(lock, 0);  // 0: no deadline
 *         int err = gen_await(f, NULL);              // our turn, FIFO
 *         future_unref(f);
 *         if (err)
 *             return err;                            // ECANCELED
 *         ...                                        // may await meanwhile
 *         lock_release(lock);
 *         *result = NULL;
 *         return 0;
 *     }
 *
 * None of these blocks a thread: every wait returns a future, to await in
 * a coroutine (gen_await). A deadline is an absolute ioloop_time(); 0 means
 * none. Waiters are served first come, first served, and one that timed out
 * or was cancelled is skipped (waiters.h).
 *
 * What a wait's future resolves to:
 *   condition_wait   (void *)1 when notified, NULL when the deadline came:
 *                    a timeout is not an error here, as in Tornado
 *   event_wait       NULL when the event is set; fails with ETIMEDOUT
 *   semaphore_acquire, lock_acquire
 *                    NULL when the slot is ours; fails with ETIMEDOUT
 * and any of them fails with ECANCELED if cancelled, or if the object is
 * freed while it waits.
 *
 * Errors (Tornado's exception in brackets): semaphore_new with a negative
 * value, releasing a bounded semaphore past its initial value: EINVAL
 * [ValueError]; releasing an unlocked lock: EPERM [RuntimeError], as
 * pthread_mutex_unlock says for a mutex one does not hold.
 *
 * Ownership: each _new's object is the caller's, freed with its _free;
 * freeing one fails its waiters with ECANCELED (their futures are theirs:
 * each caller still drops its reference). Each wait's future is a
 * reference for the caller to future_unref().
 */
#ifndef CH05_LOCKS_H
#define CH05_LOCKS_H

#include "future.h"
#include "ioloop.h"

#include <stddef.h>

/* ---- Condition: wait until notified ---- */

struct condition;

/* NULL with errno (ENOMEM). */
struct condition *condition_new(struct ioloop *loop);
void condition_free(struct condition *c);

/* A future that resolves to (void *)1 when notified, or to NULL at the
 * deadline. NULL with errno. Tornado: Condition.wait(timeout). */
struct future *condition_wait(struct condition *c, double deadline);

/* Wake the n oldest waiters (those still waiting); a notify with nobody
 * waiting is lost. Tornado: notify(n), notify_all(). */
void condition_notify(struct condition *c, size_t n);
void condition_notify_all(struct condition *c);

/* ---- Event: a flag that waiters wait to see set ---- */

struct event;

/* A new event, not set. NULL with errno. */
struct event *event_new(struct ioloop *loop);
void event_free(struct event *e);

int event_is_set(const struct event *e);

/* Set the flag and wake every waiter; later waits are done at once. */
void event_set(struct event *e);

/* Clear the flag: waits wait again. */
void event_clear(struct event *e);

/* A future done (with NULL) once the flag is set: at once if it is set;
 * failing with ETIMEDOUT at the deadline. NULL with errno. Tornado:
 * Event.wait(timeout) (there through gen.with_timeout). */
struct future *event_wait(struct event *e, double deadline);

/* ---- Semaphore, BoundedSemaphore: a counter of free slots ---- */

struct semaphore;

/* A semaphore of value slots; a bounded one refuses a release past value.
 * NULL with errno: EINVAL for a negative value [ValueError], ENOMEM.
 * Tornado: Semaphore(value), BoundedSemaphore(value). */
struct semaphore *semaphore_new(struct ioloop *loop, int value);
struct semaphore *semaphore_new_bounded(struct ioloop *loop, int value);
void semaphore_free(struct semaphore *s);

/* The free slots now. */
int semaphore_value(const struct semaphore *s);

/* A future done when a slot is ours: at once if one is free, else when a
 * release hands it over, oldest waiter first (a later acquire cannot
 * barge in); failing with ETIMEDOUT at the deadline, having taken nothing.
 * NULL with errno. */
struct future *semaphore_acquire(struct semaphore *s, double deadline);

/* Give a slot back: to the oldest waiter, if any. -1 with EINVAL for a
 * bounded semaphore already at its initial value [ValueError]. */
int semaphore_release(struct semaphore *s);

/* ---- Lock: a bounded semaphore of one ---- */

struct lock;

struct lock *lock_new(struct ioloop *loop);
void lock_free(struct lock *lock);

/* As semaphore_acquire. */
struct future *lock_acquire(struct lock *lock, double deadline);

/* -1 with EPERM if it is not locked [RuntimeError]. */
int lock_release(struct lock *lock);

#endif
