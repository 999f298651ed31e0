/* watchdog.h - report, with a backtrace, a callback that holds the loop
 * too long. Tornado 4's IOLoop.set_blocking_signal_threshold (which logs
 * "IOLoop blocked for N seconds in" and the stack), and asyncio's debug
 * mode's slow_callback_duration.
 *
 *     struct watchdog *w = watchdog_new(loop, 0.1);   // from the loop's thread
 *     ioloop_start(loop);   // a handler computing for 0.3 s: logged once
 *     watchdog_free(w);
 *
 * How it knows: a timer on the loop beats every threshold/4, and a thread
 * of the watchdog's own looks at the last beat. When it is older than the
 * threshold (plus one beat's period, the beat's own lateness), the loop
 * is held: the thread logs one warning and sends SIGUSR2 to the loop's
 * thread, whose handler writes that thread's backtrace to stderr
 * (glibc's backtrace_symbols_fd, which does not allocate). One report per
 * stall: the next waits for a beat. Tornado 4 did it with one
 * setitimer() armed after each poll and disarmed before the next; the
 * thread needs no hook in the loop.
 */
#ifndef CH06_WATCHDOG_H
#define CH06_WATCHDOG_H

#include "ioloop.h"

struct watchdog;

/* Watch loop, which runs on the calling thread, with threshold seconds
 * (> 0). Takes over SIGUSR2. NULL with errno. */
struct watchdog *watchdog_new(struct ioloop *loop, double threshold);

/* Stop the thread and the beat. From the loop's thread. */
void watchdog_free(struct watchdog *w);

/* How many stalls were reported. */
unsigned long watchdog_reports(const struct watchdog *w);

#endif
