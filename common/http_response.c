/* http_response.c - status lines, the Date header, whole responses. */
#include "http_response.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}

/* The Date header's value (RFC 9110 section 5.6.7). Formatting it costs more
 * than the rest of a small response, and it changes once a second, so each
 * thread keeps the last one it made. */
static const char *http_date_now(void)
{
    static _Thread_local char text[40];
    static _Thread_local time_t made_at = -1;
    time_t now = time(NULL);
    struct tm tm;

    if (now != made_at) {
        gmtime_r(&now, &tm);
        strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        made_at = now;
    }
    return text;
}

int http_format_response(struct buffer *out, int status,
                         const char *content_type, const char *extra_headers,
                         const char *body, size_t body_len, int flags)
{
    int rc = buffer_printf(out,
                           "HTTP/1.1 %d %s\r\n"
                           "Date: %s\r\n"
                           "Content-Type: %s\r\n"
                           "Content-Length: %zu\r\n"
                           "%s%s\r\n",
                           status, http_reason(status), http_date_now(),
                           content_type, body_len,
                           flags & HTTP_KEEP_ALIVE ? "" : "Connection: close\r\n",
                           extra_headers ? extra_headers : "");
    if (rc == 0 && !(flags & HTTP_HEAD_ONLY))
        rc = buffer_append(out, body, body_len);
    return rc;
}

int http_format_error(struct buffer *out, int status)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", status, http_reason(status));

    return http_format_response(out, status, "text/plain", NULL, body,
                                (size_t)n, HTTP_CLOSE);
}
