/* timer_heap_test.c - chapter 3's timer heap on its own: order, ties, due
 * limits, removal anywhere (against a reference model), stale handles, and
 * slots that are reused instead of piling up. */
#include "check.h"
#include "timer_heap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* The heap never calls it; pop_due hands it back, with the arg as an id. */
static int never_called(struct ioloop *loop, void *arg)
{
    (void)loop, (void)arg;
    return 0;
}

#define ID(n) ((void *)(intptr_t)(n))
#define ALL_DUE 1e300, UINT64_MAX /* pop_due's now and seq_limit: no limit */

/* The arg of the next due timer, or -1 if none is due. */
static long pop_id(struct timer_heap *h, double now, uint64_t limit)
{
    struct timer_due due;

    if (!timer_heap_pop_due(h, now, limit, &due))
        return -1;
    CHECK(due.callback == never_called);
    return (long)(intptr_t)due.arg;
}

/* The heap's invariants: each entry runs no later than its children, and
 * each slot knows where it sits. Returns 1 when they hold. */
static int heap_ok(const struct timer_heap *h)
{
    for (size_t i = 0; i < h->len; i++) {
        const struct timer_slot *s = &h->slots[h->heap[i]];
        if (s->heap_index != i || !s->in_use)
            return 0;
        if (i > 0) {
            const struct timer_slot *up = &h->slots[h->heap[(i - 1) / 2]];
            if (s->deadline < up->deadline ||
                (s->deadline == up->deadline && s->seq < up->seq))
                return 0;
        }
    }
    return 1;
}

static void push_pop_order(void)
{
    static const double deadlines[] = {5, 3, 9, 1, 7, 2, 8, 6, 4, 0};
    struct timer_heap h;

    timer_heap_init(&h);
    for (int i = 0; i < 10; i++)
        CHECK(timer_heap_push(&h, deadlines[i], never_called, ID(deadlines[i])) != 0);
    CHECK_EQ(timer_heap_len(&h), 10);
    CHECK(heap_ok(&h));
    for (long want = 0; want < 10; want++)
        CHECK_EQ(pop_id(&h, ALL_DUE), want);
    CHECK_EQ(pop_id(&h, ALL_DUE), -1);
    CHECK_EQ(timer_heap_len(&h), 0);
    timer_heap_free(&h);
}

/* 3000 timers on three deadlines, pushed interleaved: each deadline's
 * timers come out in the order they went in. */
static void ties_in_insertion_order(void)
{
    struct timer_heap h;
    long last[3] = {-1, -1, -1};
    int ok = 1;

    timer_heap_init(&h);
    for (long i = 0; i < 3000; i++)
        timer_heap_push(&h, (double)(2 - i % 3), never_called, ID(i));
    CHECK(heap_ok(&h));
    for (int n = 0; n < 3000; n++) {
        long id = pop_id(&h, ALL_DUE);
        int deadline = (int)(2 - id % 3);
        /* Deadline 0 first, then 1, then 2; within one, rising ids. */
        ok &= id >= 0 && deadline == n / 1000 && id > last[deadline];
        last[deadline] = id;
    }
    CHECK(ok);
    CHECK_EQ(timer_heap_len(&h), 0);
    timer_heap_free(&h);
}

static void pop_due_respects_now_and_limit(void)
{
    struct timer_heap h;
    double next;

    timer_heap_init(&h);
    timer_heap_push(&h, 1.0, never_called, ID(1));
    timer_heap_push(&h, 2.0, never_called, ID(2));
    timer_heap_push(&h, 3.0, never_called, ID(3));
    CHECK_EQ(pop_id(&h, 0.5, UINT64_MAX), -1); /* nothing due yet */
    CHECK_EQ(pop_id(&h, 1.0, UINT64_MAX), 1);  /* deadline == now is due */
    CHECK_EQ(pop_id(&h, 1.5, UINT64_MAX), -1);
    CHECK(timer_heap_peek(&h, &next) && next == 2.0);
    /* The loop's snapshot: a timer pushed after it waits for the next
     * pass, however early its deadline, and so does what lies behind it. */
    uint64_t limit = h.next_seq;
    timer_heap_push(&h, 3.0, never_called, ID(4)); /* ties with 3: after it */
    CHECK_EQ(pop_id(&h, 10.0, limit), 2);
    CHECK_EQ(pop_id(&h, 10.0, limit), 3);
    CHECK_EQ(pop_id(&h, 10.0, limit), -1); /* 4 is due, but too new */
    timer_heap_push(&h, 0.0, never_called, ID(5));
    CHECK_EQ(pop_id(&h, 10.0, limit), -1);
    CHECK_EQ(timer_heap_len(&h), 2);
    CHECK_EQ(pop_id(&h, 10.0, h.next_seq), 5);
    CHECK_EQ(pop_id(&h, 10.0, h.next_seq), 4);
    timer_heap_free(&h);
}

static void remove_top_middle_bottom(void)
{
    struct timer_heap h;
    uint64_t id[16];

    timer_heap_init(&h);
    for (int i = 0; i < 16; i++)
        id[i] = timer_heap_push(&h, (double)i, never_called, ID(i));
    CHECK_EQ(h.slots[id[0] & 0xffffffff].heap_index, 0);
    CHECK_EQ(timer_heap_remove(&h, id[0]), 0);  /* the top */
    CHECK(heap_ok(&h));
    CHECK_EQ(timer_heap_remove(&h, id[7]), 0);  /* the middle */
    CHECK(heap_ok(&h));
    CHECK_EQ(timer_heap_remove(&h, id[15]), 0); /* the last leaf */
    CHECK(heap_ok(&h));
    CHECK_EQ(timer_heap_remove(&h, id[3]), 0);  /* an inner node */
    CHECK(heap_ok(&h));
    CHECK_EQ(timer_heap_len(&h), 12);
    for (long want = 1; want < 15; want++)
        if (want != 3 && want != 7)
            CHECK_EQ(pop_id(&h, ALL_DUE), want);
    CHECK_EQ(timer_heap_len(&h), 0);
    timer_heap_free(&h);
}

/* The reference model: the live timers in a plain array, searched by hand. */
struct model_timer {
    uint64_t handle;
    double deadline;
    long id; /* also the insertion order */
};

/* Index of the model's next timer (earliest, then first added), or -1. */
static int model_first(const struct model_timer *m, int n)
{
    int best = -1;

    for (int i = 0; i < n; i++)
        if (best < 0 || m[i].deadline < m[best].deadline ||
            (m[i].deadline == m[best].deadline && m[i].id < m[best].id))
            best = i;
    return best;
}

/* 10,000 random pushes, removes (anywhere) and pops, each checked against
 * the model; then everything left must come out in the model's order. */
static void remove_random_against_model(void)
{
    enum { OPS = 10000 };
    static struct model_timer m[OPS];
    struct timer_heap h;
    int n = 0, mismatches = 0, broken = 0;
    long next_id = 0;

    srand(42);
    timer_heap_init(&h);
    for (int op = 0; op < OPS; op++) {
        int r = rand() % 10;
        if (r < 5 || n == 0) { /* push; few deadlines, so many ties */
            double deadline = (double)(rand() % 50);
            uint64_t handle = timer_heap_push(&h, deadline, never_called, ID(next_id));
            mismatches += handle == 0;
            m[n++] = (struct model_timer){handle, deadline, next_id++};
        } else if (r < 9) { /* remove a random live one */
            int i = rand() % n;
            mismatches += timer_heap_remove(&h, m[i].handle) != 0;
            m[i] = m[--n];
        } else { /* pop the first */
            int i = model_first(m, n);
            mismatches += pop_id(&h, ALL_DUE) != m[i].id;
            m[i] = m[--n];
        }
        broken += !heap_ok(&h);
        mismatches += timer_heap_len(&h) != (size_t)n;
    }
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(broken, 0);
    CHECK(n > 100); /* the end still has something to order */
    while (n > 0) {
        int i = model_first(m, n);
        mismatches += pop_id(&h, ALL_DUE) != m[i].id;
        m[i] = m[--n];
    }
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(timer_heap_len(&h), 0);
    timer_heap_free(&h);
}

static void remove_stale_handles(void)
{
    struct timer_heap h;
    uint64_t popped, removed, live;

    timer_heap_init(&h);
    popped = timer_heap_push(&h, 1.0, never_called, ID(1));
    removed = timer_heap_push(&h, 2.0, never_called, ID(2));
    CHECK_EQ(pop_id(&h, ALL_DUE), 1);
    CHECK_EQ(timer_heap_remove(&h, removed), 0);
    /* Both slots are free now; the next push reuses one of them. */
    live = timer_heap_push(&h, 3.0, never_called, ID(3));
    CHECK((uint32_t)live == (uint32_t)popped || (uint32_t)live == (uint32_t)removed);

    errno = 0;
    CHECK_EQ(timer_heap_remove(&h, popped), -1);  /* already ran */
    CHECK_EQ(errno, ENOENT);
    errno = 0;
    CHECK_EQ(timer_heap_remove(&h, removed), -1); /* already removed */
    CHECK_EQ(errno, ENOENT);
    errno = 0;
    CHECK_EQ(timer_heap_remove(&h, 0), -1);       /* never valid */
    CHECK_EQ(errno, ENOENT);
    errno = 0;
    CHECK_EQ(timer_heap_remove(&h, 0x12345678deadbeefULL), -1); /* no such slot */
    CHECK_EQ(errno, ENOENT);
    errno = 0; /* the live slot, with a generation it never had */
    CHECK_EQ(timer_heap_remove(&h, live + (1ULL << 40)), -1);
    CHECK_EQ(errno, ENOENT);
    errno = 0; /* a free slot, named with its current generation */
    uint32_t other = (uint32_t)live ^ 1;
    CHECK_EQ(timer_heap_remove(&h, (uint64_t)h.slots[other].generation << 32 | other), -1);
    CHECK_EQ(errno, ENOENT);

    CHECK_EQ(timer_heap_len(&h), 1); /* none of that touched the live one */
    CHECK_EQ(timer_heap_remove(&h, live), 0);
    CHECK_EQ(timer_heap_remove(&h, live), -1);
    CHECK_EQ(timer_heap_len(&h), 0);
    timer_heap_free(&h);
}

/* Cancelled timers leave nothing behind: no dead entries in the heap, and
 * their slots are reused, so 100,000 cycles need only a handful. */
static void slots_reused(void)
{
    struct timer_heap h;
    uint64_t batch[100];
    int failures = 0;

    timer_heap_init(&h);
    for (int i = 0; i < 100000; i++) {
        uint64_t t = timer_heap_push(&h, (double)i, never_called, ID(i));
        failures += t == 0 || timer_heap_remove(&h, t) != 0;
    }
    CHECK_EQ(failures, 0);
    CHECK_EQ(timer_heap_len(&h), 0);
    CHECK(h.nslots <= 2);
    /* Bursts of 100 at a time, 1000 times: 100 slots, no more. */
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 100; i++)
            batch[i] = timer_heap_push(&h, (double)(i % 7), never_called, ID(i));
        for (int i = 99; i >= 0; i -= 2) /* remove odd, then pop the even */
            failures += timer_heap_remove(&h, batch[i]) != 0;
        while (pop_id(&h, ALL_DUE) >= 0)
            ;
    }
    CHECK_EQ(failures, 0);
    CHECK_EQ(timer_heap_len(&h), 0);
    CHECK_EQ(h.nslots, 100);
    CHECK(h.slot_cap <= 128);
    timer_heap_free(&h);
}

static void peek_on_empty(void)
{
    struct timer_heap h;
    double deadline = -1;
    struct timer_due due;

    timer_heap_init(&h);
    CHECK_EQ(timer_heap_peek(&h, &deadline), 0);
    CHECK(deadline == -1); /* left alone */
    CHECK_EQ(timer_heap_pop_due(&h, ALL_DUE, &due), 0);
    CHECK_EQ(timer_heap_len(&h), 0);
    timer_heap_push(&h, 4.5, never_called, ID(1));
    CHECK(timer_heap_peek(&h, &deadline) == 1 && deadline == 4.5);
    CHECK_EQ(pop_id(&h, ALL_DUE), 1);
    CHECK_EQ(timer_heap_peek(&h, &deadline), 0);
    timer_heap_free(&h);
    timer_heap_free(&h); /* free leaves an empty heap: freeing again is fine */
    CHECK_EQ(timer_heap_len(&h), 0);
}

static const struct check_case cases[] = {
    {"push_pop_order", push_pop_order},
    {"ties_in_insertion_order", ties_in_insertion_order},
    {"pop_due_respects_now_and_limit", pop_due_respects_now_and_limit},
    {"remove_top_middle_bottom", remove_top_middle_bottom},
    {"remove_random_against_model", remove_random_against_model},
    {"remove_stale_handles", remove_stale_handles},
    {"slots_reused", slots_reused},
    {"peek_on_empty", peek_on_empty},
    {0},
};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
