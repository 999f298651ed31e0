/* executor_test.c - chapter 6's thread pool: results come back on the
 * loop's thread, a job cancelled before it starts never runs, shutdown
 * waits for the running ones, a full queue says EAGAIN, and the threads
 * run in parallel. */
#include "check.h"
#include "loop_harness.h"

#include "executor.h"
#include "gen.h"

#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

static pthread_t loop_thread;
static atomic_int ran;

static void nap(double seconds)
{
    struct timespec ts = {(time_t)seconds,
                          (long)((seconds - (time_t)seconds) * 1e9)};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* A job that records which thread it ran on, and sleeps arg ms. */
static int job_sleep(void *arg, void **result)
{
    nap(AS_INT(arg) / 1000.0);
    atomic_fetch_add(&ran, 1);
    *result = (void *)(uintptr_t)pthread_self();
    return 0;
}

static int job_fail(void *arg, void **result)
{
    (void)arg, (void)result;
    return EIO;
}

/* A done-callback: which thread resolves the future. */
static pthread_t delivered_on;
static void on_done(struct future *f, void *arg)
{
    (void)f, (void)arg;
    delivered_on = pthread_self();
    ioloop_stop(loop);
}

static void start(void)
{
    setup();
    loop_thread = pthread_self();
    atomic_store(&ran, 0);
}

static void results_on_the_loop_thread(void)
{
    start();
    struct executor *ex = executor_new(loop, 2, 0);
    struct future *f = executor_submit(ex, job_sleep, AS_PTR(10));
    CHECK(f != NULL);
    future_add_done_callback(f, on_done, NULL);
    ioloop_start(loop);
    CHECK(future_done(f));
    CHECK(pthread_equal(delivered_on, loop_thread));
    /* The job itself ran on another thread. */
    CHECK(!pthread_equal((pthread_t)(uintptr_t)future_result(f), loop_thread));
    future_unref(f);
    struct future *g = executor_submit(ex, job_fail, NULL);
    future_add_done_callback(g, on_done, NULL);
    ioloop_start(loop);
    CHECK_EQ(error_of(g), EIO);
    executor_free(ex);
    teardown();
}

static void cancel_before_start(void)
{
    start();
    struct executor *ex = executor_new(loop, 1, 4);
    struct future *busy = executor_submit(ex, job_sleep, AS_PTR(200));
    struct future *queued = executor_submit(ex, job_sleep, AS_PTR(0));
    nap(0.05); /* the worker holds busy; queued waits */
    CHECK_EQ(executor_queued(ex), 1);
    CHECK_EQ(executor_running(ex), 1);
    CHECK_EQ(future_cancel(queued), 1);
    CHECK_EQ(executor_queued(ex), 0);
    CHECK_EQ(future_error(queued), ECANCELED);
    CHECK_EQ(future_cancel(busy), 0); /* running: it cannot stop */
    future_add_done_callback(busy, on_done, NULL);
    ioloop_start(loop);
    CHECK_EQ(error_of(busy), 0);
    CHECK_EQ(atomic_load(&ran), 1); /* the cancelled one never ran */
    future_unref(queued);
    executor_free(ex);
    teardown();
}

static void shutdown_waits(void)
{
    start();
    struct executor *ex = executor_new(loop, 2, 0);
    struct future *a = executor_submit(ex, job_sleep, AS_PTR(200));
    struct future *b = executor_submit(ex, job_sleep, AS_PTR(200));
    nap(0.05);
    double t0 = clock_now();
    executor_free(ex); /* joins the two running jobs */
    CHECK(clock_now() - t0 >= 0.1);
    CHECK_EQ(atomic_load(&ran), 2);
    one_turn(); /* their deliveries */
    CHECK(future_done(a) && future_done(b));
    CHECK_EQ(error_of(a), 0);
    CHECK_EQ(error_of(b), 0);
    teardown();
}

static void shutdown_cancels_the_queued(void)
{
    start();
    struct executor *ex = executor_new(loop, 1, 4);
    struct future *a = executor_submit(ex, job_sleep, AS_PTR(100));
    nap(0.03);
    struct future *b = executor_submit(ex, job_sleep, AS_PTR(0));
    executor_free(ex);
    one_turn();
    CHECK_EQ(error_of(a), 0);
    CHECK_EQ(error_of(b), ECANCELED);
    CHECK_EQ(atomic_load(&ran), 1);
    teardown();
}

static void full_queue(void)
{
    start();
    struct executor *ex = executor_new(loop, 1, 2);
    struct future *f[3];
    f[0] = executor_submit(ex, job_sleep, AS_PTR(100));
    nap(0.03); /* the worker has taken f[0] */
    f[1] = executor_submit(ex, job_sleep, AS_PTR(0));
    f[2] = executor_submit(ex, job_sleep, AS_PTR(0));
    CHECK(f[1] && f[2]);
    errno = 0;
    CHECK(executor_submit(ex, job_sleep, AS_PTR(0)) == NULL);
    CHECK_EQ(errno, EAGAIN);
    executor_free(ex); /* the two still queued are cancelled */
    one_turn();
    CHECK_EQ(error_of(f[0]), 0);
    CHECK_EQ(error_of(f[1]), ECANCELED);
    CHECK_EQ(error_of(f[2]), ECANCELED);
    teardown();
}

/* A coroutine: executor_run and its result. */
static int run_body(void *arg, void **result)
{
    struct executor *ex = arg;
    void *value = NULL;
    int err = executor_run(ex, job_sleep, AS_PTR(10), &value);

    *result = value;
    return err;
}

static void run_in_a_coroutine(void)
{
    start();
    struct executor *ex = executor_new(loop, 1, 0);
    void *value = NULL;
    CHECK_EQ(gen_run_sync(loop, run_body, ex, 5, &value), 0);
    CHECK(value != NULL);
    executor_free(ex);
    teardown();
}

/* A fixed amount of CPU work: arg million steps of a dependency chain. */
static int job_spin(void *arg, void **result)
{
    uint64_t x = 1;

    for (long i = 0; i < AS_INT(arg) * 1000000L; i++)
        x = x * 6364136223846793005u + 1;
    *result = (void *)(uintptr_t)x;
    return 0;
}

/* Seconds for n spins of arg submitted at once to a pool of n threads. */
static double time_spins(int n, int arg)
{
    struct executor *ex = executor_new(loop, n, 0);
    struct future *f[2], *all;
    double t0 = clock_now();

    for (int i = 0; i < n; i++)
        f[i] = executor_submit(ex, job_spin, AS_PTR(arg));
    all = gen_multi(loop, f, (size_t)n);
    future_add_done_callback(all, on_done, NULL);
    ioloop_start(loop); /* until both are delivered */
    double took = clock_now() - t0;
    CHECK_EQ(error_of(all), 0);
    for (int i = 0; i < n; i++)
        future_unref(f[i]);
    executor_free(ex);
    return took;
}

/* Two spins on two threads take about the time of one: no global lock.
 * The best of three, with a loose bound, since the machine is shared. */
static void threads_run_in_parallel(void)
{
    start();
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        fprintf(stderr, "one CPU: skipped\n");
        CHECK(1);
        teardown();
        return;
    }
    int ok = 0;
    for (int try = 0; try < 3 && !ok; try++) {
        double one = time_spins(1, 200), two = time_spins(2, 200);
        fprintf(stderr, "one spin %.0f ms, two on two threads %.0f ms\n",
                one * 1000, two * 1000);
        ok = two < 1.6 * one;
    }
    CHECK(ok);
    teardown();
}

static const struct check_case cases[] = {
    {"results_on_the_loop_thread", results_on_the_loop_thread},
    {"cancel_before_start", cancel_before_start},
    {"shutdown_waits", shutdown_waits},
    {"shutdown_cancels_the_queued", shutdown_cancels_the_queued},
    {"full_queue", full_queue},
    {"run_in_a_coroutine", run_in_a_coroutine},
    {"threads_run_in_parallel", threads_run_in_parallel},
    {0}};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
