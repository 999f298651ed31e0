/* retry.c - exercise 05-retry (the starter): one attempt, and no retry at
 * all yet. The task and hints are in README.md; the contract is in
 * retry.h.
 *
 * It is already a coroutine, as the solution is: the attempts are a loop
 * (fetch, look at the answer, wait, fetch again), and a coroutine writes
 * it as one, where callbacks would split it over a fetch callback and a
 * timer callback sharing a struct. */
#include "retry.h"

#include "gen.h"

#include <errno.h>
#include <stdlib.h>

/* What the coroutine needs; its own copy, freed as it starts. */
struct retry_call {
    struct httpclient *client;
    const struct httpclient_request *req; /* the caller's (retry.h) */
    struct retry_policy policy;
    struct future *first; /* the first attempt, already under way */
};

/* The attempts: so far, only the first. */
static int retry_run(void *arg, void **result)
{
    struct retry_call c = *(struct retry_call *)arg;
    struct httpclient_response *r;
    int err;

    free(arg);
    err = gen_await(c.first, (void **)&r);
    future_unref(c.first);
    if (err)
        return err; /* EINVAL, ENOMEM, ECANCELED: not the server's */
    /* TODO: the whole exercise. Is the method idempotent, the answer
     * retryable, an attempt left? Then free r, wait (gen_sleep), and
     * fetch again (httpclient_fetch(c.client, c.req)). */
    *result = r;
    return 0;
}

struct future *retry_fetch(struct httpclient *client,
                           const struct httpclient_request *req,
                           const struct retry_policy *policy)
{
    struct retry_call *c = malloc(sizeof *c);
    struct future *out;

    if (!c)
        return NULL;
    *c = (struct retry_call){client, req, *policy, NULL};
    /* The first attempt starts now, as httpclient_fetch's would; and its
     * future tells us the client's loop, which the coroutine runs on. */
    if (!(c->first = httpclient_fetch(client, req)))
        goto fail;
    /* gen_start runs retry_run at once up to its first wait, so the
     * coroutine has taken c (and frees it) before this returns. */
    out = gen_start(future_loop(c->first), "retry_fetch", retry_run, c);
    if (!out) {
        future_cancel(c->first); /* its response is then never made */
        future_unref(c->first);
        goto fail;
    }
    return out;
fail:
    free(c);
    return NULL;
}
