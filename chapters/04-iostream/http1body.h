/* http1body.h - a message body read from a stream into a buffer, by its
 * Content-Length or chunked (RFC 9112 sections 6.2 and 7.1), within the
 * limits. Tornado: HTTP1Connection._read_fixed_body and
 * _read_chunked_body.
 *
 *     b->stream = stream; b->out = &req->body; b->peer = "10.0.0.1";
 *     b->max_body_size = ...; b->max_trailer_size = ...;
 *     b->done = on_body; b->arg = conn;
 *     http1_body_read_chunked(b);   // on_body(conn, 0) once it is all in
 *
 * done runs once, with 0 (the whole body is in out) or the status to
 * answer with: 400 (a bad chunk), 413 (past max_body_size), 431
 * (trailers past max_trailer_size), 500 (no memory). If the stream closes
 * first, done never runs: the stream's close callback says so. A read the
 * stream refuses closes it, with a log line.
 *
 * Streamed (b->piece set: a handler that reads its body as it comes,
 * Tornado's @stream_request_body): after each piece is appended to out,
 * with more to come, the reader calls piece and stops until
 * http1_body_resume(). The consumer empties out as it likes; the last
 * bytes come with done(0), as before.
 */
#ifndef CH04_HTTP1BODY_H
#define CH04_HTTP1BODY_H

#include "iostream.h"

#include "buffer.h"

#include <stddef.h>
#include <stdint.h>

/* A body is read in pieces of at most this (Tornado's chunk_size): its
 * bytes pass through the stream's buffer a piece at a time, so the
 * stream's buffer must hold one. */
#define HTTP1_BODY_PIECE 65536

typedef void http1_body_done_fn(void *arg, int status);
typedef void http1_body_piece_fn(void *arg);

/* One body being read. The caller fills in the first group; the second
 * is the reader's. */
struct http1_body {
    struct iostream *stream;
    struct buffer *out;      /* the body is appended here */
    const char *peer;        /* for log lines */
    size_t max_body_size;
    size_t max_trailer_size; /* chunked: the trailer fields, all together */
    http1_body_done_fn *done;
    http1_body_piece_fn *piece; /* NULL: read to the end without a stop */
    void *arg;

    int chunked;
    uint64_t left;           /* bytes of the body, or of the chunk, to come */
    uint64_t received;       /* bytes of the body so far */
    size_t trailer_bytes;    /* chunked: trailer lines so far */
    void (*next)(struct http1_body *b); /* streamed: what resume does */
};

/* Read length bytes (at most max_body_size: the caller checks it first,
 * to answer 413 before the body comes). */
void http1_body_read_length(struct http1_body *b, uint64_t length);

/* Read a chunked body; its trailer fields are read and dropped. */
void http1_body_read_chunked(struct http1_body *b);

/* Streamed: read on after a piece (only after piece has run). */
void http1_body_resume(struct http1_body *b);

#endif
