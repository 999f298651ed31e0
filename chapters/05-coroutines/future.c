/* future.c - a result that is not there yet, and the callbacks waiting
 * for it. Tornado: tornado.concurrent.Future, which is asyncio.Future. */
#include "future.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One done-callback: waiting in the future's list, then queued on the
 * loop, where it runs once and is freed. */
struct future_callback {
    struct future *f;
    future_done_fn *fn;
    void *arg;
    struct future_callback *next;
};

struct future {
    struct ioloop *loop;
    int refs;
    enum { PENDING, SUCCEEDED, FAILED } state;
    int error;         /* FAILED: why (ECANCELED if cancelled) */
    int retrieved;     /* FAILED: future_error() has been asked */
    void *value;       /* SUCCEEDED */
    struct future_callback *callbacks, **tail; /* in the order added */
    future_cancel_fn *cancel_hook;
    void *cancel_arg;
};

struct future *future_new(struct ioloop *loop)
{
    struct future *f = calloc(1, sizeof *f);

    if (!f)
        return NULL;
    f->loop = loop;
    f->refs = 1;
    f->state = PENDING;
    f->tail = &f->callbacks;
    return f;
}

struct future *future_ref(struct future *f)
{
    f->refs++;
    return f;
}

void future_unref(struct future *f)
{
    if (!f || --f->refs > 0)
        return;
    /* Only pending futures have callbacks in the list, and each holds a
     * reference: a future reaching 0 refs has none left to free. */
    if (f->state == FAILED && !f->retrieved && f->error != ECANCELED)
        log_error("Future exception was never retrieved: %s",
                  strerror(f->error));
    free(f);
}

/* ---- done-callbacks ---- */

static int future_run_callback(struct ioloop *loop, void *arg)
{
    struct future_callback *cb = arg;

    (void)loop;
    cb->fn(cb->f, cb->arg);
    future_unref(cb->f);
    free(cb);
    return 0;
}

/* Queue one callback for the loop's next turn. The loop's queue takes no
 * refusal we could undo, so a failure here (no memory) is logged. */
static void future_queue_callback(struct future_callback *cb)
{
    if (ioloop_add_callback(cb->f->loop, future_run_callback, cb) < 0) {
        log_error("future: a done-callback is lost: %s", strerror(errno));
        future_unref(cb->f);
        free(cb);
    }
}

/* f is done: every waiting callback goes to the loop, in order. Tornado:
 * Future._schedule_callbacks. */
static void future_schedule_callbacks(struct future *f)
{
    struct future_callback *cb = f->callbacks;

    f->callbacks = NULL;
    f->tail = &f->callbacks;
    while (cb) {
        struct future_callback *next = cb->next;
#ifdef FUTURE_CALLBACKS_AT_ONCE
        /* For the book's experiment only (queue_demo_at_once): run the
         * callback here, inside set_result, not on the loop's next turn. */
        future_run_callback(f->loop, cb);
        cb = next;
        continue;
#endif
        future_queue_callback(cb);
        cb = next;
    }
}

int future_add_done_callback(struct future *f, future_done_fn *fn,
                             void *arg)
{
    struct future_callback *cb;

    if (f->state != PENDING) {
        fn(f, arg); /* Tornado's future_add_done_callback: at once */
        return 0;
    }
    if (!(cb = malloc(sizeof *cb)))
        return -1;
    *cb = (struct future_callback){future_ref(f), fn, arg, NULL};
    *f->tail = cb;
    f->tail = &cb->next;
    return 0;
}

int future_remove_done_callback(struct future *f, future_done_fn *fn,
                                void *arg)
{
    for (struct future_callback **p = &f->callbacks; *p; p = &(*p)->next) {
        struct future_callback *cb = *p;
        if (cb->fn != fn || cb->arg != arg)
            continue;
        *p = cb->next;
        if (f->tail == &cb->next)
            f->tail = p;
        free(cb);
        future_unref(f); /* the callback's reference; f has the caller's */
        return 1;
    }
    return 0;
}

/* ---- resolving ---- */

static int future_resolve(struct future *f, int error, void *value)
{
    if (f->state != PENDING) {
        errno = EINVAL; /* Tornado: InvalidStateError */
        return -1;
    }
    f->state = error ? FAILED : SUCCEEDED;
    f->error = error;
    f->value = value;
    future_schedule_callbacks(f);
    return 0;
}

int future_set_result(struct future *f, void *value)
{
    return future_resolve(f, 0, value);
}

int future_set_error(struct future *f, int error)
{
    if (error == 0) {
        errno = EINVAL;
        return -1;
    }
    return future_resolve(f, error, NULL);
}

int future_cancel(struct future *f)
{
    if (f->state != PENDING)
        return 0;
    if (f->cancel_hook)
        return f->cancel_hook(f, f->cancel_arg);
    future_resolve(f, ECANCELED, NULL);
    return 1;
}

void future_set_cancel_hook(struct future *f, future_cancel_fn *hook,
                            void *arg)
{
    f->cancel_hook = hook;
    f->cancel_arg = arg;
}

void future_settle(struct future *f, int error)
{
    if (f->state != PENDING)
        return;
    future_set_cancel_hook(f, NULL, NULL);
    future_resolve(f, error, NULL);
}

/* ---- reading ---- */

int future_done(const struct future *f) { return f->state != PENDING; }

int future_cancelled(const struct future *f)
{
    return f->state == FAILED && f->error == ECANCELED;
}

int future_error(struct future *f)
{
    if (f->state == PENDING) {
        errno = EINVAL;
        return -1;
    }
    f->retrieved = 1;
    return f->error;
}

void *future_result(const struct future *f)
{
    return f->state == SUCCEEDED ? f->value : NULL;
}

struct ioloop *future_loop(const struct future *f) { return f->loop; }
