/* httpclient_conn.h - one client connection: connect to a host's
 * addresses, then exchanges, each one request written and one response
 * read (head, then a body by Content-Length, chunked, or to the close).
 * Tornado: simple_httpclient._HTTPConnection with HTTP1Connection's
 * client side. Private to httpclient.c, which decides, after each
 * exchange, whether the connection goes to the idle pool or is freed.
 *
 *     c = httpclient_conn_new(loop, &addrs, "example.com:80",
 *                             on_connected, f);
 *     // on_connected(f, c, 0):
 *     httpclient_conn_exchange(c, &request_bytes, head_only, max_body,
 *                              on_response, f);
 *     // on_response(f, c, &result): result.response, or result.error
 *     httpclient_conn_free(c);        // or httpclient_conn_idle(...)
 *
 * Ownership: httpclient.c makes and frees every connection; a connection
 * never frees itself. Every callback runs from the loop, never inside the
 * call that asked for it, and may free the connection. Once freed, no
 * callback of it runs again. Timeouts are the caller's: it frees the
 * connection when one fires.
 */
#ifndef CH05_HTTPCLIENT_CONN_H
#define CH05_HTTPCLIENT_CONN_H

#include "httpclient.h"
#include "ioloop.h"
#include "resolver.h"

#include "buffer.h"

#include <stddef.h>

struct httpclient_conn;

/* Connected (error 0), or not to any of the addresses: the last one's
 * errno (ECONNREFUSED...). */
typedef void httpclient_connected_fn(void *arg, struct httpclient_conn *c,
                                     int error);

/* How one exchange ended: a response (the callee's to keep or free), or
 * error, a 599 reason (static or the connection's: copy it to keep it).
 * nothing_received: no byte of the answer came before the failure, so
 * the request may be sent again elsewhere. reusable: the response was
 * read to its framed end and the server keeps the connection. */
struct httpclient_result {
    struct httpclient_response *response;
    const char *error;
    int nothing_received;
    int reusable;
};

typedef void httpclient_exchange_fn(void *arg, struct httpclient_conn *c,
                                    const struct httpclient_result *result);

/* The connection is idle and its server closed it (or it failed). */
typedef void httpclient_idle_close_fn(void *arg, struct httpclient_conn *c);

/* Start connecting to addrs (copied), one after another until one
 * answers; peer (copied) names it in log lines. NULL with errno. */
struct httpclient_conn *httpclient_conn_new(struct ioloop *loop,
                                            const struct resolver_result *addrs,
                                            const char *peer,
                                            httpclient_connected_fn *done,
                                            void *arg);

/* Write request (its bytes are copied) and read one response: no body
 * for head_only (HEAD) or a 1xx, 204 or 304; bodies past max_body are a
 * 599. -1 with errno (EBUSY, EPIPE) if the connection cannot take it. */
int httpclient_conn_exchange(struct httpclient_conn *c,
                             const struct buffer *request, int head_only,
                             size_t max_body, httpclient_exchange_fn *done,
                             void *arg);

/* Keep a connection between exchanges: closed tells when the server
 * closes it meanwhile. */
void httpclient_conn_idle(struct httpclient_conn *c,
                          httpclient_idle_close_fn *closed, void *arg);

/* Close and free; whatever was under way is dropped without a callback.
 * Safe from the connection's own callbacks. NULL is a no-op. */
void httpclient_conn_free(struct httpclient_conn *c);

#endif
