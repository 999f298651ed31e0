/* gen_web.c - handler methods that are coroutines: start the body, and
 * finish the request when it ends. Tornado: RequestHandler._execute with
 * an async method (`result = await result`), then finish(). */
#include "gen_web.h"

#include "future.h"
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One coroutine handler's run, on the heap: the body may finish and free
 * h before the coroutine ends, and the coroutine's done-callback must
 * then find out (h is NULL) rather than read a freed handler. */
struct gen_web_run {
    struct web_handler *h; /* NULL once h has finished (on_finish) */
    gen_web_fn *body;
    struct future *task;   /* the coroutine's future: our reference */
    int closed;            /* the client went first */
};

static _Thread_local size_t running;
static _Thread_local struct ioloop *draining; /* gen_web_drain's loop */

static struct gen_web_slot *slot_of(struct web_handler *h)
{
    return web_state(h);
}

void *gen_web_state(struct web_handler *h)
{
    return (char *)web_state(h) + sizeof(struct gen_web_slot);
}

size_t gen_web_running(void) { return running; }

/* The coroutine: the class's body on h. */
static int gen_web_entry(void *arg, void **result)
{
    struct gen_web_run *run = arg;

    *result = NULL;
    return run->body(run->h);
}

/* The coroutine has ended: finish h, unless the body did. */
static void gen_web_done(struct future *f, void *arg)
{
    struct gen_web_run *run = arg;
    struct web_handler *h = run->h;
    int error = future_error(f);

    future_unref(run->task);
    if (h) {
        slot_of(h)->run = NULL;
        if (error && !run->closed) /* gone: ECANCELED, ECONNRESET... */
            web_fail(h, "the coroutine returned: %s", strerror(error));
        else
            web_finish(h); /* frees h */
    }
    free(run);
    if (--running == 0 && draining)
        ioloop_stop(draining);
}

/* The wrappers' one body: run fn(h) in a coroutine, at once and up to
 * its first wait, as Tornado's _execute awaits the method's coroutine in
 * place; h finishes when it ends, which for a body that never waits is
 * before this returns. Everything that gen_web_done undoes is set up
 * before the body runs. */
static void gen_web_start(struct web_handler *h, gen_web_fn *fn)
{
    struct gen_web_run *run = calloc(1, sizeof *run);

    if (!run) {
        web_fail(h, "cannot start a coroutine: %s", strerror(ENOMEM));
        return;
    }
    run->h = h;
    run->body = fn;
    slot_of(h)->run = run;
    running++;
    web_async(h); /* Tornado: the method returned a coroutine */
    if (!(run->task = gen_start(web_loop(h), web_class(h)->name,
                                gen_web_entry, run))) {
        int error = errno; /* the body has not run */
        slot_of(h)->run = NULL;
        running--;
        free(run);
        web_fail(h, "cannot start a coroutine: %s", strerror(error));
        return;
    }
    if (future_add_done_callback(run->task, gen_web_done, run) < 0) {
        /* No memory for the callback: the coroutine is on its own. Cancel
         * it (its wait returns ECANCELED, and a body returns then) and
         * answer; run stays with it, not freed under its feet. */
        future_cancel(run->task);
        if (run->h)
            web_fail(h, "cannot follow a coroutine: %s", strerror(ENOMEM));
    }
}

static const struct gen_web_class *class_of(struct web_handler *h)
{
    return (const struct gen_web_class *)web_class(h); /* base is first */
}

void gen_web_get(struct web_handler *h) { gen_web_start(h, class_of(h)->get); }
void gen_web_post(struct web_handler *h)
{
    gen_web_start(h, class_of(h)->post);
}
void gen_web_put(struct web_handler *h) { gen_web_start(h, class_of(h)->put); }
void gen_web_delete(struct web_handler *h)
{
    gen_web_start(h, class_of(h)->delete_);
}
void gen_web_patch(struct web_handler *h)
{
    gen_web_start(h, class_of(h)->patch);
}
void gen_web_options(struct web_handler *h)
{
    gen_web_start(h, class_of(h)->options);
}

/* h finishes (from the body, or from gen_web_done): the run forgets it. */
void gen_web_on_finish(struct web_handler *h)
{
    struct gen_web_run *run = slot_of(h)->run;

    if (run) {
        run->h = NULL;
        slot_of(h)->run = NULL;
    }
    if (class_of(h)->on_finish)
        class_of(h)->on_finish(h);
}

/* The client has gone: cancel the coroutine at its wait; gen_web_done
 * finishes h when it has returned. */
void gen_web_on_connection_close(struct web_handler *h)
{
    struct gen_web_run *run = slot_of(h)->run;

    if (run) {
        run->closed = 1;
        future_cancel(run->task);
    }
}

/* ---- a streamed body ---- */

/* The connection's read has ended: the waiting coroutine wakes, unless
 * it was cancelled. The read held f (one reference) until now. */
static void on_body_read(struct http_request *req, int status, void *arg)
{
    struct future *f = arg;

    (void)req;
    future_settle(f, status);
    future_unref(f);
}

/* Move what req->body holds to out. */
static int take_body(struct http_request *req, struct buffer *out)
{
    if (buffer_append(out, buffer_data(&req->body),
                      buffer_len(&req->body)) < 0)
        return ENOMEM;
    buffer_consume(&req->body, buffer_len(&req->body));
    return 0;
}

int gen_web_read_body(struct web_handler *h, struct buffer *out)
{
    struct http_request *req = web_request(h);
    struct ioloop *loop = gen_loop();
    struct future *f;
    int error;

    if (buffer_len(&req->body) > 0) /* a whole body, or a piece kept */
        return take_body(req, out);
    if (!loop)
        return EPERM;
    if (!(f = future_new(loop)))
        return ENOMEM;
    if (http_request_read_body(req, on_body_read, f) < 0) {
        error = errno; /* ENODATA: the body has all been read */
        future_unref(f);
        return error;
    }
    /* Cancelled, the piece still comes, and waits in req->body for the
     * next call. */
    error = gen_await_operation(f);
    return error ? error : take_body(req, out);
}

static int gen_web_drain_timeout(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

int gen_web_drain(struct ioloop *loop, double timeout)
{
    ioloop_timeout timer;

    if (running == 0)
        return 0;
    if (!(timer = ioloop_call_later(loop, timeout, gen_web_drain_timeout,
                                    NULL)))
        return errno;
    draining = loop;
    ioloop_start(loop);
    draining = NULL;
    ioloop_remove_timeout(loop, timer); /* ENOENT if it has fired */
    return running ? ETIMEDOUT : 0;
}
