/* resolver.h - host names to addresses without blocking the loop: a few
 * threads call getaddrinfo() and hand each answer back to the loop's
 * thread with ioloop_add_callback(). Tornado: netutil.ThreadedResolver
 * (getaddrinfo on a thread pool, its result resolved on the IOLoop).
 *
 *     static void on_resolved(void *arg, const struct resolver_result *res,
 *                             const char *error)
 *     {
 *         if (error)                          // "Name or service not known"
 *             return;
 *         connect to res->addrs[0] ... res->addrs[res->n - 1];
 *     }
 *
 *     struct resolver *r = resolver_new(loop, 4);
 *     struct resolver_job *job = resolver_lookup(r, "example.com", 80,
 *                                                on_resolved, conn);
 *     ...
 *     resolver_cancel(job);                   // if conn goes first
 *
 * getaddrinfo() blocks for as long as the DNS takes, seconds sometimes:
 * on the loop's thread that would stall every connection, so it runs on
 * one of the resolver's threads, which start with the first lookup.
 * libtask says the same of its name lookups, and blocks anyway.
 *
 * Ownership: a job belongs to the resolver. done runs once, on the loop's
 * thread, on a later turn, unless the job was cancelled first; the job is
 * freed after it. Cancel every job you still wait for before
 * resolver_free(), which waits for lookups under way to end (the threads
 * are joined); an answer already handed to the loop is released on the
 * loop's next turn, so let the loop turn once more before ioloop_free().
 */
#ifndef CH05_RESOLVER_H
#define CH05_RESOLVER_H

#include "ioloop.h"

#include <stddef.h>
#include <sys/socket.h>

#define RESOLVER_MAX_ADDRS 8

struct resolver;
struct resolver_job;

/* The addresses a name has, port set in each, in getaddrinfo()'s order. */
struct resolver_result {
    size_t n;
    struct sockaddr_storage addrs[RESOLVER_MAX_ADDRS];
    socklen_t lens[RESOLVER_MAX_ADDRS];
};

/* res on success (n >= 1) with error NULL; or error, a message. Both are
 * valid only during the call. */
typedef void resolver_done_fn(void *arg, const struct resolver_result *res,
                              const char *error);

/* How a name is looked up, on a resolver thread: fill res and return
 * NULL, or return a message (a static string). The default calls
 * getaddrinfo(). */
typedef const char *resolver_lookup_fn(const char *host, int port,
                                       struct resolver_result *res);

/* A resolver of `threads` threads (at least 1) on loop. NULL with errno. */
struct resolver *resolver_new(struct ioloop *loop, int threads);

/* Stop the threads (after the lookups under way) and free the resolver
 * and the jobs not started. From the loop's thread. */
void resolver_free(struct resolver *r);

/* Look up host (copied) for port; done(arg, ...) later. NULL with errno
 * (ENOMEM, or EAGAIN if no thread could start). */
struct resolver_job *resolver_lookup(struct resolver *r, const char *host,
                                     int port, resolver_done_fn *done,
                                     void *arg);

/* done will not run. The job is freed when its answer comes. */
void resolver_cancel(struct resolver_job *job);

/* Replace the lookup of every resolver (NULL: getaddrinfo again), before
 * any lookup starts: tests make a name that resolves slowly. */
void resolver_set_lookup(resolver_lookup_fn *fn);

/* Fill res with one numeric IPv4 or IPv6 address; 0, or -1 if host is
 * not one (then a resolver is needed). No thread, no system call. */
int resolver_numeric(const char *host, int port, struct resolver_result *res);

#endif
