/* ioloop.h - the event loop: handlers for descriptors, timeouts, callbacks.
 * Tornado's tornado.ioloop.IOLoop, in C.
 *
 *     static int on_readable(struct ioloop *loop, int fd, int events, void *arg)
 *     {
 *         char buf[512];
 *         ssize_t n = read(fd, buf, sizeof buf);
 *         if (n <= 0) {                          // EOF: stop watching, close
 *             ioloop_remove_handler(loop, fd);   // before close(), always
 *             close(fd);
 *             ioloop_stop(loop);
 *         }
 *         return 0;
 *     }
 *
 *     struct ioloop *loop = ioloop_new(NULL);    // epoll
 *     ioloop_add_handler(loop, STDIN_FILENO, IOLOOP_READ, on_readable, NULL);
 *     ioloop_call_later(loop, 5.0, give_up, NULL);
 *     ioloop_start(loop);                        // returns after ioloop_stop
 *     ioloop_free(loop);
 *
 * One turn of the loop: the callbacks queued before it, the timeouts due,
 * the before-poll hooks, then one poll() and the handlers of what it
 * reported. One thread runs the loop; everything registered runs on that
 * thread, one thing at a time. Only ioloop_add_callback(), ioloop_stop() and
 * ioloop_wake() may be called from other threads (and the last two from a
 * signal handler). Callbacks and handlers return 0, or -1 with errno to
 * report a failure: the loop logs it and goes on.
 */
#ifndef CH03_IOLOOP_H
#define CH03_IOLOOP_H

#include "poller.h"

#include <stdint.h>

struct ioloop;

typedef int ioloop_handler_fn(struct ioloop *loop, int fd, int events,
                              void *arg);
typedef int ioloop_callback_fn(struct ioloop *loop, void *arg);

/* A timeout's handle; 0 is never a valid one. */
typedef uint64_t ioloop_timeout;

/* A loop on the named backend ("epoll", "select"; NULL for epoll), or NULL
 * with errno (ENOENT for an unknown backend). Tornado: IOLoop(). */
struct ioloop *ioloop_new(const char *backend);

/* A loop on a backend of your own, such as chapter 3's exercise poller. */
struct ioloop *ioloop_new_with_backend(const struct poller_backend *backend);

/* Close what the loop owns (its poller, its waker) and free it. Handlers'
 * descriptors belong to their owners and stay open; pending callbacks and
 * timeouts are dropped without running. Tornado: IOLoop.close(). */
void ioloop_free(struct ioloop *loop);

/* The backend's name: "epoll" or "select". */
const char *ioloop_backend(const struct ioloop *loop);

/* Call handler(loop, fd, events, arg) whenever fd has any of the events
 * (IOLOOP_READ, IOLOOP_WRITE; IOLOOP_ERROR is always reported). One handler
 * per descriptor: EEXIST if fd has one. EBADF for an invalid fd; ERANGE on
 * the select backend for fd >= FD_SETSIZE. Tornado: add_handler(). */
int ioloop_add_handler(struct ioloop *loop, int fd, int events,
                       ioloop_handler_fn *handler, void *arg);

/* Change what fd's handler waits for (0 is allowed: errors only). ENOENT if
 * fd has no handler. Tornado: update_handler(). */
int ioloop_update_handler(struct ioloop *loop, int fd, int events);

/* Stop watching fd. Call it BEFORE close(fd): epoll watches the open file,
 * not the number, and a number closed first may already belong to someone
 * else. Events already fetched for fd in this iteration are dropped, so a
 * handler never sees an event meant for a closed predecessor. ENOENT if fd
 * has no handler. Tornado: remove_handler(). */
int ioloop_remove_handler(struct ioloop *loop, int fd);

/* Run callback(loop, arg) once, at ioloop_time() >= deadline. Timeouts due
 * at the same time run in the order they were added. 0 on ENOMEM.
 * Tornado: add_timeout(). */
ioloop_timeout ioloop_add_timeout(struct ioloop *loop, double deadline,
                                  ioloop_callback_fn *callback, void *arg);

/* The same, delay seconds from now. Tornado: call_later(). */
ioloop_timeout ioloop_call_later(struct ioloop *loop, double delay,
                                 ioloop_callback_fn *callback, void *arg);

/* Cancel a timeout that has not run yet: O(log n), and nothing is left
 * behind in the heap. ENOENT for a handle that ran, was removed already, or
 * never existed. Tornado: remove_timeout(). */
int ioloop_remove_timeout(struct ioloop *loop, ioloop_timeout timeout);

/* Run callback(loop, arg) on the loop's next iteration, after the ones
 * added before it. Safe from any thread: the loop wakes up to run it.
 * 0, or -1 (ENOMEM). Tornado: add_callback(). */
int ioloop_add_callback(struct ioloop *loop, ioloop_callback_fn *callback,
                        void *arg);

/* A step to run once, just before the loop next polls: after the turn's
 * handlers, callbacks and timeouts, so that what they all did can be
 * finished in one go. Chapter 4's streams queue one when a callback
 * writes, and so send a frame's writes in one send() (Redis: the
 * clients_pending_write list that beforeSleep() writes out; Tornado has no
 * such step). Embed one in the object it serves: queueing allocates
 * nothing, so it cannot fail. The fields are the loop's. */
struct ioloop_hook {
    ioloop_callback_fn *fn;
    void *arg;
    struct ioloop_hook *prev, *next; /* NULL while not queued */
};

void ioloop_hook_init(struct ioloop_hook *hook, ioloop_callback_fn *fn,
                      void *arg);

/* Queue hook to run before this turn's poll, after those queued before it.
 * Harmless if it is queued already. Queued by a running hook, it waits for
 * the next turn. Only from the loop's thread. */
void ioloop_before_poll(struct ioloop *loop, struct ioloop_hook *hook);

/* Take hook off the queue if it is on it: before freeing its object. */
void ioloop_cancel_before_poll(struct ioloop_hook *hook);

/* Whether hook is queued. */
int ioloop_hook_queued(const struct ioloop_hook *hook);

/* Run until ioloop_stop(). Tornado: start(). */
void ioloop_start(struct ioloop *loop);

/* Whether ioloop_start() is running loop now (from the loop's thread:
 * chapter 5's run_sync refuses to start a running loop again). Tornado:
 * asyncio's loop.is_running(). */
int ioloop_running(const struct ioloop *loop);

/* Make ioloop_start() return after the current iteration. Safe from any
 * thread and from a signal handler. Tornado: stop(). */
void ioloop_stop(struct ioloop *loop);

/* Wake the loop if it is waiting (an eventfd write). Safe from any thread
 * and from a signal handler. */
void ioloop_wake(struct ioloop *loop);

/* Where the loop's time went: for chapter 6's /stats, whose busy fraction
 * is 1 - poll_seconds / seconds (the share spent running callbacks and
 * handlers rather than waiting). Tornado has no such counter. */
struct ioloop_stats {
    double seconds;      /* since the first ioloop_start() */
    double poll_seconds; /* of which waiting in poll() */
    unsigned long turns; /* polls so far */
};

/* Fill out with loop's figures. From the loop's thread. */
void ioloop_get_stats(const struct ioloop *loop, struct ioloop_stats *out);

/* The loop's clock: monotonic seconds, as Tornado's IOLoop.time(). */
double ioloop_time(const struct ioloop *loop);

#endif
