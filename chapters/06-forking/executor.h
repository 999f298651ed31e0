/* executor.h - a fixed pool of threads for blocking work, each result a
 * chapter-5 future resolved on the loop's thread. Tornado: the
 * concurrent.futures.ThreadPoolExecutor behind IOLoop.run_in_executor and
 * @run_on_executor.
 *
 *     static int lookup(void *arg, void **result)   // runs on a worker
 *     {
 *         *result = slow_blocking_call(arg);        // the loop runs on
 *         return *result ? 0 : errno;
 *     }
 *
 *     struct executor *ex = executor_new(loop, 4, 64);
 *     ...in a coroutine (a gen_web handler):
 *     void *value;
 *     int err = executor_run(ex, lookup, "example.org", &value);
 *     ...at exit:
 *     executor_free(ex);       // cancels what waits, joins what runs
 *
 * The worker only computes: it never touches the loop, the future or any
 * object of the loop's thread. It hands its result back with
 * ioloop_add_callback(), the one loop call that is safe from any thread,
 * and the future is resolved there. And the threads do run in parallel:
 * C has no global interpreter lock, so four CPU-bound jobs on four workers
 * take the time of one on a four-core machine (Python's threads would
 * take the time of four for pure-Python work).
 *
 * The queue is bounded, unlike Tornado's ThreadPoolExecutor and libuv's
 * threadpool, which queue without limit: a server that accepts work
 * faster than it can do it only grows its queue and its latency. Here a
 * full queue is the caller's answer at once (EAGAIN), and the demo turns
 * it into a 503.
 *
 * Lifetimes: fn's arg belongs to the caller and must stay valid until the
 * job ends. executor_run sees to that: a coroutine cancelled while its
 * job runs waits for the job before its wait returns ECANCELED (a thread
 * cannot be stopped halfway), so arg may live on its stack. A caller of
 * executor_submit that drops the future early must see to it itself.
 */
#ifndef CH06_EXECUTOR_H
#define CH06_EXECUTOR_H

#include "future.h"
#include "ioloop.h"

#include <stddef.h>

struct executor;

/* The work, on a worker thread: 0 with *result set, or an errno value (the
 * future then fails with it). gen_fn's shape. */
typedef int executor_fn(void *arg, void **result);

/* threads workers (at least 1) taking jobs from a queue of at most
 * queue_max waiting (0: 4 per thread), resolving futures on loop. NULL
 * with errno. Tornado: ThreadPoolExecutor(max_workers). */
struct executor *executor_new(struct ioloop *loop, int threads,
                              size_t queue_max);

/* Cancel the jobs still waiting (their futures fail with ECANCELED), wait
 * for the running ones to end, and free the pool. Their results are
 * delivered on the loop's next turn: run it once more before freeing it.
 * From the loop's thread. Tornado: shutdown(wait=True, cancel_futures=True). */
void executor_free(struct executor *ex);

/* Queue fn(arg); returns its future (a reference for the caller), resolved
 * on the loop's thread with fn's result or failed with its error.
 * Cancelling the future before a worker takes the job removes it from the
 * queue (ECANCELED); once it runs, a cancel is refused. NULL with errno:
 * EAGAIN when the queue is full, ENOMEM, ESHUTDOWN after executor_free
 * began. From the loop's thread. Tornado: executor.submit(fn, arg). */
struct future *executor_submit(struct executor *ex, executor_fn *fn,
                               void *arg);

/* Inside a coroutine: submit and await. fn's error; ECANCELED if the
 * coroutine is cancelled meanwhile (a job still queued is dropped at once,
 * a running one is waited for); or submit's errno (EAGAIN: full).
 * Tornado: a method decorated with @run_on_executor, awaited. */
int executor_run(struct executor *ex, executor_fn *fn, void *arg,
                 void **result);

/* What the pool holds now: jobs waiting, jobs running. */
size_t executor_queued(struct executor *ex);
size_t executor_running(struct executor *ex);

#endif
