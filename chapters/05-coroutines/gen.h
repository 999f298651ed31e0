/* gen.h - coroutines that wait for futures, and the tools Tornado builds
 * on them: spawn, await, sleep, moment, multi, with_timeout, run_sync.
 * Tornado: tornado.gen with asyncio.Task (the Runner that steps a
 * coroutine each time what it awaits is done).
 *
 *     static int slow_hello(void *arg, void **result)
 *     {
 *         int err = gen_sleep(1.0);          // the loop runs on meanwhile
 *         if (err)
 *             return err;                    // ECANCELED: we were cancelled
 *         *result = "hello";
 *         return 0;
 *     }
 *
 *     void *value;
 *     int err = gen_run_sync(loop, slow_hello, NULL, 0, &value);
 *
 * A coroutine function returns 0 and sets *result, or returns an error
 * (an errno value): the C form of returning a value or raising. Every
 * wait in it (gen_await, gen_sleep, gen_moment) returns 0 or an error,
 * and ECANCELED when the coroutine is cancelled while it waits; passing
 * that on (return err) is how the cancellation unwinds, as Tornado's
 * CancelledError does.
 *
 * Order, as Tornado's: a spawned coroutine starts on the loop's next turn;
 * one that awaits a pending future resumes on the turn after the future
 * is resolved (the future queues its callbacks); awaiting a future that is
 * done already returns at once, without giving the loop a turn.
 */
#ifndef CH05_GEN_H
#define CH05_GEN_H

#include "future.h"
#include "ioloop.h"

#include <stddef.h>

/* A coroutine's body: 0 with *result set, or an error. */
typedef int gen_fn(void *arg, void **result);

/* Run fn(arg) as a coroutine on loop, from the loop's next turn; returns
 * the future of its result (a reference for the caller; drop it with
 * future_unref() if the result does not matter: an error nobody read is
 * then logged). Cancelling that future cancels the coroutine at its
 * current wait. name is for messages. NULL with errno. Tornado:
 * asyncio.ensure_future / gen.convert_yielded. */
struct future *gen_spawn(struct ioloop *loop, const char *name, gen_fn *fn,
                         void *arg);

/* The same, but fn runs at once, up to its first wait, before gen_start
 * returns (from a coroutine too: that one goes on when fn first waits).
 * Tornado: calling a @gen.coroutine function. */
struct future *gen_start(struct ioloop *loop, const char *name, gen_fn *fn,
                         void *arg);

/* Run fn(arg) as a coroutine nobody waits for: a callback on the loop's
 * next turn makes its task, so fn starts one turn after that (a callback
 * added after this one runs first). An error it ends with is logged.
 * 0, or -1 with errno. Tornado: IOLoop.spawn_callback. */
int gen_spawn_callback(struct ioloop *loop, const char *name, gen_fn *fn,
                       void *arg);

/* Inside a coroutine: wait until f is done, then return its error (0 on
 * success) and set *value (may be NULL) to its result. A done f returns at
 * once. The caller keeps its reference to f. ECANCELED if the coroutine is
 * cancelled meanwhile (f is then cancelled too, if it can be); EPERM,
 * logged, outside a coroutine. Tornado: await f. */
int gen_await(struct future *f, void **value);

/* Wait for the future of an operation already started, whose callback
 * holds f (the reference passed in) and ends it with future_settle(): a
 * cancel only stops the wait (ECANCELED), and the operation settles f
 * later for nothing. gen_await's errors, or the operation's. */
int gen_await_operation(struct future *f);

/* Inside a coroutine: wait seconds (0: until the loop has run its due
 * timeouts). 0, or ECANCELED. Tornado: await gen.sleep(seconds). */
int gen_sleep(double seconds);

/* Inside a coroutine: let the loop run one turn (everything already
 * queued), then go on. 0, or ECANCELED. Tornado: yield gen.moment. */
int gen_moment(void);

/* A future resolved seconds from now, with NULL. Tornado: gen.sleep(). */
struct future *gen_sleep_future(struct ioloop *loop, double seconds);

/* A future done when every one of the n futures is: with NULL if all
 * succeeded (read each child's result from it), else with the error of the
 * first failed child in list order; the errors of the other failed ones
 * are logged. It holds a reference to each child until then. NULL with
 * errno. Tornado: gen.multi (multi_future). */
struct future *gen_multi(struct ioloop *loop, struct future *const *futures,
                         size_t n);

/* gen_multi, but the losing errors listed in quiet (0-terminated) are not
 * logged. Tornado: gen.multi(..., quiet_exceptions=). */
struct future *gen_multi_quiet(struct ioloop *loop,
                               struct future *const *futures, size_t n,
                               const int *quiet);

/* A future that follows f until the loop's time reaches deadline, and then
 * fails with ETIMEDOUT. f is not cancelled: it runs on, and an error it
 * ends with later is logged. Tornado: gen.with_timeout (asyncio's
 * wait_for, unlike it, cancels). NULL with errno. */
struct future *gen_with_timeout(struct ioloop *loop, double deadline,
                                struct future *f);

/* Start the loop, run fn(arg) as a coroutine until it ends, stop the loop
 * and return its error, with its result in *result (may be NULL). With
 * timeout > 0, a coroutine still running after timeout seconds is
 * cancelled, and once it has ended, ETIMEDOUT is returned. EBUSY if the
 * loop is running already. Tornado: IOLoop.run_sync. */
int gen_run_sync(struct ioloop *loop, gen_fn *fn, void *arg, double timeout,
                 void **result);

/* The loop of the running coroutine, or NULL outside one. */
struct ioloop *gen_loop(void);

#endif
