/* retry.h - exercise 05-retry: a fetch that tries an idempotent request
 * again, after a growing, jittered wait, when the answer says "try later"
 * or there was no answer at all. Built on chapter 5's httpclient_fetch().
 * Tornado has no such helper; this is what a service calling another one
 * writes around AsyncHTTPClient.fetch (as urllib3's Retry does for
 * requests).
 *
 *     static int get_with_retries(void *arg, void **result)  // a coroutine
 *     {
 *         struct httpclient_request req = HTTPCLIENT_REQUEST_INIT;
 *         struct retry_policy policy = RETRY_POLICY_INIT;
 *         struct httpclient_response *resp;
 *         struct future *f;
 *         int err;
 *
 *         req.url = "http://127.0.0.1:8888/";
 *         if (!(f = retry_fetch(arg, &req, &policy)))
 *             return errno;
 *         err = gen_await(f, (void **)&resp);   // every attempt, every wait
 *         future_unref(f);
 *         if (err)
 *             return err;
 *         printf("%d %s\n", resp->code, resp->reason);
 *         httpclient_response_free(resp);
 *         return 0;
 *     }
 */
#ifndef EX05_RETRY_H
#define EX05_RETRY_H

#include "future.h"
#include "httpclient.h"

/* How hard to try. */
struct retry_policy {
    int max_attempts;  /* attempts in all, the first included; 1: no retry */
    double base_delay; /* seconds: the backoff before the second attempt */
    double max_delay;  /* seconds: no wait is longer, Retry-After's neither */
};

#define RETRY_POLICY_INIT                                                   \
    {.max_attempts = 3, .base_delay = 0.1, .max_delay = 10.0}

/* Fetch req as httpclient_fetch() does, and try again while the answer is
 * retryable and attempts are left. The future (the caller's reference)
 * succeeds with the response of the last attempt, the caller's to free
 * (httpclient_response_free); every earlier response is freed here. It
 * fails only as httpclient_fetch's does (EINVAL, ENOMEM), or with
 * ECANCELED when it is cancelled: then no attempt is made any more.
 *
 * Retried: only an idempotent method (RFC 9110 section 9.2.2: GET, HEAD,
 * PUT, DELETE, OPTIONS; NULL is GET), and only for
 *   - 599 (no answer: refused, reset, timed out),
 *   - 502, 503, 504 (a gateway, or a server that says it is unavailable),
 *   - 429 with a Retry-After header in delta-seconds ("Retry-After: 2").
 * Anything else (200, 404, 500, a POST's 503) is returned at once.
 *
 * The wait before attempt n + 1 (n = 1, 2, ...):
 *   - a 503 or 429 with Retry-After: N (delta-seconds): min(N, max_delay);
 *   - otherwise d = min(max_delay, base_delay * 2^(n-1)), and the wait is a
 *     random time in [d/2, d] ("equal jitter").
 *
 * req (and every string and buffer it points to) must stay valid until the
 * future is done: each attempt fetches it again. policy is copied. NULL
 * with errno (ENOMEM) when even the future cannot be made. */
struct future *retry_fetch(struct httpclient *client,
                           const struct httpclient_request *req,
                           const struct retry_policy *policy);

#endif
