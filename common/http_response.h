/* http_response.h - format a complete HTTP/1.1 response into a buffer.
 *
 *     struct buffer out;
 *     buffer_init(&out);
 *     http_format_response(&out, 200, "text/plain", "Hello, world\n", 13,
 *                          HTTP_KEEP_ALIVE);
 *     ... write buffer_data(&out), buffer_len(&out) to the socket ...
 *
 * Chapters 1-3 answer every request with one of these. Chapter 4's
 * httpserver grows its own writer (headers set by handlers, chunked bodies).
 */
#ifndef COMMON_HTTP_RESPONSE_H
#define COMMON_HTTP_RESPONSE_H

#include "buffer.h"

#include <stddef.h>
#include <time.h>

enum http_response_flags {
    HTTP_CLOSE = 0,      /* "Connection: close": the server closes after it */
    HTTP_KEEP_ALIVE = 1, /* the connection stays open for the next request */
    HTTP_HEAD_ONLY = 2,  /* answer to HEAD: headers as for GET, no body */
};

/* The reason phrase for a status code ("Not Found"), "Unknown" if none. */
const char *http_reason(int status);

/* Append a response with a Date, Content-Type and Content-Length to out.
 * extra_headers, if not NULL, is inserted as is ("Allow: GET\r\n").
 * 0, or -1 when memory ran out. */
int http_format_response(struct buffer *out, int status,
                         const char *content_type, const char *extra_headers,
                         const char *body, size_t body_len, int flags);

#define HTTP_DATE_SIZE 30 /* "Sun, 06 Nov 1994 08:49:37 GMT" + NUL */

/* t as an HTTP date, IMF-fixdate (RFC 9110 section 5.6.7), into out
 * (HTTP_DATE_SIZE bytes); "" for a year past 9999. Tornado:
 * httputil.format_timestamp. */
void http_format_date(time_t t, char out[HTTP_DATE_SIZE]);

/* "Date: <now>\r\n", the header every response carries, and its length.
 * Made once a second per thread: formatting a date costs more than the
 * rest of a small response. Valid until the thread's next call. */
const char *http_date_line(size_t *len);

/* Append an error response whose body is "STATUS Reason\n", with
 * "Connection: close": after a malformed request the server cannot know
 * where the next one would start, so it must close. */
int http_format_error(struct buffer *out, int status);

#endif
