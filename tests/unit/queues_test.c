/* queues_test.c - chapter 5's queue (queues.c): the nowait errors, FIFO
 * handoff to getters and admission of putters, deadlines and cancelled
 * waiters skipped, task_done and join, growth, and freeing with waiters.
 * The traces against Tornado's are tests/tornado/semantics_sync.c. */
#include "check.h"
#include "queues.h"
#include "loop_harness.h"

/* ENODATA on empty, ENOBUFS on full, EINVAL for a negative maxsize; a
 * refused call leaves the queue as it was. */
static void nowait_errors(void)
{
    struct queue *q;
    void *item = NULL;

    setup();
    errno = 0;
    CHECK(queue_new(loop, -1) == NULL && errno == EINVAL);
    q = queue_new(loop, 1);
    CHECK_EQ(queue_get_nowait(q, &item), -1);
    CHECK_EQ(errno, ENODATA);
    CHECK_EQ(queue_put_nowait(q, "a"), 0);
    CHECK(queue_full(q));
    CHECK_EQ(queue_put_nowait(q, "b"), -1);
    CHECK_EQ(errno, ENOBUFS);
    CHECK_EQ(queue_qsize(q), 1);
    CHECK_EQ(queue_get_nowait(q, &item), 0);
    CHECK(strcmp(item, "a") == 0 && queue_empty(q));
    queue_free(q);
    teardown();
}

/* Waiting getters get the items put, first come first served; the queue
 * stays empty, and each getter's future is done at once. */
static void getters_fifo(void)
{
    struct queue *q;
    struct future *g[3];

    setup();
    q = queue_new(loop, 0);
    for (int i = 0; i < 3; i++)
        g[i] = queue_get(q, 0);
    CHECK(!future_done(g[0]));
    CHECK_EQ(queue_put_nowait(q, "a"), 0);
    CHECK(future_done(g[0]) && !future_done(g[1]));
    queue_put_nowait(q, "b");
    queue_put_nowait(q, "c");
    CHECK_EQ(queue_qsize(q), 0);
    CHECK(strcmp(result_of(g[0]), "a") == 0);
    CHECK(strcmp(result_of(g[1]), "b") == 0);
    CHECK(strcmp(result_of(g[2]), "c") == 0);
    queue_free(q);
    teardown();
}

/* On a full queue, each get takes in the oldest putter's item (qsize
 * stays at maxsize) and resolves that putter. */
static void putters_fifo(void)
{
    struct queue *q;
    struct future *p[2];
    void *item;

    setup();
    q = queue_new(loop, 1);
    queue_put_nowait(q, "a");
    p[0] = queue_put(q, "b", 0);
    p[1] = queue_put(q, "c", 0);
    CHECK(!future_done(p[0]) && !future_done(p[1]));
    CHECK_EQ(queue_get_nowait(q, &item), 0);
    CHECK(strcmp(item, "a") == 0);
    CHECK_EQ(queue_qsize(q), 1);
    CHECK(future_done(p[0]) && !future_done(p[1]));
    queue_get_nowait(q, &item);
    CHECK(strcmp(item, "b") == 0 && future_done(p[1]));
    queue_get_nowait(q, &item);
    CHECK(strcmp(item, "c") == 0 && queue_empty(q));
    CHECK_EQ(error_of(p[0]), 0);
    CHECK_EQ(error_of(p[1]), 0);
    queue_free(q);
    teardown();
}

/* A getter past its deadline fails with ETIMEDOUT and is skipped: the
 * next item goes to the getter behind it. */
static void get_timeout_is_skipped(void)
{
    struct queue *q;
    struct future *first, *second;

    setup();
    q = queue_new(loop, 0);
    first = queue_get(q, after(0.05));
    second = queue_get(q, 0);
    run_for(0.1);
    CHECK_EQ(error_of(first), ETIMEDOUT);
    CHECK(!future_done(second));
    queue_put_nowait(q, "x");
    CHECK_EQ(queue_qsize(q), 0);
    CHECK(strcmp(result_of(second), "x") == 0);
    queue_free(q);
    teardown();
}

/* A cancelled getter (as a cancelled coroutine cancels what it awaits)
 * is skipped too. */
static void cancelled_getter_is_skipped(void)
{
    struct queue *q;
    struct future *first, *second;

    setup();
    q = queue_new(loop, 0);
    first = queue_get(q, 0);
    second = queue_get(q, 0);
    CHECK_EQ(future_cancel(first), 1);
    CHECK_EQ(error_of(first), ECANCELED);
    queue_put_nowait(q, "x");
    CHECK(strcmp(result_of(second), "x") == 0);
    queue_free(q);
    teardown();
}

/* A putter past its deadline fails with ETIMEDOUT and its item is not
 * added, even when a get makes room later. */
static void put_timeout_adds_nothing(void)
{
    struct queue *q;
    struct future *p;
    void *item;

    setup();
    q = queue_new(loop, 1);
    queue_put_nowait(q, "a");
    p = queue_put(q, "b", after(0.05));
    run_for(0.1);
    CHECK_EQ(error_of(p), ETIMEDOUT);
    CHECK_EQ(queue_qsize(q), 1);
    queue_get_nowait(q, &item);
    CHECK(strcmp(item, "a") == 0 && queue_empty(q));
    queue_free(q);
    teardown();
}

/* join waits for a task_done per item put, not for an empty queue; one
 * task_done too many is EINVAL; a join may time out. */
static void task_done_and_join(void)
{
    struct queue *q;
    struct future *j;
    void *item;

    setup();
    q = queue_new(loop, 0);
    CHECK_EQ(error_of(queue_join(q, 0)), 0); /* nothing unfinished */
    queue_put_nowait(q, "1");
    queue_put_nowait(q, "2");
    j = queue_join(q, 0);
    queue_get_nowait(q, &item);
    queue_get_nowait(q, &item);
    CHECK(queue_empty(q) && !future_done(j));
    CHECK_EQ(queue_task_done(q), 0);
    CHECK(!future_done(j));
    CHECK_EQ(queue_task_done(q), 0);
    CHECK_EQ(error_of(j), 0);
    CHECK_EQ(queue_task_done(q), -1);
    CHECK_EQ(errno, EINVAL);
    queue_put_nowait(q, "3");
    j = queue_join(q, after(0.05));
    run_for(0.1);
    CHECK_EQ(error_of(j), ETIMEDOUT);
    queue_free(q);
    teardown();
}

/* An unbounded queue never waits and keeps FIFO order as its ring grows
 * and wraps around. */
static void unbounded_grows_in_order(void)
{
    struct queue *q;
    void *item;
    int ok = 1;

    setup();
    q = queue_new(loop, 0);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 1000; i++) {
            struct future *f = queue_put(q, AS_PTR(i), 0);
            ok &= future_done(f);
            future_unref(f);
            if (i % 3 == 0) /* take some out early: the ring wraps */
                queue_get_nowait(q, &item);
        }
        CHECK(!queue_full(q));
        while (queue_get_nowait(q, &item) == 0)
            ;
    }
    CHECK(ok);
    for (int i = 0; i < 10; i++)
        queue_put_nowait(q, AS_PTR(i));
    for (int i = 0; i < 10; i++) {
        queue_get_nowait(q, &item);
        ok &= AS_INT(item) == i;
    }
    CHECK(ok);
    queue_free(q);
    teardown();
}

/* Freeing a queue fails its waiting getters, putters and joins with
 * ECANCELED; their futures stay valid for whoever holds them. */
static void free_cancels_waiters(void)
{
    struct queue *q;
    struct future *g, *p, *j, *full_put;

    setup();
    q = queue_new(loop, 1);
    g = queue_get(q, after(5));
    queue_put_nowait(q, "a"); /* to g */
    CHECK_EQ(error_of(g), 0);
    g = queue_get(q, 0);
    queue_free(q);
    CHECK_EQ(error_of(g), ECANCELED);
    q = queue_new(loop, 1);
    queue_put_nowait(q, "a");
    p = queue_put(q, "b", after(5));
    full_put = queue_put(q, "c", 0);
    j = queue_join(q, 0);
    queue_free(q);
    CHECK_EQ(error_of(p), ECANCELED);
    CHECK_EQ(error_of(full_put), ECANCELED);
    CHECK_EQ(error_of(j), ECANCELED);
    one_turn(); /* the timers were removed: nothing fires later */
    teardown();
}

static const struct check_case cases[] = {
    {"nowait_errors", nowait_errors},
    {"getters_fifo", getters_fifo},
    {"putters_fifo", putters_fifo},
    {"get_timeout_is_skipped", get_timeout_is_skipped},
    {"cancelled_getter_is_skipped", cancelled_getter_is_skipped},
    {"put_timeout_adds_nothing", put_timeout_adds_nothing},
    {"task_done_and_join", task_done_and_join},
    {"unbounded_grows_in_order", unbounded_grows_in_order},
    {"free_cancels_waiters", free_cancels_waiters},
    {0},
};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
