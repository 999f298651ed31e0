/* retry.c - exercise 05-retry (a solution): fetch, and fetch again with
 * exponential backoff and jitter, or after the server's Retry-After, while
 * an idempotent request gets a retryable answer. The task and hints are in
 * README.md; the contract is in retry.h.
 *
 * Why a coroutine, not callbacks: the attempts are a loop (fetch, look,
 * wait, fetch again), and a coroutine writes it as one, with the attempt
 * count and the response in local variables. In callback style the same
 * loop is a state machine split over a fetch callback and a timer
 * callback, sharing a malloc'd struct, and who frees the response in
 * between (and on a cancel in the middle of a wait) is spread across both.
 * Here a cancel is simply an ECANCELED out of gen_await or gen_sleep. */
#include "retry.h"

#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the coroutine needs; its own copy, freed as it starts. */
struct retry_call {
    struct httpclient *client;
    const struct httpclient_request *req; /* the caller's (retry.h) */
    struct retry_policy policy;
    struct future *first; /* the first attempt, already under way */
};

/* RFC 9110 section 9.2.2: the methods whose effect is the same however
 * often they are sent. A POST that timed out may have been acted on: sent
 * again, it orders twice. Method names are case-sensitive. */
static int retry_idempotent(const char *method)
{
    static const char *const idempotent[] = {
        "GET", "HEAD", "PUT", "DELETE", "OPTIONS", NULL};

    if (!method)
        return 1; /* httpclient's default, GET */
    for (int i = 0; idempotent[i]; i++)
        if (strcmp(method, idempotent[i]) == 0)
            return 1;
    return 0;
}

/* Retry-After in delta-seconds ("120"): the seconds, or -1 for none or
 * another form (an HTTP-date, which this exercise leaves out). */
static double retry_after(const struct httpclient_response *r)
{
    const char *v = httpclient_response_header(r, "Retry-After");
    double seconds = 0;

    if (!v || !*v)
        return -1;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return -1;
        if (seconds < 1e9) /* a silly value is capped anyway */
            seconds = seconds * 10 + (*v - '0');
    }
    return seconds;
}

/* Whether r says "try later", or is no answer at all. */
static int retry_retryable(const struct httpclient_response *r)
{
    switch (r->code) {
    case 599: /* refused, reset, timed out: nothing came back */
    case 502:
    case 503:
    case 504:
        return 1;
    case 429: /* too many requests: only if it says when to come back */
        return retry_after(r) >= 0;
    default:
        return 0;
    }
}

/* A number in [0, 1). Seeded per process: every process of a fleet with
 * the same seed would draw the same "random" waits, and jitter would not
 * spread them. erand48's state is ours, so nobody else's rand() moves. */
static double retry_random(void)
{
    static _Thread_local unsigned short seed[3];
    static _Thread_local int seeded;

    if (!seeded) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed[0] = (unsigned short)ts.tv_nsec;
        seed[1] = (unsigned short)(ts.tv_nsec >> 16);
        seed[2] = (unsigned short)getpid();
        seeded = 1;
    }
    return erand48(seed);
}

/* The wait after attempt n (1, 2, ...) answered r: the server's
 * Retry-After if it gave one, else the backoff, both capped. */
static double retry_delay(const struct retry_policy *p, int n,
                          const struct httpclient_response *r)
{
    double after = retry_after(r), d = p->base_delay;

    if ((r->code == 503 || r->code == 429) && after >= 0)
        return after < p->max_delay ? after : p->max_delay;
    for (int i = 1; i < n && d < p->max_delay; i++)
        d *= 2; /* base * 2^(n-1), without pow() and its -lm */
    if (d > p->max_delay)
        d = p->max_delay;
    /* Equal jitter: half the wait is certain, so the waits still grow;
     * the other half is random, so clients that failed together do not
     * all come back in the same millisecond. */
    return d / 2 + retry_random() * d / 2;
}

/* The attempts. Each response is either returned (the last one) or freed
 * before the wait; every wait and every fetch may end in ECANCELED, and
 * then there is no response left to free. */
static int retry_run(void *arg, void **result)
{
    struct retry_call c = *(struct retry_call *)arg;
    struct future *f = c.first;
    struct httpclient_response *r;
    int err;

    free(arg);
    for (int attempt = 1;; attempt++) {
        err = gen_await(f, (void **)&r);
        future_unref(f);
        if (err)
            return err; /* EINVAL, ENOMEM, ECANCELED: not the server's */
        if (attempt >= c.policy.max_attempts ||
            !retry_idempotent(c.req->method) || !retry_retryable(r)) {
            *result = r;
            return 0;
        }
        double delay = retry_delay(&c.policy, attempt, r);
        httpclient_response_free(r);
        if ((err = gen_sleep(delay)) != 0)
            return err;
        if (!(f = httpclient_fetch(c.client, c.req)))
            return ENOMEM;
    }
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
