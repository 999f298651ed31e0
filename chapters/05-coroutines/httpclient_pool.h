/* httpclient_pool.h - the client's idle keep-alive connections, by
 * "host:port". Private to httpclient.c.
 *
 *     struct httpclient_pool *pool = httpclient_pool_new(loop, 4, 30.0);
 *     httpclient_pool_put(pool, conn, "example.com:80");  // after a 200
 *     conn = httpclient_pool_take(pool, "example.com:80"); // or NULL
 *
 * Ownership: a connection put in the pool is the pool's, until taken out
 * again; one the pool has no room for, whose server closes it, or whose
 * idle timeout passes, the pool frees (httpclient_conn_free). A server
 * may close an idle connection at any time: the pool drops it when it
 * sees the close, and the client retries a request that met a close
 * the pool had not seen yet (httpclient.h).
 */
#ifndef CH05_HTTPCLIENT_POOL_H
#define CH05_HTTPCLIENT_POOL_H

#include "httpclient_conn.h"
#include "ioloop.h"

struct httpclient_pool;

/* Up to max_per_host idle connections per key (0 or less: none), each
 * for idle_timeout seconds. NULL (ENOMEM). */
struct httpclient_pool *httpclient_pool_new(struct ioloop *loop,
                                            int max_per_host,
                                            double idle_timeout);

/* Close every idle connection and free the pool. */
void httpclient_pool_free(struct httpclient_pool *pool);

/* Keep c for key's next request, if there is room; else free it. */
void httpclient_pool_put(struct httpclient_pool *pool,
                         struct httpclient_conn *c, const char *key);

/* The newest idle connection to key, taken out of the pool; or NULL. */
struct httpclient_conn *httpclient_pool_take(struct httpclient_pool *pool,
                                             const char *key);

#endif
