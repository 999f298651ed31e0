/* gen.c - the runner that steps a coroutine each time what it awaits is
 * done, and Tornado's tools on top: sleep, moment, multi, with_timeout,
 * run_sync. Tornado: asyncio.Task (__step, __wakeup) and tornado.gen. */
#include "gen.h"

#include "coro.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A coroutine with its future: Tornado's Task. It lives from gen_spawn
 * until its function returns, and holds a reference to its future until
 * then. */
struct gen_task {
    struct ioloop *loop;
    struct coro *co;
    struct future *future;  /* the caller's view of the result */
    gen_fn *fn;
    void *arg;
    void *result;           /* what fn returned */
    int error;
    struct future *waiting; /* what it awaits now, or NULL */
    int must_cancel;        /* cancelled while not awaiting a future */
};

/* The task whose coroutine runs now (steps only ever nest one deep: the
 * loop resumes a task, and the task comes back to it). */
static _Thread_local struct gen_task *gen_current;

struct ioloop *gen_loop(void) { return gen_current ? gen_current->loop : NULL; }

/* ---- the runner ---- */

static void gen_task_entry(void *arg)
{
    struct gen_task *t = arg;

    t->error = t->fn(t->arg, &t->result);
}

/* The coroutine has returned: its future takes the outcome. */
static void gen_task_finish(struct gen_task *t)
{
    coro_free(t->co);
    if (t->error)
        future_set_error(t->future, t->error);
    else
        future_set_result(t->future, t->result);
    future_unref(t->future);
    free(t);
}

/* Run the coroutine until it waits again or returns. Tornado: __step. */
static void gen_task_step(struct gen_task *t)
{
    struct gen_task *outer = gen_current;

    gen_current = t;
    coro_resume(t->co);
    gen_current = outer;
    if (coro_status(t->co) == CORO_DEAD)
        gen_task_finish(t);
}

/* The first step. A task cancelled before it ran never runs: asyncio
 * throws CancelledError in at the coroutine's first line. */
static int gen_task_start(struct ioloop *loop, void *arg)
{
    struct gen_task *t = arg;

    (void)loop;
    if (t->must_cancel) {
        t->error = ECANCELED;
        gen_task_finish(t);
    } else {
        gen_task_step(t);
    }
    return 0;
}

/* What it awaits is done. Tornado: __wakeup. */
static void gen_task_wakeup(struct future *f, void *arg)
{
    (void)f;
    gen_task_step(arg);
}

/* Cancelling the task's future: cancel what it awaits, so that the wait
 * returns ECANCELED; or, if it awaits nothing it can cancel, mark it, and
 * its next wait returns ECANCELED. Tornado: Task.cancel. */
static int gen_task_cancel(struct future *f, void *arg)
{
    struct gen_task *t = arg;

    (void)f;
    if (!(t->waiting && future_cancel(t->waiting)))
        t->must_cancel = 1;
    return 1;
}

/* A task for fn(arg), not started; its future has the cancel hook. */
static struct gen_task *gen_task_new(struct ioloop *loop, const char *name,
                                     gen_fn *fn, void *arg)
{
    struct gen_task *t = calloc(1, sizeof *t);

    if (!t)
        return NULL;
    *t = (struct gen_task){.loop = loop, .fn = fn, .arg = arg};
    if (!(t->future = future_new(loop)) ||
        !(t->co = coro_new(name, gen_task_entry, t))) {
        future_unref(t->future);
        free(t);
        return NULL;
    }
    future_set_cancel_hook(t->future, gen_task_cancel, t);
    return t;
}

/* Undo gen_task_new for a task that never ran. */
static void gen_task_free_unstarted(struct gen_task *t)
{
    coro_free(t->co);
    future_set_cancel_hook(t->future, NULL, NULL);
    future_unref(t->future);
    free(t);
}

struct future *gen_spawn(struct ioloop *loop, const char *name, gen_fn *fn,
                         void *arg)
{
    struct gen_task *t = gen_task_new(loop, name, fn, arg);

    if (!t)
        return NULL;
    if (ioloop_add_callback(loop, gen_task_start, t) < 0) {
        gen_task_free_unstarted(t);
        return NULL;
    }
    return future_ref(t->future); /* one for the caller, one for the task */
}

struct future *gen_start(struct ioloop *loop, const char *name, gen_fn *fn,
                         void *arg)
{
    struct gen_task *t = gen_task_new(loop, name, fn, arg);
    struct future *f;

    if (!t)
        return NULL;
    f = future_ref(t->future); /* the caller's, before the task may end */
    gen_task_step(t);
    return f;
}

/* spawn_callback's callback: only now is the task made, so its body runs
 * one turn later still. */
struct gen_spawn_later {
    const char *name;
    gen_fn *fn;
    void *arg;
};

static int gen_spawn_later_run(struct ioloop *loop, void *arg)
{
    struct gen_spawn_later s = *(struct gen_spawn_later *)arg;

    struct future *f;

    free(arg);
    if (!(f = gen_spawn(loop, s.name, s.fn, s.arg)))
        log_error("spawn_callback %s: %s", s.name, strerror(errno));
    future_unref(f); /* nobody waits: an error it ends with is logged */
    return 0;
}

int gen_spawn_callback(struct ioloop *loop, const char *name, gen_fn *fn,
                       void *arg)
{
    struct gen_spawn_later *s = malloc(sizeof *s);

    if (!s)
        return -1;
    *s = (struct gen_spawn_later){name, fn, arg};
    if (ioloop_add_callback(loop, gen_spawn_later_run, s) < 0) {
        free(s);
        return -1;
    }
    return 0;
}

/* ---- waiting inside a coroutine ---- */

static struct gen_task *gen_inside(const char *what)
{
    if (!gen_current || !coro_current()) {
        log_error("%s: not inside a coroutine (start one with gen_spawn)",
                  what);
        return NULL;
    }
    return gen_current;
}

/* A cancellation that came while we were not awaiting a future. */
static int gen_take_cancel(struct gen_task *t)
{
    int cancelled = t->must_cancel;

    t->must_cancel = 0;
    return cancelled;
}

int gen_await(struct future *f, void **value)
{
    struct gen_task *t = gen_inside("gen_await");
    int error;

    if (!t)
        return EPERM;
    if (gen_take_cancel(t))
        return ECANCELED;
    if (!future_done(f)) {
        if (future_add_done_callback(f, gen_task_wakeup, t) < 0)
            return errno;
        t->waiting = f;
        coro_yield(); /* back to the loop, until gen_task_wakeup */
        t->waiting = NULL;
        /* Cancelled after f was done: f's error counts as retrieved all
         * the same (asyncio's Task.__wakeup reads it before the
         * cancellation replaces it), so it is not logged as lost. */
        if (gen_take_cancel(t)) {
            future_error(f);
            return ECANCELED;
        }
    }
    error = future_error(f);
    if (value)
        *value = future_result(f);
    return error;
}

/* The operation goes on, holding f: only the waiting stops. */
static int gen_stop_waiting(struct future *f, void *arg)
{
    (void)arg;
    future_settle(f, ECANCELED);
    return 1;
}

int gen_await_operation(struct future *f)
{
    int error;

    future_set_cancel_hook(f, gen_stop_waiting, NULL);
    future_ref(f); /* ours, while we wait; the operation has the other */
    error = gen_await(f, NULL);
    future_unref(f);
    return error;
}

static int gen_moment_over(struct ioloop *loop, void *arg)
{
    (void)loop;
    gen_task_step(arg);
    return 0;
}

int gen_moment(void)
{
    struct gen_task *t = gen_inside("gen_moment");

    if (!t)
        return EPERM;
    if (gen_take_cancel(t))
        return ECANCELED;
    if (ioloop_add_callback(t->loop, gen_moment_over, t) < 0)
        return errno;
    coro_yield();
    return gen_take_cancel(t) ? ECANCELED : 0;
}

/* ---- sleep ---- */

struct gen_sleep {
    struct future *f;
    ioloop_timeout timer;
};

static int gen_sleep_over(struct ioloop *loop, void *arg)
{
    struct gen_sleep *s = arg;

    (void)loop;
    future_set_cancel_hook(s->f, NULL, NULL);
    future_set_result(s->f, NULL);
    future_unref(s->f);
    free(s);
    return 0;
}

/* A sleep cancelled: its timer goes at once, not when it would have
 * fired. */
static int gen_sleep_cancel(struct future *f, void *arg)
{
    struct gen_sleep *s = arg;

    ioloop_remove_timeout(future_loop(f), s->timer);
    future_set_cancel_hook(f, NULL, NULL);
    future_set_error(f, ECANCELED);
    future_unref(f);
    free(s);
    return 1;
}

struct future *gen_sleep_future(struct ioloop *loop, double seconds)
{
    struct gen_sleep *s = malloc(sizeof *s);

    if (!s || !(s->f = future_new(loop))) {
        free(s);
        return NULL;
    }
    if (!(s->timer = ioloop_call_later(loop, seconds, gen_sleep_over, s))) {
        future_unref(s->f);
        free(s);
        return NULL;
    }
    future_set_cancel_hook(s->f, gen_sleep_cancel, s);
    return future_ref(s->f); /* one for the caller, one for the timer */
}

int gen_sleep(double seconds)
{
    struct gen_task *t = gen_inside("gen_sleep");
    struct future *f;
    int error;

    if (!t)
        return EPERM;
    if (!(f = gen_sleep_future(t->loop, seconds)))
        return errno;
    error = gen_await(f, NULL);
    future_unref(f);
    return error;
}

/* ---- multi ---- */

struct gen_multi {
    struct future *out;
    struct future **children;
    size_t n, left;
    int *quiet; /* errors not to log, 0-terminated; NULL: none */
};

static int gen_multi_is_quiet(const struct gen_multi *m, int error)
{
    for (const int *q = m->quiet; q && *q; q++)
        if (*q == error)
            return 1;
    return 0;
}

/* Every child is done: the first error in list order wins, the others
 * are logged. Tornado: multi_future's callback. */
static void gen_multi_end(struct gen_multi *m)
{
    int first = 0;

    for (size_t i = 0; i < m->n; i++) {
        int error = future_error(m->children[i]);
        if (error && (first || future_done(m->out))) {
            if (!gen_multi_is_quiet(m, error))
                log_error("Multiple exceptions in yield list: %s",
                          strerror(error));
        } else if (error) {
            first = error;
        }
        future_unref(m->children[i]);
    }
    if (!future_done(m->out)) {
        if (first)
            future_set_error(m->out, first);
        else
            future_set_result(m->out, NULL);
    }
    future_unref(m->out);
    free(m->children);
    free(m->quiet);
    free(m);
}

static void gen_multi_child_done(struct future *f, void *arg)
{
    struct gen_multi *m = arg;

    (void)f;
    if (--m->left == 0)
        gen_multi_end(m);
}

struct future *gen_multi(struct ioloop *loop, struct future *const *futures,
                         size_t n)
{
    return gen_multi_quiet(loop, futures, n, NULL);
}

struct future *gen_multi_quiet(struct ioloop *loop,
                               struct future *const *futures, size_t n,
                               const int *quiet)
{
    struct gen_multi *m = calloc(1, sizeof *m);
    struct future *out = future_new(loop);
    size_t nquiet = 0;

    while (quiet && quiet[nquiet])
        nquiet++;
    if (!m || !out || !(m->children = calloc(n ? n : 1, sizeof *futures)) ||
        (quiet && !(m->quiet = calloc(nquiet + 1, sizeof *quiet)))) {
        if (m)
            free(m->children);
        free(m);
        future_unref(out);
        return NULL;
    }
    if (quiet)
        memcpy(m->quiet, quiet, nquiet * sizeof *quiet);
    m->out = future_ref(out);
    m->n = m->left = n;
    for (size_t i = 0; i < n; i++)
        m->children[i] = future_ref(futures[i]);
    if (n == 0) {
        gen_multi_end(m);
        return out;
    }
    /* Each callback holds its child; a done child calls back at once.
     * Running out of memory here would leave m waiting for ever: the
     * children are counted down for any callback not added. */
    for (size_t i = 0; i < n; i++)
        if (future_add_done_callback(futures[i], gen_multi_child_done, m) < 0) {
            log_error("gen_multi: %s", strerror(errno));
            gen_multi_child_done(futures[i], m);
        }
    return out;
}

/* ---- with_timeout ---- */

struct gen_timeout {
    struct future *f, *out;
    ioloop_timeout timer;
    int timed_out;
};

static int gen_timeout_fired(struct ioloop *loop, void *arg)
{
    struct gen_timeout *w = arg;

    (void)loop;
    w->timed_out = 1;
    if (!future_done(w->out))
        future_set_error(w->out, ETIMEDOUT);
    return 0;
}

/* The wrapped future is done: pass its outcome on if the timeout has not
 * come, else log an error nobody will read. Tornado: chain_future, then
 * remove_timeout, and error_callback after a timeout. */
static void gen_timeout_wrapped_done(struct future *f, void *arg)
{
    struct gen_timeout *w = arg;
    int error = future_error(f);

    if (w->timed_out && error && error != ECANCELED)
        log_error("Exception in Future after timeout: %s", strerror(error));
    if (!w->timed_out)
        ioloop_remove_timeout(future_loop(f), w->timer);
    if (!future_done(w->out)) {
        if (error)
            future_set_error(w->out, error);
        else
            future_set_result(w->out, future_result(f));
    }
    future_unref(w->f);
    future_unref(w->out);
    free(w);
}

struct future *gen_with_timeout(struct ioloop *loop, double deadline,
                                struct future *f)
{
    struct gen_timeout *w = calloc(1, sizeof *w);
    struct future *out = future_new(loop);

    if (!w || !out)
        goto fail;
    w->f = future_ref(f);
    w->out = future_ref(out);
    if (!(w->timer = ioloop_add_timeout(loop, deadline, gen_timeout_fired, w)))
        goto fail_refs;
    if (future_add_done_callback(f, gen_timeout_wrapped_done, w) < 0) {
        ioloop_remove_timeout(loop, w->timer);
        goto fail_refs;
    }
    return out;
fail_refs:
    future_unref(w->f);
    future_unref(w->out);
fail:
    free(w);
    future_unref(out);
    return NULL;
}

/* ---- run_sync ---- */

static void gen_run_sync_done(struct future *f, void *arg)
{
    (void)f;
    ioloop_stop(arg);
}

/* Cancel the coroutine and wait for it to end; if it cannot be cancelled,
 * stop at once. Tornado: run_sync's timeout_callback. */
static int gen_run_sync_timeout(struct ioloop *loop, void *arg)
{
    struct future *f = arg;

    if (!future_cancel(f))
        ioloop_stop(loop);
    return 0;
}

int gen_run_sync(struct ioloop *loop, gen_fn *fn, void *arg, double timeout,
                 void **result)
{
    ioloop_timeout timer = 0;
    struct future *f;
    int error;

    if (ioloop_running(loop)) {
        log_error("gen_run_sync: the loop is running already");
        return EBUSY;
    }
    if (!(f = gen_spawn(loop, "run_sync", fn, arg)))
        return errno;
    if (future_add_done_callback(f, gen_run_sync_done, loop) < 0 ||
        (timeout > 0 && !(timer = ioloop_call_later(loop, timeout,
                                                    gen_run_sync_timeout, f)))) {
        error = errno;
        future_cancel(f);
        future_unref(f);
        return error;
    }
    ioloop_start(loop);
    if (timer)
        ioloop_remove_timeout(loop, timer); /* ENOENT if it has run */
    if (future_cancelled(f) || !future_done(f)) {
        error = ETIMEDOUT; /* Tornado: "Operation timed out" */
    } else {
        error = future_error(f);
        if (result)
            *result = future_result(f);
    }
    future_unref(f);
    return error;
}
