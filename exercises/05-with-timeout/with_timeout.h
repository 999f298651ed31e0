/* with_timeout.h - exercise 05-with-timeout: a future that follows another
 * until a deadline, then fails with ETIMEDOUT. The same contract as
 * gen_with_timeout() in chapters/05-coroutines/gen.h, written from scratch
 * on future.h and the loop's timeouts. Tornado: gen.with_timeout.
 *
 *     struct future *out = with_timeout(loop, ioloop_time(loop) + 1.0, f);
 *     ...                              // await out (gen_await), or add a
 *                                      // done-callback to it
 *     future_unref(out);
 */
#ifndef EX05_WITH_TIMEOUT_H
#define EX05_WITH_TIMEOUT_H

#include "future.h"
#include "ioloop.h"

/* A new future (a reference for the caller) that takes f's outcome (its
 * result, or its error) if f is done before the loop's time reaches
 * deadline (an absolute ioloop_time()), and otherwise fails with ETIMEDOUT
 * at the deadline. f is not cancelled: it runs on, and an error it ends
 * with after the timeout is logged (once), since nobody else will read it.
 * When f is done first, the timeout is removed from the loop. The caller
 * keeps its reference to f and may drop it, and the reference to the new
 * future, at any time. NULL with errno (ENOMEM). */
struct future *with_timeout(struct ioloop *loop, double deadline,
                            struct future *f);

#endif
