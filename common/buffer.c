/* buffer.c - a growable byte buffer with a consumed-prefix offset. */
#include "buffer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Storage up to this size is kept when the buffer empties: the next request
 * on a keep-alive connection reuses it instead of calling malloc again. */
#define BUFFER_KEEP_SIZE 4096

void buffer_init(struct buffer *b)
{
    *b = (struct buffer){0};
}

void buffer_free(struct buffer *b)
{
    free(b->data);
    buffer_init(b);
}

int buffer_reserve(struct buffer *b, size_t n)
{
    size_t len = b->end - b->start;
    size_t cap = b->cap ? b->cap : 1024;

    if (b->cap - b->end >= n)
        return 0;
    if (b->start > 0) { /* slide the live bytes to the front first */
        memmove(b->data, b->data + b->start, len);
        b->start = 0;
        b->end = len;
        if (b->cap - b->end >= n)
            return 0;
    }
    while (cap - len < n) {
        if (cap > ((size_t)-1) / 2) {
            errno = ENOMEM;
            return -1;
        }
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (!data)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

char *buffer_tail(struct buffer *b)
{
    return b->data + b->end;
}

size_t buffer_space(const struct buffer *b)
{
    return b->cap - b->end;
}

void buffer_commit(struct buffer *b, size_t n)
{
    b->end += n;
}

int buffer_append(struct buffer *b, const void *data, size_t n)
{
    if (n == 0)
        return 0;
    if (buffer_reserve(b, n) < 0)
        return -1;
    memcpy(buffer_tail(b), data, n);
    buffer_commit(b, n);
    return 0;
}

int buffer_printf(struct buffer *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buffer_reserve(b, (size_t)n + 1) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(buffer_tail(b), (size_t)n + 1, fmt, ap);
    va_end(ap);
    buffer_commit(b, (size_t)n);
    return 0;
}

const char *buffer_data(const struct buffer *b)
{
    return b->data + b->start;
}

size_t buffer_len(const struct buffer *b)
{
    return b->end - b->start;
}

void buffer_consume(struct buffer *b, size_t n)
{
    b->start += n;
    if (b->start < b->end)
        return;
    if (b->cap > BUFFER_KEEP_SIZE)
        buffer_free(b);
    else
        b->start = b->end = 0;
}
