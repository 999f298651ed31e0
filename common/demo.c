/* demo.c - routes and bodies of the demo app shared by every chapter. */
#include "demo.h"

#include "http_response.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The path part of a request target: origin-form "/a?b" gives "/a";
 * absolute-form "http://host/a" (RFC 9112 section 3.2.2) gives "/a". */
static int demo_target_path(const struct http_request_head *head,
                            const char **path, size_t *len)
{
    const char *t = head->target, *end = t + head->target_len;
    const char *q;

    if (head->target_len > 7 && strncasecmp(t, "http://", 7) == 0) {
        t = memchr(t + 7, '/', (size_t)(end - t - 7));
        if (!t)
            return -1;
    }
    if (*t != '/')
        return -1;
    q = memchr(t, '?', (size_t)(end - t));
    *path = t;
    *len = (size_t)((q ? q : end) - t);
    return 0;
}

int64_t demo_parse_ms(const char *s, size_t len)
{
    int64_t ms = 0;
    size_t i = 0, decimals = 0;

    for (; i < len && s[i] >= '0' && s[i] <= '9' && ms <= INT32_MAX; i++)
        ms = ms * 10 + (s[i] - '0');
    if (i == 0 || ms > INT32_MAX)
        return -1;
    ms *= 1000;
    if (i < len && s[i] == '.') {
        int64_t scale = 100;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9' && decimals < 3;
             i++, decimals++, scale /= 10)
            ms += (s[i] - '0') * scale;
        if (decimals == 0)
            return -1;
    }
    return i == len ? ms : -1;
}

/* Match "/prefix/N"; returns N's milliseconds (or units * 1000), -1 if the
 * path does not have that shape. */
static int64_t demo_match_number(const char *path, size_t len,
                                 const char *prefix)
{
    size_t plen = strlen(prefix);

    if (len <= plen || memcmp(path, prefix, plen) != 0)
        return -1;
    return demo_parse_ms(path + plen, len - plen);
}

static void demo_route_path(const char *path, size_t len,
                            struct demo_request *req)
{
    int64_t n;

    if (len == 1) {
        req->route = DEMO_HELLO;
    } else if (len == 4 && memcmp(path, "/pid", 4) == 0) {
        req->route = DEMO_PID;
    } else if ((n = demo_match_number(path, len, "/sleep/")) >= 0) {
        req->route = n <= DEMO_MAX_SLEEP_MS ? DEMO_SLEEP : DEMO_BAD_ARGUMENT;
        req->sleep_ms = n;
    } else if ((n = demo_match_number(path, len, "/cpu/")) >= 0 && n % 1000 == 0) {
        req->route = n / 1000 <= DEMO_MAX_CPU_UNITS ? DEMO_CPU : DEMO_BAD_ARGUMENT;
        req->cpu_units = (long)(n / 1000);
    } else {
        req->route = DEMO_NOT_FOUND;
    }
}

static int demo_method_is(const struct http_request_head *head, const char *m)
{
    return head->method_len == strlen(m) &&
           memcmp(head->method, m, head->method_len) == 0;
}

void demo_route(const struct http_request_head *head, struct demo_request *req)
{
    const char *path;
    size_t len;
    int has_body = head->chunked || head->content_length > 0;

    *req = (struct demo_request){.route = DEMO_BAD_ARGUMENT};
    req->flags = head->keep_alive && !has_body ? HTTP_KEEP_ALIVE : HTTP_CLOSE;
    if (demo_target_path(head, &path, &len) < 0)
        return;
    demo_route_path(path, len, req);
    if (demo_method_is(head, "HEAD"))
        req->flags |= HTTP_HEAD_ONLY;
    else if (!demo_method_is(head, "GET") && req->route != DEMO_NOT_FOUND)
        req->route = DEMO_BAD_METHOD;
}

uint64_t demo_burn_cpu(long units)
{
    uint64_t x = 88172645463325252u;

    /* xorshift64: a dependency chain the compiler cannot shortcut. */
    for (long i = 0; i < units * (1L << 23); i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

static int demo_text(struct buffer *out, const struct demo_request *req,
                     int status, const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int demo_text(struct buffer *out, const struct demo_request *req,
                     int status, const char *extra, const char *fmt, ...)
{
    char body[128];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return http_format_response(out, status, "text/plain", extra, body,
                                (size_t)n, req->flags);
}

int demo_respond(struct buffer *out, const struct demo_request *req)
{
    switch (req->route) {
    case DEMO_HELLO:
        return demo_text(out, req, 200, NULL, "Hello, world\n");
    case DEMO_SLEEP:
        return demo_text(out, req, 200, NULL, "Slept %g s\n",
                         (double)req->sleep_ms / 1000);
    case DEMO_CPU:
        return demo_text(out, req, 200, NULL, "Worked %ld units (%016llx)\n",
                         req->cpu_units,
                         (unsigned long long)demo_burn_cpu(req->cpu_units));
    case DEMO_PID:
        return demo_text(out, req, 200, NULL, "%d\n", (int)getpid());
    case DEMO_NOT_FOUND:
        return demo_text(out, req, 404, NULL, "404 Not Found\n");
    case DEMO_BAD_METHOD:
        return demo_text(out, req, 405, "Allow: GET, HEAD\r\n",
                         "405 Method Not Allowed\n");
    case DEMO_BAD_ARGUMENT:
        break;
    }
    return demo_text(out, req, 400, NULL, "400 Bad Request\n");
}
