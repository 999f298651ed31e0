/* 03-poll-backend_driver.c - the checks of exercise 03-poll-backend: the
 * reader's poller_poll.c, driven through chapter 3's IOLoop and directly
 * through the poller contract. Built as
 * build/{exercises,solutions}/03-poll-backend/server; run with a case name
 * (tests/exercises/03-poll-backend.bats runs one per @test). */
#include "check.h"
#include "ioloop.h"
#include "poller.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

extern const struct poller_backend poller_poll; /* the reader's */

#define NPIPES 1000      /* 2000 descriptors, far past FD_SETSIZE (1024) */
#define NOFILE_WANTED 2100

/* What a handler saw, and what it is told to do. */
struct seen {
    int calls;
    int fd;     /* the last call's */
    int events; /* the last call's */
    int stop;   /* ioloop_stop() on the first call */
};

/* Count the call, drain the pipe (else, level-triggered, it fires again),
 * and maybe stop the loop. */
static int on_event(struct ioloop *loop, int fd, int events, void *arg)
{
    struct seen *s = arg;
    char buf[64];

    s->calls++;
    s->fd = fd;
    s->events = events;
    if (events & IOLOOP_READ)
        while (read(fd, buf, sizeof buf) > 0)
            ;
    if (s->stop)
        ioloop_stop(loop);
    return 0;
}

static int stop_loop(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

/* Run the loop for about `seconds`, or until something stops it. */
static void run_loop_for(struct ioloop *loop, double seconds)
{
    ioloop_timeout t = ioloop_call_later(loop, seconds, stop_loop, NULL);

    CHECK(t != 0);
    ioloop_start(loop);
    ioloop_remove_timeout(loop, t);
}

/* A loop on the reader's backend, or NULL (and a failed check). */
static struct ioloop *poll_loop(void)
{
    struct ioloop *loop = ioloop_new_with_backend(&poller_poll);

    if (!loop)
        perror("ioloop_new_with_backend(&poller_poll)");
    CHECK(loop != NULL);
    return loop;
}

/* A non-blocking pipe: [0] to read, [1] to write. */
static int make_pipe(int fds[2])
{
    int rc = pipe2(fds, O_NONBLOCK | O_CLOEXEC);

    CHECK(rc == 0);
    return rc;
}

static void close_pipe(int fds[2])
{
    close(fds[0]);
    close(fds[1]);
}

static void put_byte(int fd)
{
    CHECK(write(fd, "x", 1) == 1);
}

static void test_read_handler_fires(void)
{
    struct ioloop *loop = poll_loop();
    struct seen s = {.stop = 1};
    int fds[2];

    if (!loop || make_pipe(fds) < 0)
        goto out;
    CHECK(strcmp(ioloop_backend(loop), "poll") == 0);
    CHECK(ioloop_add_handler(loop, fds[0], IOLOOP_READ, on_event, &s) == 0);
    run_loop_for(loop, 0.1); /* nothing written: nothing fires */
    CHECK_EQ(s.calls, 0);
    put_byte(fds[1]);
    run_loop_for(loop, 2.0);
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(s.fd, fds[0]);
    CHECK_EQ(s.events, IOLOOP_READ);
    CHECK(ioloop_remove_handler(loop, fds[0]) == 0);
    close_pipe(fds);
out:
    ioloop_free(loop);
}

static void test_update_to_write(void)
{
    struct ioloop *loop = poll_loop();
    struct seen s = {.stop = 1};
    int fds[2];

    if (!loop || make_pipe(fds) < 0)
        goto out;
    /* An empty pipe's write end is always writable: interest 0 hides it. */
    CHECK(ioloop_add_handler(loop, fds[1], 0, on_event, &s) == 0);
    run_loop_for(loop, 0.1);
    CHECK_EQ(s.calls, 0);
    CHECK(ioloop_update_handler(loop, fds[1], IOLOOP_WRITE) == 0);
    run_loop_for(loop, 2.0);
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(s.fd, fds[1]);
    CHECK_EQ(s.events, IOLOOP_WRITE);
    /* And back: no more calls. */
    CHECK(ioloop_update_handler(loop, fds[1], 0) == 0);
    s.stop = 0;
    run_loop_for(loop, 0.1);
    CHECK_EQ(s.calls, 1);
    CHECK(ioloop_remove_handler(loop, fds[1]) == 0);
    close_pipe(fds);
out:
    ioloop_free(loop);
}

/* A hang-up is reported whatever the interest, as IOLOOP_ERROR. */
static void test_hangup_is_error(void)
{
    struct ioloop *loop = poll_loop();
    struct seen s = {.stop = 1};
    int fds[2];

    if (!loop || make_pipe(fds) < 0)
        goto out;
    CHECK(ioloop_add_handler(loop, fds[0], 0, on_event, &s) == 0);
    close(fds[1]); /* the writer goes: POLLHUP on the read end */
    run_loop_for(loop, 2.0);
    CHECK_EQ(s.calls, 1);
    CHECK(s.events & IOLOOP_ERROR);
    CHECK(ioloop_remove_handler(loop, fds[0]) == 0);
    close(fds[0]);
out:
    ioloop_free(loop);
}

/* Ask the backend itself which descriptors are ready now; a bitmask of
 * which of the three pipes' read ends came back. */
static int ready_now(struct poller *p, int fds[3][2])
{
    struct poller_event ev[8];
    int n = poller_poll.poll(p, ev, 8, 0), mask = 0;

    CHECK(n >= 0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 3; j++)
            if (ev[i].fd == fds[j][0] && (ev[i].events & IOLOOP_READ))
                mask |= 1 << j;
    return mask;
}

static void test_remove_stops_events(void)
{
    struct poller *p = poller_poll.create();
    struct ioloop *loop;
    struct seen s = {0};
    int fds[3][2];

    if (!p)
        perror("poller_poll.create()");
    CHECK(p != NULL);
    loop = poll_loop();
    if (!loop || !p || make_pipe(fds[0]) < 0)
        goto out;
    make_pipe(fds[1]);
    make_pipe(fds[2]);
    /* The backend alone: three readable pipes, then take them out one by
     * one. Removing the first moves the last into its place (hint 3): the
     * moved one must still be found by modify and remove. */
    for (int j = 0; j < 3; j++) {
        CHECK(poller_poll.add(p, fds[j][0], IOLOOP_READ) == 0);
        put_byte(fds[j][1]);
    }
    CHECK_EQ(ready_now(p, fds), 7);
    CHECK(poller_poll.remove(p, fds[0][0]) == 0);
    CHECK_EQ(ready_now(p, fds), 6);
    CHECK(poller_poll.modify(p, fds[2][0], 0) == 0);
    CHECK_EQ(ready_now(p, fds), 2);
    CHECK(poller_poll.remove(p, fds[2][0]) == 0);
    CHECK(poller_poll.remove(p, fds[1][0]) == 0);
    CHECK_EQ(ready_now(p, fds), 0);
    CHECK(poller_poll.add(p, fds[0][0], IOLOOP_READ) == 0); /* back again */
    CHECK_EQ(ready_now(p, fds), 1);

    /* Through the loop: removed while still readable, never called again. */
    CHECK(ioloop_add_handler(loop, fds[1][0], IOLOOP_READ, on_event, &s) == 0);
    run_loop_for(loop, 0.1);
    CHECK_EQ(s.calls, 1);
    CHECK(ioloop_remove_handler(loop, fds[1][0]) == 0);
    put_byte(fds[1][1]);
    run_loop_for(loop, 0.1);
    CHECK_EQ(s.calls, 1);
    for (int j = 0; j < 3; j++)
        close_pipe(fds[j]);
out:
    if (p)
        poller_poll.free(p);
    ioloop_free(loop);
}

#define CHECK_ERRNO(call, err)                                                \
    do {                                                                      \
        errno = 0;                                                            \
        int check_rc_ = (call);                                               \
        if (check_rc_ != -1 || errno != (err))                                \
            fprintf(stderr, "%s: returned %d, errno %d (%s), expected %s\n",  \
                    #call, check_rc_, errno, strerror(errno), #err);          \
        CHECK(check_rc_ == -1 && errno == (err));                             \
    } while (0)

static void test_errors(void)
{
    struct poller *p = poller_poll.create();
    struct ioloop *loop;
    struct seen s = {0};
    int fds[2];

    if (!p)
        perror("poller_poll.create()");
    CHECK(p != NULL);
    loop = poll_loop();
    if (!p || !loop || make_pipe(fds) < 0)
        goto out;
    CHECK(poller_poll.add(p, fds[0], IOLOOP_READ) == 0);
    CHECK_ERRNO(poller_poll.add(p, fds[0], IOLOOP_READ), EEXIST);
    CHECK_ERRNO(poller_poll.modify(p, fds[1], IOLOOP_WRITE), ENOENT);
    CHECK_ERRNO(poller_poll.remove(p, fds[1]), ENOENT);
    CHECK_ERRNO(poller_poll.remove(p, 100000), ENOENT); /* past any table */
    CHECK_ERRNO(poller_poll.modify(p, 100000, IOLOOP_READ), ENOENT);
    CHECK_ERRNO(poller_poll.add(p, -1, IOLOOP_READ), EBADF);
    CHECK_ERRNO(poller_poll.modify(p, -1, IOLOOP_READ), EBADF);
    CHECK_ERRNO(poller_poll.remove(p, -1), EBADF);
    CHECK(poller_poll.remove(p, fds[0]) == 0);
    CHECK_ERRNO(poller_poll.remove(p, fds[0]), ENOENT); /* twice */
    /* A descriptor that is not open: epoll refuses it with EBADF, and so
     * must we, or poll() answers POLLNVAL for it on every call (hint 2). */
    {
        int closed[2];
        if (make_pipe(closed) == 0) {
            close_pipe(closed);
            CHECK_ERRNO(poller_poll.add(p, closed[0], IOLOOP_READ), EBADF);
        }
    }
    /* Nothing registered, nothing ready: a timeout, not an error. */
    struct poller_event ev[4];
    CHECK_EQ(poller_poll.poll(p, ev, 4, 10), 0);
    /* The loop passes the backend's errors on. */
    CHECK(ioloop_add_handler(loop, fds[0], IOLOOP_READ, on_event, &s) == 0);
    CHECK_ERRNO(ioloop_add_handler(loop, fds[0], IOLOOP_READ, on_event, &s),
                EEXIST);
    CHECK(ioloop_remove_handler(loop, fds[0]) == 0);
    close_pipe(fds);
out:
    if (p)
        poller_poll.free(p);
    ioloop_free(loop);
}

/* More ready descriptors than the caller has room for: poll() fills in
 * `max` events, never one more, and the rest are still ready at the next
 * call (level-triggered: nothing is lost). */
static void test_poll_stops_at_max(void)
{
    struct poller *p = poller_poll.create();
    struct poller_event ev[8];
    int fds[5][2], made = 0, n;

    if (!p)
        perror("poller_poll.create()");
    CHECK(p != NULL);
    if (!p)
        return;
    for (; made < 5 && make_pipe(fds[made]) == 0; made++) {
        CHECK(poller_poll.add(p, fds[made][0], IOLOOP_READ) == 0);
        put_byte(fds[made][1]);
    }
    CHECK_EQ(made, 5);
    for (int i = 0; i < 8; i++)
        ev[i] = (struct poller_event){.fd = -7, .events = 0};
    n = poller_poll.poll(p, ev, 2, 0); /* 5 ready, room for 2 */
    if (n != 2 || ev[2].fd != -7)
        fprintf(stderr, "poll(max = 2) with 5 ready returned %d and wrote "
                "ev[2] = {fd %d}: past max? (hint 4)\n", n, ev[2].fd);
    CHECK_EQ(n, 2);
    CHECK_EQ(ev[2].fd, -7);
    CHECK_EQ(poller_poll.poll(p, ev, 8, 0), 5); /* all still ready */
    for (int j = 0; j < made; j++) {
        poller_poll.remove(p, fds[j][0]);
        close_pipe(fds[j]);
    }
    poller_poll.free(p);
}

/* ---- timers and callbacks on this backend ---- */

struct order {
    int log[8];
    int n;
    double t0, fired_at;
    struct ioloop *loop;
};

static int note_1(struct ioloop *loop, void *arg)
{
    struct order *o = arg;

    (void)loop;
    o->log[o->n++ % 8] = 1;
    return 0;
}

static int note_2_and_stop(struct ioloop *loop, void *arg)
{
    struct order *o = arg;

    o->log[o->n++ % 8] = 2;
    o->fired_at = ioloop_time(loop);
    ioloop_stop(loop);
    return 0;
}

/* Another thread: wait, then hand the loop a callback. */
static void *add_later(void *arg)
{
    struct order *o = arg;
    struct timespec ts = {0, 100 * 1000 * 1000};

    nanosleep(&ts, NULL);
    ioloop_add_callback(o->loop, note_2_and_stop, o);
    return NULL;
}

static void test_timers_and_callbacks(void)
{
    struct ioloop *loop = poll_loop();
    struct order o = {0};
    pthread_t thread;

    if (!loop)
        return;
    /* A timeout 0.05 s away runs after a callback added later. */
    o.t0 = ioloop_time(loop);
    CHECK(ioloop_call_later(loop, 0.05, note_2_and_stop, &o) != 0);
    CHECK(ioloop_add_callback(loop, note_1, &o) == 0);
    run_loop_for(loop, 2.0);
    CHECK_EQ(o.n, 2);
    CHECK_EQ(o.log[0], 1);
    CHECK_EQ(o.log[1], 2);
    CHECK(o.fired_at >= o.t0 + 0.05);
    CHECK(o.fired_at < o.t0 + 1.0);
    /* No timeout at all, so poll() waits with no limit: only the waker, an
     * eventfd registered on this backend, can end the wait. */
    o.n = 0;
    o.loop = loop;
    CHECK(pthread_create(&thread, NULL, add_later, &o) == 0);
    ioloop_start(loop);
    pthread_join(thread, NULL);
    CHECK_EQ(o.n, 1);
    CHECK_EQ(o.log[0], 2);
    ioloop_free(loop);
}

/* ---- past FD_SETSIZE ---- */

/* Raise the soft limit on descriptors to NOFILE_WANTED if it is lower; 0,
 * or -1 when the hard limit forbids it. */
static int raise_nofile(void)
{
    struct rlimit rl;

    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < NOFILE_WANTED) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < NOFILE_WANTED) {
            printf("skip: the hard limit on descriptors is %llu, below %d\n",
                   (unsigned long long)rl.rlim_max, NOFILE_WANTED);
            return -1;
        }
        rl.rlim_cur = NOFILE_WANTED;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
            printf("skip: cannot raise RLIMIT_NOFILE to %d: %s\n",
                   NOFILE_WANTED, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void test_beyond_fd_setsize(void)
{
    static int fds[NPIPES][2];
    static struct seen s[NPIPES];
    struct ioloop *loop;
    int made = 0, top = 0, calls = 0;

    if (raise_nofile() < 0)
        return;
    if (!(loop = poll_loop()))
        return;
    for (; made < NPIPES; made++) {
        if (pipe2(fds[made], O_NONBLOCK | O_CLOEXEC) < 0) {
            perror("pipe2");
            CHECK(0);
            goto out;
        }
        if (ioloop_add_handler(loop, fds[made][0], IOLOOP_READ, on_event,
                               &s[made]) < 0) {
            fprintf(stderr, "adding fd %d: %s\n", fds[made][0], strerror(errno));
            CHECK(0);
            close_pipe(fds[made]);
            goto out;
        }
        if (fds[made][0] > fds[top][0])
            top = made;
    }
    printf("%d read ends registered, the highest is fd %d\n", NPIPES,
           fds[top][0]);
    CHECK(fds[top][0] >= FD_SETSIZE);
    s[top].stop = 1;
    put_byte(fds[top][1]);
    run_loop_for(loop, 2.0);
    for (int i = 0; i < NPIPES; i++) {
        calls += s[i].calls;
        if (s[i].calls && i != top)
            fprintf(stderr, "fd %d fired, but only fd %d was written to\n",
                    fds[i][0], fds[top][0]);
    }
    CHECK_EQ(s[top].calls, 1);
    CHECK_EQ(s[top].fd, fds[top][0]);
    CHECK_EQ(calls, 1);
out:
    for (int i = 0; i < made; i++) {
        ioloop_remove_handler(loop, fds[i][0]);
        close_pipe(fds[i]);
    }
    ioloop_free(loop);
}

static const struct check_case cases[] = {
    {"read_handler_fires", test_read_handler_fires},
    {"update_to_write", test_update_to_write},
    {"hangup_is_error", test_hangup_is_error},
    {"remove_stops_events", test_remove_stops_events},
    {"errors", test_errors},
    {"poll_stops_at_max", test_poll_stops_at_max},
    {"timers_and_callbacks", test_timers_and_callbacks},
    {"beyond_fd_setsize", test_beyond_fd_setsize},
    {0}};

/* A backend that never wakes up must not hang the suite. */
static void on_alarm(int sig)
{
    static const char msg[] = "timed out after 10 s: is poll() waiting for "
                              "ever, or the loop spinning?\n";

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
