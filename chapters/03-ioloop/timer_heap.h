/* timer_heap.h - the IOLoop's timeouts: a binary min-heap with handles.
 *
 *     struct timer_heap h;
 *     timer_heap_init(&h);
 *     uint64_t id = timer_heap_push(&h, now + 2.0, on_timeout, arg);
 *     timer_heap_remove(&h, id);                 // cancel: O(log n)
 *     struct timer_due due;
 *     while (timer_heap_pop_due(&h, now, limit, &due))
 *         due.callback(loop, due.arg);
 *     timer_heap_free(&h);
 *
 * Entries live in a slot array, and the heap orders slot numbers by
 * (deadline, insertion number), so ties run first-added first. Each slot
 * knows its place in the heap, which makes removal a real O(log n)
 * deletion. Tornado instead marks a cancelled timeout and sweeps the heap
 * when more than half of it is dead; we need no sweep because nothing dead
 * stays. A handle is (generation << 32 | slot): a stale or invented handle
 * fails the generation check with ENOENT instead of touching a reused slot.
 */
#ifndef CH03_TIMER_HEAP_H
#define CH03_TIMER_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct ioloop;
typedef int ioloop_callback_fn(struct ioloop *loop, void *arg);

struct timer_slot {
    double deadline;
    uint64_t seq;          /* insertion number: breaks ties */
    ioloop_callback_fn *callback;
    void *arg;
    uint32_t generation;   /* bumped each time the slot is freed */
    uint32_t heap_index;   /* where this slot sits in heap[] */
    uint32_t next_free;    /* free list link while unused */
    int in_use;
};

struct timer_heap {
    struct timer_slot *slots;
    uint32_t nslots, slot_cap;
    uint32_t free_head;    /* first free slot, or UINT32_MAX */
    uint32_t *heap;        /* slot numbers, a min-heap */
    size_t len;
    uint64_t next_seq;
};

struct timer_due {
    ioloop_callback_fn *callback;
    void *arg;
};

void timer_heap_init(struct timer_heap *h);
void timer_heap_free(struct timer_heap *h);

/* Add a timer; returns its handle, or 0 when memory ran out. */
uint64_t timer_heap_push(struct timer_heap *h, double deadline,
                         ioloop_callback_fn *callback, void *arg);

/* Cancel a pending timer. 0, or -1 with ENOENT. */
int timer_heap_remove(struct timer_heap *h, uint64_t handle);

/* The earliest deadline, if any timer is pending: 1 and *deadline, or 0. */
int timer_heap_peek(const struct timer_heap *h, double *deadline);

/* If the earliest timer is due (deadline <= now) and was added before
 * insertion number seq_limit, remove it, fill *due and return 1; else 0.
 * The limit keeps timers added by a running timer for the next iteration. */
int timer_heap_pop_due(struct timer_heap *h, double now, uint64_t seq_limit,
                       struct timer_due *due);

size_t timer_heap_len(const struct timer_heap *h);

#endif
