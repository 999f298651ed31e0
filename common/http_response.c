/* http_response.c - status lines, the Date header, whole responses. */
#include "http_response.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The reason phrases of RFC 9110 section 15, with the codes other RFCs
 * registered that servers still send (WebDAV's 423 and 424, 425, 428,
 * 429, 431, 451, 511). 306 and 418 are "(Unused)" there; 418 keeps the
 * name every library knows it by. */
const char *http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 306: return "Unused";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 511: return "Network Authentication Required";
    default:  return "Unknown";
    }
}

void http_format_date(time_t t, char out[HTTP_DATE_SIZE])
{
    struct tm tm;

    /* %a and %b are English in the C locale, which a server never leaves. */
    if (!gmtime_r(&t, &tm) ||
        strftime(out, HTTP_DATE_SIZE, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        out[0] = '\0'; /* a year past 9999: no date rather than a wrong one */
}

const char *http_date_line(size_t *len)
{
    static _Thread_local char line[6 + HTTP_DATE_SIZE + 2] = "Date: ";
    static _Thread_local size_t line_len;
    static _Thread_local time_t made_at = -1;
    time_t now = time(NULL); /* the vDSO: no system call */

    if (now != made_at) {
        http_format_date(now, line + 6);
        line_len = strlen(line);
        memcpy(line + line_len, "\r\n", 3);
        line_len += 2;
        made_at = now;
    }
    *len = line_len;
    return line;
}

int http_format_response(struct buffer *out, int status,
                         const char *content_type, const char *extra_headers,
                         const char *body, size_t body_len, int flags)
{
    size_t date_len;
    int rc = buffer_printf(out,
                           "HTTP/1.1 %d %s\r\n"
                           "%s"
                           "Content-Type: %s\r\n"
                           "Content-Length: %zu\r\n"
                           "%s%s\r\n",
                           status, http_reason(status), http_date_line(&date_len),
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
