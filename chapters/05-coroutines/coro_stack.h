/* coro_stack.h - coroutine stacks: mmap()ed, a guard page below each, pooled
 * for reuse. Used by coro.c; the settings it implements (coro_set_stack_size,
 * coro_set_guard, coro_pool_drain) are declared in coro.h.
 *
 *     struct coro_stack *s = coro_stack_acquire();   // from the pool, or mapped
 *     ... run a context on [s->bottom, s->bottom + s->size) ...
 *     coro_stack_release(s);                          // back to the pool
 *
 * The pool and the settings are per thread, like coroutines.
 */
#ifndef CH05_CORO_STACK_H
#define CH05_CORO_STACK_H

#include "coro.h"

#include <stddef.h>

/* CORO_ASAN: built with AddressSanitizer (gcc says so one way, clang
 * another), which must be told of every stack and every switch. */
#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif

/* One mapping: the guard at its low end, then the usable stack, which grows
 * down toward the guard. Fields are read (never written) by coro.c, also
 * from its SIGSEGV handler. */
struct coro_stack {
    char *guard;              /* [guard, bottom): faults on any access */
    char *bottom;             /* [bottom, bottom + size): the stack */
    size_t size;
    unsigned valgrind_id;     /* VALGRIND_STACK_REGISTER's id, or 0 */
    struct coro_stack *next;  /* in the pool */
};

/* A stack of coro_stack_size() bytes: a pooled one if any, else a new
 * mapping. NULL with errno (ENOMEM) on failure. */
struct coro_stack *coro_stack_acquire(void);

/* Give a stack back: to the pool while it holds fewer than its bound and
 * the size is still the current one, else unmap it. */
void coro_stack_release(struct coro_stack *stack);

/* Fill the stack fields of stats (mapped, reused, pooled). */
void coro_stack_stats(struct coro_stats *stats);

#endif
