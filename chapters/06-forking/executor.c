/* executor.c - the thread pool: a bounded queue under one mutex, workers
 * that wait on a condition variable, and results carried back to the
 * loop's thread by ioloop_add_callback. Tornado: concurrent.futures'
 * ThreadPoolExecutor, with IOLoop.run_in_executor's chaining of its
 * future to the loop. */
#include "executor.h"

#include "gen.h"

#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_CANCELLED };

/* One piece of work, from submit to delivery. The future's reference that
 * the job holds is dropped on the loop's thread, in executor_deliver. */
struct job {
    executor_fn *fn;
    void *arg;
    struct future *future;
    struct executor *ex;  /* NULL once delivered or cancelled */
    enum job_state state; /* under ex->lock while ex is set */
    void *result;
    int error;
    struct job *prev, *next; /* the queue, while JOB_QUEUED */
};

struct executor {
    struct ioloop *loop;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t work;  /* a job was queued, or shutdown began */
    struct job queue;     /* a ring's head: oldest at next */
    size_t queued, queue_max, running;
    int shutdown;
    /* The loop thread's own: jobs submitted and not yet delivered or
     * cancelled. A freed pool with some left lives on until the last is
     * delivered, since each one's cancel hook still reaches it. */
    size_t undelivered;
    int freed;
};

static void executor_release(struct executor *ex);

/* A job has left the pool for good (loop thread). */
static void executor_forget(struct executor *ex)
{
    if (--ex->undelivered == 0 && ex->freed)
        executor_release(ex);
}

/* ---- the queue (under ex->lock) ---- */

static void executor_push(struct executor *ex, struct job *j)
{
    j->prev = ex->queue.prev;
    j->next = &ex->queue;
    ex->queue.prev->next = j;
    ex->queue.prev = j;
    ex->queued++;
}

static void executor_unlink(struct executor *ex, struct job *j)
{
    j->prev->next = j->next;
    j->next->prev = j->prev;
    j->prev = j->next = NULL;
    ex->queued--;
}

/* ---- the loop's side ---- */

/* On the loop's thread: the job is done; resolve its future. A future a
 * waiter gave up on (done already) is left as it is. */
static int executor_deliver(struct ioloop *loop, void *arg)
{
    struct job *j = arg;
    struct future *f = j->future;

    (void)loop;
    executor_forget(j->ex);
    future_set_cancel_hook(f, NULL, NULL);
    if (!future_done(f)) {
        if (j->error)
            future_set_error(f, j->error);
        else
            future_set_result(f, j->result);
    }
    future_unref(f);
    free(j);
    return 0;
}

/* future_cancel's hook, on the loop's thread: a job still queued leaves
 * the queue and fails with ECANCELED; one a worker holds cannot stop. */
static int executor_cancel(struct future *f, void *arg)
{
    struct job *j = arg;
    struct executor *ex = j->ex;
    int dropped = 0;

    pthread_mutex_lock(&ex->lock);
    if (j->state == JOB_QUEUED) {
        executor_unlink(ex, j);
        j->state = JOB_CANCELLED;
        dropped = 1;
    }
    pthread_mutex_unlock(&ex->lock);
    if (!dropped)
        return 0;
    future_settle(f, ECANCELED); /* drops the hook too */
    future_unref(f);
    free(j);
    executor_forget(ex);
    return 1;
}

/* ---- the workers ---- */

/* Hand the finished job to the loop. The loop's queue can only fail for
 * memory; then try again a moment later rather than lose the result. */
static void executor_hand_back(struct executor *ex, struct job *j)
{
    const struct timespec pause = {0, 1000000};

    while (ioloop_add_callback(ex->loop, executor_deliver, j) < 0)
        nanosleep(&pause, NULL);
}

/* The next job, or NULL once shutdown began and the queue is empty. */
static struct job *executor_take(struct executor *ex)
{
    struct job *j = NULL;

    pthread_mutex_lock(&ex->lock);
    while (!ex->shutdown && ex->queued == 0)
        pthread_cond_wait(&ex->work, &ex->lock);
    if (ex->queued > 0) {
        j = ex->queue.next;
        executor_unlink(ex, j);
        j->state = JOB_RUNNING;
        ex->running++;
    }
    pthread_mutex_unlock(&ex->lock);
    return j;
}

static void *executor_worker(void *arg)
{
    struct executor *ex = arg;
    struct job *j;

    while ((j = executor_take(ex))) {
        j->error = j->fn(j->arg, &j->result);
        pthread_mutex_lock(&ex->lock);
        j->state = JOB_DONE;
        ex->running--;
        pthread_mutex_unlock(&ex->lock);
        executor_hand_back(ex, j);
    }
    return NULL;
}

/* ---- the pool ---- */


struct executor *executor_new(struct ioloop *loop, int threads,
                              size_t queue_max)
{
    struct executor *ex = calloc(1, sizeof *ex);

    if (!ex)
        return NULL;
    if (threads < 1)
        threads = 1;
    ex->loop = loop;
    ex->queue.prev = ex->queue.next = &ex->queue;
    ex->queue_max = queue_max ? queue_max : 4 * (size_t)threads;
    pthread_mutex_init(&ex->lock, NULL);
    pthread_cond_init(&ex->work, NULL);
    if (!(ex->threads = calloc((size_t)threads, sizeof *ex->threads)))
        goto fail;
    for (; ex->nthreads < threads; ex->nthreads++) {
        int err = pthread_create(&ex->threads[ex->nthreads], NULL,
                                 executor_worker, ex);
        if (err) {
            errno = err;
            goto fail;
        }
    }
    return ex;
fail:;
    int saved = errno;
    executor_free(ex);
    errno = saved;
    return NULL;
}

/* Take every waiting job off the queue and fail its future. */
static void executor_cancel_queued(struct executor *ex)
{
    for (;;) {
        pthread_mutex_lock(&ex->lock);
        struct job *j = ex->queued ? ex->queue.next : NULL;
        if (j) {
            executor_unlink(ex, j);
            j->state = JOB_CANCELLED;
        }
        pthread_mutex_unlock(&ex->lock);
        if (!j)
            return;
        future_settle(j->future, ECANCELED);
        future_unref(j->future);
        free(j);
        ex->undelivered--; /* executor_free's caller releases */
    }
}

static void executor_release(struct executor *ex)
{
    free(ex->threads);
    pthread_cond_destroy(&ex->work);
    pthread_mutex_destroy(&ex->lock);
    free(ex);
}

void executor_free(struct executor *ex)
{
    if (!ex)
        return;
    pthread_mutex_lock(&ex->lock);
    ex->shutdown = 1;
    pthread_cond_broadcast(&ex->work);
    pthread_mutex_unlock(&ex->lock);
    executor_cancel_queued(ex); /* before the workers could take them */
    for (int i = 0; i < ex->nthreads; i++)
        pthread_join(ex->threads[i], NULL); /* the running ones end */
    ex->freed = 1;
    if (ex->undelivered == 0)
        executor_release(ex);
}

struct future *executor_submit(struct executor *ex, executor_fn *fn,
                               void *arg)
{
    struct job *j = calloc(1, sizeof *j);
    int err = 0;

    if (!j || !(j->future = future_new(ex->loop))) {
        free(j);
        errno = ENOMEM;
        return NULL;
    }
    *j = (struct job){.fn = fn, .arg = arg, .future = j->future, .ex = ex};
    pthread_mutex_lock(&ex->lock);
    if (ex->shutdown)
        err = ESHUTDOWN;
    else if (ex->queued >= ex->queue_max)
        err = EAGAIN; /* the bound: say so now, not after a long wait */
    else {
        executor_push(ex, j);
        pthread_cond_signal(&ex->work);
    }
    pthread_mutex_unlock(&ex->lock);
    if (err) {
        future_unref(j->future);
        free(j);
        errno = err;
        return NULL;
    }
    /* Safe after the unlock: only the loop's thread cancels, and it is
     * here; a worker that already finished hands back through the loop. */
    future_set_cancel_hook(j->future, executor_cancel, j);
    ex->undelivered++;
    return future_ref(j->future); /* one for the job, one for the caller */
}

int executor_run(struct executor *ex, executor_fn *fn, void *arg,
                 void **result)
{
    struct future *f = executor_submit(ex, fn, arg);
    int err;

    if (!f)
        return errno;
    err = gen_await(f, result);
    future_unref(f);
    return err;
}

size_t executor_queued(struct executor *ex)
{
    pthread_mutex_lock(&ex->lock);
    size_t n = ex->queued;
    pthread_mutex_unlock(&ex->lock);
    return n;
}

size_t executor_running(struct executor *ex)
{
    pthread_mutex_lock(&ex->lock);
    size_t n = ex->running;
    pthread_mutex_unlock(&ex->lock);
    return n;
}
