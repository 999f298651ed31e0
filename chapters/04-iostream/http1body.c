/* http1body.c - a message body read from a stream, by length or chunked,
 * a piece at a time, each size checked before its bytes are read.
 * Tornado: HTTP1Connection._read_fixed_body and _read_chunked_body. */
#include "http1body.h"

#include "log.h"

#include <errno.h>
#include <string.h>

/* The most a body's buffer is given before its bytes arrive. */
#define HTTP1_BODY_RESERVE (1024 * 1024)
/* A chunk-size line, extensions included (Tornado allows 64 bytes). */
#define HTTP1_MAX_CHUNK_LINE 4096

static void http1_body_read_piece(struct http1_body *b);
static void http1_body_read_chunk_line(struct http1_body *b);
static void http1_body_read_chunk_data(struct http1_body *b);

/* The stream refused a read (it has closed, or no memory): make sure it
 * closes; its close callback tells the connection. */
static void http1_body_fail(struct http1_body *b)
{
    if (errno != EPIPE)
        log_warn("%s: read: %s", b->peer, strerror(errno));
    iostream_close(b->stream);
}

/* ---- by Content-Length ---- */

/* Bytes were appended to out (appended of them), and more are to come:
 * read on, or, streamed, hand them over and wait for http1_body_resume().
 * A read that brought no bytes (a chunk's CRLF alone) hands nothing over. */
static void http1_body_more(struct http1_body *b, size_t appended,
                            void (*next)(struct http1_body *b))
{
    if (!b->piece || appended == 0) {
        next(b);
        return;
    }
    b->next = next;
    b->piece(b->arg);
}

void http1_body_resume(struct http1_body *b)
{
    b->next(b);
}

void http1_body_read_length(struct http1_body *b, uint64_t length)
{
    /* Room for the whole body at once, up to a bound: a client must send
     * bytes, not merely announce them, to make us hold memory. A streamed
     * body's consumer empties out as it goes: no room is kept for it. */
    size_t room = b->piece                      ? 0
                  : length < HTTP1_BODY_RESERVE ? (size_t)length
                                                : HTTP1_BODY_RESERVE;

    if (buffer_reserve(b->out, room) < 0) {
        b->done(b->arg, 500);
        return;
    }
    b->left = length;
    http1_body_read_piece(b);
}

/* A piece of a body, or of a chunk, has arrived. */
static void http1_body_on_piece(struct iostream *s, int status,
                                const char *data, size_t len, void *arg)
{
    struct http1_body *b = arg;

    (void)s;
    if (status < 0) /* the client went mid-body: the request is dropped */
        return;
    if (buffer_append(b->out, data, len) < 0) {
        b->done(b->arg, 500);
        return;
    }
    b->left -= len;
    b->received += len;
    if (b->chunked)
        http1_body_more(b, len, http1_body_read_chunk_data);
    else if (b->left > 0)
        http1_body_more(b, len, http1_body_read_piece);
    else
        b->done(b->arg, 0);
}

static void http1_body_read_piece(struct http1_body *b)
{
    size_t n = b->left < HTTP1_BODY_PIECE ? (size_t)b->left
                                          : HTTP1_BODY_PIECE;

    if (iostream_read_bytes(b->stream, n, http1_body_on_piece, b) < 0)
        http1_body_fail(b);
}

/* ---- chunked (RFC 9112 section 7.1) ---- */

void http1_body_read_chunked(struct http1_body *b)
{
    b->chunked = 1;
    http1_body_read_chunk_line(b);
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* chunk-size [ BWS ";" chunk-ext ] from a line without its CRLF: the
 * extensions are ignored (no control characters but HTAB, though). -1 for
 * no hex digit, a bad character, or a size past 64 bits. */
static int parse_chunk_size(const char *line, size_t len, uint64_t *size)
{
    size_t i = 0;
    uint64_t n = 0;

    for (; i < len && hex_value(line[i]) >= 0; i++) {
        if (n > UINT64_MAX >> 4)
            return -1; /* overflow: no wrap-around to a small size */
        n = n << 4 | (uint64_t)hex_value(line[i]);
    }
    if (i == 0)
        return -1;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && line[i] != ';')
        return -1;
    for (; i < len; i++)
        if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
            line[i] == 0x7F)
            return -1;
    *size = n;
    return 0;
}

static void http1_body_on_trailer(struct iostream *s, int status,
                                  const char *data, size_t len, void *arg);

static void http1_body_on_chunk_line(struct iostream *s, int status,
                                     const char *data, size_t len, void *arg)
{
    struct http1_body *b = arg;
    uint64_t size;

    if (status < 0)
        return;
    if (len > HTTP1_MAX_CHUNK_LINE ||
        parse_chunk_size(data, len - 2, &size) < 0) {
        b->done(b->arg, 400);
    } else if (size > b->max_body_size - b->received) {
        b->done(b->arg, 413); /* checked before a byte of it is read */
    } else if (size == 0) {
        b->trailer_bytes = 0;
        if (iostream_read_until(s, "\r\n", 0, http1_body_on_trailer, b) < 0)
            http1_body_fail(b);
    } else {
        b->left = size;
        http1_body_read_chunk_data(b);
    }
}

static void http1_body_read_chunk_line(struct http1_body *b)
{
    /* No max_bytes: a line past it would close the stream without an
     * answer. The stream's buffer limit bounds it; we check the length. */
    if (iostream_read_until(b->stream, "\r\n", 0, http1_body_on_chunk_line,
                            b) < 0)
        http1_body_fail(b);
}

/* A chunk's last bytes and its CRLF. */
static void http1_body_on_chunk_end(struct iostream *s, int status,
                                    const char *data, size_t len, void *arg)
{
    struct http1_body *b = arg;

    (void)s;
    if (status < 0)
        return;
    if (memcmp(data + len - 2, "\r\n", 2) != 0) {
        b->done(b->arg, 400);
        return;
    }
    if (buffer_append(b->out, data, len - 2) < 0) {
        b->done(b->arg, 500);
        return;
    }
    b->received += len - 2;
    http1_body_more(b, len - 2, http1_body_read_chunk_line);
}

/* The rest of a chunk in pieces; the last piece brings the CRLF along
 * (alone, if the data ended a piece just short of it). */
static void http1_body_read_chunk_data(struct http1_body *b)
{
    size_t piece = b->left < HTTP1_BODY_PIECE ? (size_t)b->left
                                              : HTTP1_BODY_PIECE;
    int rc;

    if (b->left + 2 <= HTTP1_BODY_PIECE)
        rc = iostream_read_bytes(b->stream, piece + 2,
                                 http1_body_on_chunk_end, b);
    else
        rc = iostream_read_bytes(b->stream, piece, http1_body_on_piece, b);
    if (rc < 0)
        http1_body_fail(b);
}

static void http1_body_on_trailer(struct iostream *s, int status,
                                  const char *data, size_t len, void *arg)
{
    struct http1_body *b = arg;

    (void)data;
    if (status < 0)
        return;
    if (len == 2) { /* the empty line: the message ends */
        b->done(b->arg, 0);
        return;
    }
    b->trailer_bytes += len; /* trailer fields are read and dropped */
    if (b->trailer_bytes > b->max_trailer_size)
        b->done(b->arg, 431);
    else if (iostream_read_until(s, "\r\n", 0, http1_body_on_trailer, b) < 0)
        http1_body_fail(b);
}
