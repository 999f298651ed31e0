/* future.h - a result that is not there yet: pending, then done with a
 * value, failed with an error, or cancelled. Tornado: tornado.concurrent.
 * Future (asyncio.Future) and future_add_done_callback.
 *
 *     static void on_done(struct future *f, void *arg)
 *     {
 *         if (future_error(f) == 0)
 *             printf("got %s\n", (char *)future_result(f));
 *     }
 *
 *     struct future *f = future_new(loop);
 *     future_add_done_callback(f, on_done, NULL);
 *     future_set_result(f, "hello");  // on_done runs on the loop's next turn
 *     future_unref(f);                // the callback holds f until it has run
 *
 * Done-callbacks never run inside future_set_result(): each is queued on
 * the IOLoop (ioloop_add_callback) and runs on its next turn, in the order
 * they were added. A callback added to a future already done runs at once,
 * inside future_add_done_callback(), as Tornado's future_add_done_callback
 * does. A coroutine that awaits a future (gen.h) is one such callback.
 *
 * Errors are errno values: ECANCELED for a cancelled future (Tornado's
 * CancelledError), ETIMEDOUT for a timeout (TimeoutError), and whatever a
 * coroutine fails with.
 *
 * Ownership: a future is reference-counted. future_new() returns one
 * reference, owned by the caller; each pending done-callback holds one more
 * until it has run. future_unref() drops a reference, and the last one
 * frees the future. A failed future freed before anyone read its error
 * (future_error) logs "Future exception was never retrieved", as Tornado
 * does: an error must not vanish. The result value is the caller's: the
 * future only carries the pointer.
 *
 * Threads: a future belongs to its loop's thread (chapter 6's thread pool
 * resolves one through ioloop_add_callback).
 */
#ifndef CH05_FUTURE_H
#define CH05_FUTURE_H

#include "ioloop.h"

struct future;

typedef void future_done_fn(struct future *f, void *arg);

/* A pending future on loop. NULL with errno (ENOMEM). */
struct future *future_new(struct ioloop *loop);

/* One more reference; returns f. */
struct future *future_ref(struct future *f);

/* Drop a reference; the last one frees f. NULL is a no-op. */
void future_unref(struct future *f);

/* Resolve f with value, or fail it with error (not 0). Its callbacks are
 * queued for the loop's next turn. -1 with EINVAL if f is done already
 * (Tornado: InvalidStateError). */
int future_set_result(struct future *f, void *value);
int future_set_error(struct future *f, int error);

/* Cancel f if it is pending: it fails with ECANCELED and its callbacks are
 * queued; 1. A future already done is left alone: 0. Tornado: cancel(). */
int future_cancel(struct future *f);

/* For a future that stands for work (gen.h's coroutines): cancelling f
 * calls hook(f, arg) instead, which asks the work to stop and returns 1,
 * or returns 0 if it cannot; f then fails (or not) as the work ends.
 * Tornado: asyncio.Task.cancel, which cancels what the task awaits. */
typedef int future_cancel_fn(struct future *f, void *arg);
void future_set_cancel_hook(struct future *f, future_cancel_fn *hook,
                            void *arg);

/* The end of work whose waiter may have gone (cancelled it) first: fail
 * f with error, or (0) resolve it with NULL, unless it is done already;
 * its cancel hook is dropped. gen_stream.c's and gen_web.c's operations
 * end so. */
void future_settle(struct future *f, int error);

/* Whether f is no longer pending (done, failed or cancelled). */
int future_done(const struct future *f);

/* Whether f was cancelled. */
int future_cancelled(const struct future *f);

/* 0 if f succeeded; its error if it failed (ECANCELED if cancelled), which
 * counts as retrieved; -1 with EINVAL while it is pending. */
int future_error(struct future *f);

/* The value f succeeded with; NULL if it failed or is pending. */
void *future_result(const struct future *f);

/* Call fn(f, arg) once f is done: on the loop's next turn after it is
 * resolved, or at once if it is done already. The callback holds a
 * reference to f until it has run. -1 with errno (ENOMEM). */
int future_add_done_callback(struct future *f, future_done_fn *fn,
                             void *arg);

/* Forget the callback fn(f, arg) added before, if it has not run (nor been
 * queued to run); 1 if it was found. Tornado: remove_done_callback. */
int future_remove_done_callback(struct future *f, future_done_fn *fn,
                                void *arg);

/* The loop f was made on. */
struct ioloop *future_loop(const struct future *f);

#endif
