/* gen_test.c - chapter 5's futures (future.c) and runner (gen.c): the
 * order callbacks and coroutines run in, references, errors, cancellation,
 * and Tornado's tools (sleep, moment, multi, with_timeout, run_sync). The
 * full comparison with Tornado's traces is tests/tornado/. */
#include "check.h"
#include "future.h"
#include "gen.h"
#include "loop_harness.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What happened, in order: small integers. */
static int events[64], nevents;

static void event(int e)
{
    if (nevents < 64)
        events[nevents++] = e;
}

static int events_are(const int *want, int n)
{
    if (nevents != n) {
        fprintf(stderr, "%d events, want %d:", nevents, n);
        for (int i = 0; i < nevents; i++)
            fprintf(stderr, " %d", events[i]);
        fprintf(stderr, "\n");
        return 0;
    }
    return memcmp(events, want, sizeof *want * (size_t)n) == 0;
}

/* Each case: a fresh loop, and no events yet. */
static void start_case(void)
{
    setup();
    nevents = 0;
}

/* ---- futures ---- */

static void record_done(struct future *f, void *arg)
{
    event(AS_INT(arg) * 10 + AS_INT(future_result(f)));
}

/* Callbacks run in the order added, on the loop's next turn, never inside
 * set_result; one added to a done future runs at once. */
static void future_callbacks(void)
{
    struct future *f;

    start_case();
    f = future_new(loop);
    for (int k = 1; k <= 3; k++)
        CHECK_EQ(future_add_done_callback(f, record_done, AS_PTR(k)), 0);
    CHECK_EQ(future_set_result(f, AS_PTR(7)), 0);
    CHECK_EQ(nevents, 0);
    future_unref(f); /* the callbacks still hold it */
    one_turn();
    CHECK(events_are((int[]){17, 27, 37}, 3));
    f = future_new(loop);
    future_set_result(f, AS_PTR(5));
    future_add_done_callback(f, record_done, AS_PTR(4));
    CHECK(events_are((int[]){17, 27, 37, 45}, 4));
    future_unref(f);
    teardown();
}

/* Setting twice is EINVAL; cancel works on a pending future only; a
 * removed callback never runs. */
static void future_states(void)
{
    struct future *f;

    start_case();
    f = future_new(loop);
    CHECK(!future_done(f));
    CHECK_EQ(future_error(f), -1);
    CHECK_EQ(future_set_error(f, 0), -1);
    future_add_done_callback(f, record_done, AS_PTR(1));
    CHECK_EQ(future_remove_done_callback(f, record_done, AS_PTR(1)), 1);
    CHECK_EQ(future_remove_done_callback(f, record_done, AS_PTR(1)), 0);
    CHECK_EQ(future_cancel(f), 1);
    CHECK(future_done(f) && future_cancelled(f));
    CHECK_EQ(future_error(f), ECANCELED);
    CHECK_EQ(future_cancel(f), 0);
    CHECK_EQ(future_set_result(f, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    one_turn();
    CHECK_EQ(nevents, 0);
    future_unref(f);
    teardown();
}

/* A failed future freed unread logs its error (bats checks the line). */
static void future_never_retrieved(void)
{
    struct future *f;

    start_case();
    f = future_new(loop);
    future_set_error(f, EDOM);
    future_unref(f);
    f = future_new(loop);
    future_set_error(f, ERANGE);
    CHECK_EQ(future_error(f), ERANGE); /* read: not logged */
    future_unref(f);
    teardown();
}

/* ---- the runner ---- */

static struct future *shared;

static int awaiter(void *arg, void **result)
{
    void *value = NULL;
    int error;

    event(AS_INT(arg));        /* started */
    error = gen_await(shared, &value);
    event(AS_INT(arg) + AS_INT(value));
    *result = value;
    return error;
}

static int resolve_cb(struct ioloop *l, void *arg)
{
    (void)l;
    event(5);
    future_set_result(shared, arg);
    return 0;
}

/* A spawned coroutine starts on the next turn; awaiting a pending future
 * resumes it on the turn after the future is resolved; the result reaches
 * the coroutine's own future. */
static void spawn_and_await(void)
{
    struct future *task;

    start_case();
    shared = future_new(loop);
    task = gen_spawn(loop, "awaiter", awaiter, AS_PTR(100));
    CHECK(task != NULL);
    CHECK_EQ(nevents, 0);
    one_turn();                              /* it starts, and waits */
    CHECK(events_are((int[]){100}, 1));
    ioloop_add_callback(loop, resolve_cb, AS_PTR(20));
    one_turn();                              /* resolved; not yet resumed */
    CHECK(events_are((int[]){100, 5}, 2));
    CHECK(!future_done(task));
    one_turn();                              /* resumed, and ended */
    CHECK(events_are((int[]){100, 5, 120}, 3));
    CHECK(future_done(task));
    CHECK_EQ(future_error(task), 0);
    CHECK_EQ(AS_INT(future_result(task)), 20);
    future_unref(task);
    future_unref(shared);
    teardown();
}

static int await_done_body(void *arg, void **result)
{
    (void)arg;
    ioloop_add_callback(gen_loop(), stop_cb, NULL);
    gen_await(shared, result); /* done: no turn given to stop_cb */
    event(1);
    return 0;
}

/* Awaiting a done future returns at once, without a turn of the loop. */
static void await_done_future(void)
{
    void *value = NULL;

    start_case();
    shared = future_new(loop);
    future_set_result(shared, AS_PTR(9));
    CHECK_EQ(gen_run_sync(loop, await_done_body, NULL, 0, &value), 0);
    CHECK_EQ(AS_INT(value), 9);
    CHECK(events_are((int[]){1}, 1));
    future_unref(shared);
    teardown();
}

/* Outside a coroutine every wait is EPERM, logged, and nothing breaks. */
static void await_outside(void)
{
    start_case();
    shared = future_new(loop);
    CHECK_EQ(gen_await(shared, NULL), EPERM);
    CHECK_EQ(gen_sleep(0.01), EPERM);
    CHECK_EQ(gen_moment(), EPERM);
    CHECK(gen_loop() == NULL);
    future_unref(shared);
    teardown();
}

static int sleeper(void *arg, void **result)
{
    (void)result;
    int error = gen_sleep(AS_INT(arg) / 1000.0);
    event(error == ECANCELED ? -AS_INT(arg) : AS_INT(arg));
    return error;
}

/* A coroutine to spawn: its name, its body, its argument. */
struct child {
    const char *name;
    gen_fn *fn;
    int arg;
};

/* Inside a coroutine: spawn n children, wait for them all with gen_multi
 * and drop them; multi's error (the first in list order), or 0. */
static int run_children(const struct child *c, size_t n)
{
    struct future **f = calloc(n, sizeof *f), *all;
    int error;

    for (size_t i = 0; i < n; i++)
        f[i] = gen_spawn(gen_loop(), c[i].name, c[i].fn, AS_PTR(c[i].arg));
    all = gen_multi(gen_loop(), f, n);
    error = gen_await(all, NULL);
    future_unref(all);
    for (size_t i = 0; i < n; i++)
        future_unref(f[i]);
    free(f);
    return error;
}

static int two_sleepers(void *arg, void **result)
{
    const struct child c[] = {{"slow", sleeper, 60}, {"quick", sleeper, 20}};

    (void)arg;
    (void)result;
    return run_children(c, sizeof c / sizeof *c);
}

/* Sleepers wake in deadline order; multi waits for both. */
static void sleep_order(void)
{
    start_case();
    CHECK_EQ(gen_run_sync(loop, two_sleepers, NULL, 0, NULL), 0);
    CHECK(events_are((int[]){20, 60}, 2));
    teardown();
}

static int pinger(void *arg, void **result)
{
    (void)result;
    for (int i = 0; i < 3; i++) {
        event(AS_INT(arg) + i);
        gen_moment();
    }
    return 0;
}

static int ping_pong(void *arg, void **result)
{
    const struct child c[] = {{"ping", pinger, 10}, {"pong", pinger, 20}};

    (void)arg;
    (void)result;
    return run_children(c, sizeof c / sizeof *c);
}

/* gen_moment gives the loop one turn: two coroutines take turns. */
static void moment_interleaves(void)
{
    start_case();
    CHECK_EQ(gen_run_sync(loop, ping_pong, NULL, 0, NULL), 0);
    CHECK(events_are((int[]){10, 20, 11, 21, 12, 22}, 6));
    teardown();
}

static int fail_after(void *arg, void **result)
{
    (void)result;
    gen_sleep(AS_INT(arg) / 1000.0);
    return AS_INT(arg) == 20 ? ERANGE : EDOM;
}

static int multi_errors(void *arg, void **result)
{
    const struct child c[] = {{"late", fail_after, 60},
                              {"early", fail_after, 20},
                              {"ok", sleeper, 40}};

    (void)arg;
    (void)result;
    return run_children(c, sizeof c / sizeof *c);
}

/* multi waits for every child; the first error in list order wins (not
 * the first in time), the other is logged (bats checks the line). */
static void multi_first_error_in_list_order(void)
{
    struct future *none;

    start_case();
    CHECK_EQ(gen_run_sync(loop, multi_errors, NULL, 0, NULL), EDOM);
    CHECK(events_are((int[]){40}, 1));
    none = gen_multi(loop, NULL, 0);
    CHECK(none && future_done(none) && future_error(none) == 0);
    future_unref(none);
    teardown();
}

static int with_timeout_body(void *arg, void **result)
{
    struct future *slow, *limited;
    int error;

    (void)arg;
    (void)result;
    slow = gen_spawn(gen_loop(), "slow", sleeper, AS_PTR(80));
    limited = gen_with_timeout(gen_loop(), ioloop_time(gen_loop()) + 0.02,
                               slow);
    error = gen_await(limited, NULL);
    event(error == ETIMEDOUT ? 1 : 0);
    event(future_done(slow) ? 2 : 3); /* still running */
    gen_await(slow, NULL);            /* and it ends well */
    event(future_error(slow) == 0 ? 4 : 5);
    future_unref(limited);
    future_unref(slow);
    return 0;
}

/* with_timeout fails at its deadline, and does not cancel what it waits
 * for. */
static void with_timeout_leaves_future_running(void)
{
    start_case();
    CHECK_EQ(gen_run_sync(loop, with_timeout_body, NULL, 0, NULL), 0);
    CHECK(events_are((int[]){1, 3, 80, 4}, 4));
    teardown();
}

static int busy_run_sync(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return gen_run_sync(gen_loop(), sleeper, AS_PTR(1), 0, NULL);
}

/* run_sync: the coroutine's result; its timeout cancels the coroutine
 * (which sees ECANCELED), waits for it and answers ETIMEDOUT; inside a
 * running loop it is EBUSY. The loop can run again after each. */
static void run_sync(void)
{
    start_case();
    CHECK_EQ(gen_run_sync(loop, sleeper, AS_PTR(10), 0, NULL), 0);
    CHECK_EQ(gen_run_sync(loop, sleeper, AS_PTR(500), 0.05, NULL), ETIMEDOUT);
    CHECK(events_are((int[]){10, -500}, 2));
    CHECK_EQ(gen_run_sync(loop, busy_run_sync, NULL, 0, NULL), EBUSY);
    CHECK_EQ(gen_run_sync(loop, sleeper, AS_PTR(10), 0, NULL), 0);
    teardown();
}

static int cancel_body(void *arg, void **result)
{
    struct future *task, *waiter;
    int error;

    (void)arg;
    (void)result;
    task = gen_spawn(gen_loop(), "sleeper", sleeper, AS_PTR(300));
    gen_moment(); /* it starts sleeping */
    CHECK_EQ(future_cancel(task), 1);
    error = gen_await(task, NULL);
    event(error == ECANCELED ? 1 : 0);
    CHECK(future_cancelled(task));
    future_unref(task);
    /* Cancelled before it ever ran: its body never runs. */
    waiter = gen_spawn(gen_loop(), "never", sleeper, AS_PTR(7));
    future_cancel(waiter);
    event(gen_await(waiter, NULL) == ECANCELED ? 2 : 0);
    future_unref(waiter);
    return 0;
}

/* Cancelling a coroutine's future cancels the sleep it waits in (the wait
 * returns ECANCELED), or, before it has started, its whole body. */
static void cancel_a_coroutine(void)
{
    start_case();
    CHECK_EQ(gen_run_sync(loop, cancel_body, NULL, 0, NULL), 0);
    CHECK(events_are((int[]){-300, 1, 2}, 3));
    teardown();
}

#define MANY 10000

static int many_body(void *arg, void **result)
{
    static struct child c[MANY];

    (void)arg;
    (void)result;
    for (int i = 0; i < MANY; i++)
        c[i] = (struct child){"sleeper", sleeper, 100};
    return run_children(c, MANY);
}

/* 10,000 coroutines sleep 0.1 s at once, and all wake. */
static void ten_thousand_sleepers(void)
{
    start_case();
    CHECK_EQ(gen_run_sync(loop, many_body, NULL, 0, NULL), 0);
    CHECK_EQ(nevents, 64); /* the first 64 recorded: each woke */
    CHECK_EQ(events[63], 100);
    teardown();
}

static const struct check_case cases[] = {
    {"future_callbacks", future_callbacks},
    {"future_states", future_states},
    {"future_never_retrieved", future_never_retrieved},
    {"spawn_and_await", spawn_and_await},
    {"await_done_future", await_done_future},
    {"await_outside", await_outside},
    {"sleep_order", sleep_order},
    {"moment_interleaves", moment_interleaves},
    {"multi_first_error_in_list_order", multi_first_error_in_list_order},
    {"with_timeout_leaves_future_running", with_timeout_leaves_future_running},
    {"run_sync", run_sync},
    {"cancel_a_coroutine", cancel_a_coroutine},
    {"ten_thousand_sleepers", ten_thousand_sleepers},
    {0},
};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
