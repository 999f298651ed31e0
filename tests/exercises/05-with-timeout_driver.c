/* 05-with-timeout_driver.c - the checks of exercise 05-with-timeout: runs
 * the reader's with_timeout() on chapter 5's futures and chapter 3's
 * IOLoop. Built as build/{exercises,solutions}/05-with-timeout/server; run
 * with a case name (tests/exercises/05-with-timeout.bats runs one per
 * @test).
 *
 * The loop's timeouts are counted: the link wraps ioloop_add_timeout,
 * ioloop_call_later and ioloop_remove_timeout (exercises.mk), so a timer
 * left in the heap after the future finished first shows as a count, not
 * as a late callback on freed memory (which only SAN=1 would see). What is
 * logged goes to a sink that counts the error lines. */
#include "check.h"
#include "future.h"
#include "ioloop.h"
#include "log.h"
#include "with_timeout.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- the counted timeouts ---- */

static long timers_added, timers_removed;

ioloop_timeout __real_ioloop_add_timeout(struct ioloop *, double,
                                         ioloop_callback_fn *, void *);
ioloop_timeout __real_ioloop_call_later(struct ioloop *, double,
                                        ioloop_callback_fn *, void *);
int __real_ioloop_remove_timeout(struct ioloop *, ioloop_timeout);
ioloop_timeout __wrap_ioloop_add_timeout(struct ioloop *, double,
                                         ioloop_callback_fn *, void *);
ioloop_timeout __wrap_ioloop_call_later(struct ioloop *, double,
                                        ioloop_callback_fn *, void *);
int __wrap_ioloop_remove_timeout(struct ioloop *, ioloop_timeout);

/* Timers that have fired are counted by the callbacks they run: each
 * wrapped timer runs through fired() first. */
struct counted {
    ioloop_callback_fn *fn;
    void *arg;
};
/* The handle is the loop's; the record is freed when it fires or when a
 * remove finds it, so records_live tracks the timers still pending. */
#define MAX_TIMERS 8192
static struct {
    ioloop_timeout t;
    struct counted *c;
} live[MAX_TIMERS];

static void forget(struct counted *c)
{
    for (int i = 0; i < MAX_TIMERS; i++)
        if (live[i].c == c) {
            live[i].c = NULL;
            return;
        }
}

static void remember(ioloop_timeout t, struct counted *c)
{
    for (int i = 0; i < MAX_TIMERS; i++)
        if (!live[i].t || !live[i].c) {
            live[i].t = t, live[i].c = c;
            return;
        }
}

static long timers_fired;

static int fired(struct ioloop *loop, void *arg)
{
    struct counted c = *(struct counted *)arg;

    forget(arg);
    free(arg);
    timers_fired++;
    return c.fn(loop, c.arg);
}

static ioloop_timeout add_counted(struct ioloop *loop, double deadline,
                                  ioloop_callback_fn *fn, void *arg)
{
    struct counted *c = malloc(sizeof *c);
    ioloop_timeout t;

    if (!c)
        return 0;
    *c = (struct counted){fn, arg};
    if (!(t = __real_ioloop_add_timeout(loop, deadline, fired, c))) {
        free(c);
        return 0;
    }
    timers_added++;
    remember(t, c);
    return t;
}

ioloop_timeout __wrap_ioloop_add_timeout(struct ioloop *loop, double deadline,
                                         ioloop_callback_fn *fn, void *arg)
{
    return add_counted(loop, deadline, fn, arg);
}

ioloop_timeout __wrap_ioloop_call_later(struct ioloop *loop, double delay,
                                        ioloop_callback_fn *fn, void *arg)
{
    return add_counted(loop, ioloop_time(loop) + delay, fn, arg);
}

int __wrap_ioloop_remove_timeout(struct ioloop *loop, ioloop_timeout t)
{
    int rc = __real_ioloop_remove_timeout(loop, t);

    if (rc == 0) {
        timers_removed++;
        for (int i = 0; i < MAX_TIMERS; i++)
            if (live[i].t == t && live[i].c) {
                free(live[i].c);
                live[i].c = NULL;
                break;
            }
    }
    return rc;
}

/* Timers neither fired nor removed. */
static long timers_pending(void)
{
    return timers_added - timers_removed - timers_fired;
}

/* ---- what is logged ---- */

static int errors_logged;
static char last_error[256];

static void sink(enum log_level level, const char *message)
{
    if (level >= LOG_ERROR) {
        errors_logged++;
        snprintf(last_error, sizeof last_error, "%s", message);
    }
    fprintf(stderr, "logged: %s\n", message);
}

/* ---- helpers ---- */

static int stop_loop(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

/* Run the loop for about `seconds` (the stopping timer is not counted). */
static void run_for(struct ioloop *loop, double seconds)
{
    ioloop_timeout t = __real_ioloop_add_timeout(
        loop, ioloop_time(loop) + seconds, stop_loop, NULL);

    CHECK(t != 0);
    ioloop_start(loop);
    __real_ioloop_remove_timeout(loop, t);
}

/* What a done-callback on the returned future saw. */
struct seen {
    int calls, error;
    void *value;
    double at;
};

static void on_out(struct future *f, void *arg)
{
    struct seen *s = arg;

    s->calls++;
    s->error = future_error(f);
    s->value = future_result(f);
    s->at = ioloop_time(future_loop(f));
}

static int resolve_later_arg_error;
static int resolve_f(struct ioloop *loop, void *arg)
{
    (void)loop;
    if (resolve_later_arg_error)
        future_set_error(arg, resolve_later_arg_error);
    else
        future_set_result(arg, "late");
    return 0;
}

static struct ioloop *new_loop(void)
{
    struct ioloop *loop = ioloop_new(NULL);

    if (!loop) {
        perror("ioloop_new");
        exit(1);
    }
    log_set_sink(sink);
    return loop;
}

/* ---- the cases ---- */

static void test_result_passes(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    struct future *out = with_timeout(loop, ioloop_time(loop) + 5.0, f);
    struct seen s = {0};

    CHECK(out != NULL);
    future_add_done_callback(out, on_out, &s);
    __real_ioloop_add_timeout(loop, ioloop_time(loop) + 0.02, resolve_f, f);
    run_for(loop, 0.1);
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(s.error, 0);
    CHECK(s.value && strcmp(s.value, "late") == 0);
    if (!s.calls)
        fprintf(stderr, "f succeeded before the deadline, and the returned "
                        "future is still pending\n");
    /* An error passes through the same way. */
    struct future *g = future_new(loop);
    struct future *out2 = with_timeout(loop, ioloop_time(loop) + 5.0, g);
    struct seen s2 = {0};
    future_add_done_callback(out2, on_out, &s2);
    future_set_error(g, EIO);
    run_for(loop, 0.05);
    CHECK_EQ(s2.error, EIO);
    CHECK_EQ(errors_logged, 0);
    future_unref(out2);
    future_unref(g);
    future_unref(out);
    future_unref(f);
    ioloop_free(loop);
}

static void test_done_already(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    struct seen s = {0};

    future_set_result(f, "ready");
    struct future *out = with_timeout(loop, ioloop_time(loop) + 5.0, f);
    CHECK(out != NULL);
    future_add_done_callback(out, on_out, &s);
    run_for(loop, 0.05);
    CHECK_EQ(s.calls, 1);
    CHECK(s.value && strcmp(s.value, "ready") == 0);
    future_unref(out);
    future_unref(f);
    ioloop_free(loop);
}

static void test_times_out(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    double deadline = ioloop_time(loop) + 0.1;
    struct future *out = with_timeout(loop, deadline, f);
    struct seen s = {0};

    CHECK(out != NULL);
    future_add_done_callback(out, on_out, &s);
    run_for(loop, 0.4);
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(s.error, ETIMEDOUT);
    if (s.calls) {
        fprintf(stderr, "done %.3f s after the deadline\n", s.at - deadline);
        CHECK(s.at >= deadline - 0.001);
        CHECK(s.at < deadline + 0.2);
    } else {
        fprintf(stderr, "0.3 s after the deadline, the future is pending\n");
    }
    future_set_result(f, NULL);
    run_for(loop, 0.02);
    future_unref(out);
    future_unref(f);
    ioloop_free(loop);
}

static void test_not_cancelled(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    struct future *out = with_timeout(loop, ioloop_time(loop) + 0.05, f);
    struct seen s = {0};

    future_add_done_callback(out, on_out, &s);
    run_for(loop, 0.15);
    CHECK_EQ(s.error, ETIMEDOUT);
    CHECK(!future_cancelled(f));
    CHECK(!future_done(f));
    if (future_done(f))
        fprintf(stderr, "the timeout finished the wrapped future (error %d)"
                        ": it must run on\n", future_error(f));
    /* It finishes later; its result is there to read, out is unchanged. */
    if (!future_done(f))
        future_set_result(f, "later");
    run_for(loop, 0.02);
    CHECK(future_result(f) && strcmp(future_result(f), "later") == 0);
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(future_error(out), ETIMEDOUT);
    CHECK_EQ(errors_logged, 0);
    future_unref(out);
    future_unref(f);
    ioloop_free(loop);
}

static void test_timer_removed(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    struct future *out = with_timeout(loop, ioloop_time(loop) + 0.1, f);

    future_set_result(f, "first");
    run_for(loop, 0.02);
    CHECK(future_done(out));
    fprintf(stderr, "timers: %ld added, %ld removed, %ld fired\n",
            timers_added, timers_removed, timers_fired);
    CHECK_EQ(timers_pending(), 0);
    if (timers_pending())
        fprintf(stderr, "the future finished first, and a timer is still in "
                        "the loop's heap\n");
    run_for(loop, 0.2); /* a timer left behind fires now */
    CHECK_EQ(future_error(out), 0);
    CHECK_EQ(errors_logged, 0);
    future_unref(out);
    future_unref(f);
    ioloop_free(loop);
}

static void test_late_error_logged(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    struct future *out = with_timeout(loop, ioloop_time(loop) + 0.05, f);

    run_for(loop, 0.1);
    CHECK_EQ(future_error(out), ETIMEDOUT);
    future_unref(out);
    /* The caller has dropped both: nobody is there to read f's error. */
    resolve_later_arg_error = EIO;
    __real_ioloop_add_timeout(loop, ioloop_time(loop) + 0.02, resolve_f, f);
    future_unref(f);
    run_for(loop, 0.1);
    CHECK_EQ(errors_logged, 1);
    if (errors_logged == 1 && !strstr(last_error, strerror(EIO)))
        fprintf(stderr, "the line logged should say what the error was (%s)\n",
                strerror(EIO));
    CHECK(strstr(last_error, strerror(EIO)) != NULL);
    ioloop_free(loop);
}

static void test_late_success_quiet(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    struct future *out = with_timeout(loop, ioloop_time(loop) + 0.05, f);

    run_for(loop, 0.1);
    future_set_result(f, "late");
    run_for(loop, 0.02);
    future_cancel(f); /* done already: nothing */
    struct future *g = future_new(loop);
    struct future *out2 = with_timeout(loop, ioloop_time(loop) + 0.02, g);
    run_for(loop, 0.05);
    future_cancel(g); /* cancelled after the timeout: not worth a line */
    run_for(loop, 0.02);
    CHECK_EQ(errors_logged, 0);
    CHECK_EQ(future_error(out), ETIMEDOUT);
    CHECK_EQ(future_error(out2), ETIMEDOUT);
    future_unref(out2);
    future_unref(g);
    future_unref(out);
    future_unref(f);
    ioloop_free(loop);
}

/* The caller drops its references at once; the timeout and the wrapped
 * future still work on their own. Under SAN=1 a missing reference is a
 * heap-use-after-free, and a reference never dropped a leak (LSan). */
static void test_references(void)
{
    struct ioloop *loop = new_loop();
    struct future *f = future_new(loop);
    struct future *g = future_new(loop);
    struct seen s = {0}, s2 = {0};

    struct future *out = with_timeout(loop, ioloop_time(loop) + 0.05, f);
    future_add_done_callback(out, on_out, &s);
    future_unref(out); /* the callback holds it until it has run */
    struct future *out2 = with_timeout(loop, ioloop_time(loop) + 5.0, g);
    future_add_done_callback(out2, on_out, &s2);
    future_unref(out2);
    resolve_later_arg_error = 0;
    __real_ioloop_add_timeout(loop, ioloop_time(loop) + 0.02, resolve_f, g);
    future_unref(g); /* the timer above holds the last pointer */
    run_for(loop, 0.1);
    CHECK_EQ(s.error, ETIMEDOUT);
    CHECK_EQ(s2.calls, 1);
    CHECK(s2.value && strcmp(s2.value, "late") == 0);
    future_set_result(f, NULL);
    future_unref(f);
    run_for(loop, 0.02);
    CHECK_EQ(timers_pending(), 0);
    ioloop_free(loop);
}

/* Many rounds, each way, leave the heap as it was: what with_timeout
 * allocates is freed once the wrapped future is done. (Under SAN=1,
 * mallinfo2 does not see ASan's heap; LSan checks every case at exit.) */
static void round_trip(struct ioloop *loop, int n)
{
    for (int i = 0; i < n; i++) {
        struct future *f = future_new(loop);
        struct future *out = with_timeout(
            loop, ioloop_time(loop) + (i % 2 ? 0.0 : 5.0), f);
        if (i % 2) {
            run_for(loop, 0.0); /* the deadline has come: out fails */
            future_set_result(f, NULL);
        } else {
            future_set_result(f, NULL); /* f first */
        }
        future_unref(out);
        future_unref(f);
        run_for(loop, 0.0);
    }
}

static void test_no_leak(void)
{
    struct ioloop *loop = new_loop();

    round_trip(loop, 200); /* the loop's own arrays grow to size */
    size_t before = mallinfo2().uordblks;
    round_trip(loop, 1000);
    size_t after = mallinfo2().uordblks;
    fprintf(stderr, "in use before %zu bytes, after 1000 rounds %zu\n",
            before, after);
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(after <= before + 1024);
#endif
    CHECK_EQ(timers_pending(), 0);
    ioloop_free(loop);
}

static const struct check_case cases[] = {
    {"result_passes", test_result_passes},
    {"done_already", test_done_already},
    {"times_out", test_times_out},
    {"not_cancelled", test_not_cancelled},
    {"timer_removed", test_timer_removed},
    {"late_error_logged", test_late_error_logged},
    {"late_success_quiet", test_late_success_quiet},
    {"references", test_references},
    {"no_leak", test_no_leak},
    {0}};

int main(int argc, char **argv) { return check_main(argc, argv, cases); }
