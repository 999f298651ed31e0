/* semantics_sync.c - the C side of semantics.py's queue, condition, event,
 * semaphore and lock scenarios (chapter 5's queues.c and locks.c): each
 * scenario here is the Python one of the same name, call for call, and
 * prints the same trace (expected/semantics/NAME.txt).
 *
 *     semantics_sync NAME      run one scenario
 *     semantics_sync --list    the names, one a line
 *
 * Python's `async def` is a gen_fn, started with gen_spawn (Tornado's
 * convert_yielded) or run under gen_run_sync; `await` is gen_await; each
 * exception is an errno code, named in the table below. A scenario's
 * function is sc_NAME (queue_join is also the API's name). */
#include "gen.h"
#include "locks.h"
#include "queues.h"
#include "trace.h"

#include <stdint.h>
#include <stdlib.h>

static const struct trace_error names[] = {
    {ENOBUFS, "QueueFull"}, {ENODATA, "QueueEmpty"}, {EINVAL, "ValueError"},
    {EPERM, "RuntimeError"}, {0}};

static struct ioloop *loop;

#define AS_PTR(n) ((void *)(intptr_t)(n))
#define AS_INT(p) ((int)(intptr_t)(p))
#define TF(b) ((b) ? "True" : "False")

/* ---- the harness: semantics.py's turns(), await, spawn, multi ---- */

static int resolve_cb(struct ioloop *l, void *arg)
{
    (void)l;
    future_set_result(arg, NULL);
    return 0;
}

/* Let the loop run n times: each turn awaits a future that a callback
 * resolves, so the callbacks already scheduled run first. */
static int turns(int n)
{
    for (int i = 0; i < n; i++) {
        struct future *f = future_new(loop);
        int err;
        ioloop_add_callback(loop, resolve_cb, f);
        err = gen_await(f, NULL);
        future_unref(f);
        if (err)
            return err;
    }
    return 0;
}

/* await f, dropping our reference to it: err, with the value in *value. */
static int await_unref(struct future *f, void **value)
{
    int err = f ? gen_await(f, value) : errno;

    future_unref(f);
    return err;
}

/* await gen.multi(tasks), then drop the tasks. */
static int await_all(struct future **tasks, size_t n)
{
    int err = await_unref(gen_multi(loop, tasks, n), NULL);

    for (size_t i = 0; i < n; i++)
        future_unref(tasks[i]);
    return err;
}

/* fut.done(), then drop it. */
static int done_unref(struct future *f)
{
    int done = future_done(f);

    future_unref(f);
    return done;
}

static double after(double seconds) { return ioloop_time(loop) + seconds; }

/* ---- Queue ---- */

static struct queue *q;

static int sc_queue_get_handoff(void *arg, void **result)
{
    struct future *g;
    void *item;
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 0);
    g = queue_get(q, 0);
    say("getter done %s", TF(future_done(g)));
    queue_put_nowait(q, "a");
    say("after put qsize %zu getter done %s", queue_qsize(q),
        TF(future_done(g)));
    if ((err = await_unref(g, &item)) == 0)
        say("got %s", (char *)item);
    queue_free(q);
    return err;
}

static int getter_k(void *arg, void **result)
{
    void *item;
    int err = await_unref(queue_get(q, 0), &item);

    (void)result;
    if (err == 0)
        say("getter %d got %s", AS_INT(arg), (char *)item);
    return err;
}

static int sc_queue_getters_fifo(void *arg, void **result)
{
    struct future *tasks[3];
    const char *items[] = {"a", "b", "c"};
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 0);
    for (int k = 1; k <= 3; k++)
        tasks[k - 1] = gen_spawn(loop, "getter", getter_k, AS_PTR(k));
    err = turns(1);
    for (int i = 0; i < 3; i++)
        queue_put_nowait(q, (void *)items[i]);
    err = err ? err : await_all(tasks, 3);
    queue_free(q);
    return err;
}

static int putter(void *arg, void **result)
{
    int err = await_unref(queue_put(q, arg, 0), NULL);

    (void)result;
    if (err == 0)
        say("put %s", (char *)arg);
    return err;
}

static int sc_queue_putters_fifo(void *arg, void **result)
{
    struct future *tasks[3];
    const char *items[] = {"b", "c", "d"};
    void *item;
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 1);
    queue_put_nowait(q, "a");
    for (int i = 0; i < 3; i++)
        tasks[i] = gen_spawn(loop, "putter", putter, (void *)items[i]);
    err = turns(1);
    for (int i = 0; i < 4 && !err; i++) {
        queue_get_nowait(q, &item);
        say("get %s qsize %zu", (char *)item, queue_qsize(q));
        err = turns(1);
    }
    err = err ? err : await_all(tasks, 3);
    queue_free(q);
    return err;
}

static int producer(void *arg, void **result)
{
    static char names_[2][3][24];
    int p = AS_INT(arg);

    (void)result;
    for (int i = 0; i < 3; i++) {
        char *item = names_[p - 1][i];
        int err;
        snprintf(item, sizeof names_[0][0], "%d-%d", p, i);
        if ((err = await_unref(queue_put(q, item, 0), NULL)))
            return err;
        say("producer %d put %s", p, item);
    }
    return 0;
}

static int consumer(void *arg, void **result)
{
    (void)result;
    for (int i = 0; i < 3; i++) {
        void *item;
        int err = await_unref(queue_get(q, 0), &item);
        if (err)
            return err;
        say("consumer %d got %s", AS_INT(arg), (char *)item);
    }
    return 0;
}

static int sc_queue_contention(void *arg, void **result)
{
    struct future *tasks[4];
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 1);
    tasks[0] = gen_spawn(loop, "consumer", consumer, AS_PTR(1));
    tasks[1] = gen_spawn(loop, "consumer", consumer, AS_PTR(2));
    tasks[2] = gen_spawn(loop, "producer", producer, AS_PTR(1));
    tasks[3] = gen_spawn(loop, "producer", producer, AS_PTR(2));
    err = await_all(tasks, 4);
    queue_free(q);
    return err;
}

struct getter {
    const char *name;
    double deadline;
};

/* Catches TimeoutError (queue_get_timeout) and, printing it, lets a
 * cancellation through (queue_get_cancelled), as the Python getters do. */
static int named_getter(void *arg, void **result)
{
    struct getter *g = arg;
    void *item;
    int err = await_unref(queue_get(q, g->deadline), &item);

    (void)result;
    if (err == 0)
        say("%s got %s", g->name, (char *)item);
    else if (err == ETIMEDOUT)
        trace_error(g->name, err);
    else if (err == ECANCELED)
        trace_error(g->name, err);
    return err == ETIMEDOUT ? 0 : err;
}

static int sc_queue_get_timeout(void *arg, void **result)
{
    struct getter first = {"first", 0}, second = {"second", 0};
    struct future *tasks[2];
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 0);
    first.deadline = after(0.05);
    tasks[0] = gen_spawn(loop, "first", named_getter, &first);
    tasks[1] = gen_spawn(loop, "second", named_getter, &second);
    err = gen_sleep(0.15);
    queue_put_nowait(q, "x");
    say("qsize %zu", queue_qsize(q));
    err = err ? err : await_all(tasks, 2);
    queue_free(q);
    return err;
}

static int sc_queue_get_cancelled(void *arg, void **result)
{
    struct getter first = {"first", 0}, second = {"second", 0};
    struct future *t1, *t2;
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 0);
    t1 = gen_spawn(loop, "first", named_getter, &first);
    t2 = gen_spawn(loop, "second", named_getter, &second);
    err = turns(1);
    future_cancel(t1);
    err = err ? err : turns(1);
    queue_put_nowait(q, "x");
    say("qsize %zu", queue_qsize(q));
    err = err ? err : gen_await(t2, NULL);
    say("first cancelled %s", TF(future_cancelled(t1)));
    future_unref(t1);
    future_unref(t2);
    queue_free(q);
    return err;
}

static int sc_queue_put_timeout(void *arg, void **result)
{
    size_t qsize;
    void *item = "?";
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 1);
    queue_put_nowait(q, "a");
    err = await_unref(queue_put(q, "b", after(0.05)), NULL);
    if (err == ETIMEDOUT)
        trace_error(NULL, err);
    qsize = queue_qsize(q); /* Python evaluates say()'s words in order */
    queue_get_nowait(q, &item);
    say("qsize %zu get %s empty %s", qsize, (char *)item,
        TF(queue_empty(q)));
    queue_free(q);
    return err == ETIMEDOUT ? 0 : err;
}

static int sc_queue_nowait_errors(void *arg, void **result)
{
    size_t qsize;
    void *item = "?";

    (void)arg, (void)result;
    q = queue_new(loop, 1);
    if (queue_get_nowait(q, &item) < 0)
        trace_error(NULL, errno);
    queue_put_nowait(q, "1");
    if (queue_put_nowait(q, "2") < 0)
        trace_error(NULL, errno);
    qsize = queue_qsize(q);
    queue_get_nowait(q, &item);
    say("qsize %zu get %s", qsize, (char *)item);
    queue_free(q);
    return 0;
}

static void say_joined(struct future *f, void *arg)
{
    (void)f, (void)arg;
    say("joined");
}

static int sc_queue_join(void *arg, void **result)
{
    struct future *j;
    void *item;
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 0);
    say("join on fresh queue done %s", TF(done_unref(queue_join(q, 0))));
    queue_put_nowait(q, "1");
    queue_put_nowait(q, "2");
    j = queue_join(q, 0);
    future_add_done_callback(j, say_joined, NULL);
    queue_get_nowait(q, &item);
    queue_get_nowait(q, &item);
    say("empty %s join done %s", TF(queue_empty(q)), TF(future_done(j)));
    queue_task_done(q);
    err = turns(1);
    say("one task_done, join done %s", TF(future_done(j)));
    queue_task_done(q);
    say("second task_done");
    err = err ? err : turns(1);
    future_unref(j);
    queue_free(q);
    return err;
}

static int sc_queue_task_done_too_many(void *arg, void **result)
{
    void *item;

    (void)arg, (void)result;
    q = queue_new(loop, 0);
    queue_put_nowait(q, "1");
    queue_get_nowait(q, &item);
    queue_task_done(q);
    if (queue_task_done(q) < 0)
        trace_error(NULL, errno);
    queue_free(q);
    return 0;
}

static int sc_queue_unbounded(void *arg, void **result)
{
    (void)arg, (void)result;
    q = queue_new(loop, 0);
    for (int i = 0; i < 100; i++) {
        struct future *f = queue_put(q, AS_PTR(i), 0);
        if (i == 0 || i == 99)
            say("put %d done %s", i, TF(future_done(f)));
        future_unref(f);
    }
    say("maxsize %d qsize %zu full %s", queue_maxsize(q), queue_qsize(q),
        TF(queue_full(q)));
    queue_free(q);
    return 0;
}

static void show(const char *what)
{
    say("%s qsize %zu empty %s full %s", what, queue_qsize(q),
        TF(queue_empty(q)), TF(queue_full(q)));
}

static int sc_queue_sizes(void *arg, void **result)
{
    void *item;

    (void)arg, (void)result;
    q = queue_new(loop, 2);
    show("new");
    queue_put_nowait(q, "1");
    show("put");
    queue_put_nowait(q, "2");
    show("put");
    queue_get_nowait(q, &item);
    show("get");
    queue_get_nowait(q, &item);
    show("get");
    queue_free(q);
    return 0;
}

/* async for item in q: each step awaits q.get(). */
static int sc_queue_async_for(void *arg, void **result)
{
    int err;

    (void)arg, (void)result;
    q = queue_new(loop, 0);
    for (int i = 0; i < 3; i++)
        queue_put_nowait(q, AS_PTR(i));
    for (;;) {
        void *item;
        if ((err = await_unref(queue_get(q, 0), &item)))
            goto out;
        say("item %d", AS_INT(item));
        queue_task_done(q);
        if (AS_INT(item) == 2)
            break;
    }
    if ((err = await_unref(queue_join(q, 0), NULL)) == 0)
        say("joined");
out:
    queue_free(q);
    return err;
}

/* ---- Condition ---- */

static struct condition *c;

static int notify_cb(struct ioloop *l, void *arg)
{
    (void)l;
    condition_notify(arg, 1);
    return 0;
}

static int sc_condition_wait_timeout(void *arg, void **result)
{
    void *woke;
    int err;

    (void)arg, (void)result;
    c = condition_new(loop);
    if ((err = await_unref(condition_wait(c, after(0.05)), &woke)))
        goto out;
    say("timed out wait %s", TF(woke));
    ioloop_call_later(loop, 0.05, notify_cb, c);
    if ((err = await_unref(condition_wait(c, after(0.2)), &woke)) == 0)
        say("notified wait %s", TF(woke));
out:
    condition_free(c);
    return err;
}

struct cwaiter {
    int k;
    double deadline;
};

static int cwaiter(void *arg, void **result)
{
    struct cwaiter *w = arg;
    void *woke;
    int err = await_unref(condition_wait(c, w->deadline), &woke);

    (void)result;
    if (err == 0)
        say("waiter %d woke %s", w->k, TF(woke));
    return err;
}

static int sc_condition_notify_fifo(void *arg, void **result)
{
    struct cwaiter w[4] = {{1, 0}, {2, 0}, {3, 0}, {4, 0}};
    struct future *tasks[4];
    int err;

    (void)arg, (void)result;
    c = condition_new(loop);
    w[1].deadline = after(0.05);
    for (int i = 0; i < 4; i++)
        tasks[i] = gen_spawn(loop, "waiter", cwaiter, &w[i]);
    err = gen_sleep(0.15);
    say("notify 2");
    condition_notify(c, 2);
    err = err ? err : turns(1);
    say("notify_all");
    condition_notify_all(c);
    err = err ? err : await_all(tasks, 4);
    condition_free(c);
    return err;
}

static int sc_condition_notify_no_waiter(void *arg, void **result)
{
    void *woke;
    int err;

    (void)arg, (void)result;
    c = condition_new(loop);
    condition_notify(c, 1);
    say("notified nobody");
    if ((err = await_unref(condition_wait(c, after(0.05)), &woke)) == 0)
        say("wait %s", TF(woke));
    condition_free(c);
    return err;
}

/* ---- Event ---- */

static struct event *e;

/* Which waiter wakes first is no promise of Tornado's (its Event keeps
 * them in a set): each notes that it woke, and the trace says which, in
 * number order. */
static int woke[3];

static int ewaiter(void *arg, void **result)
{
    int err = await_unref(event_wait(e, 0), NULL);

    (void)result;
    if (err == 0)
        woke[AS_INT(arg)] = 1;
    return err;
}

static int sc_event_set_clear(void *arg, void **result)
{
    struct future *tasks[2];
    int err, is_set;

    (void)arg, (void)result;
    e = event_new(loop);
    for (int k = 1; k <= 2; k++)
        tasks[k - 1] = gen_spawn(loop, "waiter", ewaiter, AS_PTR(k));
    err = turns(1);
    say("is_set %s", TF(event_is_set(e)));
    event_set(e);
    say("set");
    err = err ? err : await_all(tasks, 2);
    say("woke%s%s", woke[1] ? " 1" : "", woke[2] ? " 2" : "");
    say("wait after set done %s", TF(done_unref(event_wait(e, 0))));
    event_clear(e);
    is_set = event_is_set(e);
    say("is_set after clear %s wait done %s", TF(is_set),
        TF(done_unref(event_wait(e, 0))));
    event_free(e);
    return err;
}

static int sc_event_wait_timeout(void *arg, void **result)
{
    int err;

    (void)arg, (void)result;
    e = event_new(loop);
    err = await_unref(event_wait(e, after(0.05)), NULL);
    if (err == ETIMEDOUT)
        trace_error(NULL, err);
    say("is_set %s", TF(event_is_set(e)));
    event_free(e);
    return err == ETIMEDOUT ? 0 : err;
}

/* ---- Semaphore and Lock ---- */

static struct semaphore *s;

/* async with s: acquire, the body, release. */
static int sworker(void *arg, void **result)
{
    int err = await_unref(semaphore_acquire(s, 0), NULL);

    (void)result;
    if (err)
        return err;
    say("worker %d in", AS_INT(arg));
    err = turns(1);
    if (!err)
        say("worker %d out", AS_INT(arg));
    semaphore_release(s);
    return err;
}

static int sc_semaphore_handoff(void *arg, void **result)
{
    struct future *tasks[3], *late;
    int err;

    (void)arg, (void)result;
    s = semaphore_new(loop, 1);
    if ((err = await_unref(semaphore_acquire(s, 0), NULL)))
        goto out;
    for (int k = 1; k <= 3; k++)
        tasks[k - 1] = gen_spawn(loop, "worker", sworker, AS_PTR(k));
    err = turns(1);
    semaphore_release(s);
    late = semaphore_acquire(s, 0);
    say("late acquire done %s", TF(future_done(late)));
    err = err ? err : await_all(tasks, 3);
    err = err ? err : gen_await(late, NULL);
    future_unref(late);
    if (!err)
        say("late acquired");
out:
    semaphore_free(s);
    return err;
}

static int sc_semaphore_acquire_timeout(void *arg, void **result)
{
    int err;

    (void)arg, (void)result;
    s = semaphore_new(loop, 0);
    err = await_unref(semaphore_acquire(s, after(0.05)), NULL);
    if (err == ETIMEDOUT)
        trace_error(NULL, err);
    else
        goto out;
    semaphore_release(s);
    if ((err = await_unref(semaphore_acquire(s, 0), NULL)) == 0)
        say("acquired after release");
out:
    semaphore_free(s);
    return err;
}

static int sc_semaphore_counts(void *arg, void **result)
{
    struct semaphore *b, *negative;
    int done[3], err;

    (void)arg, (void)result;
    s = semaphore_new(loop, 2);
    for (int i = 0; i < 3; i++)
        done[i] = done_unref(semaphore_acquire(s, 0));
    say("acquire done %s %s %s", TF(done[0]), TF(done[1]), TF(done[2]));
    if (!(negative = semaphore_new(loop, -1)))
        trace_error(NULL, errno);
    semaphore_free(negative);
    b = semaphore_new_bounded(loop, 1);
    if ((err = await_unref(semaphore_acquire(b, 0), NULL)) == 0) {
        semaphore_release(b);
        if (semaphore_release(b) < 0)
            trace_error(NULL, errno);
    }
    semaphore_free(b);
    semaphore_free(s);
    return err;
}

static struct lock *lock;

static int lworker(void *arg, void **result)
{
    int err = await_unref(lock_acquire(lock, 0), NULL);

    (void)result;
    if (err)
        return err;
    say("worker %d locked", AS_INT(arg));
    err = turns(1);
    if (!err)
        say("worker %d unlocking", AS_INT(arg));
    lock_release(lock);
    return err;
}

static int sc_lock_fifo(void *arg, void **result)
{
    struct future *tasks[3];
    int err;

    (void)arg, (void)result;
    lock = lock_new(loop);
    for (int k = 1; k <= 3; k++)
        tasks[k - 1] = gen_spawn(loop, "worker", lworker, AS_PTR(k));
    err = await_all(tasks, 3);
    lock_free(lock);
    return err;
}

static int sc_lock_errors(void *arg, void **result)
{
    int err;

    (void)arg, (void)result;
    lock = lock_new(loop);
    if (lock_release(lock) < 0)
        trace_error(NULL, errno);
    if ((err = await_unref(lock_acquire(lock, 0), NULL)))
        goto out;
    err = await_unref(lock_acquire(lock, after(0.05)), NULL);
    if (err != ETIMEDOUT)
        goto out;
    trace_error(NULL, err);
    err = 0;
    lock_release(lock);
    say("acquire after release done %s",
        TF(done_unref(lock_acquire(lock, 0))));
out:
    lock_free(lock);
    return err;
}

/* ---- the program ---- */

static const struct scenario {
    const char *name;
    gen_fn *fn;
} scenarios[] = {
#define S(name) {#name, sc_##name}
    S(queue_get_handoff), S(queue_getters_fifo), S(queue_putters_fifo),
    S(queue_contention), S(queue_get_timeout), S(queue_get_cancelled),
    S(queue_put_timeout), S(queue_nowait_errors), S(queue_join),
    S(queue_task_done_too_many), S(queue_unbounded), S(queue_sizes),
    S(queue_async_for), S(condition_wait_timeout), S(condition_notify_fifo),
    S(condition_notify_no_waiter), S(event_set_clear),
    S(event_wait_timeout), S(semaphore_handoff),
    S(semaphore_acquire_timeout), S(semaphore_counts), S(lock_fifo),
    S(lock_errors), {0}};

int main(int argc, char **argv)
{
    const struct scenario *sc;
    int err;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (sc = scenarios; sc->name; sc++)
            puts(sc->name);
        return 0;
    }
    for (sc = scenarios; argc == 2 && sc->name; sc++)
        if (strcmp(argv[1], sc->name) == 0)
            break;
    if (argc != 2 || !sc->name) {
        fprintf(stderr, "usage: semantics_sync NAME | --list\n");
        return 2;
    }
    trace_start(names);
    loop = ioloop_new(NULL);
    if (!loop) {
        perror("ioloop_new");
        return 1;
    }
    err = gen_run_sync(loop, sc->fn, NULL, 0, NULL);
    if (err)
        trace_error("scenario ended with", err);
    ioloop_free(loop);
    return err ? 1 : 0;
}
