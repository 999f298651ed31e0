/* demo.h - the demo app every chapter's server answers, as one routing table.
 *
 *     struct demo_request req;
 *     demo_route(&head, &req);                  // which route, which argument
 *     if (req.route == DEMO_SLEEP) ... wait req.sleep_ms, your chapter's way ...
 *     demo_respond(&out, &req);                 // the full HTTP response
 *
 *   GET /          200 "Hello, world"
 *   GET /sleep/N   200 after N seconds (N up to 3600, up to 3 decimals)
 *   GET /cpu/N     200 after N units of busy CPU work (N up to 10000)
 *   GET /pid       200 with the id of the process that answered
 *   HEAD of each; another method on these paths 405; any other path 404.
 *
 * What each chapter changes is how it waits for /sleep (blocking, a deadline
 * in a select loop, a timer on the IOLoop...), so the waiting stays in the
 * chapter and only the routing and the bodies live here.
 */
#ifndef COMMON_DEMO_H
#define COMMON_DEMO_H

#include "buffer.h"
#include "http_parse.h"

#include <stdint.h>

#define DEMO_MAX_SLEEP_MS (3600 * 1000)
#define DEMO_MAX_CPU_UNITS 10000

enum demo_route_kind {
    DEMO_HELLO,
    DEMO_SLEEP,
    DEMO_CPU,
    DEMO_PID,
    DEMO_NOT_FOUND,    /* 404 */
    DEMO_BAD_METHOD,   /* 405, with an Allow header */
    DEMO_BAD_ARGUMENT, /* 400: /sleep/99999, a target that is not a path */
};

struct demo_request {
    enum demo_route_kind route;
    int64_t sleep_ms; /* DEMO_SLEEP */
    long cpu_units;   /* DEMO_CPU */
    int flags;        /* HTTP_KEEP_ALIVE and HTTP_HEAD_ONLY for the answer */
};

/* Decide what a parsed request asks for. A request that carries a body
 * (none of these routes takes one) is answered with "Connection: close":
 * the servers before chapter 4 do not read bodies, so they could not find
 * where the next request starts. */
void demo_route(const struct http_request_head *head, struct demo_request *req);

/* Append the response for req to out. For DEMO_CPU this first does the
 * work, right here, holding the calling thread for as long as it takes:
 * that is the point of the route. The caller does any sleeping before.
 * 0, or -1 when memory ran out. */
int demo_respond(struct buffer *out, const struct demo_request *req);

/* "N", "N.d", "N.dd" or "N.ddd" (seconds) as milliseconds, the argument of
 * /sleep/N; -1 if s[0..len) is not of that shape. */
int64_t demo_parse_ms(const char *s, size_t len);

/* Busy CPU work: units of about 10 ms each on a 2020s x86 core. Returns a
 * checksum so the compiler cannot remove the loop. */
uint64_t demo_burn_cpu(long units);

#endif
