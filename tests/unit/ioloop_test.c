/* ioloop_test.c - chapter 3's IOLoop, case by case, on both backends: the
 * order of timeouts and callbacks, cancelling, waking from other threads,
 * handlers (and the stale event of a reused descriptor), bad input, and
 * failures that are logged while the loop goes on.
 *
 * Each case runs as NAME_epoll and NAME_select under alarm(5): a loop that
 * fails to return kills the case instead of hanging the suite. */
#include "check.h"
#include "ioloop.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#define ID(n) ((void *)(intptr_t)(n))
#define AS_INT(p) ((int)(intptr_t)(p))

/* ---- helpers ---- */

/* What ran, in order: ids pushed by the callbacks under test. */
static int ran[1024], nran;

static void record(int id)
{
    if (nran < (int)(sizeof ran / sizeof ran[0]))
        ran[nran++] = id;
}

/* Whether ran[] holds exactly want[0..n). Prints both when not. */
static int ran_is(const int *want, int n)
{
    int same = nran == n;

    for (int i = 0; same && i < n; i++)
        same = ran[i] == want[i];
    if (!same) {
        fprintf(stderr, "ran:    ");
        for (int i = 0; i < nran; i++)
            fprintf(stderr, " %d", ran[i]);
        fprintf(stderr, "\nwanted: ");
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %d", want[i]);
        fprintf(stderr, "\n");
    }
    return same;
}

static struct ioloop *new_loop(const char *backend)
{
    struct ioloop *loop = ioloop_new(backend);

    CHECK(loop != NULL);
    if (!loop) {
        perror("ioloop_new");
        exit(1);
    }
    nran = 0;
    return loop;
}

static void make_pipe(int p[2])
{
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
        perror("pipe2");
        exit(1);
    }
}

static void close_pipe(int p[2])
{
    close(p[0]);
    close(p[1]);
}

static int record_cb(struct ioloop *loop, void *arg)
{
    (void)loop;
    record(AS_INT(arg));
    return 0;
}

static int stop_cb(struct ioloop *loop, void *arg)
{
    record(AS_INT(arg));
    ioloop_stop(loop);
    return 0;
}

/* A pipe handler: records its arg, drains the pipe. */
static int record_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    char buf[64];

    (void)loop, (void)events;
    record(AS_INT(arg));
    while (read(fd, buf, sizeof buf) > 0)
        ;
    return 0;
}

/* A pipe handler that drains the pipe and stops the loop. */
static int stop_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    record_handler(loop, fd, events, arg);
    ioloop_stop(loop);
    return 0;
}

/* ---- timeouts ---- */

/* A timeout that knows its deadline, to prove it did not run early. */
struct timed {
    int id;
    double deadline;
};
static int early;

static int timed_cb(struct ioloop *loop, void *arg)
{
    struct timed *t = arg;

    early += ioloop_time(loop) < t->deadline;
    record(t->id);
    if (t->id == 99)
        ioloop_stop(loop);
    return 0;
}

static void timers_in_order(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    double t0 = ioloop_time(loop);
    struct timed t[20];
    int want[] = {1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 8, 99};
    int n = 0;

    early = 0;
    /* Added out of order: call_later (relative) and add_timeout (absolute),
     * a deadline already past, and ties on t0 + 0.02 and t0 + 0.025. */
#define LATER(ident, delay) \
    (t[n] = (struct timed){ident, ioloop_time(loop) + (delay)}, \
     ioloop_call_later(loop, delay, timed_cb, &t[n++]))
#define AT(ident, when) \
    (t[n] = (struct timed){ident, when}, ioloop_add_timeout(loop, when, timed_cb, &t[n++]))
    CHECK(LATER(99, 0.04) != 0);
    CHECK(AT(4, t0 + 0.02) != 0);
    CHECK(LATER(3, 0.01) != 0);
    CHECK(AT(5, t0 + 0.02) != 0);
    CHECK(AT(6, t0 + 0.02) != 0);
    CHECK(LATER(2, 0.0) != 0);
    CHECK(AT(1, t0 - 1) != 0);
    CHECK(AT(8, t0 + 0.03) != 0);
    for (int i = 10; i < 20; i++)
        CHECK(AT(i, t0 + 0.025) != 0);
    CHECK(AT(7, t0 + 0.02) != 0);
#undef LATER
#undef AT
    ioloop_start(loop);
    CHECK(ran_is(want, (int)(sizeof want / sizeof want[0])));
    CHECK_EQ(early, 0);
    CHECK(ioloop_time(loop) >= t0 + 0.04);
    ioloop_free(loop);
}

static void remove_timeout(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    ioloop_timeout doomed, done;
    int want[] = {2, 3};

    doomed = ioloop_call_later(loop, 0.01, record_cb, ID(1));
    done = ioloop_call_later(loop, 0, record_cb, ID(2));
    ioloop_call_later(loop, 0.05, stop_cb, ID(3));
    CHECK(doomed != 0 && done != 0 && doomed != done);
    CHECK_EQ(ioloop_remove_timeout(loop, doomed), 0);
    errno = 0;
    CHECK_EQ(ioloop_remove_timeout(loop, doomed), -1); /* twice */
    CHECK_EQ(errno, ENOENT);
    errno = 0;
    CHECK_EQ(ioloop_remove_timeout(loop, 0), -1);
    CHECK_EQ(errno, ENOENT);
    errno = 0;
    CHECK_EQ(ioloop_remove_timeout(loop, 0xfeedf00d00000063ULL), -1); /* invented */
    CHECK_EQ(errno, ENOENT);
    errno = 0;
    CHECK_EQ(ioloop_remove_timeout(loop, done + (7ULL << 32)), -1); /* wrong generation */
    CHECK_EQ(errno, ENOENT);
    ioloop_start(loop);
    CHECK(ran_is(want, 2));
    errno = 0;
    CHECK_EQ(ioloop_remove_timeout(loop, done), -1); /* it has run */
    CHECK_EQ(errno, ENOENT);
    ioloop_free(loop);
}

/* Timeout 1 cancels timeout 2; both are due in the same iteration. */
static ioloop_timeout victim, self;
static int remove_rc, remove_self_rc, remove_self_errno;

static int canceller_cb(struct ioloop *loop, void *arg)
{
    remove_rc = ioloop_remove_timeout(loop, victim);
    remove_self_rc = ioloop_remove_timeout(loop, self); /* running: gone already */
    remove_self_errno = errno;
    record(AS_INT(arg));
    return 0;
}

static void timeout_removed_by_earlier(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    double t0 = ioloop_time(loop);
    int want[] = {1, 3};

    self = ioloop_add_timeout(loop, t0 - 2, canceller_cb, ID(1));
    victim = ioloop_add_timeout(loop, t0 - 1, record_cb, ID(2));
    ioloop_add_timeout(loop, t0 - 0.5, stop_cb, ID(3));
    ioloop_start(loop);
    CHECK(ran_is(want, 2));
    CHECK_EQ(remove_rc, 0);
    CHECK_EQ(remove_self_rc, -1);
    CHECK_EQ(remove_self_errno, ENOENT);
    ioloop_free(loop);
}

/* A timeout that re-adds itself with a deadline already past (a catching-up
 * periodic timer does this) must not keep older due timeouts waiting: every
 * timeout due when the iteration began runs in that iteration. */
static int readds_left;

static int past_readder_cb(struct ioloop *loop, void *arg)
{
    record(AS_INT(arg));
    if (readds_left-- > 0)
        ioloop_add_timeout(loop, ioloop_time(loop) - 10, past_readder_cb, ID(1));
    return 0;
}

static void past_deadline_does_not_delay_due(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    double t0 = ioloop_time(loop);

    readds_left = 100;
    ioloop_add_timeout(loop, t0 - 2, past_readder_cb, ID(1));
    ioloop_add_timeout(loop, t0 - 1, stop_cb, ID(2));
    ioloop_start(loop);
    /* 1 ran, re-added itself; 2 was due all along and runs next. */
    CHECK(nran >= 2 && ran[0] == 1 && ran[1] == 2);
    ioloop_free(loop);
}

/* ---- callbacks ---- */

static int cb_pipe[2];

/* Adds callback 5, and makes the pipe readable for handler 6. */
static int adder_cb(struct ioloop *loop, void *arg)
{
    record(AS_INT(arg));
    CHECK_EQ(ioloop_add_callback(loop, stop_cb, ID(5)), 0);
    CHECK_EQ(write(cb_pipe[1], "x", 1), 1);
    return 0;
}

/* Callbacks queued before an iteration run in it, first in first out; one
 * added by a callback waits for the next iteration, after this one's
 * timeouts and I/O. */
static void callbacks_fifo_next_iteration(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int want[] = {1, 2, 3, 4, 6, 5};

    make_pipe(cb_pipe);
    CHECK_EQ(ioloop_add_handler(loop, cb_pipe[0], IOLOOP_READ, record_handler, ID(6)), 0);
    CHECK_EQ(ioloop_add_callback(loop, record_cb, ID(1)), 0);
    CHECK_EQ(ioloop_add_callback(loop, record_cb, ID(2)), 0);
    CHECK_EQ(ioloop_add_callback(loop, adder_cb, ID(3)), 0);
    ioloop_add_timeout(loop, ioloop_time(loop) - 1, record_cb, ID(4));
    ioloop_start(loop);
    CHECK(ran_is(want, 6));
    CHECK_EQ(ioloop_remove_handler(loop, cb_pipe[0]), 0);
    close_pipe(cb_pipe);
    ioloop_free(loop);
}

/* A callback (or a zero-delay timeout) that re-adds itself for ever: I/O
 * and timeouts still get their turn. */
static int spins, spinning, spins_at_stop;

static int spin_cb(struct ioloop *loop, void *arg)
{
    (void)arg;
    spins++;
    if (spinning)
        ioloop_add_callback(loop, spin_cb, NULL);
    return 0;
}

static int spin_timer_cb(struct ioloop *loop, void *arg)
{
    (void)arg;
    spins++;
    if (spinning)
        ioloop_call_later(loop, 0, spin_timer_cb, NULL);
    return 0;
}

static int stop_spinning_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    spins_at_stop = spins;
    spinning = 0;
    return stop_handler(loop, fd, events, arg);
}

static int stop_spinning_cb(struct ioloop *loop, void *arg)
{
    spins_at_stop = spins;
    spinning = 0;
    return stop_cb(loop, arg);
}

static void self_adding_callback_no_starvation(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int p[2];

    make_pipe(p);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, stop_spinning_handler, ID(1)), 0);
    /* A callback re-adding itself: the ready pipe is served at once. */
    spins = 0, spinning = 1;
    ioloop_add_callback(loop, spin_cb, NULL);
    ioloop_start(loop);
    CHECK_EQ(nran, 1);
    CHECK(spins_at_stop >= 1 && spins_at_stop <= 2);
    /* A zero-delay timeout re-adding itself: the same. */
    CHECK_EQ(write(p[1], "x", 1), 1);
    spins = 0, spinning = 1;
    ioloop_call_later(loop, 0, spin_timer_cb, NULL);
    ioloop_start(loop);
    CHECK_EQ(nran, 2);
    CHECK(spins_at_stop >= 1 && spins_at_stop <= 2);
    /* And a timeout still runs while a callback spins. */
    CHECK_EQ(ioloop_remove_handler(loop, p[0]), 0);
    spins = 0, spinning = 1;
    ioloop_add_callback(loop, spin_cb, NULL);
    ioloop_call_later(loop, 0.02, stop_spinning_cb, ID(2));
    ioloop_start(loop);
    CHECK_EQ(nran, 3);
    CHECK(spins_at_stop > 2); /* it spun meanwhile, and was not starved either */
    close_pipe(p);
    ioloop_free(loop); /* the last spin is still queued: dropped, not leaked */
}

/* ---- other threads ---- */

static pthread_t loop_thread;
static atomic_int loop_started;
static int ran_on_loop_thread;

static int started_cb(struct ioloop *loop, void *arg)
{
    (void)loop, (void)arg;
    atomic_store(&loop_started, 1);
    return 0;
}

static int stop_on_loop_thread_cb(struct ioloop *loop, void *arg)
{
    ran_on_loop_thread += pthread_equal(pthread_self(), loop_thread) != 0;
    return stop_cb(loop, arg);
}

struct waker_job {
    struct ioloop *loop;
    long delay_us;
    int stop; /* 1: ioloop_stop; 0: add_callback(stop_on_loop_thread_cb) */
};

/* Wait for the loop to start (and, after delay_us, to be asleep in poll
 * with nothing to wake it), then wake it from this thread. */
static void *waker_thread(void *arg)
{
    struct waker_job *job = arg;

    while (!atomic_load(&loop_started))
        sched_yield();
    if (job->delay_us)
        usleep((useconds_t)job->delay_us);
    if (job->stop)
        ioloop_stop(job->loop);
    else
        ioloop_add_callback(job->loop, stop_on_loop_thread_cb, ID(1));
    return NULL;
}

/* Run the loop, with nothing but a thread to wake it. */
static void run_with_waker(struct ioloop *loop, long delay_us, int stop)
{
    struct waker_job job = {loop, delay_us, stop};
    pthread_t thread;

    atomic_store(&loop_started, 0);
    ioloop_add_callback(loop, started_cb, NULL);
    CHECK_EQ(pthread_create(&thread, NULL, waker_thread, &job), 0);
    ioloop_start(loop);
    pthread_join(thread, NULL);
}

/* A loop blocked in poll() with no timeout wakes for a callback added by
 * another thread, and runs it on the loop's thread. Many rounds with tiny
 * random delays probe the window between "queue empty?" and poll(). */
static void callback_from_thread_wakes_loop(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int rounds = 300;

    loop_thread = pthread_self();
    ran_on_loop_thread = 0;
    run_with_waker(loop, 50000, 0); /* surely asleep by then */
    srand(7);
    for (int i = 1; i < rounds; i++)
        run_with_waker(loop, rand() % 200, 0);
    CHECK_EQ(nran, rounds);
    CHECK_EQ(ran_on_loop_thread, rounds);
    ioloop_free(loop);
}

/* Four threads add 2000 callbacks each at once: none is lost, and each
 * thread's come in the order it added them. */
enum { ADDERS = 4, ADDS = 2000 };
static int last_seen[ADDERS], out_of_order, counted;

static int count_cb(struct ioloop *loop, void *arg)
{
    int thread = AS_INT(arg) / ADDS, n = AS_INT(arg) % ADDS;

    out_of_order += n <= last_seen[thread];
    last_seen[thread] = n;
    if (++counted == ADDERS * ADDS)
        ioloop_stop(loop);
    return 0;
}

struct adder_job {
    struct ioloop *loop;
    int thread;
};

static void *adder_thread(void *arg)
{
    struct adder_job *job = arg;

    for (int n = 0; n < ADDS; n++)
        while (ioloop_add_callback(job->loop, count_cb, ID(job->thread * ADDS + n)) < 0)
            sched_yield();
    return NULL;
}

static void callbacks_from_many_threads(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    struct adder_job jobs[ADDERS];
    pthread_t threads[ADDERS];

    counted = out_of_order = 0;
    for (int i = 0; i < ADDERS; i++) {
        last_seen[i] = -1;
        jobs[i] = (struct adder_job){loop, i};
        CHECK_EQ(pthread_create(&threads[i], NULL, adder_thread, &jobs[i]), 0);
    }
    ioloop_start(loop);
    for (int i = 0; i < ADDERS; i++)
        pthread_join(threads[i], NULL);
    CHECK_EQ(counted, ADDERS * ADDS);
    CHECK_EQ(out_of_order, 0);
    ioloop_free(loop);
}

static void stop_from_thread_and_before_start(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    double t0;

    /* Blocked with no timeout at all, then with a far one. */
    run_with_waker(loop, 50000, 1);
    ioloop_call_later(loop, 60, record_cb, ID(9));
    t0 = ioloop_time(loop);
    run_with_waker(loop, 20000, 1);
    CHECK(ioloop_time(loop) - t0 < 2);
    /* Stopped before it starts: start returns at once... */
    ioloop_stop(loop);
    ioloop_call_later(loop, 0.5, stop_cb, ID(2));
    t0 = ioloop_time(loop);
    ioloop_start(loop);
    CHECK(ioloop_time(loop) - t0 < 0.4);
    CHECK_EQ(nran, 0);
    /* ...and the loop runs again afterwards: the stop was used up. */
    ioloop_start(loop);
    CHECK_EQ(nran, 1);
    CHECK(ioloop_time(loop) - t0 >= 0.5);
    ioloop_free(loop); /* the 60 s timeout is dropped */
}

/* ---- handlers ---- */

static int write_end_calls, write_end_events;

static int write_end_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    (void)arg;
    write_end_calls++;
    write_end_events = events;
    CHECK_EQ(ioloop_remove_handler(loop, fd), 0);
    ioloop_stop(loop);
    return 0;
}

static int check_quiet_then_update_cb(struct ioloop *loop, void *arg)
{
    int fd = AS_INT(arg);

    CHECK_EQ(write_end_calls, 0); /* a pipe's write end is never readable */
    CHECK_EQ(ioloop_update_handler(loop, fd, IOLOOP_READ), 0); /* same: no-op */
    CHECK_EQ(ioloop_update_handler(loop, fd, IOLOOP_WRITE), 0);
    return 0;
}

static int read_events;

static int read_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    read_events = events;
    return record_handler(loop, fd, events, arg);
}

static void handler_read_then_write(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int p[2];

    make_pipe(p);
    write_end_calls = 0;
    CHECK_EQ(write(p[1], "ab", 2), 2);
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, read_handler, ID(7)), 0);
    CHECK_EQ(ioloop_add_handler(loop, p[1], IOLOOP_READ, write_end_handler, NULL), 0);
    ioloop_call_later(loop, 0.03, check_quiet_then_update_cb, ID(p[1]));
    ioloop_start(loop);
    CHECK_EQ(nran, 1); /* read once: drained, so level-triggered goes quiet */
    CHECK_EQ(ran[0], 7);
    CHECK_EQ(read_events, IOLOOP_READ);
    CHECK_EQ(write_end_calls, 1);
    CHECK_EQ(write_end_events, IOLOOP_WRITE);
    CHECK_EQ(ioloop_remove_handler(loop, p[0]), 0);
    close_pipe(p);
    ioloop_free(loop);
}

/* Two pipes, both readable in the same batch. Whichever handler runs first
 * removes the other's handler, closes that pipe, and puts a new, empty pipe
 * on the same descriptor number with a handler of its own. The event the
 * batch still holds for that number was the old pipe's: it must not reach
 * the new handler. */
static struct {
    int r[2], w[2];
    int calls[2];
    int reused_fd, new_w;
    int new_calls, new_stale;
} st;

static int new_pipe_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    char c;

    (void)arg;
    st.new_calls++;
    if (!(events & IOLOOP_READ) || read(fd, &c, 1) != 1)
        st.new_stale++; /* called with nothing to read: the old pipe's event */
    ioloop_stop(loop);
    return 0;
}

static int feed_new_pipe_cb(struct ioloop *loop, void *arg)
{
    (void)loop, (void)arg;
    CHECK_EQ(write(st.new_w, "n", 1), 1);
    return 0;
}

/* A pipe on exactly descriptor number fd (free now); returns its write end. */
static int pipe_on(int fd)
{
    int p[2];

    make_pipe(p);
    if (p[1] == fd) { /* keep the write end out of the way */
        int w = fcntl(p[1], F_DUPFD_CLOEXEC, fd + 1);
        close(p[1]);
        p[1] = w;
    }
    if (p[0] != fd) {
        CHECK_EQ(dup2(p[0], fd), fd); /* shares O_NONBLOCK with p[0] */
        close(p[0]);
    }
    return p[1];
}

static int pair_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    int me = AS_INT(arg), other = !me;
    char c;

    (void)events;
    st.calls[me]++;
    CHECK_EQ(read(fd, &c, 1), 1);
    if (st.calls[0] + st.calls[1] > 1)
        return 0; /* the removed one ran after all: counted, checked below */
    st.reused_fd = st.r[other];
    CHECK_EQ(ioloop_remove_handler(loop, st.reused_fd), 0); /* before close */
    close(st.r[other]);
    close(st.w[other]);
    st.new_w = pipe_on(st.reused_fd);
    CHECK_EQ(ioloop_add_handler(loop, st.reused_fd, IOLOOP_READ, new_pipe_handler, NULL), 0);
    ioloop_call_later(loop, 0.03, feed_new_pipe_cb, NULL);
    return 0;
}

static void remove_handler_drops_stale_event(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int p[2];

    memset(&st, 0, sizeof st);
    for (int i = 0; i < 2; i++) {
        make_pipe(p);
        st.r[i] = p[0], st.w[i] = p[1];
        CHECK_EQ(write(p[1], "x", 1), 1);
        CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, pair_handler, ID(i)), 0);
    }
    ioloop_start(loop);
    CHECK_EQ(st.calls[0] + st.calls[1], 1); /* the removed handler never ran */
    CHECK_EQ(st.new_stale, 0);
    CHECK_EQ(st.new_calls, 1); /* once, for the byte written later */
    int survivor = st.calls[0] ? 0 : 1;
    CHECK_EQ(ioloop_remove_handler(loop, st.r[survivor]), 0);
    CHECK_EQ(ioloop_remove_handler(loop, st.reused_fd), 0);
    close(st.r[survivor]);
    close(st.w[survivor]);
    close(st.reused_fd);
    close(st.new_w);
    ioloop_free(loop);
}

static int noop_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    (void)loop, (void)fd, (void)events, (void)arg;
    return 0;
}

/* Make descriptor 1500 possible: raise the soft limit if the hard one allows. */
static int allow_fd(int fd)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    if (rl.rlim_cur > (rlim_t)fd)
        return 1;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= (rlim_t)fd)
        return 0;
    rl.rlim_cur = (rlim_t)fd + 1;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

/* A descriptor beyond FD_SETSIZE: select refuses it, epoll takes it, and
 * either way the loop goes on working. */
static void big_descriptor(struct ioloop *loop, const char *backend)
{
    enum { BIG = 1500 };
    int p[2], q[2];

    if (!allow_fd(BIG)) {
        printf("note: descriptor %d not checked: RLIMIT_NOFILE cannot be raised\n", BIG);
        return;
    }
    make_pipe(p);
    CHECK_EQ(dup2(p[0], BIG), BIG);
    CHECK_EQ(write(p[1], "x", 1), 1);
    errno = 0;
    if (strcmp(backend, "select") == 0) {
        CHECK(BIG >= FD_SETSIZE);
        CHECK_EQ(ioloop_add_handler(loop, BIG, IOLOOP_READ, stop_handler, ID(1)), -1);
        CHECK_EQ(errno, ERANGE);
        errno = 0; /* the failed add left no handler behind */
        CHECK_EQ(ioloop_remove_handler(loop, BIG), -1);
        CHECK_EQ(errno, ENOENT);
        make_pipe(q); /* the loop still works */
        CHECK_EQ(write(q[1], "x", 1), 1);
        CHECK_EQ(ioloop_add_handler(loop, q[0], IOLOOP_READ, stop_handler, ID(1)), 0);
        ioloop_start(loop);
        CHECK_EQ(ioloop_remove_handler(loop, q[0]), 0);
        close_pipe(q);
    } else {
        CHECK_EQ(ioloop_add_handler(loop, BIG, IOLOOP_READ, stop_handler, ID(1)), 0);
        ioloop_start(loop);
        CHECK_EQ(ioloop_remove_handler(loop, BIG), 0);
    }
    CHECK_EQ(nran, 1);
    close(BIG);
    close_pipe(p);
}

static void handler_bad_input(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int p[2];

    make_pipe(p);
#define FAILS_WITH(call, err) \
    do { errno = 0; CHECK_EQ(call, -1); CHECK_EQ(errno, err); } while (0)
    FAILS_WITH(ioloop_add_handler(loop, -1, IOLOOP_READ, noop_handler, NULL), EBADF);
    FAILS_WITH(ioloop_add_handler(loop, p[0], IOLOOP_READ, NULL, NULL), EINVAL);
    FAILS_WITH(ioloop_update_handler(loop, -1, IOLOOP_READ), EBADF);
    FAILS_WITH(ioloop_remove_handler(loop, -1), EBADF);
    FAILS_WITH(ioloop_update_handler(loop, p[0], IOLOOP_READ), ENOENT);
    FAILS_WITH(ioloop_remove_handler(loop, p[0]), ENOENT);
    FAILS_WITH(ioloop_update_handler(loop, 100000, IOLOOP_READ), ENOENT); /* past the table */
    FAILS_WITH(ioloop_remove_handler(loop, 100000), ENOENT);
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, noop_handler, NULL), 0);
    FAILS_WITH(ioloop_add_handler(loop, p[0], IOLOOP_WRITE, noop_handler, NULL), EEXIST);
    CHECK_EQ(ioloop_update_handler(loop, p[0], 0), 0); /* errors only: allowed */
    CHECK_EQ(ioloop_remove_handler(loop, p[0]), 0);
    FAILS_WITH(ioloop_remove_handler(loop, p[0]), ENOENT); /* twice */
    FAILS_WITH(ioloop_update_handler(loop, p[0], IOLOOP_READ), ENOENT);
#undef FAILS_WITH
    /* Removed, it may be added again. */
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, noop_handler, NULL), 0);
    CHECK_EQ(ioloop_remove_handler(loop, p[0]), 0);
    big_descriptor(loop, backend);
    close_pipe(p);
    ioloop_free(loop);
}

/* ---- failures are logged; the loop goes on ---- */

static int failing_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    record_handler(loop, fd, events, arg);
    errno = EIO;
    return -1;
}

static int failing_cb(struct ioloop *loop, void *arg)
{
    (void)loop;
    record(AS_INT(arg));
    errno = AS_INT(arg) == 1 ? EPERM : ENOSPC;
    return -1;
}

/* Run the loop with stderr going to a file; return what was written. */
static char *start_capturing_stderr(struct ioloop *loop)
{
    static char text[4096];
    FILE *f = tmpfile();
    int saved = dup(STDERR_FILENO);
    size_t n;

    CHECK(f != NULL && saved >= 0);
    if (!f || saved < 0)
        return text;
    fflush(stderr);
    dup2(fileno(f), STDERR_FILENO);
    ioloop_start(loop);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    fputs(text, stderr); /* still shown in the test's output */
    return text;
}

static void failures_are_logged(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    char expect[128];
    int p[2], want[] = {1, 3, 2, 4};
    const char *log;

    make_pipe(p);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, failing_handler, ID(3)), 0);
    ioloop_add_callback(loop, failing_cb, ID(1));
    ioloop_call_later(loop, 0.01, failing_cb, ID(2));
    ioloop_call_later(loop, 0.03, stop_cb, ID(4)); /* the next timer still runs */
    log = start_capturing_stderr(loop);
    CHECK(ran_is(want, 4));
    snprintf(expect, sizeof expect, "handler for fd %d failed: Input/output error", p[0]);
    CHECK(strstr(log, expect) != NULL);
    CHECK(strstr(log, "callback failed: Operation not permitted") != NULL);
    CHECK(strstr(log, "timeout failed: No space left on device") != NULL);
    CHECK_EQ(ioloop_remove_handler(loop, p[0]), 0);
    close_pipe(p);
    ioloop_free(loop);
}

/* ---- life cycle ---- */

static void new_and_free(void)
{
    struct ioloop *loop;

    alarm(5);
    errno = 0;
    CHECK(ioloop_new("nope") == NULL);
    CHECK_EQ(errno, ENOENT);
    ioloop_free(NULL);
    loop = ioloop_new(NULL);
    CHECK(loop && strcmp(ioloop_backend(loop), "epoll") == 0);
    ioloop_free(loop);
    loop = ioloop_new("select");
    CHECK(loop && strcmp(ioloop_backend(loop), "select") == 0);
    ioloop_free(loop);
    loop = ioloop_new_with_backend(&poller_select);
    CHECK(loop && strcmp(ioloop_backend(loop), "select") == 0);
    ioloop_free(loop);
}

/* Freed with callbacks, timeouts and a handler still registered: they are
 * dropped without running, and nothing leaks (ASan checks under SAN=1). */
static void free_with_pending(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int p[2];

    make_pipe(p);
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, record_handler, ID(1)), 0);
    for (int i = 0; i < 100; i++) {
        CHECK_EQ(ioloop_add_callback(loop, record_cb, ID(2)), 0);
        CHECK(ioloop_call_later(loop, 10 + i, record_cb, ID(3)) != 0);
    }
    ioloop_free(loop);
    CHECK_EQ(nran, 0);
    /* Once more after running: a timeout stops it, more wait. */
    loop = new_loop(backend);
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, record_handler, ID(1)), 0);
    ioloop_call_later(loop, 0, stop_cb, ID(4));
    ioloop_call_later(loop, 30, record_cb, ID(3));
    ioloop_add_callback(loop, record_cb, ID(2));
    ioloop_start(loop);
    ioloop_add_callback(loop, record_cb, ID(2));
    ioloop_free(loop);
    CHECK_EQ(nran, 2);
    /* The descriptor was the caller's: still open. */
    CHECK_EQ(fcntl(p[0], F_GETFD) >= 0, 1);
    close_pipe(p);
}

/* ---- each case on each backend ---- */

#define BOTH(name)                                 \
    static void name##_epoll(void)                 \
    {                                              \
        alarm(5);                                  \
        name("epoll");                             \
    }                                              \
    static void name##_select(void)                \
    {                                              \
        alarm(5);                                  \
        name("select");                            \
    }
#define CASES(name) {#name "_epoll", name##_epoll}, {#name "_select", name##_select}

BOTH(timers_in_order)
BOTH(remove_timeout)
BOTH(timeout_removed_by_earlier)
BOTH(past_deadline_does_not_delay_due)
BOTH(callbacks_fifo_next_iteration)
BOTH(self_adding_callback_no_starvation)
BOTH(callback_from_thread_wakes_loop)
BOTH(callbacks_from_many_threads)
BOTH(stop_from_thread_and_before_start)
BOTH(handler_read_then_write)
BOTH(remove_handler_drops_stale_event)
BOTH(handler_bad_input)
BOTH(failures_are_logged)
BOTH(free_with_pending)

/* ---- before-poll hooks ---- */

/* Hooks 10.., queued by a callback, a timeout and a handler of one turn,
 * each run once, in the order queued, after that turn's callbacks and
 * timeouts and before its poll; a cancelled one never runs. */
static struct ioloop_hook hooks[8];
static int hook_requeues;

static int hook_cb(struct ioloop *loop, void *arg)
{
    record(AS_INT(arg));
    if (AS_INT(arg) == 13 && hook_requeues-- > 0)
        ioloop_before_poll(loop, &hooks[3]); /* itself: next turn */
    else if (AS_INT(arg) == 13)
        ioloop_stop(loop);
    if (AS_INT(arg) == 14)
        ioloop_cancel_before_poll(&hooks[5]); /* waiting behind it */
    return 0;
}

static void init_hooks(void)
{
    for (int i = 0; i < 8; i++)
        ioloop_hook_init(&hooks[i], hook_cb, ID(10 + i));
}

static int queue_hook_cb(struct ioloop *loop, void *arg)
{
    record(AS_INT(arg));
    ioloop_before_poll(loop, &hooks[AS_INT(arg)]);
    ioloop_before_poll(loop, &hooks[AS_INT(arg)]); /* once */
    return 0;
}

/* Turn 1: callback 1 queues hook 11, timeout 2 queues hook 12; 13, queued
 * before the start, runs first and queues itself again; 10 was cancelled.
 * Turn 2: 13 again, which stops the loop. Nothing else is due, so had the
 * poll between the turns slept, it would have slept for ever (and
 * alarm() would have killed the case). */
static void before_poll_after_callbacks_and_timeouts(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int want[] = {1, 2, 13, 11, 12, 13};

    init_hooks();
    hook_requeues = 1;
    CHECK_EQ(ioloop_add_callback(loop, queue_hook_cb, ID(1)), 0);
    ioloop_add_timeout(loop, ioloop_time(loop) - 1, queue_hook_cb, ID(2));
    ioloop_before_poll(loop, &hooks[3]);
    ioloop_before_poll(loop, &hooks[0]);
    CHECK(ioloop_hook_queued(&hooks[0]));
    ioloop_cancel_before_poll(&hooks[0]);
    ioloop_cancel_before_poll(&hooks[0]); /* harmless */
    CHECK(!ioloop_hook_queued(&hooks[0]));
    ioloop_start(loop);
    CHECK(ran_is(want, 6));
    CHECK(!ioloop_hook_queued(&hooks[3]));
    ioloop_free(loop);
}

/* A handler's hook runs in the next turn, before its poll: the handler's
 * work is finished before the loop sleeps. A hook may cancel one queued
 * behind it; freeing the loop drops the hooks still queued, unrun. */
static int hook_handler(struct ioloop *loop, int fd, int events, void *arg)
{
    record_handler(loop, fd, events, arg);
    ioloop_before_poll(loop, &hooks[4]); /* 14: cancels 15 */
    ioloop_before_poll(loop, &hooks[5]);
    ioloop_before_poll(loop, &hooks[6]);
    ioloop_add_callback(loop, stop_cb, ID(99));
    return 0;
}

static void before_poll_from_handler(const char *backend)
{
    struct ioloop *loop = new_loop(backend);
    int want[] = {6, 99, 14, 16};
    int p[2];

    init_hooks();
    make_pipe(p);
    CHECK_EQ(ioloop_add_handler(loop, p[0], IOLOOP_READ, hook_handler, ID(6)), 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    ioloop_start(loop);
    CHECK(ran_is(want, 4));
    CHECK(!ioloop_hook_queued(&hooks[5]));
    ioloop_before_poll(loop, &hooks[7]);
    CHECK_EQ(ioloop_remove_handler(loop, p[0]), 0);
    close_pipe(p);
    ioloop_free(loop);
    CHECK(!ioloop_hook_queued(&hooks[7]));
    CHECK_EQ(nran, 4); /* 17 never ran */
}

BOTH(before_poll_after_callbacks_and_timeouts)
BOTH(before_poll_from_handler)

/* ioloop_running: 1 only inside ioloop_start, in its callbacks too. */
static int record_running(struct ioloop *loop, void *arg)
{
    *(int *)arg = ioloop_running(loop);
    ioloop_stop(loop);
    return 0;
}

static void running_inside_start(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    int inside = -1;

    CHECK(!ioloop_running(loop));
    CHECK_EQ(ioloop_add_callback(loop, record_running, &inside), 0);
    ioloop_start(loop);
    CHECK_EQ(inside, 1);
    CHECK(!ioloop_running(loop));
    ioloop_free(loop);
}

/* ioloop_get_stats (chapter 6's /stats): a loop that only waits spends
 * its time in poll; a callback that holds it for 50 ms is time outside. */
static int hold_50ms(struct ioloop *loop, void *arg)
{
    double end = ioloop_time(loop) + 0.05;

    (void)arg;
    while (ioloop_time(loop) < end)
        ;
    return 0;
}

static void stats_split_poll_and_work(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct ioloop_stats ls;

    ioloop_get_stats(loop, &ls);
    CHECK(ls.seconds == 0 && ls.poll_seconds == 0 && ls.turns == 0);
    ioloop_call_later(loop, 0.1, record_running, &(int){0});
    ioloop_start(loop);
    ioloop_get_stats(loop, &ls);
    CHECK(ls.turns >= 1);
    CHECK(ls.poll_seconds >= 0.08 && ls.poll_seconds <= ls.seconds);
    double idle = ls.poll_seconds, busy = ls.seconds - ls.poll_seconds;
    ioloop_add_callback(loop, hold_50ms, NULL);
    ioloop_call_later(loop, 0.01, record_running, &(int){0});
    ioloop_start(loop);
    ioloop_get_stats(loop, &ls);
    CHECK(ls.seconds - ls.poll_seconds - busy >= 0.045);
    CHECK(ls.poll_seconds >= idle);
    ioloop_free(loop);
}

static const struct check_case cases[] = {
    {"stats_split_poll_and_work", stats_split_poll_and_work},
    CASES(timers_in_order),
    CASES(remove_timeout),
    CASES(timeout_removed_by_earlier),
    CASES(past_deadline_does_not_delay_due),
    CASES(callbacks_fifo_next_iteration),
    CASES(self_adding_callback_no_starvation),
    CASES(callback_from_thread_wakes_loop),
    CASES(callbacks_from_many_threads),
    CASES(stop_from_thread_and_before_start),
    CASES(handler_read_then_write),
    CASES(remove_handler_drops_stale_event),
    CASES(handler_bad_input),
    CASES(failures_are_logged),
    CASES(free_with_pending),
    CASES(before_poll_after_callbacks_and_timeouts),
    CASES(before_poll_from_handler),
    {"new_and_free", new_and_free},
    {"running_inside_start", running_inside_start},
    {0},
};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
