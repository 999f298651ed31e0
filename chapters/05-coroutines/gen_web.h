/* gen_web.h - request handlers whose methods are coroutines: the method
 * runs in a coroutine of its own, may wait (gen_sleep, gen_await,
 * gen_stream_*), and the request finishes when it returns. Tornado:
 * RequestHandler._execute awaiting an `async def get(self)`.
 *
 *     static int slow_get(struct web_handler *h)
 *     {
 *         int err = gen_sleep(1.0);            // other requests go on
 *         if (err)
 *             return err;                      // ECANCELED: client gone
 *         web_write_str(h, "done\n");
 *         return 0;                            // finished on return
 *     }
 *     static const struct gen_web_class slow = {
 *         .base = {.name = "SlowHandler", .get = gen_web_get,
 *                  GEN_WEB_BASE(0)},
 *         .get = slow_get};
 *     static const struct web_route routes[] = {
 *         {"/slow", &slow.base, NULL}, {0}};
 *
 * A gen_web_class is a web_handler_class (its first member, base, goes
 * in the route) plus the coroutine bodies. base's method entries are
 * gen_web's wrappers, one for each body the class has (so a 405's Allow
 * header stays right); GEN_WEB_BASE fills in the rest of base: the state
 * size and gen_web's on_finish and on_connection_close. The wrapper calls
 * web_async(h), starts the body as a coroutine (gen_start: it runs at
 * once, up to its first wait), and when the coroutine ends:
 *   - it returned 0: web_finish(h);
 *   - it returned an error: web_fail(h, ...), the error logged, and a 500
 *     through the class's write_error (Tornado: an exception escaping an
 *     async method);
 *   - it finished h itself (web_send_error(h, 404), web_redirect...):
 *     nothing more. h is freed inside that call, as web.h says; the body
 *     must not touch h after it, and returns.
 *
 * The client goes first (web.h's on_connection_close): unlike Tornado,
 * which lets the coroutine run on, the coroutine is cancelled, so its
 * wait returns ECANCELED (a body read: ECONNRESET), which it returns;
 * then h is finished quietly, whatever the body returned.
 * That is what chapter 4's sleep handler did by hand, and it is what
 * lets a server's shutdown end: httpserver_free() closes every
 * connection, then gen_web_drain() runs the loop until every cancelled
 * coroutine has returned and its handler is freed.
 *
 * State: a class's own fields (state_size in GEN_WEB_BASE) are at
 * gen_web_state(h), not web_state(h), whose first bytes are gen_web's.
 */
#ifndef CH05_GEN_WEB_H
#define CH05_GEN_WEB_H

#include "ioloop.h"
#include "web.h"

#include "buffer.h"

#include <stddef.h>

/* A method's body, run as a coroutine: 0, or an error (an errno value). */
typedef int gen_web_fn(struct web_handler *h);

struct gen_web_class {
    struct web_handler_class base; /* first: the route names &cls.base */
    gen_web_fn *get, *post, *put, *delete_, *patch, *options;
    web_method_fn *on_finish; /* the class's own, after gen_web's */
};

/* gen_web's bytes at the start of web_state(h). */
struct gen_web_slot {
    _Alignas(max_align_t) void *run;
};

/* The rest of a gen_web_class's base: state_size bytes of the class's own
 * state, and gen_web's hooks. */
#define GEN_WEB_BASE(state_size_)                                           \
    .state_size = sizeof(struct gen_web_slot) + (state_size_),              \
    .on_finish = gen_web_on_finish,                                         \
    .on_connection_close = gen_web_on_connection_close

/* The wrappers for base's method entries: each runs the class's body of
 * the same name in a coroutine. HEAD without a head runs get, as web.c
 * does. */
void gen_web_get(struct web_handler *h);
void gen_web_post(struct web_handler *h);
void gen_web_put(struct web_handler *h);
void gen_web_delete(struct web_handler *h);
void gen_web_patch(struct web_handler *h);
void gen_web_options(struct web_handler *h);

/* GEN_WEB_BASE's hooks. */
void gen_web_on_finish(struct web_handler *h);
void gen_web_on_connection_close(struct web_handler *h);

/* The class's own state (GEN_WEB_BASE's state_size bytes, zeroed). */
void *gen_web_state(struct web_handler *h);

/* Wait for the next piece of the request's body, at most 64 KiB, and
 * append it to out. 0 with a piece; ENODATA once the body has all been
 * read. A class with stream_request_body (web.h), behind a server that
 * streams (httpserver_options.stream_body = web_application_stream_body),
 * runs at the head and gets the body here as it arrives; any other gets
 * the whole body from its first call. Errors: EMSGSIZE (past the
 * server's max_body_size: answer 413), EBADMSG (a malformed chunk: 400),
 * ECONNRESET or EPIPE (the client went), ECANCELED, ENOMEM, EPERM outside
 * a coroutine. A piece that came while the coroutine was being cancelled
 * stays for the next call. Tornado: a @stream_request_body handler's
 * data_received(chunk), pulled by the coroutine rather than pushed. */
int gen_web_read_body(struct web_handler *h, struct buffer *out);

/* How many coroutine handlers of this thread have not ended yet. */
size_t gen_web_running(void);

/* Run loop until every coroutine handler has ended, at most timeout
 * seconds: for a server's shutdown, after httpserver_free() has cancelled
 * them through their connections' close. 0, or ETIMEDOUT with some still
 * running (they are then leaked: their coroutines are suspended). */
int gen_web_drain(struct ioloop *loop, double timeout);

#endif
