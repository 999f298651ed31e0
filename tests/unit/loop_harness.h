/* loop_harness.h - what the unit tests on chapter 5's futures share
 * (gen_test.c, queues_test.c, locks_test.c, httpclient_test.c, chapter 6's
 * executor_test.c, and exercise 05-retry's check): a fresh loop per case,
 * bounded by alarm(), and ways to let it run a little.
 *
 *     setup();
 *     struct future *f = queue_get(q, after(0.05));
 *     run_for(0.1);                       // the deadline passes
 *     CHECK_EQ(error_of(f), ETIMEDOUT);
 *     teardown();
 *
 * Functions a file does not use cost nothing: they are static inline. */
#ifndef TESTS_LOOP_HARNESS_H
#define TESTS_LOOP_HARNESS_H

#include "future.h"
#include "ioloop.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

static struct ioloop *loop;

#define AS_PTR(n) ((void *)(intptr_t)(n))
#define AS_INT(p) ((int)(intptr_t)(p))

static inline void setup(void)
{
    loop = ioloop_new(NULL);
    alarm(10);
}

static inline void teardown(void)
{
    ioloop_free(loop);
    loop = NULL;
}

static inline int stop_cb(struct ioloop *l, void *arg)
{
    (void)arg;
    ioloop_stop(l);
    return 0;
}

/* Run the loop for one turn: the callbacks queued now, no more. */
static inline void one_turn(void)
{
    ioloop_add_callback(loop, stop_cb, NULL);
    ioloop_start(loop);
}

/* Run the loop for seconds (timeouts due meanwhile run). */
static inline void run_for(double seconds)
{
    ioloop_call_later(loop, seconds, stop_cb, NULL);
    ioloop_start(loop);
}

static inline double after(double seconds)
{
    return ioloop_time(loop) + seconds;
}

/* f's error (0 if it succeeded, -1 if pending), dropping our reference. */
static inline int error_of(struct future *f)
{
    int error = future_error(f);

    future_unref(f);
    return error;
}

/* f's result, dropping our reference (f must have succeeded). */
static inline void *result_of(struct future *f)
{
    void *value = future_result(f);

    future_unref(f);
    return value;
}

#endif
