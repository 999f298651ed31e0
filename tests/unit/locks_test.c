/* locks_test.c - chapter 5's locks (locks.c): Condition's timeout that is
 * not an error, notify in FIFO order skipping timed-out waiters, Event,
 * Semaphore's handoff without barging, the bounded and Lock errors,
 * cancelled waiters, and freeing with waiters. The traces against
 * Tornado's are tests/tornado/semantics_sync.c. */
#include "check.h"
#include "locks.h"
#include "loop_harness.h"

/* A wait whose deadline comes succeeds with NULL (False); a notified one
 * with (void *)1 (True). */
static void condition_timeout_is_false(void)
{
    struct condition *c;
    struct future *w;

    setup();
    c = condition_new(loop);
    w = condition_wait(c, after(0.05));
    run_for(0.1);
    CHECK_EQ(future_error(w), 0);
    CHECK(result_of(w) == NULL);
    w = condition_wait(c, after(5));
    condition_notify(c, 1);
    CHECK_EQ(future_error(w), 0);
    CHECK(result_of(w) == (void *)1);
    condition_free(c);
    teardown();
}

/* notify(2) wakes the two oldest still waiting (a timed-out one is
 * skipped), notify_all the rest; a notify with no waiter is lost. */
static void condition_notify_fifo(void)
{
    struct condition *c;
    struct future *w[4];

    setup();
    c = condition_new(loop);
    condition_notify(c, 1); /* lost */
    for (int i = 0; i < 4; i++)
        w[i] = condition_wait(c, i == 1 ? after(0.05) : 0);
    run_for(0.1);
    CHECK(future_done(w[1]) && result_of(w[1]) == NULL);
    condition_notify(c, 2);
    CHECK(future_done(w[0]) && future_done(w[2]) && !future_done(w[3]));
    condition_notify_all(c);
    CHECK(result_of(w[0]) == (void *)1 && result_of(w[2]) == (void *)1 &&
          result_of(w[3]) == (void *)1);
    condition_free(c);
    teardown();
}

/* set wakes every waiter and later waits are done at once; clear makes
 * them wait again; a wait past its deadline fails with ETIMEDOUT. */
static void event_set_clear_timeout(void)
{
    struct event *e;
    struct future *w[2], *late;

    setup();
    e = event_new(loop);
    w[0] = event_wait(e, 0);
    w[1] = event_wait(e, after(5));
    CHECK(!event_is_set(e) && !future_done(w[0]));
    event_set(e);
    CHECK(event_is_set(e));
    CHECK_EQ(error_of(w[0]), 0);
    CHECK_EQ(error_of(w[1]), 0);
    CHECK_EQ(error_of(event_wait(e, 0)), 0);
    event_clear(e);
    late = event_wait(e, after(0.05));
    CHECK(!future_done(late));
    run_for(0.1);
    CHECK_EQ(error_of(late), ETIMEDOUT);
    CHECK(!event_is_set(e));
    event_free(e);
    teardown();
}

/* release hands the slot to the oldest waiter: value stays 0 and a later
 * acquire waits behind the others. */
static void semaphore_fifo_no_barging(void)
{
    struct semaphore *s;
    struct future *a, *w1, *w2, *late;

    setup();
    s = semaphore_new(loop, 1);
    a = semaphore_acquire(s, 0);
    CHECK(future_done(a) && semaphore_value(s) == 0);
    w1 = semaphore_acquire(s, 0);
    w2 = semaphore_acquire(s, 0);
    CHECK_EQ(semaphore_release(s), 0);
    CHECK(future_done(w1) && !future_done(w2));
    CHECK_EQ(semaphore_value(s), 0);
    late = semaphore_acquire(s, 0);
    CHECK(!future_done(late));
    semaphore_release(s);
    CHECK(future_done(w2) && !future_done(late));
    semaphore_release(s);
    CHECK(future_done(late));
    semaphore_release(s);
    CHECK_EQ(semaphore_value(s), 1);
    CHECK_EQ(error_of(a) + error_of(w1) + error_of(w2) + error_of(late), 0);
    semaphore_free(s);
    teardown();
}

/* A timed-out or cancelled acquire takes nothing: the next release goes
 * to the waiter behind it, or back to the count. */
static void semaphore_timeout_and_cancel_take_nothing(void)
{
    struct semaphore *s;
    struct future *timed, *cancelled, *next;

    setup();
    s = semaphore_new(loop, 0);
    timed = semaphore_acquire(s, after(0.05));
    cancelled = semaphore_acquire(s, 0);
    next = semaphore_acquire(s, 0);
    run_for(0.1);
    CHECK_EQ(error_of(timed), ETIMEDOUT);
    CHECK_EQ(future_cancel(cancelled), 1);
    CHECK_EQ(error_of(cancelled), ECANCELED);
    semaphore_release(s);
    CHECK_EQ(error_of(next), 0);
    semaphore_release(s);
    CHECK_EQ(semaphore_value(s), 1);
    semaphore_free(s);
    teardown();
}

/* A negative value and a bounded release past the initial value are
 * EINVAL (ValueError); an unbounded semaphore may go above it. */
static void semaphore_errors(void)
{
    struct semaphore *s;

    setup();
    errno = 0;
    CHECK(semaphore_new(loop, -1) == NULL && errno == EINVAL);
    CHECK(semaphore_new_bounded(loop, -1) == NULL);
    s = semaphore_new_bounded(loop, 1);
    CHECK_EQ(error_of(semaphore_acquire(s, 0)), 0);
    CHECK_EQ(semaphore_release(s), 0);
    CHECK_EQ(semaphore_release(s), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(semaphore_value(s), 1);
    semaphore_free(s);
    s = semaphore_new(loop, 1);
    CHECK_EQ(semaphore_release(s), 0);
    CHECK_EQ(semaphore_value(s), 2);
    semaphore_free(s);
    teardown();
}

/* Releasing an unlocked lock is EPERM (RuntimeError); acquiring a held
 * one times out; holders take turns FIFO. */
static void lock_errors_and_turns(void)
{
    struct lock *lock;
    struct future *first, *timed, *second;

    setup();
    lock = lock_new(loop);
    CHECK_EQ(lock_release(lock), -1);
    CHECK_EQ(errno, EPERM);
    first = lock_acquire(lock, 0);
    CHECK(future_done(first));
    timed = lock_acquire(lock, after(0.05));
    second = lock_acquire(lock, 0);
    run_for(0.1);
    CHECK_EQ(error_of(timed), ETIMEDOUT);
    CHECK(!future_done(second));
    CHECK_EQ(lock_release(lock), 0);
    CHECK_EQ(error_of(second), 0);
    CHECK_EQ(lock_release(lock), 0);
    CHECK_EQ(lock_release(lock), -1);
    CHECK_EQ(error_of(first), 0);
    lock_free(lock);
    teardown();
}

/* Freeing any of them fails its waiters with ECANCELED, timers and all
 * (ASan checks nothing is left behind). */
static void free_cancels_waiters(void)
{
    struct condition *c;
    struct event *e;
    struct semaphore *s;
    struct lock *lock;
    struct future *w[5];

    setup();
    c = condition_new(loop);
    e = event_new(loop);
    s = semaphore_new(loop, 0);
    lock = lock_new(loop);
    w[0] = condition_wait(c, after(5));
    w[1] = event_wait(e, after(5));
    w[2] = semaphore_acquire(s, 0);
    future_unref(lock_acquire(lock, 0));
    w[3] = lock_acquire(lock, after(5));
    w[4] = lock_acquire(lock, 0);
    condition_free(c);
    event_free(e);
    semaphore_free(s);
    lock_free(lock);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(error_of(w[i]), ECANCELED);
    one_turn();
    teardown();
}

static const struct check_case cases[] = {
    {"condition_timeout_is_false", condition_timeout_is_false},
    {"condition_notify_fifo", condition_notify_fifo},
    {"event_set_clear_timeout", event_set_clear_timeout},
    {"semaphore_fifo_no_barging", semaphore_fifo_no_barging},
    {"semaphore_timeout_and_cancel_take_nothing",
     semaphore_timeout_and_cancel_take_nothing},
    {"semaphore_errors", semaphore_errors},
    {"lock_errors_and_turns", lock_errors_and_turns},
    {"free_cancels_waiters", free_cancels_waiters},
    {0},
};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
