/* with_timeout.c - exercise 05-with-timeout (a solution): a future that
 * follows f until a deadline, then fails with ETIMEDOUT; f runs on. The
 * task and hints are in README.md; the contract is in with_timeout.h. */
#include "with_timeout.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What the timer and f's done-callback share. It lives until f is done:
 * the done-callback always runs (f holds it until then), the timer maybe
 * never, so the done-callback is the one that frees it. */
struct deadline_watch {
    struct ioloop *loop;
    struct future *out;   /* our reference: the caller may drop theirs */
    ioloop_timeout timer; /* 0 once it has fired (a spent handle) */
};

/* The deadline came first: out fails, f is left alone (hint 1). The watch
 * stays, for f's done-callback (hint 2). */
static int watch_expired(struct ioloop *loop, void *arg)
{
    struct deadline_watch *w = arg;

    (void)loop;
    w->timer = 0;
    future_set_error(w->out, ETIMEDOUT);
    return 0;
}

/* f is done. Before the deadline: out takes its outcome and the timer goes
 * (hint 2). After: out has failed already, and an error of f's has nobody
 * left to read it, so it is logged (hint 3). future_error() also marks it
 * read, so f is not logged a second time as never retrieved. */
static void watched_done(struct future *f, void *arg)
{
    struct deadline_watch *w = arg;
    int error = future_error(f);

    if (w->timer) {
        ioloop_remove_timeout(w->loop, w->timer);
        if (error)
            future_set_error(w->out, error);
        else
            future_set_result(w->out, future_result(f));
    } else if (error && error != ECANCELED) {
        log_error("with_timeout: the future failed after its timeout: %s",
                  strerror(error));
    }
    future_unref(w->out);
    free(w);
}

struct future *with_timeout(struct ioloop *loop, double deadline,
                            struct future *f)
{
    struct deadline_watch *w = malloc(sizeof *w);
    struct future *out;

    if (!w)
        return NULL;
    *w = (struct deadline_watch){.loop = loop, .out = future_new(loop)};
    if (!w->out)
        goto fail;
    /* The timer first: a done f runs the callback at once, which removes
     * it. The callback holds a reference to f; we need none (hint 4). */
    w->timer = ioloop_add_timeout(loop, deadline, watch_expired, w);
    if (!w->timer) {
        errno = ENOMEM;
        goto fail;
    }
    out = future_ref(w->out); /* the caller's */
    /* A done f frees w in there already: read nothing of w after it. */
    if (future_add_done_callback(f, watched_done, w) < 0) {
        ioloop_remove_timeout(loop, w->timer);
        future_unref(out);
        goto fail;
    }
    return out;
fail:
    future_unref(w->out);
    free(w);
    return NULL;
}
