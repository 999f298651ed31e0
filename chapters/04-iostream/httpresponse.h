/* httpresponse.h - the answer to one request: a handler's calls, and the
 * bytes they put on the stream (status line, Date, framing, body). Tornado:
 * HTTP1Connection's write_headers, write and finish, which a handler
 * reaches as request.connection.
 *
 *     http_response_start(req, 200, "Content-Type: text/plain\r\n");
 *     http_response_write(req, "Hello, world\n", 13);
 *     http_response_finish(req);   // now, or later (from a timer...)
 *
 * The handler's calls (start, write, flush, set_content_length, finish,
 * set_close_callback, closed) take the request; the connection's calls
 * (begin, lost, trim, free) take the response it keeps beside the request.
 */
#ifndef CH04_HTTPRESPONSE_H
#define CH04_HTTPRESPONSE_H

#include "httprequest.h"
#include "iostream.h"

#include "buffer.h"

#include <stdint.h>

/* A flush has reached the kernel (status 0), or the connection failed
 * first (-1 with errno). */
typedef void http_response_done_fn(struct http_request *req, int status,
                                   void *arg);

/* The connection closed before the handler finished the request
 * (Tornado: RequestHandler.on_connection_close). The request stays valid;
 * the handler must still finish it, from here or later. */
typedef void http_response_close_fn(struct http_request *req, void *arg);

struct http_response;

/* For the connection: the handler has finished (http_response_finish has
 * queued the last bytes, or found the stream gone). The connection decides
 * what comes next: the next request, the close, or its own end. */
typedef void http_response_finished_fn(struct http_response *r, void *arg);

/* What one response has done so far. The connection keeps one beside each
 * request it delivers; only this file's functions write it. */
struct http_response {
    struct http_request *req;
    struct iostream *stream;   /* NULL once the connection has closed */
    unsigned held : 1;         /* delivered, not yet finished */
    unsigned started : 1;      /* http_response_start has run */
    unsigned headers_sent : 1; /* the head (and its framing) is queued */
    unsigned chunked : 1;      /* the body goes out in chunks */
    unsigned head_only : 1;    /* a HEAD request: no body bytes */
    unsigned no_body : 1;      /* 1xx, 204, 304: no body, no framing */
    unsigned keep_alive : 1;   /* the connection reads another request */
    unsigned fixed_length : 1; /* the handler gave the length: no chunks */
    unsigned flush_waits : 1;  /* finished with a flush callback still due */
    uint64_t body_count;       /* body bytes written in all */
    uint64_t content_length;   /* if fixed_length: what body_count will be */
    struct buffer out;         /* the head, then bytes ready to queue */
    struct buffer body_out;    /* body bytes written since the last flush */
    http_response_done_fn *flush_fn;
    void *flush_arg;
    http_response_close_fn *close_fn;
    void *close_arg;
    http_response_finished_fn *on_finished;
    void *finished_arg;
};

/* ---- the handler's calls ----
 *
 * The handler borrows the request from delivery until it calls
 * http_response_finish(), which it must do exactly once, now or later.
 * Until then the request and every pointer in it stay valid, even if the
 * client has gone: writes and flushes then fail (-1, EPIPE) and do
 * nothing. After finish the request must not be touched. Strings passed
 * in (extra headers, data) are copied before the call returns. */

/* Begin the response: status (100-999) and extra header lines, each ending
 * in "\r\n" (may be NULL). Date, the framing (Content-Length or
 * Transfer-Encoding) and Connection are added here: extra headers must not
 * contain those. Called again: EINVAL. Writing or finishing without it
 * starts a 200. Tornado: write_headers(). */
int http_response_start(struct http_request *req, int status,
                        const char *extra_headers);

/* Add len bytes to the body (copied). They are held until flush or finish.
 * A HEAD request, a 1xx, 204 or 304 sends no body: the bytes are only
 * counted (HEAD gets the Content-Length a GET would). Tornado: write(). */
int http_response_write(struct http_request *req, const void *data,
                        size_t len);

/* Send what has been written so far, headers first; callback (may be
 * NULL) runs once it has reached the kernel, or failed. The first flush
 * fixes the framing: chunked in HTTP/1.1, read-until-close in HTTP/1.0,
 * unless the length was set. EBUSY if a flush callback is still pending
 * (a flush without one leaves it pending); EPIPE once the connection is
 * gone (the callback then never runs). Tornado: flush(). */
int http_response_flush(struct http_request *req,
                        http_response_done_fn *callback, void *arg);

/* The body will be exactly length bytes (Tornado: a handler's own
 * Content-Length header, as StaticFileHandler sets it). The head then
 * says "Content-Length: length" even if the body is flushed in pieces:
 * no chunks, no close to end it, keep-alive as usual; a HEAD gets the
 * same header and no body. Writing past length is EMSGSIZE (nothing is
 * added); finishing short of it sends what there is and closes the
 * connection (finish is then -1 with EMSGSIZE), since the client would
 * wait for the rest. Call before the first flush (EBUSY after it);
 * EMSGSIZE if more than length is written already. */
int http_response_set_content_length(struct http_request *req,
                                     uint64_t length);

/* End the response: queue what is left (with its Content-Length if
 * nothing was flushed); the connection then reads the next request or
 * closes. Releases req in every case, even when the connection is gone
 * (then -1, EPIPE). A flush callback still pending never runs. Tornado:
 * finish(). */
int http_response_finish(struct http_request *req);

/* Call fn if the connection closes before the request is finished
 * (NULL: no longer). Set after the close, it is never called: check
 * http_response_closed(). */
void http_response_set_close_callback(struct http_request *req,
                                      http_response_close_fn *fn, void *arg);

/* Whether the connection is gone (writes are being dropped). */
int http_response_closed(const struct http_request *req);

/* Whether len more body bytes fit in a declared length of which written
 * are already used (written <= length): the check behind EMSGSIZE,
 * Tornado's "Tried to write more data than Content-Length". Written as a
 * subtraction that cannot wrap; the sum written + len could. The web
 * layer makes it too, on the bytes it holds until a flush. */
static inline int http_response_length_fits(uint64_t length,
                                            uint64_t written, size_t len)
{
    return len <= length - written;
}

/* ---- the connection's calls ---- */

/* req is about to be delivered: r starts empty, answering on stream, and
 * calls on_finished(r, arg) from http_response_finish. */
void http_response_begin(struct http_response *r, struct http_request *req,
                         struct iostream *stream,
                         http_response_finished_fn *on_finished, void *arg);

/* The connection closed (and freed its stream) while the handler holds
 * the request: writes fail from now on, and the handler's close callback,
 * if any, runs now. It may finish the request, so r may be gone on return. */
void http_response_lost(struct http_response *r);

/* Empty r's buffers, keeping a small capacity for the next response. */
void http_response_trim(struct http_response *r);

/* Free what r holds (not r itself). */
void http_response_free(struct http_response *r);

#endif
