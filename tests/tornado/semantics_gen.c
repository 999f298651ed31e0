/* semantics_gen.c - the C side of semantics.py's scenarios about futures,
 * the loop, coroutines and gen: each one under the same name, the same
 * calls in the same order, printing the same trace (README.md).
 *
 *     semantics_gen NAME      run one scenario, print its trace
 *     semantics_gen --list    the scenarios' names, one a line
 *
 * Python's exceptions are errno codes, named in each scenario's table for
 * trace_error(); an async def is a gen_fn, await is gen_await, and a
 * scenario that is a coroutine in Python runs under gen_run_sync.
 */
#include "future.h"
#include "gen.h"
#include "ioloop.h"
#include "trace.h"

#include <stdint.h>
#include <stdlib.h>

#define AS_PTR(n) ((void *)(intptr_t)(n))
#define AS_INT(p) ((int)(intptr_t)(p))

static struct ioloop *loop;

static const char *py_bool(int b) { return b ? "True" : "False"; }

/* IOLoop.add_callback(say, WORDS) and call_later(s, say, WORDS). */
static int say_cb(struct ioloop *l, void *words)
{
    (void)l;
    say("%s", (const char *)words);
    return 0;
}

static int resolve_cb(struct ioloop *l, void *f)
{
    (void)l;
    future_set_result(f, NULL);
    return 0;
}

/* semantics.py's turns(n): each turn awaits a future that an add_callback
 * callback resolves, so the callbacks already queued run first. */
static int turns(int n)
{
    for (int i = 0; i < n; i++) {
        struct future *f = future_new(loop);
        int err;
        if (!f || ioloop_add_callback(loop, resolve_cb, f) < 0)
            return ENOMEM;
        err = gen_await(f, NULL);
        future_unref(f);
        if (err)
            return err;
    }
    return 0;
}

/* Await a coroutine's task and drop it: 0 or its error, *value its
 * result (value may be NULL). */
static int await_task(struct future *task, void **value)
{
    int err = gen_await(task, value);

    future_unref(task);
    return err;
}

/* ---- Futures ---- */

static void say_callback_result(struct future *f, void *k)
{
    say("callback %d %d", AS_INT(k), AS_INT(future_result(f)));
}

/* Done-callbacks run in the order added, after set_result has returned
 * (queued on the loop), each given the future. */
static int future_callbacks_order(void *arg, void **result)
{
    struct future *f = future_new(loop);

    (void)arg, (void)result;
    for (int k = 1; k <= 3; k++)
        future_add_done_callback(f, say_callback_result, AS_PTR(k));
    future_set_result(f, AS_PTR(7));
    say("after set_result");
    turns(1);
    say("after one iteration");
    future_unref(f);
    return 0;
}

static void say_callback(struct future *f, void *arg)
{
    (void)arg;
    say("callback %d", AS_INT(future_result(f)));
}

/* future_add_done_callback on a done future runs the callback at once,
 * inside the call (tornado.concurrent.future_add_done_callback). */
static int future_callback_on_done(void *arg, void **result)
{
    struct future *f = future_new(loop);

    (void)arg, (void)result;
    future_set_result(f, AS_PTR(1));
    future_add_done_callback(f, say_callback, NULL);
    say("after add_done_callback");
    turns(1);
    say("after one iteration");
    future_unref(f);
    return 0;
}

/* Awaiting a done future returns at once, without a loop iteration: a
 * callback added just before runs only at the next real suspension. */
static int future_await_done(void *arg, void **result)
{
    struct future *f = future_new(loop);
    void *v;

    (void)arg, (void)result;
    future_set_result(f, AS_PTR(5));
    ioloop_add_callback(loop, say_cb, "callback");
    gen_await(f, &v);
    say("await returned %d", AS_INT(v));
    turns(1);
    say("after one iteration");
    future_unref(f);
    return 0;
}

static int resolve_with_3(struct ioloop *l, void *f)
{
    (void)l;
    future_set_result(f, AS_PTR(3));
    say("resolved");
    return 0;
}

/* Awaiting a pending future suspends; the awaiter wakes after the
 * callback that resolved it has returned. */
static int future_await_pending(void *arg, void **result)
{
    struct future *f = future_new(loop);
    void *v;

    (void)arg, (void)result;
    ioloop_add_callback(loop, resolve_with_3, f);
    say("awaiting");
    gen_await(f, &v);
    say("await returned %d", AS_INT(v));
    future_unref(f);
    return 0;
}

static void say_callback_done(struct future *f, void *arg)
{
    (void)arg;
    say("callback done %s", py_bool(future_done(f)));
}

/* set_error: awaiting returns it, future_error() returns it, and the
 * callback still runs. */
static int future_set_exception(void *arg, void **result)
{
    static const struct trace_error names[] = {{EDOM, "ValueError boom"}, {0}};
    struct future *f = future_new(loop);

    (void)arg, (void)result;
    trace_start(names);
    future_add_done_callback(f, say_callback_done, NULL);
    future_set_error(f, EDOM);
    trace_error(NULL, gen_await(f, NULL));
    say("exception %s", future_error(f) == EDOM ? "ValueError" : "?");
    future_unref(f);
    return 0;
}

static void say_callback_cancelled(struct future *f, void *arg)
{
    (void)arg;
    say("callback cancelled %s", py_bool(future_cancelled(f)));
}

/* cancel on a pending future: 1, it is done and cancelled, its callbacks
 * run, awaiting it is ECANCELED; on a done future: 0, nothing changes. */
static int future_cancel_scenario(void *arg, void **result)
{
    struct future *f = future_new(loop), *g = future_new(loop);

    (void)arg, (void)result;
    future_add_done_callback(f, say_callback_cancelled, NULL);
    say("cancel %s", py_bool(future_cancel(f)));
    say("done %s cancelled %s", py_bool(future_done(f)),
        py_bool(future_cancelled(f)));
    trace_error(NULL, gen_await(f, NULL));
    future_set_result(g, AS_PTR(1));
    say("cancel done future %s result %d", py_bool(future_cancel(g)),
        AS_INT(future_result(g)));
    future_unref(f);
    future_unref(g);
    return 0;
}

/* Reading a pending future and setting a done one are both EINVAL
 * (InvalidStateError); the first result stays. */
static int future_invalid_state(void *arg, void **result)
{
    static const struct trace_error names[] = {{EINVAL, "InvalidStateError"},
                                               {0}};
    struct future *f = future_new(loop);

    (void)arg, (void)result;
    trace_start(names);
    if (future_error(f) < 0)
        trace_error(NULL, errno);
    future_set_result(f, AS_PTR(1));
    if (future_set_result(f, AS_PTR(2)) < 0)
        trace_error(NULL, errno);
    say("result %d", AS_INT(future_result(f)));
    future_unref(f);
    return 0;
}

static int awaiter(void *f, void **result)
{
    int err = gen_await(f, NULL);

    if (err == ECANCELED)
        trace_error("awaiter", err);
    *result = "done";
    return 0;
}

/* Cancelling a future a coroutine awaits: its await returns ECANCELED
 * (on a later iteration), and it can go on. */
static int future_cancel_awaiter(void *arg, void **result)
{
    struct future *f = future_new(loop);
    struct future *task = gen_spawn(loop, "awaiter", awaiter, f);
    void *v;

    (void)arg, (void)result;
    turns(1);
    say("cancel %s", py_bool(future_cancel(f)));
    await_task(task, &v);
    say("awaiter returned %s", (const char *)v);
    future_unref(f);
    return 0;
}

static int sleeper(void *arg, void **result)
{
    int err = gen_sleep(0.2);

    (void)arg, (void)result;
    if (!err)
        say("sleeper finished");
    say("sleeper finally"); /* Python's finally */
    return err;
}

/* Cancelling a coroutine's task: its current wait returns ECANCELED; if
 * it passes that on, awaiting the task is ECANCELED. */
static int task_cancel(void *arg, void **result)
{
    struct future *task = gen_spawn(loop, "sleeper", sleeper, NULL);

    (void)arg, (void)result;
    turns(1);
    say("cancel %s", py_bool(future_cancel(task)));
    trace_error(NULL, gen_await(task, NULL));
    say("task cancelled %s", py_bool(future_cancelled(task)));
    future_unref(task);
    return 0;
}

/* ---- The loop and coroutines ---- */

static int first(struct ioloop *l, void *arg)
{
    (void)arg;
    say("first");
    ioloop_add_callback(l, say_cb, "added by first");
    return 0;
}

/* add_callback is FIFO; a callback added by one runs after those already
 * queued. */
static int callback_order(void *arg, void **result)
{
    (void)arg, (void)result;
    ioloop_add_callback(loop, first, NULL);
    ioloop_add_callback(loop, say_cb, "second");
    ioloop_add_callback(loop, say_cb, "third");
    return turns(3);
}

/* call_later runs in deadline order; remove_timeout cancels one;
 * call_later(0) still waits for the loop. */
static int timeout_order(void *arg, void **result)
{
    ioloop_timeout h;

    (void)arg, (void)result;
    ioloop_call_later(loop, 0.2, say_cb, "at 0.2");
    h = ioloop_call_later(loop, 0.1, say_cb, "removed");
    ioloop_call_later(loop, 0.05, say_cb, "at 0.05");
    ioloop_call_later(loop, 0, say_cb, "at 0");
    ioloop_remove_timeout(loop, h);
    say("scheduled");
    return gen_sleep(0.3);
}

static int coro_body(void *arg, void **result)
{
    (void)arg, (void)result;
    say("coroutine body");
    return 0;
}

/* spawn_callback: the body starts one iteration after the callback that
 * makes its task, so a plain callback added after it runs first. */
static int spawn_callback_start(void *arg, void **result)
{
    (void)arg, (void)result;
    gen_spawn_callback(loop, "coro", coro_body, NULL);
    ioloop_add_callback(loop, say_cb, "plain callback");
    say("scheduled");
    return turns(3);
}

static int coro_started(void *arg, void **result)
{
    (void)arg;
    say("coroutine started");
    *result = AS_PTR(4);
    return 0;
}

/* A coroutine starts on the next iteration of the task made for it, not
 * at once. (Python's "calling makes a coroutine object that runs nothing"
 * has no C step: the function and its argument are that object.) */
static int coroutine_lazy_start(void *arg, void **result)
{
    struct future *f;
    void *v;

    (void)arg, (void)result;
    say("called");
    f = gen_spawn(loop, "coro", coro_started, NULL);
    say("wrapped, done %s", py_bool(future_done(f)));
    await_task(f, &v);
    say("result %d", AS_INT(v));
    return 0;
}

static int ok(void *arg, void **result)
{
    (void)arg;
    *result = AS_PTR(1);
    return 0;
}

static int bad(void *arg, void **result)
{
    (void)arg, (void)result;
    return EDOM;
}

/* A coroutine's value, or its error, reaches its awaiter. Awaiting a
 * coroutine (not a task) runs it inside the awaiter: in C, a call. */
static int coroutine_return_error(void *arg, void **result)
{
    static const struct trace_error names[] = {{EDOM, "ValueError boom"}, {0}};
    void *v;
    int err;

    (void)arg, (void)result;
    trace_start(names);
    ok(NULL, &v);
    say("ok %d", AS_INT(v));
    if ((err = bad(NULL, &v)))
        trace_error(NULL, err);
    return 0;
}

/* A child coroutine's parameters: a name or value, and a delay. */
struct child {
    const char *name;
    double secs;
    int value;
};

/* gen.multi of children: spawn each, wait for them all; the children's
 * results in *results (may be NULL), the multi's error returned. */
static int multi_of(gen_fn *fn, struct child *c, size_t n, const int *quiet,
                    void **results)
{
    struct future *tasks[8] = {0}, *m;
    int err;

    for (size_t i = 0; i < n; i++)
        tasks[i] = gen_spawn(loop, "child", fn, &c[i]);
    m = gen_multi_quiet(loop, tasks, n, quiet);
    err = await_task(m, NULL);
    for (size_t i = 0; i < n; i++) {
        if (results)
            results[i] = future_result(tasks[i]);
        future_unref(tasks[i]);
    }
    return err;
}

static int named_sleeper(void *arg, void **result)
{
    struct child *c = arg;
    int err = gen_sleep(c->secs);

    (void)result;
    if (!err)
        say("woke %s", c->name);
    return err;
}

/* Sleepers wake in deadline order, not start order. */
static int sleep_order(void *arg, void **result)
{
    struct child c[] = {{"c", 0.25, 0}, {"a", 0.05, 0}, {"b", 0.15, 0}};

    (void)arg, (void)result;
    return multi_of(named_sleeper, c, 3, NULL, NULL);
}

static int player(void *word, void **result)
{
    (void)result;
    for (int i = 0; i < 3; i++) {
        say("%s %d", (const char *)word, i);
        int err = gen_moment();
        if (err)
            return err;
    }
    return 0;
}

/* gen_moment gives up the loop for one iteration: two coroutines taking
 * turns interleave line by line. A @gen.coroutine (gen_start) runs at
 * once, up to its first wait. */
static int moment_pingpong(void *arg, void **result)
{
    struct future *players[2];

    (void)arg, (void)result;
    players[0] = gen_start(loop, "ping", player, "ping");
    say("called ping");
    players[1] = gen_start(loop, "pong", player, "pong");
    say("called pong");
    await_task(gen_multi(loop, players, 2), NULL);
    future_unref(players[0]);
    future_unref(players[1]);
    return 0;
}

static int after(void *arg, void **result)
{
    struct child *c = arg;
    int err = gen_sleep(c->secs);

    if (err)
        return err;
    say("finished %d", c->value);
    *result = AS_PTR(c->value);
    return 0;
}

/* gen_multi's results are in list order, whatever order the children
 * finish in. (Python's dict form: C has no dict; the keys are positions,
 * x first.) */
static int multi_results_order(void *arg, void **result)
{
    struct child l[] = {{NULL, 0.15, 1}, {NULL, 0.05, 2}};
    struct child d[] = {{"x", 0.15, 3}, {"y", 0.05, 4}};
    void *r[2];

    (void)arg, (void)result;
    multi_of(after, l, 2, NULL, r);
    say("list %d %d", AS_INT(r[0]), AS_INT(r[1]));
    multi_of(after, d, 2, NULL, r);
    say("dict x %d y %d", AS_INT(r[0]), AS_INT(r[1]));
    return 0;
}

/* A child that sleeps, then fails with the code in value, or finishes
 * (value 0). */
static int fail(void *arg, void **result)
{
    struct child *c = arg;
    int err = gen_sleep(c->secs);

    (void)result;
    if (err)
        return err;
    if (c->value && c->name)
        say("raising %s", c->name);
    if (!c->value)
        say("fine finished");
    return c->value;
}

/* gen_multi with errors waits for ALL its children, then the first failed
 * one in LIST order is its error; the later ones are logged. */
static int multi_error(void *arg, void **result)
{
    static const struct trace_error names[] = {
        {EDOM, "ValueError a"}, {ERANGE, "ValueError b"}, {0}};
    struct child c[] = {{"a", 0.15, EDOM}, {"b", 0.05, ERANGE}, {NULL, 0.1, 0}};

    (void)arg, (void)result;
    trace_start(names);
    trace_error(NULL, multi_of(fail, c, 3, NULL, NULL));
    gen_sleep(0.25);
    say("end");
    return 0;
}

/* With the losing error listed as quiet, it is not logged. (Python's
 * quiet_exceptions=ValueError: both ValueErrors' codes.) */
static int multi_quiet_error(void *arg, void **result)
{
    static const struct trace_error names[] = {
        {EDOM, "ValueError first"}, {ERANGE, "ValueError second"}, {0}};
    static const int value_errors[] = {EDOM, ERANGE, 0};
    struct child c[] = {{NULL, 0.05, EDOM}, {NULL, 0.15, ERANGE}};

    (void)arg, (void)result;
    trace_start(names);
    trace_error(NULL, multi_of(fail, c, 2, value_errors, NULL));
    gen_sleep(0.25);
    say("end");
    return 0;
}

/* ---- with_timeout ---- */

static int slow(void *arg, void **result)
{
    int err = gen_sleep(0.2);

    (void)arg;
    if (err)
        return err;
    say("slow finished");
    *result = AS_PTR(9);
    return 0;
}

/* At the deadline the await is ETIMEDOUT, but the wrapped task is not
 * cancelled: it completes and its result can be read later. */
static int with_timeout_expires(void *arg, void **result)
{
    struct future *task = gen_spawn(loop, "slow", slow, NULL);
    void *v;

    (void)arg, (void)result;
    trace_error(NULL, await_task(gen_with_timeout(loop, ioloop_time(loop) + 0.05,
                                                  task),
                                 NULL));
    say("task done %s", py_bool(future_done(task)));
    await_task(task, &v);
    say("task result %d", AS_INT(v));
    return 0;
}

static int quick(void *arg, void **result)
{
    int err = gen_sleep(0.05);

    (void)arg;
    *result = AS_PTR(2);
    return err;
}

/* A future that finishes before the deadline gives its result. (Python's
 * timedelta deadline is relative: ioloop_time() + 0.2 here.) */
static int with_timeout_in_time(void *arg, void **result)
{
    struct future *task = gen_spawn(loop, "quick", quick, NULL);
    struct future *w = gen_with_timeout(loop, ioloop_time(loop) + 0.2, task);
    void *v;

    (void)arg, (void)result;
    future_unref(task);
    await_task(w, &v);
    say("result %d", AS_INT(v));
    return 0;
}

static int slow_fail(void *arg, void **result)
{
    int err = gen_sleep(0.2);

    (void)arg, (void)result;
    return err ? err : EDOM;
}

/* A wrapped future that fails after the timeout has its error logged
 * ("Exception in Future after timeout"). */
static int with_timeout_late_error(void *arg, void **result)
{
    static const struct trace_error names[] = {{EDOM, "ValueError late"}, {0}};
    struct future *task = gen_spawn(loop, "slow_fail", slow_fail, NULL);
    struct future *w = gen_with_timeout(loop, ioloop_time(loop) + 0.05, task);

    (void)arg, (void)result;
    trace_start(names);
    future_unref(task);
    trace_error(NULL, await_task(w, NULL));
    gen_sleep(0.3);
    say("end");
    return 0;
}

/* ---- run_sync: scenarios that drive the loop themselves ---- */

static int slow_cancellable(void *arg, void **result)
{
    int err = gen_sleep(0.2);

    (void)arg, (void)result;
    if (!err)
        say("slow finished");
    else if (err == ECANCELED)
        say("slow cancelled");
    say("slow finally");
    return err;
}

/* Past its timeout run_sync cancels the coroutine, waits for it to end,
 * then is ETIMEDOUT; the loop can run again. */
static void run_sync_timeout(void)
{
    void *v;

    trace_error(NULL, gen_run_sync(loop, slow_cancellable, NULL, 0.05, NULL));
    gen_run_sync(loop, ok, NULL, 0, &v);
    say("run again %d", AS_INT(v));
}

static int value_after_turn(void *arg, void **result)
{
    int err = turns(1);

    (void)arg;
    *result = AS_PTR(6);
    return err;
}

static int plain(void *arg, void **result)
{
    (void)arg;
    say("plain ran");
    *result = NULL; /* None */
    return 0;
}

/* run_sync gives the coroutine's value or its error; a function that
 * never waits (Python's plain function) returning nothing gives None. */
static void run_sync_result(void)
{
    static const struct trace_error names[] = {{EDOM, "ValueError boom"}, {0}};
    void *v;
    int err;

    trace_start(names);
    gen_run_sync(loop, value_after_turn, NULL, 0, &v);
    say("result %d", AS_INT(v));
    if ((err = gen_run_sync(loop, bad, NULL, 0, NULL)))
        trace_error(NULL, err);
    gen_run_sync(loop, plain, NULL, 0, &v);
    say("plain function returned %s", v ? "?" : "None");
}

/* ---- the table ---- */

static const struct scenario {
    const char *name;
    gen_fn *coroutine; /* run under gen_run_sync, or: */
    void (*plain)(void);
} scenarios[] = {
    {"future_callbacks_order", future_callbacks_order, NULL},
    {"future_callback_on_done", future_callback_on_done, NULL},
    {"future_await_done", future_await_done, NULL},
    {"future_await_pending", future_await_pending, NULL},
    {"future_set_exception", future_set_exception, NULL},
    {"future_cancel", future_cancel_scenario, NULL},
    {"future_invalid_state", future_invalid_state, NULL},
    {"future_cancel_awaiter", future_cancel_awaiter, NULL},
    {"task_cancel", task_cancel, NULL},
    {"callback_order", callback_order, NULL},
    {"timeout_order", timeout_order, NULL},
    {"spawn_callback_start", spawn_callback_start, NULL},
    {"coroutine_lazy_start", coroutine_lazy_start, NULL},
    {"coroutine_return_error", coroutine_return_error, NULL},
    {"sleep_order", sleep_order, NULL},
    {"moment_pingpong", moment_pingpong, NULL},
    {"multi_results_order", multi_results_order, NULL},
    {"multi_error", multi_error, NULL},
    {"multi_quiet_error", multi_quiet_error, NULL},
    {"with_timeout_expires", with_timeout_expires, NULL},
    {"with_timeout_in_time", with_timeout_in_time, NULL},
    {"with_timeout_late_error", with_timeout_late_error, NULL},
    {"run_sync_timeout", NULL, run_sync_timeout},
    {"run_sync_result", NULL, run_sync_result},
};

int main(int argc, char **argv)
{
    const size_t n = sizeof scenarios / sizeof *scenarios;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            puts(scenarios[i].name);
        return 0;
    }
    for (size_t i = 0; argc == 2 && i < n; i++) {
        if (strcmp(argv[1], scenarios[i].name) != 0)
            continue;
        if (!(loop = ioloop_new(NULL))) {
            perror("ioloop_new");
            return 1;
        }
        trace_start(NULL);
        if (scenarios[i].coroutine)
            gen_run_sync(loop, scenarios[i].coroutine, NULL, 0, NULL);
        else
            scenarios[i].plain();
        ioloop_free(loop);
        return 0;
    }
    fprintf(stderr, "usage: %s NAME | --list\n", argv[0]);
    return 2;
}
