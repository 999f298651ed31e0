/* buffer.h - a growable byte buffer: append at the tail, consume at the head.
 *
 *     struct buffer in;
 *     buffer_init(&in);
 *     if (buffer_reserve(&in, 4096) < 0) ...;          // room for a read
 *     ssize_t n = read(fd, buffer_tail(&in), buffer_space(&in));
 *     if (n > 0) buffer_commit(&in, n);
 *     ... parse buffer_data(&in), buffer_len(&in) ...
 *     buffer_consume(&in, used);                      // drop what was parsed
 *     buffer_free(&in);
 *
 * Consuming moves a start offset instead of the bytes, so parsing a stream of
 * pipelined requests costs no memmove per request; the bytes slide back to
 * the front only when buffer_reserve() needs the room. An empty buffer owns
 * no memory at all: an idle connection costs nothing here.
 */
#ifndef COMMON_BUFFER_H
#define COMMON_BUFFER_H

#include <stddef.h>

struct buffer {
    char *data;   /* malloc'd storage, or NULL while nothing was reserved */
    size_t start; /* first unconsumed byte */
    size_t end;   /* one past the last byte */
    size_t cap;   /* size of data */
};

void buffer_init(struct buffer *b);
/* Release the storage; the buffer is empty and reusable afterwards. */
void buffer_free(struct buffer *b);

/* Make room for at least n more bytes at the tail. 0, or -1 (ENOMEM). */
int buffer_reserve(struct buffer *b, size_t n);
/* Where the next bytes go, and how many fit before another reserve. */
char *buffer_tail(struct buffer *b);
size_t buffer_space(const struct buffer *b);
/* Count n bytes written at buffer_tail() as part of the buffer. */
void buffer_commit(struct buffer *b, size_t n);

/* Append bytes, or printf-formatted text. 0, or -1 (ENOMEM). */
int buffer_append(struct buffer *b, const void *data, size_t n);
int buffer_printf(struct buffer *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The unconsumed bytes, valid until the next call that changes the buffer. */
const char *buffer_data(const struct buffer *b);
size_t buffer_len(const struct buffer *b);
/* Drop n bytes from the head (n <= buffer_len). Emptying it releases the
 * storage when it grew past a small size, so a burst does not stay pinned. */
void buffer_consume(struct buffer *b, size_t n);

#endif
