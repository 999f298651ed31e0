/* httpclient.c - AsyncHTTPClient.fetch: the queue of fetches under
 * max_clients, each fetch's timeouts, redirects and one retry, the idle
 * pool (httpclient_pool.c) of connections per host:port. One exchange on
 * one connection is httpclient_conn.c's. Tornado: simple_httpclient.
 * SimpleAsyncHTTPClient and _HTTPConnection.finish. */
#include "httpclient.h"

#include "httpclient_conn.h"
#include "httpclient_pool.h"
#include "httpclient_request.h"
#include "httpclient_response.h"
#include "httpclient_url.h"
#include "resolver.h"

#include "buffer.h"
#include "http_parse.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One fetch, from httpclient_fetch() to its response: through the queue,
 * then each hop of its redirects (each a request on a connection). */
struct httpclient_fetch {
    struct httpclient *client;
    struct future *future;
    struct httpclient_fetch *prev, *next; /* in the queue, or in flight */
    int active;

    /* the request, copied */
    char *method;
    char *extra;      /* the caller's header lines, each ending in CRLF */
    char *body;
    size_t body_len;
    double connect_timeout, request_timeout;
    int follow_redirects, redirects_left;
    size_t max_body;

    /* the hop under way */
    char *url;
    struct httpclient_url u;
    char *key;                /* "host:port", the pool's */
    double start, hop_start;  /* ioloop_time() at fetch, at this hop */
    ioloop_timeout timer;
    const char *timer_reason; /* what the timer's 599 will say */
    struct resolver_job *lookup;
    struct httpclient_conn *conn;
    int reused, retried;
};

struct fetch_list {
    struct httpclient_fetch *head, *tail;
    int n;
};

struct httpclient {
    struct ioloop *loop;
    struct httpclient_options opts;
    struct resolver *resolver;
    struct fetch_list queue, active;
    struct httpclient_pool *pool;
    struct httpclient_stats stats;
    int closing;
};

static void fetch_start_hop(struct httpclient_fetch *f);
static void fetch_connect(struct httpclient_fetch *f,
                          const struct resolver_result *addrs);
static void client_run_queue(struct httpclient *client);

/* ---- lists ---- */

static void list_push(struct fetch_list *l, struct httpclient_fetch *f)
{
    f->prev = l->tail;
    f->next = NULL;
    if (l->tail)
        l->tail->next = f;
    else
        l->head = f;
    l->tail = f;
    l->n++;
}

static void list_remove(struct fetch_list *l, struct httpclient_fetch *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        l->head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        l->tail = f->prev;
    f->prev = f->next = NULL;
    l->n--;
}

/* ---- the end of a fetch ---- */

/* Stop whatever the hop is doing: its timer, lookup, connection. */
static void fetch_stop_hop(struct httpclient_fetch *f)
{
    if (f->timer)
        ioloop_remove_timeout(f->client->loop, f->timer);
    f->timer = 0;
    if (f->lookup)
        resolver_cancel(f->lookup);
    f->lookup = NULL;
    httpclient_conn_free(f->conn);
    f->conn = NULL;
}

static void fetch_free(struct httpclient_fetch *f)
{
    fetch_stop_hop(f);
    future_unref(f->future);
    httpclient_url_free(&f->u);
    free(f->key);
    free(f->url);
    free(f->method);
    free(f->extra);
    free(f->body);
    free(f);
}

/* Take f off its list and give its slot to the next fetch queued. */
static void fetch_release(struct httpclient_fetch *f)
{
    struct httpclient *client = f->client;

    list_remove(f->active ? &client->active : &client->queue, f);
    fetch_free(f);
    client_run_queue(client);
}

/* Resolve the future with r (NULL: no memory for even a 599). */
static void fetch_finish(struct httpclient_fetch *f,
                         struct httpclient_response *r)
{
    fetch_stop_hop(f);
    future_set_cancel_hook(f->future, NULL, NULL);
    if (!r) {
        future_set_error(f->future, ENOMEM);
    } else {
        r->request_time = ioloop_time(f->client->loop) - f->start;
        if (!r->effective_url)
            r->effective_url = strdup(f->url);
        future_set_result(f->future, r);
    }
    fetch_release(f);
}

static void fetch_fail(struct httpclient_fetch *f, const char *why)
{
    fetch_finish(f, httpclient_response_599(why));
}

/* future_cancel() on a fetch's future: drop the fetch. Tornado has no
 * such thing for simple_httpclient; asyncio's Task.cancel is the model. */
static int fetch_on_cancel(struct future *future, void *arg)
{
    struct httpclient_fetch *f = arg;

    future_set_cancel_hook(future, NULL, NULL);
    future_set_error(future, ECANCELED);
    fetch_release(f);
    return 1;
}

/* ---- timeouts (Tornado's three: in the queue, connecting, during) ---- */

static int fetch_on_timeout(struct ioloop *loop, void *arg)
{
    struct httpclient_fetch *f = arg;

    (void)loop;
    f->timer = 0;
    fetch_fail(f, f->timer_reason);
    return 0;
}

static void fetch_set_timer(struct httpclient_fetch *f, double deadline,
                            const char *reason)
{
    if (f->timer)
        ioloop_remove_timeout(f->client->loop, f->timer);
    f->timer_reason = reason;
    f->timer = ioloop_add_timeout(f->client->loop, deadline,
                                  fetch_on_timeout, f);
}

/* The smaller of the two limits: the queue and connecting end at
 * whichever comes first, as simple_httpclient's do. */
static double fetch_first_limit(const struct httpclient_fetch *f)
{
    return f->connect_timeout < f->request_timeout ? f->connect_timeout
                                                   : f->request_timeout;
}

/* ---- one hop: URL, connection, request, response ---- */

/* Whether r is a redirect this fetch follows (Tornado's
 * _should_follow_redirect): 301, 302, 303, 307, 308 with a Location,
 * while redirects are left. */
static const char *fetch_redirect_to(const struct httpclient_fetch *f,
                                     const struct httpclient_response *r)
{
    int c = r->code;

    if (!f->follow_redirects || f->redirects_left <= 0)
        return NULL;
    if (c != 301 && c != 302 && c != 303 && c != 307 && c != 308)
        return NULL;
    return httpclient_response_header(r, "Location");
}

/* The next hop's method (RFC 9110 section 15.4, as Tornado does it): 303
 * becomes GET (but HEAD stays HEAD), 301 and 302 turn a POST into a GET
 * as browsers do; those lose the body. 307 and 308 keep both. */
static int fetch_follow(struct httpclient_fetch *f,
                        const struct httpclient_response *r,
                        const char *location)
{
    char *url = httpclient_url_join(f->url, location);
    int to_get = (r->code == 303 && strcmp(f->method, "HEAD") != 0) ||
                 ((r->code == 301 || r->code == 302) &&
                  strcmp(f->method, "POST") == 0);
    char *get = to_get ? strdup("GET") : NULL;

    if (!url || (to_get && !get)) {
        free(url);
        free(get);
        return -1;
    }
    free(f->url);
    f->url = url;
    if (to_get) {
        free(f->method);
        f->method = get;
        free(f->body);
        f->body = NULL;
        f->body_len = 0;
    }
    f->redirects_left--;
    return 0;
}

static void fetch_on_response(void *arg, struct httpclient_conn *c,
                              const struct httpclient_result *res)
{
    struct httpclient_fetch *f = arg;
    struct httpclient_response *r = res->response;
    const char *location;

    f->conn = NULL;
    if (!r) {
        /* The server may close an idle connection just as we reuse it:
         * nothing came back, so send it once more on a fresh one. */
        int retry = f->reused && res->nothing_received && !f->retried;
        httpclient_conn_free(c);
        if (!retry) {
            fetch_fail(f, res->error);
            return;
        }
        f->retried = 1;
        f->client->stats.retries++;
        fetch_connect(f, NULL);
        return;
    }
    if (res->reusable && f->client->opts.max_idle_per_host > 0)
        httpclient_pool_put(f->client->pool, c, f->key);
    else
        httpclient_conn_free(c);
    if ((location = fetch_redirect_to(f, r))) {
        int rc = fetch_follow(f, r, location);
        httpclient_response_free(r);
        if (rc < 0)
            fetch_finish(f, NULL);
        else
            fetch_start_hop(f);
        return;
    }
    fetch_finish(f, r);
}

/* Send the hop's request on f->conn, the request timer running. */
static void fetch_send(struct httpclient_fetch *f)
{
    struct buffer request;
    int rc, err;

    fetch_set_timer(f, f->hop_start + f->request_timeout,
                    "Timeout during request");
    buffer_init(&request);
    rc = httpclient_request_format(&request, &(struct httpclient_wire){
        .method = f->method, .target = f->u.target,
        .authority = f->u.authority,
        .close = f->client->opts.max_idle_per_host <= 0,
        .extra = f->extra, .body = f->body, .body_len = f->body_len});
    if (rc == 0)
        rc = httpclient_conn_exchange(f->conn, &request,
                                      strcmp(f->method, "HEAD") == 0,
                                      f->max_body, fetch_on_response, f);
    err = errno;
    buffer_free(&request);
    f->client->stats.requests++;
    if (rc == 0)
        return;
    if (err == EPIPE) { /* a pooled stream closed, its close not yet seen */
        fetch_on_response(f, f->conn, &(struct httpclient_result){
            .error = strerror(err), .nothing_received = 1});
        return;
    }
    fetch_fail(f, err == ENOMEM ? "Out of memory" : strerror(err));
}

static void fetch_on_connected(void *arg, struct httpclient_conn *c,
                               int error)
{
    struct httpclient_fetch *f = arg;

    (void)c;
    if (error)
        fetch_fail(f, strerror(error)); /* "Connection refused" */
    else
        fetch_send(f);
}

/* A fresh connection to addrs (NULL: the host again, a retry). */
static void fetch_connect(struct httpclient_fetch *f,
                          const struct resolver_result *addrs);

static void fetch_on_resolved(void *arg, const struct resolver_result *res,
                              const char *error)
{
    struct httpclient_fetch *f = arg;

    f->lookup = NULL;
    if (error)
        fetch_fail(f, error);
    else
        fetch_connect(f, res);
}

/* The host's addresses: at once for a numeric one, else from a resolver
 * thread, so that a slow DNS answer stalls only this fetch. */
static void fetch_resolve(struct httpclient_fetch *f)
{
    struct resolver_result numeric;

    if (resolver_numeric(f->u.host, f->u.port, &numeric) == 0) {
        fetch_connect(f, &numeric);
        return;
    }
    f->lookup = resolver_lookup(f->client->resolver, f->u.host, f->u.port,
                                fetch_on_resolved, f);
    if (!f->lookup)
        fetch_fail(f, "Cannot start a name lookup");
}

static void fetch_connect(struct httpclient_fetch *f,
                          const struct resolver_result *addrs)
{
    if (!addrs) {
        fetch_resolve(f);
        return;
    }
    f->client->stats.connections++;
    f->reused = 0;
    f->conn = httpclient_conn_new(f->client->loop, addrs, f->key,
                                  fetch_on_connected, f);
    if (!f->conn)
        fetch_fail(f, "Out of memory");
}

/* Start the hop to f->url: its timers, then a pooled connection or a
 * new one. */
static void fetch_start_hop(struct httpclient_fetch *f)
{
    const char *why;
    size_t key_len;

    httpclient_url_free(&f->u);
    free(f->key);
    f->key = NULL;
    f->retried = 0;
    f->hop_start = ioloop_time(f->client->loop);
    if (httpclient_url_parse(f->url, &f->u, &why) < 0) {
        fetch_fail(f, why ? why : "Out of memory");
        return;
    }
    key_len = strlen(f->u.host) + 16;
    if (!(f->key = malloc(key_len))) {
        fetch_fail(f, "Out of memory");
        return;
    }
    snprintf(f->key, key_len, "%s:%d", f->u.host, f->u.port);
    fetch_set_timer(f, f->hop_start + fetch_first_limit(f),
                    "Timeout while connecting");
    if ((f->conn = httpclient_pool_take(f->client->pool, f->key))) {
        f->reused = 1;
        f->client->stats.reused++;
        fetch_send(f);
        return;
    }
    fetch_resolve(f);
}

/* ---- the queue (Tornado's max_clients) ---- */

static void client_run_queue(struct httpclient *client)
{
    while (!client->closing && client->queue.head &&
           client->active.n < client->opts.max_clients) {
        struct httpclient_fetch *f = client->queue.head;
        list_remove(&client->queue, f);
        list_push(&client->active, f);
        f->active = 1;
        if (f->timer)
            ioloop_remove_timeout(client->loop, f->timer);
        f->timer = 0;
        fetch_start_hop(f);
    }
}

/* ---- making a fetch ---- */

static struct httpclient_fetch *fetch_new(struct httpclient *client,
                                          const struct httpclient_request *q)
{
    struct httpclient_fetch *f = calloc(1, sizeof *f);

    if (!f)
        return NULL;
    f->client = client;
    f->method = strdup(q->method ? q->method : "GET");
    f->url = strdup(q->url);
    f->extra = httpclient_request_header_lines(q->headers);
    f->body_len = q->body ? q->body_len : 0;
    f->body = malloc(f->body_len ? f->body_len : 1);
    f->future = future_new(client->loop);
    if (!f->method || !f->url || !f->extra || !f->body || !f->future) {
        fetch_free(f);
        return NULL;
    }
    if (f->body_len)
        memcpy(f->body, q->body, f->body_len);
    f->connect_timeout = q->connect_timeout > 0 ? q->connect_timeout
                                                : HTTPCLIENT_DEFAULT_TIMEOUT;
    f->request_timeout = q->request_timeout > 0 ? q->request_timeout
                                                : HTTPCLIENT_DEFAULT_TIMEOUT;
    f->follow_redirects = q->follow_redirects;
    f->redirects_left = q->max_redirects;
    f->max_body = q->max_body_size ? q->max_body_size
                                   : HTTPCLIENT_DEFAULT_MAX_BODY;
    f->start = ioloop_time(client->loop);
    return f;
}

struct future *httpclient_fetch(struct httpclient *client,
                                const struct httpclient_request *request)
{
    struct httpclient_fetch *f;
    struct future *future;

    if (!httpclient_request_check(request)) {
        if (!(future = future_new(client->loop)))
            return NULL;
        future_set_error(future, EINVAL);
        return future;
    }
    if (!(f = fetch_new(client, request))) {
        if ((future = future_new(client->loop)))
            future_set_error(future, ENOMEM);
        return future;
    }
    future = future_ref(f->future); /* one for the caller, one for f */
    future_set_cancel_hook(f->future, fetch_on_cancel, f);
    list_push(&client->queue, f);
    if (client->active.n >= client->opts.max_clients) {
        client->stats.queued++;
        fetch_set_timer(f, f->start + fetch_first_limit(f),
                        "Timeout in request queue");
    }
    client_run_queue(client);
    return future;
}

/* ---- the client ---- */

struct httpclient *httpclient_new(struct ioloop *loop,
                                  const struct httpclient_options *opts)
{
    struct httpclient *client = calloc(1, sizeof *client);

    if (!client)
        return NULL;
    client->loop = loop;
    if (opts)
        client->opts = *opts;
    if (client->opts.max_clients <= 0)
        client->opts.max_clients = HTTPCLIENT_DEFAULT_MAX_CLIENTS;
    if (client->opts.max_idle_per_host == 0)
        client->opts.max_idle_per_host = HTTPCLIENT_DEFAULT_IDLE_PER_HOST;
    if (client->opts.idle_timeout <= 0)
        client->opts.idle_timeout = HTTPCLIENT_DEFAULT_IDLE_TIMEOUT;
    if (client->opts.resolver_threads <= 0)
        client->opts.resolver_threads = 2;
    client->resolver = resolver_new(loop, client->opts.resolver_threads);
    client->pool = httpclient_pool_new(loop, client->opts.max_idle_per_host,
                                       client->opts.idle_timeout);
    if (!client->resolver || !client->pool) {
        resolver_free(client->resolver);
        httpclient_pool_free(client->pool);
        free(client);
        return NULL;
    }
    return client;
}

struct httpclient_stats httpclient_stats(const struct httpclient *client)
{
    return client->stats;
}

void httpclient_free(struct httpclient *client)
{
    if (!client)
        return;
    client->closing = 1; /* the queue starts nothing more */
    while (client->active.head)
        fetch_fail(client->active.head, "Client closed");
    while (client->queue.head)
        fetch_fail(client->queue.head, "Client closed");
    httpclient_pool_free(client->pool);
    resolver_free(client->resolver); /* every lookup was cancelled above */
    free(client);
}
