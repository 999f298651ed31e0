/* 05-semaphore_driver.c - the checks of exercise 05-semaphore: runs the
 * reader's sema.c on chapter 5's futures and runner and chapter 3's
 * IOLoop. Built as build/{exercises,solutions}/05-semaphore/server; run
 * with a case name (tests/exercises/05-semaphore.bats runs one per @test).
 * The cases are tests/tornado/semantics.py's semaphore scenarios (whose
 * traces Tornado 6.2 printed into tests/tornado/expected/semantics/), taken
 * apart into one behaviour each; `handoff` prints that scenario's trace. */
#include "check.h"
#include "future.h"
#include "gen.h"
#include "ioloop.h"
#include "sema.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ioloop *loop;

static int stop_loop(struct ioloop *l, void *arg)
{
    (void)arg;
    ioloop_stop(l);
    return 0;
}

static void run_for(double seconds)
{
    ioloop_timeout t = ioloop_call_later(loop, seconds, stop_loop, NULL);

    ioloop_start(loop);
    ioloop_remove_timeout(loop, t);
}

static struct sema *make(int value, int bounded)
{
    struct sema *s = bounded ? sema_new_bounded(loop, value)
                             : sema_new(loop, value);

    if (!s) {
        perror("sema_new");
        exit(1);
    }
    return s;
}

/* Semaphore(2): two acquires at once, the third waits. */
static void test_counts(void)
{
    struct sema *s = make(2, 0);
    struct future *a = sema_acquire(s, 0), *b = sema_acquire(s, 0);
    struct future *c = sema_acquire(s, 0);

    CHECK(future_done(a));
    CHECK(future_done(b));
    CHECK(!future_done(c));
    if (future_done(c))
        fprintf(stderr, "a third acquire of Semaphore(2) is done at once: "
                        "value is now %d\n", sema_value(s));
    CHECK_EQ(sema_value(s), 0);
    sema_free(s);
    CHECK(future_done(c));
    future_unref(a), future_unref(b), future_unref(c);
}

static void test_negative(void)
{
    errno = 0;
    struct sema *s = sema_new(loop, -1);
    CHECK(s == NULL);
    CHECK_EQ(errno, EINVAL);
    sema_free(s);
    errno = 0;
    s = sema_new_bounded(loop, -1);
    CHECK(s == NULL);
    CHECK_EQ(errno, EINVAL);
    sema_free(s);
}

/* Semaphore(1) held; three wait. Each release wakes the oldest, and an
 * acquire made just after a release waits behind them. */
static void test_fifo_no_barging(void)
{
    struct sema *s = make(1, 0);
    struct future *held = sema_acquire(s, 0), *w[3], *late;

    for (int i = 0; i < 3; i++)
        w[i] = sema_acquire(s, 0);
    CHECK(future_done(held));
    sema_release(s);
    late = sema_acquire(s, 0);
    CHECK(future_done(w[0]) && !future_done(w[1]) && !future_done(w[2]));
    CHECK(!future_done(late));
    if (future_done(late))
        fprintf(stderr, "an acquire after the release took the slot ahead "
                        "of the waiters: barging\n");
    CHECK_EQ(sema_value(s), 0);
    for (int i = 1; i < 3; i++) {
        sema_release(s);
        CHECK(future_done(w[i]));
        CHECK(i == 2 || !future_done(w[i + 1]));
        CHECK(!future_done(late));
    }
    sema_release(s);
    CHECK(future_done(late));
    CHECK_EQ(sema_value(s), 0);
    sema_release(s);
    CHECK_EQ(sema_value(s), 1);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(future_error(w[i]), 0);
        future_unref(w[i]);
    }
    future_unref(late);
    future_unref(held);
    sema_free(s);
}

/* Semaphore(0): an acquire with a deadline fails ETIMEDOUT and takes
 * nothing; the next release goes to the next comer. */
static void test_timeout_takes_nothing(void)
{
    struct sema *s = make(0, 0);
    struct future *a = sema_acquire(s, ioloop_time(loop) + 0.05);
    struct future *b = sema_acquire(s, 0);

    run_for(0.15);
    CHECK(future_done(a));
    CHECK_EQ(future_done(a) ? future_error(a) : 0, ETIMEDOUT);
    CHECK(!future_done(b));
    sema_release(s);
    CHECK(future_done(b));
    if (!future_done(b))
        fprintf(stderr, "the release went to the waiter that had timed "
                        "out: the slot is lost\n");
    CHECK_EQ(future_done(b) ? future_error(b) : -1, 0);
    CHECK_EQ(sema_value(s), 0);
    sema_release(s);
    CHECK_EQ(sema_value(s), 1);
    struct future *c = sema_acquire(s, 0);
    CHECK(future_done(c));
    future_unref(a), future_unref(b), future_unref(c);
    sema_free(s);
}

/* A cancelled acquire leaves the line and takes nothing. */
static void test_cancel_takes_nothing(void)
{
    struct sema *s = make(0, 0);
    struct future *a = sema_acquire(s, 0);
    struct future *b = sema_acquire(s, ioloop_time(loop) + 5.0);

    CHECK(!future_done(a));
    CHECK_EQ(future_cancel(a), 1);
    CHECK(future_cancelled(a));
    sema_release(s);
    CHECK(future_done(b) && future_error(b) == 0);
    sema_release(s);
    CHECK_EQ(sema_value(s), 1);
    if (sema_value(s) != 1)
        fprintf(stderr, "a cancelled acquire took a slot\n");
    future_unref(a), future_unref(b);
    run_for(0.01);
    sema_free(s);
}

/* BoundedSemaphore(1): acquire, release, and a second release is EINVAL
 * with the value unchanged; an unbounded one counts on. */
static void test_bounded(void)
{
    struct sema *b = make(1, 1), *u = make(1, 0);
    struct future *f = sema_acquire(b, 0), *g = sema_acquire(b, 0);

    CHECK(future_done(f) && !future_done(g));
    CHECK_EQ(sema_release(b), 0); /* to g: the bound is not reached */
    CHECK(future_done(g));
    CHECK_EQ(sema_release(b), 0);
    CHECK_EQ(sema_value(b), 1);
    errno = 0;
    CHECK_EQ(sema_release(b), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(sema_value(b), 1);
    CHECK_EQ(sema_release(u), 0);
    CHECK_EQ(sema_value(u), 2);
    future_unref(f), future_unref(g);
    sema_free(b), sema_free(u);
}

/* Freeing with waiters fails them with ECANCELED (and leaks nothing:
 * SAN=1's LeakSanitizer checks every case at exit). */
static void test_free_with_waiters(void)
{
    struct sema *s = make(0, 0);
    struct future *a = sema_acquire(s, 0);
    struct future *b = sema_acquire(s, ioloop_time(loop) + 5.0);

    sema_free(s);
    CHECK(future_done(a) && future_error(a) == ECANCELED);
    CHECK(future_done(b) && future_error(b) == ECANCELED);
    run_for(0.01);
    future_unref(a), future_unref(b);
}

/* ---- tests/tornado's semaphore_handoff, with coroutines ---- */

static struct sema *shared;

static int turn(void)
{
    return gen_moment();
}

static int worker(void *arg, void **result)
{
    int k = (int)(intptr_t)arg, err;
    struct future *f = sema_acquire(shared, 0);

    err = f ? gen_await(f, NULL) : errno;
    future_unref(f);
    if (err)
        return err;
    printf("worker %d in\n", k);
    err = turn();
    printf("worker %d out\n", k);
    sema_release(shared);
    *result = NULL;
    return err;
}

static int handoff(void *arg, void **result)
{
    struct future *tasks[3], *late, *all;
    int err;

    (void)arg, (void)result;
    shared = make(1, 0);
    late = sema_acquire(shared, 0);
    err = gen_await(late, NULL);
    future_unref(late);
    for (int k = 1; k <= 3; k++)
        tasks[k - 1] = gen_spawn(loop, "worker", worker, (void *)(intptr_t)k);
    err = err ? err : turn();
    sema_release(shared);
    late = sema_acquire(shared, 0);
    printf("late acquire done %s\n", future_done(late) ? "True" : "False");
    all = gen_multi(loop, tasks, 3);
    err = err ? err : gen_await(all, NULL);
    future_unref(all);
    for (int k = 0; k < 3; k++)
        future_unref(tasks[k]);
    err = err ? err : gen_await(late, NULL);
    future_unref(late);
    if (!err)
        printf("late acquired\n");
    sema_free(shared);
    return err;
}

static void test_handoff(void)
{
    int err = gen_run_sync(loop, handoff, NULL, 5.0, NULL);

    if (err)
        fprintf(stderr, "the scenario ended with %s\n", strerror(err));
    CHECK_EQ(err, 0);
}

static const struct check_case cases[] = {
    {"counts", test_counts},
    {"negative", test_negative},
    {"fifo_no_barging", test_fifo_no_barging},
    {"timeout_takes_nothing", test_timeout_takes_nothing},
    {"cancel_takes_nothing", test_cancel_takes_nothing},
    {"bounded", test_bounded},
    {"free_with_waiters", test_free_with_waiters},
    {"handoff", test_handoff},
    {0}};

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!(loop = ioloop_new(NULL))) {
        perror("ioloop_new");
        return 1;
    }
    int rc = check_main(argc, argv, cases);
    ioloop_free(loop);
    return rc;
}
