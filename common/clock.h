/* clock.h - monotonic time, for deadlines that wall-clock changes cannot move.
 *
 *     int64_t deadline = clock_now_ms() + 2000;     // two seconds from now
 *     ...
 *     if (clock_now_ms() >= deadline) ...
 *
 * CLOCK_MONOTONIC never jumps when an administrator or NTP sets the date, so
 * a timer armed for two seconds fires after two seconds. Tornado's
 * IOLoop.time() is the same clock (time.monotonic()).
 */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>

int64_t clock_now_ns(void);
int64_t clock_now_ms(void);
/* Seconds as a double, like Tornado's IOLoop.time(). */
double clock_now(void);

#endif
