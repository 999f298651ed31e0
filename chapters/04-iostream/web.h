/* web.h - a small web framework on httpserver: an Application routes each
 * request by regex to a handler class, and a handler object per request
 * answers it. Tornado's tornado.web.Application and RequestHandler, in C,
 * callback style.
 *
 *     static void hello_get(struct web_handler *h)
 *     {
 *         web_write_str(h, "Hello, ");
 *         web_printf(h, "%s\n", web_path_arg(h, 0));
 *     }                                            // finished on return
 *     static const struct web_handler_class hello = {"Hello", .get = hello_get};
 *     static const struct web_route routes[] = {
 *         {"/hello/([a-z]+)", &hello, NULL},
 *         {0}};
 *
 *     struct web_application *app = web_application_new(loop, routes);
 *     struct httpserver *srv =
 *         httpserver_new(loop, NULL, web_application_handle, app);
 *     ... httpserver_listen, ioloop_start ...
 *     httpserver_free(srv);            // before the application
 *     web_application_free(app);
 *
 * A request's life (Tornado: RequestHandler._execute): the first route
 * whose pattern matches the path picks the class (none: 404); a handler
 * object is made, zeroed, with the class's state_size bytes of state; then
 * prepare() (if any), then the method's function (NULL: 405 with an Allow
 * header; HEAD without head() runs get(), and the server drops the body),
 * then web_finish() unless the handler called web_async() (Tornado: the
 * method returned an awaitable): then it finishes later itself, from a
 * timer or a callback. At finish, on_finish() runs (the request still
 * readable, no more writes), the response ends, and the handler is freed:
 * it lives exactly as long as its request, never per connection.
 *
 * Who frees a handler: the framework, never the application, once two
 * things have happened: web_finish() has run (everything that ends a
 * request ends in it: web_send_error, web_fail, web_redirect, the return
 * of a method that did not call web_async), and the method has returned.
 *   - Finished inside its method (or prepare): freed when the method
 *     returns.
 *   - Finished later (after web_async(): from a timer, a callback, or,
 *     from chapter 5, a coroutine): freed inside that web_finish() call,
 *     after on_finish(): do not touch the handler once the call returns.
 *   - The client goes first: on_connection_close() runs and nothing is
 *     freed. The handler and its request stay valid, and the handler must
 *     still finish, there or when what it waits for is over; one that
 *     never finishes leaks both.
 *   - An error: web_send_error() and web_fail() answer through
 *     write_error() and then finish, so one of the first two cases
 *     applies. write_error() only writes; it never finishes.
 * A handler that takes its connection over (chapter 7's WebSocket) is the
 * second case: it outlives its method, and ends with web_finish() when
 * the connection does.
 *
 * Who owns what: the application owns the compiled routes, the server owns
 * the request, the framework owns the handler. Every string a handler gets
 * (path, query and body arguments, cookies) is owned by the handler and
 * valid until it is freed; every string it passes in is copied.
 */
#ifndef CH04_WEB_H
#define CH04_WEB_H

#include "httpserver.h"
#include "ioloop.h"

#include <stddef.h>
#include <stdint.h>

struct web_handler;
struct web_application;

typedef void web_method_fn(struct web_handler *h);

/* What a route's handlers do. Any function may be NULL. Tornado: a
 * RequestHandler subclass; state_size is the room for its own fields
 * (web_state()), zeroed for each request. */
struct web_handler_class {
    const char *name; /* for the log */
    web_method_fn *prepare; /* before the method; may finish the request */
    web_method_fn *get, *post, *put, *delete_, *patch, *head, *options;
    web_method_fn *on_finish; /* at finish, before the request is released */
    /* Write the body of an error response: status is already set, the
     * headers cleared. NULL: "STATUS Reason\n" as text/plain. */
    void (*write_error)(struct web_handler *h, int status);
    size_t state_size;
    /* The client went before the handler finished (Tornado:
     * on_connection_close). An asynchronous handler should cancel what it
     * waits for and web_finish() here: the server is then shutting down, or
     * nobody will read the answer. */
    web_method_fn *on_connection_close;
    /* The class reads its request bodies itself, as they arrive: its
     * handlers run once the head has come, and read the body with
     * http_request_read_body(web_request(h), ...) (chapter 5:
     * gen_web_read_body). Only with a server whose options name
     * web_application_stream_body; else the body is read whole first, and
     * the first read says ENODATA. Tornado: @stream_request_body. */
    int stream_request_body;
};

/* One entry of the routing table, which ends with {0}. pattern is a POSIX
 * extended regex matched against the whole path (anchored with ^ and $ if
 * it is not already); its groups become the path arguments. init_args is
 * handed to the handlers as is (Tornado: the route's kwargs). */
struct web_route {
    const char *pattern;
    const struct web_handler_class *cls;
    const void *init_args;
};

/* An application of routes (borrowed: they must outlive it; the patterns
 * are compiled here). NULL with errno: EINVAL for a pattern regcomp
 * refuses (logged), ENOMEM. Tornado: web.Application(handlers). */
struct web_application *web_application_new(struct ioloop *loop,
                                            const struct web_route *routes);

/* Free the compiled routes. Free the httpserver first: its handlers are
 * then all finished. */
void web_application_free(struct web_application *app);

/* The httpserver_request_fn for httpserver_new, with the application as
 * its arg. Tornado: Application.__call__. */
void web_application_handle(struct http_request *req, void *app);

/* The httpserver_options stream_body for an application: whether the
 * class the request's route picks streams its body. */
int web_application_stream_body(const struct http_request *req, void *app);

/* ---- what a handler reads ---- */

struct http_request *web_request(struct web_handler *h);
struct ioloop *web_loop(struct web_handler *h);
/* The class the route gave h: a class that embeds web_handler_class as
 * its first member (chapter 5's coroutine handlers, gen_web.h) finds its
 * own fields from here. */
const struct web_handler_class *web_class(struct web_handler *h);
const void *web_init_args(struct web_handler *h); /* the route's */
void *web_state(struct web_handler *h);           /* state_size bytes */

/* Path argument i (the regex's group i + 1), percent-decoded (a '+' stays
 * a '+'); NULL for a group that did not take part, or i out of range. */
const char *web_path_arg(struct web_handler *h, int i);
int web_path_argc(struct web_handler *h);

/* The last value of a query argument ("?a=1&b=x+y%21": a is "1", b is
 * "x y!"), decoded, or NULL. Tornado: get_query_argument(). */
const char *web_get_query_argument(struct web_handler *h, const char *name);

/* The same for a body sent as application/x-www-form-urlencoded; NULL for
 * any other body. Tornado: get_body_argument(). */
const char *web_get_body_argument(struct web_handler *h, const char *name);

/* The body argument, else the query argument. Tornado: get_argument(). */
const char *web_get_argument(struct web_handler *h, const char *name);

/* A cookie the request sent (double quotes removed), or NULL. Tornado:
 * get_cookie(). */
const char *web_get_cookie(struct web_handler *h, const char *name);

/* ---- what a handler answers ---- */

/* The status (100-599; default 200). EINVAL otherwise; EBUSY once the
 * headers are sent. A 1xx, 204 or 304 goes without body and without
 * Content-Type, Content-Encoding or Content-Language (Tornado's finish()
 * drops them). Tornado: set_status(). */
int web_set_status(struct web_handler *h, int status);

/* Set (replacing any of that name) or add a header. EINVAL for a CR, LF or
 * NUL in either, or a name the server sets itself (Content-Length,
 * Transfer-Encoding, Connection, Date); EBUSY once the headers are sent.
 * The default Content-Type is "text/html; charset=UTF-8", as Tornado's.
 * Tornado: set_header(), add_header(). */
int web_set_header(struct web_handler *h, const char *name, const char *value);
int web_add_header(struct web_handler *h, const char *name, const char *value);

/* Add a "Set-Cookie: name=value; Path=/" header. EINVAL for a control
 * character, space, ';' or ',' in either, '=' in the name. Tornado:
 * set_cookie(). */
int web_set_cookie(struct web_handler *h, const char *name, const char *value);

/* Append to the body, held until flush or finish. EBUSY after finish;
 * EMSGSIZE past a length set by web_set_content_length. Tornado: write(). */
int web_write(struct web_handler *h, const void *data, size_t len);
int web_write_str(struct web_handler *h, const char *s);
int web_printf(struct web_handler *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Send the headers and what is written so far; the response is then
 * chunked (HTTP/1.1), unless its length was set. -1 with errno (EPIPE: the
 * client is gone). Tornado: flush(). */
int web_flush(struct web_handler *h);

/* The same, then done(h, 0) once it has all reached the kernel, or
 * done(h, -1) with errno if the connection failed first: the way to send
 * a large body a piece at a time without holding it all (write a piece,
 * flush, write the next from done). done runs from the loop, never inside
 * this call; it does not run if the handler finishes first, nor when the
 * server is freed with the flush pending (on_connection_close runs then:
 * finish there). EBUSY while another done is pending. Tornado: await
 * self.flush(). */
typedef void web_flush_fn(struct web_handler *h, int status);
int web_flush_then(struct web_handler *h, web_flush_fn *done);

/* The body will be exactly length bytes: it is sent with this
 * Content-Length even when flushed in pieces (and a HEAD gets it with no
 * body). A write past it fails (EMSGSIZE, nothing added); finishing
 * short of it closes the connection after what was sent. EBUSY once the
 * headers are sent, EMSGSIZE if more is written already; a
 * web_send_error() forgets it. Tornado: set_header("Content-Length"),
 * as StaticFileHandler does; here the framing headers stay the server's
 * (see http_response_set_content_length). */
int web_set_content_length(struct web_handler *h, uint64_t length);

/* The handler will finish later with web_finish(): do not finish when the
 * method returns. */
void web_async(struct web_handler *h);

/* Log the request, run on_finish, end the response, and free the handler
 * if its method has returned (see "Who frees a handler" above). EALREADY
 * if finished already. -1 with EPIPE if the client was gone (the handler
 * is freed all the same). Tornado: finish(). */
int web_finish(struct web_handler *h);

/* Whether the response is finished (only meaningful inside the method). */
int web_finished(struct web_handler *h);

/* Answer 301 (permanent) or 302 with a Location header, and finish.
 * EINVAL for a URL with a control character; EBUSY once the headers are
 * sent. Tornado: redirect(). */
int web_redirect(struct web_handler *h, const char *url, int permanent);

/* Throw away the headers and body so far, answer status through the class's
 * write_error, and finish. After a flush only finishes (the status line is
 * gone). Tornado: send_error(). */
int web_send_error(struct web_handler *h, int status);

/* The handler failed (Tornado: an exception escaped the method): log the
 * message at error level with the request, and answer 500. The method
 * should return after it. */
void web_fail(struct web_handler *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* RedirectHandler: redirects every GET (and HEAD) to init_args' url.
 * Tornado: web.RedirectHandler(url, permanent=True). */
struct web_redirect_args {
    const char *url;
    int permanent; /* 1: 301, 0: 302 */
};
extern const struct web_handler_class web_redirect_handler;

#endif
