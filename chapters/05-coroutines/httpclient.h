/* httpclient.h - a non-blocking HTTP/1.1 client on chapter 4's IOStream:
 * fetch a URL, get a future of the response. Tornado: AsyncHTTPClient.
 * fetch (simple_httpclient.SimpleAsyncHTTPClient), with raise_error=False.
 *
 *     static int get_hello(void *arg, void **result)    // a coroutine
 *     {
 *         struct httpclient_request req = HTTPCLIENT_REQUEST_INIT;
 *         struct httpclient_response *resp;
 *         struct future *f;
 *         int err;
 *
 *         req.url = "http://127.0.0.1:8888/";
 *         if (!(f = httpclient_fetch(arg, &req)))
 *             return errno;
 *         err = gen_await(f, (void **)&resp);           // the loop runs on
 *         future_unref(f);
 *         if (err)
 *             return err;                               // ENOMEM, ECANCELED
 *         printf("%d %s\n", resp->code, resp->reason);  // 599: why, in reason
 *         httpclient_response_free(resp);
 *         return 0;
 *     }
 *
 *     struct httpclient *client = httpclient_new(loop, NULL);
 *     gen_run_sync(loop, get_hello, client, 0, NULL);
 *     httpclient_free(client);
 *
 * Or without a coroutine: future_add_done_callback(f, on_response, arg).
 *
 * The future succeeds with a response for every HTTP outcome, 404 and
 * 500 as well as 200, and for every failure to get one: a timeout, a
 * refused connection, a server that closed mid-body or sent garbage are
 * all code 599 with the reason in `reason`, as Tornado's HTTPResponse
 * with code 599 and its error's message. That is fetch(raise_error=False):
 * one switch on code handles everything. The future fails only for a
 * programming error or no memory: EINVAL (no request, no URL, a header
 * line with CR or LF or no colon, a method that is not a token) and
 * ENOMEM. A bad or https URL is a 599, as in Tornado, where the error
 * comes back through the response too.
 *
 * Ownership: the request is copied, so it may be freed (or live on the
 * stack) once httpclient_fetch() returns. The response is the caller's:
 * whoever takes the future's result frees it with
 * httpclient_response_free(), even for 599. A future whose result nobody
 * takes leaks the response: take it in a done-callback if you drop the
 * future early. Cancelling the future (future_cancel) drops the request
 * and its connection; its response is then never made.
 *
 * Timeouts, as simple_httpclient's (Tornado 6.2): a fetch that has to
 * wait for one of max_clients' slots waits at most min(connect_timeout,
 * request_timeout), then is "Timeout in request queue"; once it has a
 * slot, connecting may take min(connect_timeout, request_timeout)
 * ("Timeout while connecting"), and the whole exchange request_timeout
 * from then ("Timeout during request"). So the time queued is bounded
 * apart, not taken out of request_timeout. Each redirect is a new request
 * with timeouts of its own, as in Tornado, where it is a new fetch; it
 * keeps the slot (Tornado queues it again). request_time counts from
 * httpclient_fetch(), redirects and all.
 *
 * Redirects, as Tornado's _should_follow_redirect and finish(): 301,
 * 302, 303, 307 and 308 with a Location are followed while
 * max_redirects allows; the Location is resolved against the URL it
 * came from. 303 turns any method but HEAD into a GET, 301 and 302 turn
 * a POST into a GET (what browsers do, and libcurl), each dropping the
 * body; 307 and 308 keep method and body. When max_redirects runs out,
 * the last 3xx is the response (code 302, say), not a 599: Tornado's
 * fetch returns it too, and raises it only with raise_error=True.
 *
 * Beyond simple_httpclient, which opens a connection per request and
 * closes it: connections are kept alive and reused per host:port (an
 * idle pool, httpclient_options), and httpclient_stats() counts them, so
 * the difference can be seen. A server may close an idle connection at
 * any moment (its own idle timeout), so a request that fails on a reused
 * connection before a byte of the answer came is sent once more on a
 * fresh one; it cannot have been acted on twice... unless the server
 * acted and died before answering, which is why browsers do the same
 * only for idempotent requests, and why we do it for every method only
 * once, and only on a reused connection.
 */
#ifndef CH05_HTTPCLIENT_H
#define CH05_HTTPCLIENT_H

#include "future.h"
#include "ioloop.h"

#include "buffer.h"

#include <stddef.h>

#define HTTPCLIENT_DEFAULT_TIMEOUT 20.0 /* seconds, Tornado's both */
#define HTTPCLIENT_DEFAULT_MAX_BODY (100 * 1024 * 1024) /* Tornado's */
#define HTTPCLIENT_DEFAULT_MAX_REDIRECTS 5
#define HTTPCLIENT_DEFAULT_MAX_CLIENTS 10
#define HTTPCLIENT_DEFAULT_IDLE_PER_HOST 4
#define HTTPCLIENT_DEFAULT_IDLE_TIMEOUT 30.0
#define HTTPCLIENT_NO_POOL (-1) /* max_idle_per_host: close after each */

struct httpclient;

/* One request. Start from HTTPCLIENT_REQUEST_INIT: its zeros are the
 * defaults. Tornado: HTTPRequest. */
struct httpclient_request {
    const char *method;            /* "GET" if NULL */
    const char *url;               /* "http://host[:port]/path?query" */
    const char *const *headers;    /* "Name: value" lines, NULL-ended; or NULL */
    const void *body;              /* len bytes, or NULL */
    size_t body_len;
    double connect_timeout;        /* seconds; 0: 20 */
    double request_timeout;        /* seconds, the whole exchange; 0: 20 */
    int follow_redirects;          /* 1 in the INIT */
    int max_redirects;             /* 5 in the INIT; 0: none followed */
    size_t max_body_size;          /* 0: 100 MiB */
};

#define HTTPCLIENT_REQUEST_INIT                                             \
    {.method = "GET", .follow_redirects = 1,                                \
     .max_redirects = HTTPCLIENT_DEFAULT_MAX_REDIRECTS}

struct httpclient_header {
    char *name, *value; /* NUL-terminated, trimmed */
};

/* One answer. Tornado: HTTPResponse. Everything here is the response's. */
struct httpclient_response {
    int code;               /* 100..999, or 599 for no answer */
    char *reason;           /* "OK", or for 599 why ("Timeout while connecting") */
    struct httpclient_header *headers;
    size_t nheaders;
    struct buffer body;     /* empty for HEAD, 204, 304 and 599 */
    char *effective_url;    /* the URL that answered, after redirects */
    double request_time;    /* seconds from fetch to this response */
};

/* The value of the first header named name (case-insensitive), or NULL.
 * Tornado: response.headers.get(name). */
const char *httpclient_response_header(const struct httpclient_response *r,
                                       const char *name);

void httpclient_response_free(struct httpclient_response *r);

/* The client's limits; zeros are the defaults. Tornado: the arguments of
 * AsyncHTTPClient.configure (max_clients), and our pool's. */
struct httpclient_options {
    int max_clients;       /* requests in flight; the rest queue. 0: 10 */
    int max_idle_per_host; /* idle connections kept per host:port. 0: 4;
                              HTTPCLIENT_NO_POOL: none, as Tornado */
    double idle_timeout;   /* seconds an idle connection is kept. 0: 30 */
    int resolver_threads;  /* 0: 2 */
};

/* What the client has done so far, to measure the pool with. */
struct httpclient_stats {
    unsigned long requests;    /* sent, each redirect and retry counted */
    unsigned long connections; /* opened (connect() called) */
    unsigned long reused;      /* requests sent on a pooled connection */
    unsigned long retries;     /* resent after a pooled connection failed */
    unsigned long queued;      /* fetches that had to wait for a slot */
};

/* A client on loop; opts may be NULL. NULL with errno. */
struct httpclient *httpclient_new(struct ioloop *loop,
                                  const struct httpclient_options *opts);

/* Fetch request->url. The future (the caller's reference) succeeds with
 * a struct httpclient_response *, or fails with EINVAL or ENOMEM; NULL
 * with errno when even the future cannot be made. Tornado: fetch(). */
struct future *httpclient_fetch(struct httpclient *client,
                                const struct httpclient_request *request);

/* Free the client from the loop's thread (not from inside one of its own
 * stream callbacks). Every request still queued or in flight gets its 599
 * "Client closed" response (on the loop's next turn, as futures do), and
 * every connection is closed. Let the loop turn once more before
 * ioloop_free(), to run those callbacks and release any name lookup
 * that was under way (resolver.h). Tornado: AsyncHTTPClient.close(). */
void httpclient_free(struct httpclient *client);

struct httpclient_stats httpclient_stats(const struct httpclient *client);

#endif
