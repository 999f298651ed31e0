/* queues.h - a FIFO queue for coroutines: producers wait while it is full,
 * consumers while it is empty. Tornado: tornado.queues.Queue.
 *
 *     static int consumer(void *arg, void **result)
 *     {
 *         struct queue *q = arg;
 *         for (;;) {
 *             void *item;
 *             struct future *f = queue_get(q, 0);    // 0: no deadline
 *             int err = gen_await(f, &item);
 *             future_unref(f);
 *             if (err)
 *                 return err;                        // ECANCELED
 *             printf("got %s\n", (char *)item);
 *             queue_task_done(q);
 *         }
 *     }
 *
 *     struct queue *q = queue_new(loop, 2);           // at most 2 items
 *     struct future *f = queue_put(q, "x", 0);        // done: there was room
 *
 * Order, as Tornado's: an item put while getters wait goes straight to the
 * oldest getter (the queue stays empty); a get from a full queue with
 * putters waiting takes the oldest putter's item in and wakes that putter
 * (the queue stays full). A getter or putter that timed out or was
 * cancelled is skipped. Woken waiters resume on the loop's next turn.
 *
 * Errors (Tornado's exception in brackets): queue_new with maxsize < 0:
 * EINVAL; queue_put_nowait on a full queue: ENOBUFS [QueueFull];
 * queue_get_nowait on an empty one: ENODATA [QueueEmpty]; one
 * queue_task_done too many: EINVAL [ValueError]; a deadline passed:
 * ETIMEDOUT [TimeoutError]. Two codes, not EAGAIN for both, so that a
 * trace says which way the queue refused.
 *
 * Ownership: items are the caller's pointers; the queue only carries them
 * (what a producer hands over, the consumer that gets it now owns).
 * queue_free() leaves the items still in it alone, and fails every waiting
 * getter, putter and join with ECANCELED (a putter's item was never put:
 * it is still its producer's). Each future returned is a reference for the
 * caller to future_unref().
 */
#ifndef CH05_QUEUES_H
#define CH05_QUEUES_H

#include "future.h"
#include "ioloop.h"

#include <stddef.h>

struct queue;

/* A queue of at most maxsize items (0: unbounded). NULL with errno
 * (EINVAL for maxsize < 0, ENOMEM). Tornado: Queue(maxsize). */
struct queue *queue_new(struct ioloop *loop, int maxsize);
void queue_free(struct queue *q);

/* A future done (with NULL) once item is in: at once if there is room (or
 * a getter waits); else when a get makes room, putters in the order they
 * came; failing with ETIMEDOUT at the deadline (absolute ioloop_time(); 0:
 * none), the item not added. NULL with errno. Tornado: put(item, timeout). */
struct future *queue_put(struct queue *q, void *item, double deadline);

/* Put item without waiting: 0, or -1 with ENOBUFS if the queue is full.
 * Tornado: put_nowait (QueueFull). */
int queue_put_nowait(struct queue *q, void *item);

/* A future resolving to the oldest item: at once if there is one, else
 * when one is put, getters in the order they came; failing with ETIMEDOUT
 * at the deadline. NULL with errno. Tornado: get(timeout). */
struct future *queue_get(struct queue *q, double deadline);

/* Take the oldest item into *item without waiting: 0, or -1 with ENODATA
 * if there is none. Tornado: get_nowait (QueueEmpty). */
int queue_get_nowait(struct queue *q, void **item);

/* A consumer has finished with an item it got. -1 with EINVAL if called
 * more times than items were put. Tornado: task_done(). */
int queue_task_done(struct queue *q);

/* A future done (with NULL) when every item put has had its task_done:
 * at once if none is unfinished; ETIMEDOUT at the deadline. NULL with
 * errno. Tornado: join(timeout). */
struct future *queue_join(struct queue *q, double deadline);

/* Items in the queue now (not counting waiting putters'). */
size_t queue_qsize(const struct queue *q);
int queue_empty(const struct queue *q);
/* Whether it holds maxsize items; never for an unbounded queue. */
int queue_full(const struct queue *q);
int queue_maxsize(const struct queue *q);

#endif
