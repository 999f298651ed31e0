/* 03-periodic_driver.c - the checks of exercise 03-periodic: runs the
 * reader's periodic.c on chapter 3's IOLoop and looks at when it ran.
 * Built as build/{exercises,solutions}/03-periodic/server; run with a case
 * name (tests/exercises/03-periodic.bats runs one per @test).
 *
 * Times are loose on purpose (DESIGN.md: no tight timing in tests): each
 * check allows tens of milliseconds, yet the faults it looks for (a burst
 * of catch-up runs, a schedule that slides by a sleep per run) are larger. */
#include "check.h"
#include "ioloop.h"
#include "periodic.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 256

/* What a callback saw, and what it is told to do. */
struct recorder {
    struct periodic *p;
    double times[MAX_RUNS]; /* ioloop_time() at each run */
    int n;
    int running_seen;       /* how many runs saw periodic_is_running() */
    int stop_after;         /* periodic_stop() inside run number N (1-based) */
    int stop_loop_after;    /* ioloop_stop() inside run number N */
    int restart_after;      /* periodic_stop(), then _start(), inside run N */
    double block_first;     /* sleep this long inside the first run */
    double sleep_each;      /* and this long inside every run */
};

static void sleep_for(double seconds)
{
    struct timespec ts = {.tv_sec = (time_t)seconds,
                          .tv_nsec = (long)((seconds - (time_t)seconds) * 1e9)};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int record(struct ioloop *loop, void *arg)
{
    struct recorder *r = arg;

    if (r->n < MAX_RUNS)
        r->times[r->n] = ioloop_time(loop);
    r->n++;
    if (r->p && periodic_is_running(r->p))
        r->running_seen++;
    if (r->n == 1 && r->block_first > 0)
        sleep_for(r->block_first); /* the loop is blocked: nothing else runs */
    if (r->sleep_each > 0)
        sleep_for(r->sleep_each);
    if (r->n == r->stop_after)
        periodic_stop(r->p);
    if (r->n == r->restart_after) {
        periodic_stop(r->p);
        periodic_start(r->p);
    }
    if (r->n == r->stop_loop_after)
        ioloop_stop(loop);
    return 0;
}

static int stop_loop(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

/* Run the loop for about `seconds`, whatever else is registered. */
static void run_loop_for(struct ioloop *loop, double seconds)
{
    ioloop_timeout t = ioloop_call_later(loop, seconds, stop_loop, NULL);

    CHECK(t != 0);
    ioloop_start(loop);
    ioloop_remove_timeout(loop, t); /* if another callback stopped the loop */
}

static void print_runs(const struct recorder *r, double t0)
{
    fprintf(stderr, "%d runs, at (seconds after start):", r->n);
    for (int i = 0; i < r->n && i < MAX_RUNS; i++)
        fprintf(stderr, " %.3f", r->times[i] - t0);
    fprintf(stderr, "\n");
}

/* How many runs came on schedule: at most `late` seconds after a slot
 * t0 + k * interval, one run per slot at most (slots may be skipped). Runs
 * off it are printed. A schedule that slides moves through every phase of
 * the interval, so it is on schedule only now and then; a busy machine
 * makes a run late now and then. The tests count, and allow a few. */
static int on_schedule(const struct recorder *r, double t0, double interval,
                       double late)
{
    long prev_k = 0;
    int good = 0;

    for (int i = 0; i < r->n && i < MAX_RUNS; i++) {
        /* 2 ms slack: t0 was read just before periodic_start() read its own. */
        double since = r->times[i] - t0 + 0.002;
        long k = (long)floor(since / interval);
        double off = since - 0.002 - (double)k * interval;
        if (off <= late && k > prev_k)
            good++;
        else
            fprintf(stderr, "run %d is %.3f s after slot %ld%s\n", i + 1, off,
                    k, k > prev_k ? "" : ", which had a run already");
        prev_k = k;
    }
    return good;
}

static void test_runs_every_interval(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct recorder r = {0};
    double t0;

    CHECK(loop != NULL);
    if (!loop)
        return;
    errno = 0;
    CHECK(periodic_new(loop, 0, record, &r) == NULL && errno == EINVAL);
    CHECK(periodic_new(loop, -1, record, &r) == NULL);
    r.p = periodic_new(loop, 0.05, record, &r);
    CHECK(r.p != NULL);
    CHECK(!periodic_is_running(r.p));
    t0 = ioloop_time(loop);
    periodic_start(r.p);
    CHECK(periodic_is_running(r.p));
    run_loop_for(loop, 0.5);
    print_runs(&r, t0);
    CHECK(r.n >= 8 && r.n <= 11);
    CHECK(r.running_seen == r.n);
    /* The first run comes one interval after start, not at once. */
    CHECK(r.n > 0 && r.times[0] >= t0 + 0.05 - 0.002);
    periodic_free(r.p);
    ioloop_free(loop);
}

/* Interval 0.1 s; the first run blocks the loop for 0.35 s, past the runs
 * due at 0.2, 0.3 and 0.4. Tornado skips them: the next run is at 0.5, then
 * 0.6... A naive schedule runs 0.2, 0.3 and 0.4 at once when the block ends. */
static void test_skips_missed_runs(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct recorder r = {.block_first = 0.35};
    double t0;

    CHECK(loop != NULL);
    if (!loop)
        return;
    r.p = periodic_new(loop, 0.1, record, &r);
    CHECK(r.p != NULL);
    t0 = ioloop_time(loop);
    periodic_start(r.p);
    run_loop_for(loop, 1.0);
    print_runs(&r, t0);
    CHECK(r.n >= 4 && r.n <= 11);
    /* A burst is runs back to back, microseconds apart; on schedule they
     * are 0.1 s apart, less a little when one of them was late. */
    for (int i = 1; i < r.n && i < MAX_RUNS; i++) {
        double gap = r.times[i] - r.times[i - 1];
        if (gap < 0.05)
            fprintf(stderr, "runs %d and %d only %.3f s apart: a burst\n", i,
                    i + 1, gap);
        CHECK(gap >= 0.05);
    }
    /* The callback itself blocked the loop, until 0.45: the next run is at
     * the first slot after that, 0.5, not at once for the missed 0.2 (the
     * clock read before the callback, not after it, says 0.1). */
    if (r.n >= 2 && r.times[1] - t0 < 0.49)
        fprintf(stderr, "run 2 at %.3f s, before the first slot after the "
                "block (0.5 s): was the clock read before the callback "
                "returned?\n", r.times[1] - t0);
    CHECK(r.n >= 2 && r.times[1] - t0 >= 0.49);
    /* Back on the old schedule (0.5, 0.6...), not "block end + interval". */
    CHECK(on_schedule(&r, t0, 0.1, 0.03) >= r.n - 1);
    periodic_free(r.p);
    ioloop_free(loop);
}

/* A callback that takes 10 ms of a 100 ms interval, 20 times: deadlines of
 * the form "now + interval" slide 10 ms (and the loop's latency) per run,
 * 200 ms over the test; start + k * interval stays put. */
static void test_no_drift(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct recorder r = {.sleep_each = 0.01, .stop_loop_after = 20};
    double t0;

    CHECK(loop != NULL);
    if (!loop)
        return;
    r.p = periodic_new(loop, 0.1, record, &r);
    CHECK(r.p != NULL);
    t0 = ioloop_time(loop);
    periodic_start(r.p);
    run_loop_for(loop, 4.0); /* the 20th run stops the loop at about 2 s */
    print_runs(&r, t0);
    CHECK_EQ(r.n, 20);
    CHECK(on_schedule(&r, t0, 0.1, 0.02) >= 16);
    periodic_free(r.p);
    ioloop_free(loop);
}

static void test_stop_in_callback(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct recorder r = {.stop_after = 3};

    CHECK(loop != NULL);
    if (!loop)
        return;
    r.p = periodic_new(loop, 0.05, record, &r);
    CHECK(r.p != NULL);
    periodic_start(r.p);
    run_loop_for(loop, 0.5);
    if (r.n != 3)
        fprintf(stderr, "stopped inside run 3, yet it ran %d times\n", r.n);
    CHECK_EQ(r.n, 3);
    CHECK_EQ(r.running_seen, 3);
    CHECK(!periodic_is_running(r.p));
    /* Stopped from inside, it starts again from outside. */
    periodic_start(r.p);
    run_loop_for(loop, 0.18);
    CHECK(r.n >= 5); /* 3 + about 3 more (r.stop_after has passed) */
    periodic_free(r.p);
    ioloop_free(loop);
}

/* Stopped and started again inside its own callback: the start has added
 * the next timeout already, so the run that called it must not add a
 * second one, or two schedules run side by side at twice the rate, and one
 * periodic_stop() cancels only one of them. */
static void test_stop_start_in_callback(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct recorder r = {.restart_after = 2};
    double t0;
    int n1;

    CHECK(loop != NULL);
    if (!loop)
        return;
    r.p = periodic_new(loop, 0.05, record, &r);
    CHECK(r.p != NULL);
    t0 = ioloop_time(loop);
    periodic_start(r.p);
    run_loop_for(loop, 0.5);
    print_runs(&r, t0);
    if (r.n > 12)
        fprintf(stderr, "%d runs in 0.5 s at 0.05 s: two schedules? (the "
                "start inside the callback added the next timeout already)\n",
                r.n);
    CHECK(r.n >= 6 && r.n <= 12);
    CHECK(periodic_is_running(r.p));
    periodic_stop(r.p);
    n1 = r.n;
    run_loop_for(loop, 0.2);
    if (r.n != n1)
        fprintf(stderr, "%d runs after periodic_stop(): a second timeout "
                "was still pending\n", r.n - n1);
    CHECK_EQ(r.n, n1);
    periodic_free(r.p);
    ioloop_free(loop);
}

static void test_restart(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct recorder r = {0};
    double t1;
    int n1;

    CHECK(loop != NULL);
    if (!loop)
        return;
    r.p = periodic_new(loop, 0.05, record, &r);
    CHECK(r.p != NULL);
    periodic_start(r.p);
    run_loop_for(loop, 0.3);
    n1 = r.n;
    CHECK(n1 >= 4 && n1 <= 7);
    periodic_stop(r.p);
    periodic_stop(r.p); /* twice is harmless */
    CHECK(!periodic_is_running(r.p));
    run_loop_for(loop, 0.3);
    if (r.n != n1)
        fprintf(stderr, "%d runs after stop\n", r.n - n1);
    CHECK_EQ(r.n, n1);
    /* Start again, twice: one schedule, counted from now. */
    t1 = ioloop_time(loop);
    periodic_start(r.p);
    periodic_start(r.p);
    CHECK(periodic_is_running(r.p));
    run_loop_for(loop, 0.3);
    fprintf(stderr, "%d runs before the stop, %d after the restart\n", n1,
            r.n - n1);
    CHECK(r.n - n1 >= 4 && r.n - n1 <= 7);
    CHECK(r.n > n1 && r.times[n1] >= t1 + 0.05 - 0.002);
    /* Two starts, yet one stop stops it: there was only one timeout. */
    periodic_stop(r.p);
    n1 = r.n;
    run_loop_for(loop, 0.2);
    if (r.n != n1)
        fprintf(stderr, "%d runs after the stop that followed two starts\n",
                r.n - n1);
    CHECK_EQ(r.n, n1);
    periodic_free(r.p);
    ioloop_free(loop);
}

/* Freed while its timeout is pending: the timeout must go with it, or the
 * loop calls into freed memory (AddressSanitizer: heap-use-after-free). */
static void test_free_while_running(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct recorder r = {0};
    int n1;

    CHECK(loop != NULL);
    if (!loop)
        return;
    periodic_free(NULL);
    periodic_free(periodic_new(loop, 0.05, record, &r)); /* never started */
    r.p = periodic_new(loop, 0.05, record, &r);
    CHECK(r.p != NULL);
    periodic_start(r.p);
    run_loop_for(loop, 0.2);
    n1 = r.n;
    CHECK(n1 >= 2);
    periodic_free(r.p);
    r.p = NULL;
    run_loop_for(loop, 0.3);
    if (r.n != n1)
        fprintf(stderr, "%d runs after periodic_free\n", r.n - n1);
    CHECK_EQ(r.n, n1);
    ioloop_free(loop);
}

static const struct check_case cases[] = {
    {"runs_every_interval", test_runs_every_interval},
    {"skips_missed_runs", test_skips_missed_runs},
    {"no_drift", test_no_drift},
    {"stop_in_callback", test_stop_in_callback},
    {"stop_start_in_callback", test_stop_start_in_callback},
    {"restart", test_restart},
    {"free_while_running", test_free_while_running},
    {0}};

/* A periodic that never stops, or one run on freed memory, must not hang
 * the suite: give up after a while, and say so. */
static void on_alarm(int sig)
{
    static const char msg[] = "timed out after 10 s: is the loop still "
                              "running a stopped or freed periodic?\n";

    (void)sig;
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(1);
}

int main(int argc, char **argv)
{
    signal(SIGALRM, on_alarm);
    alarm(10);
    return check_main(argc, argv, cases);
}
