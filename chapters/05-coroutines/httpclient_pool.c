/* httpclient_pool.c - idle keep-alive connections, a few per host:port,
 * each closed after its idle timeout or as soon as its server closes it.
 * Beyond Tornado's simple_httpclient, which keeps none. */
#include "httpclient_pool.h"

#include <stdlib.h>
#include <string.h>

/* An idle connection in the pool. */
struct httpclient_idle {
    struct httpclient_pool *pool;
    struct httpclient_conn *conn;
    char *key;
    ioloop_timeout timer;
    struct httpclient_idle *prev, *next;
};

struct httpclient_pool {
    struct ioloop *loop;
    int max_per_host;
    double idle_timeout;
    struct httpclient_idle *idle; /* newest first */
};

struct httpclient_pool *httpclient_pool_new(struct ioloop *loop,
                                            int max_per_host,
                                            double idle_timeout)
{
    struct httpclient_pool *pool = calloc(1, sizeof *pool);

    if (pool) {
        pool->loop = loop;
        pool->max_per_host = max_per_host;
        pool->idle_timeout = idle_timeout;
    }
    return pool;
}

static void pool_drop(struct httpclient_idle *e)
{
    struct httpclient_pool *pool = e->pool;

    if (e->prev)
        e->prev->next = e->next;
    else
        pool->idle = e->next;
    if (e->next)
        e->next->prev = e->prev;
    if (e->timer)
        ioloop_remove_timeout(pool->loop, e->timer);
    httpclient_conn_free(e->conn);
    free(e->key);
    free(e);
}

/* The server closed an idle connection, as it may at any time. */
static void pool_on_close(void *arg, struct httpclient_conn *c)
{
    (void)c;
    pool_drop(arg);
}

static int pool_on_timeout(struct ioloop *loop, void *arg)
{
    struct httpclient_idle *e = arg;

    (void)loop;
    e->timer = 0;
    pool_drop(e);
    return 0;
}

void httpclient_pool_put(struct httpclient_pool *pool,
                         struct httpclient_conn *c, const char *key)
{
    struct httpclient_idle *e;
    int same = 0;

    for (e = pool->idle; e; e = e->next)
        same += strcmp(e->key, key) == 0;
    if (same >= pool->max_per_host ||
        !(e = calloc(1, sizeof *e)) || !(e->key = strdup(key))) {
        if (e)
            free(e);
        httpclient_conn_free(c);
        return;
    }
    e->pool = pool;
    e->conn = c;
    e->timer = ioloop_call_later(pool->loop, pool->idle_timeout,
                                 pool_on_timeout, e);
    e->next = pool->idle; /* newest first: the warmest is reused */
    if (e->next)
        e->next->prev = e;
    pool->idle = e;
    httpclient_conn_idle(c, pool_on_close, e);
}

struct httpclient_conn *httpclient_pool_take(struct httpclient_pool *pool,
                                             const char *key)
{
    for (struct httpclient_idle *e = pool->idle; e; e = e->next) {
        if (strcmp(e->key, key) != 0)
            continue;
        struct httpclient_conn *c = e->conn;
        e->conn = NULL; /* pool_drop keeps it open */
        pool_drop(e);
        return c;
    }
    return NULL;
}

void httpclient_pool_free(struct httpclient_pool *pool)
{
    if (!pool)
        return;
    while (pool->idle)
        pool_drop(pool->idle);
    free(pool);
}
