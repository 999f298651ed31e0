/* periodic.h - call a function every interval on the IOLoop, on a fixed
 * schedule. Tornado's tornado.ioloop.PeriodicCallback. (Exercise 03-periodic:
 * this header is given; periodic.c is yours.)
 *
 *     static int tick(struct ioloop *loop, void *arg)
 *     {
 *         struct stats *s = arg;
 *         log_info("%ld requests", s->requests);
 *         return 0;                          // -1 with errno: logged, goes on
 *     }
 *
 *     struct periodic *p = periodic_new(loop, 5.0, tick, &stats);
 *     periodic_start(p);                     // first tick 5 s from now
 *     ioloop_start(loop);
 *     ...
 *     periodic_stop(p);                      // may be called inside tick()
 *     periodic_free(p);
 *
 * The schedule is start + k * interval, k = 1, 2, 3...: a slow callback or a
 * busy loop does not push later runs back. Runs that could not happen on
 * time (the loop was blocked past them) are skipped, not made up in a burst.
 * Everything here runs on the loop's thread.
 */
#ifndef EX03_PERIODIC_H
#define EX03_PERIODIC_H

#include "ioloop.h"

struct periodic;

/* A periodic call of callback(loop, arg) every interval_seconds (> 0),
 * stopped until periodic_start(). NULL with errno: EINVAL for an interval
 * that is not positive or a NULL callback, ENOMEM. arg stays the caller's:
 * it must outlive the periodic. Tornado: PeriodicCallback(callback, ms). */
struct periodic *periodic_new(struct ioloop *loop, double interval_seconds,
                              ioloop_callback_fn *callback, void *arg);

/* Start calling: the first run one interval from now, then on the schedule
 * counted from now. A no-op if already running. If no timeout can be
 * added (ENOMEM) it stays stopped. Tornado: start(). */
void periodic_start(struct periodic *p);

/* Stop calling: no run happens after this returns, even when called from
 * inside the callback. A no-op if stopped. periodic_start() starts a new
 * schedule counted from then. Tornado: stop(). */
void periodic_stop(struct periodic *p);

/* 1 between start and stop, else 0. Tornado: is_running(). */
int periodic_is_running(const struct periodic *p);

/* Stop (cancelling the pending timeout) and free. NULL is allowed. Not from
 * inside the periodic's own callback: stop it there, free it later. */
void periodic_free(struct periodic *p);

#endif
