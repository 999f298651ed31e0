/* watchdog.c - a beat on the loop, a thread that notices when it stops,
 * and a signal that makes the held thread print where it is. */
#include "watchdog.h"

#include "clock.h"
#include "log.h"

#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WATCHDOG_FRAMES 32

struct watchdog {
    struct ioloop *loop;
    pthread_t loop_thread, thread;
    double threshold, period; /* period: the beat's, threshold / 4 */
    ioloop_timeout beat;
    _Atomic double last_beat; /* clock_now() of the last beat */
    atomic_int stopping;
    atomic_ulong reports;
};

/* SIGUSR2, on the loop's thread, in the middle of whatever holds it. Only
 * async-signal-safe calls: backtrace() was called once before (its first
 * call may load libgcc, which allocates), and backtrace_symbols_fd writes
 * without malloc. */
static void watchdog_on_signal(int sig)
{
    static const char head[] = "  the loop's thread is here:\n";
    void *frames[WATCHDOG_FRAMES];
    int saved = errno, n;

    (void)sig;
    n = backtrace(frames, WATCHDOG_FRAMES);
    if (write(STDERR_FILENO, head, sizeof head - 1) < 0) {
        /* stderr is gone: nothing better to do */
    }
    backtrace_symbols_fd(frames, n, STDERR_FILENO);
    errno = saved;
}

/* On the loop: the beat. */
static int watchdog_beat(struct ioloop *loop, void *arg)
{
    struct watchdog *w = arg;

    atomic_store(&w->last_beat, clock_now());
    w->beat = ioloop_call_later(loop, w->period, watchdog_beat, w);
    return 0;
}

static void watchdog_nap(double seconds)
{
    struct timespec ts = {(time_t)seconds,
                          (long)((seconds - (time_t)seconds) * 1e9)};

    nanosleep(&ts, NULL); /* an early wake-up only checks sooner */
}

/* The watchdog's thread: one report per stall, then wait for a beat. */
static void *watchdog_run(void *arg)
{
    struct watchdog *w = arg;
    double reported = 0; /* the beat a report was made for */

    while (!atomic_load(&w->stopping)) {
        watchdog_nap(w->period);
        double last = atomic_load(&w->last_beat);
        double held = clock_now() - last;
        if (held > w->threshold + w->period && last != reported) {
            reported = last;
            atomic_fetch_add(&w->reports, 1);
            log_warn("the loop has been held for %.3f s (threshold %g s)",
                     held, w->threshold);
            pthread_kill(w->loop_thread, SIGUSR2);
        }
    }
    return NULL;
}

struct watchdog *watchdog_new(struct ioloop *loop, double threshold)
{
    struct sigaction sa = {.sa_handler = watchdog_on_signal,
                           .sa_flags = SA_RESTART};
    struct watchdog *w;
    void *warm[1];
    int err;

    if (threshold <= 0) {
        errno = EINVAL;
        return NULL;
    }
    if (!(w = calloc(1, sizeof *w)))
        return NULL;
    w->loop = loop;
    w->loop_thread = pthread_self();
    w->threshold = threshold;
    w->period = threshold / 4;
    atomic_store(&w->last_beat, clock_now());
    backtrace(warm, 1); /* see watchdog_on_signal */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR2, &sa, NULL) < 0 ||
        !(w->beat = ioloop_call_later(loop, w->period, watchdog_beat, w)))
        goto fail;
    if ((err = pthread_create(&w->thread, NULL, watchdog_run, w))) {
        ioloop_remove_timeout(loop, w->beat);
        errno = err;
        goto fail;
    }
    return w;
fail:;
    int saved = errno;
    free(w);
    errno = saved;
    return NULL;
}

void watchdog_free(struct watchdog *w)
{
    if (!w)
        return;
    atomic_store(&w->stopping, 1);
    pthread_join(w->thread, NULL);
    if (w->beat)
        ioloop_remove_timeout(w->loop, w->beat);
    free(w);
}

unsigned long watchdog_reports(const struct watchdog *w)
{
    return atomic_load(&w->reports);
}
