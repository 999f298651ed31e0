/* timer_heap.c - a binary min-heap of timer slots, with O(log n) removal. */
#include "timer_heap.h"

#include <errno.h>
#include <stdlib.h>

#define NO_SLOT UINT32_MAX

void timer_heap_init(struct timer_heap *h)
{
    *h = (struct timer_heap){.free_head = NO_SLOT};
}

void timer_heap_free(struct timer_heap *h)
{
    free(h->slots);
    free(h->heap);
    timer_heap_init(h);
}

size_t timer_heap_len(const struct timer_heap *h)
{
    return h->len;
}

/* Whether slot a must run before slot b. */
static int earlier(const struct timer_heap *h, uint32_t a, uint32_t b)
{
    const struct timer_slot *x = &h->slots[a], *y = &h->slots[b];

    return x->deadline < y->deadline ||
           (x->deadline == y->deadline && x->seq < y->seq);
}

static void place(struct timer_heap *h, size_t i, uint32_t slot)
{
    h->heap[i] = slot;
    h->slots[slot].heap_index = (uint32_t)i;
}

static void sift_up(struct timer_heap *h, size_t i)
{
    uint32_t slot = h->heap[i];

    while (i > 0 && earlier(h, slot, h->heap[(i - 1) / 2])) {
        place(h, i, h->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(h, i, slot);
}

static void sift_down(struct timer_heap *h, size_t i)
{
    uint32_t slot = h->heap[i];

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->len)
            break;
        if (child + 1 < h->len && earlier(h, h->heap[child + 1], h->heap[child]))
            child++;
        if (!earlier(h, h->heap[child], slot))
            break;
        place(h, i, h->heap[child]);
        i = child;
    }
    place(h, i, slot);
}

/* A free slot (from the free list, or a new one), or NO_SLOT. */
static uint32_t take_slot(struct timer_heap *h)
{
    uint32_t slot = h->free_head;

    if (slot != NO_SLOT) {
        h->free_head = h->slots[slot].next_free;
        return slot;
    }
    if (h->nslots == h->slot_cap) {
        uint32_t cap = h->slot_cap ? h->slot_cap * 2 : 64;
        struct timer_slot *slots = cap < h->slot_cap ? NULL
                                   : realloc(h->slots, sizeof *slots * cap);
        uint32_t *heap = slots ? realloc(h->heap, sizeof *heap * cap) : NULL;
        if (slots)
            h->slots = slots;
        if (!heap)
            return NO_SLOT;
        h->heap = heap;
        h->slot_cap = cap;
    }
    h->slots[h->nslots].generation = 1;
    return h->nslots++;
}

static void release_slot(struct timer_heap *h, uint32_t slot)
{
    struct timer_slot *s = &h->slots[slot];

    s->in_use = 0;
    s->generation++;
    s->next_free = h->free_head;
    h->free_head = slot;
}

uint64_t timer_heap_push(struct timer_heap *h, double deadline,
                         ioloop_callback_fn *callback, void *arg)
{
    uint32_t slot = take_slot(h);
    struct timer_slot *s;

    if (slot == NO_SLOT) {
        errno = ENOMEM;
        return 0;
    }
    s = &h->slots[slot];
    s->deadline = deadline;
    s->seq = h->next_seq++;
    s->callback = callback;
    s->arg = arg;
    s->in_use = 1;
    h->heap[h->len] = slot;
    sift_up(h, h->len++);
    return (uint64_t)s->generation << 32 | slot;
}

/* Take the entry at heap position i out: the last entry fills the hole and
 * moves up or down to where it belongs. */
static void remove_at(struct timer_heap *h, size_t i)
{
    uint32_t last = h->heap[--h->len];

    if (i == h->len)
        return;
    place(h, i, last);
    if (i > 0 && earlier(h, last, h->heap[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

int timer_heap_remove(struct timer_heap *h, uint64_t handle)
{
    uint32_t slot = (uint32_t)handle, generation = (uint32_t)(handle >> 32);

    if (slot >= h->nslots || !h->slots[slot].in_use ||
        h->slots[slot].generation != generation) {
        errno = ENOENT;
        return -1;
    }
    remove_at(h, h->slots[slot].heap_index);
    release_slot(h, slot);
    return 0;
}

int timer_heap_peek(const struct timer_heap *h, double *deadline)
{
    if (h->len == 0)
        return 0;
    *deadline = h->slots[h->heap[0]].deadline;
    return 1;
}

int timer_heap_pop_due(struct timer_heap *h, double now, uint64_t seq_limit,
                       struct timer_due *due)
{
    struct timer_slot *top;

    if (h->len == 0)
        return 0;
    top = &h->slots[h->heap[0]];
    if (top->deadline > now || top->seq >= seq_limit)
        return 0;
    due->callback = top->callback;
    due->arg = top->arg;
    release_slot(h, h->heap[0]);
    remove_at(h, 0);
    return 1;
}
