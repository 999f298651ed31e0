/* coro_stack.c - coroutine stacks: mmap, the guard page, the pool.
 *
 * Why a private stack per coroutine, and not one shared stack copied out
 * on every yield (cloudwu/coroutine's trick): a copied stack lands at
 * another address when it is copied back, or others overwrite it meanwhile,
 * so a pointer into a suspended coroutine's stack (a buffer it lent to
 * someone, a struct whose address it registered with the IOLoop) would
 * point at garbage. A private stack never moves.
 */
#include "coro_stack.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define CORO_HAVE_VALGRIND 1
#endif
#endif

#ifdef CORO_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* Linux 6.13's guard regions; older headers lack the constant. */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define DEFAULT_STACK_SIZE (64 * 1024)
#define MIN_STACK_SIZE (16 * 1024)
#define MAX_STACK_SIZE ((size_t)1 << 30)

/* The pool's bound. Enough to absorb the churn of short-lived coroutines
 * (one per request) without a mmap/munmap pair each; small enough that a
 * past burst of 10,000 does not keep 640 MiB of address space, and the
 * pages those stacks touched, forever. */
#define POOL_MAX 64

static _Thread_local size_t stack_size = DEFAULT_STACK_SIZE;
static _Thread_local int guard_choice = -1; /* -1: not decided yet */
static _Thread_local struct coro_stack *pool;
static _Thread_local size_t pool_count;
static _Thread_local size_t stacks_mapped, stacks_reused;

/* Whether this kernel has MADV_GUARD_INSTALL: 0 not known yet, 1, -1. */
static atomic_int madvise_guard_known;

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE); /* from the auxv: no system call */
}

/* Make the page at guard fault on any access.
 *
 * mprotect(PROT_NONE) gives the guard page other permissions than the
 * stack above it, so the kernel must split the mapping in two VMAs (two
 * lines of /proc/self/maps), and neighbouring stacks cannot merge either.
 * vm.max_map_count (65530 by default) then stops a process at about 32,750
 * coroutines, whatever its memory. madvise(MADV_GUARD_INSTALL) marks the
 * page in the page tables instead and leaves the VMA whole, so a process
 * can hold millions of 64 KiB stacks; kernels before 6.13 answer EINVAL.
 *
 * One page of guard catches a stack that grows a frame at a time. A
 * function with more than a page of locals can step over it and land in
 * whatever lies below (another stack): gcc's -fstack-clash-protection
 * probes each page of a large frame, so the guard is hit first. */
static int install_guard(char *guard, size_t len, enum coro_guard how)
{
    if (how == CORO_GUARD_MADVISE)
        return madvise(guard, len, MADV_GUARD_INSTALL);
    return mprotect(guard, len, PROT_NONE);
}

/* Ask the kernel once, on a mapping of our own. */
static int madvise_guard_available(void)
{
    int known = atomic_load(&madvise_guard_known);

    if (known == 0) {
        size_t len = 2 * page_size();
        char *probe = mmap(NULL, len, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (probe == MAP_FAILED)
            return 0; /* cannot tell now; ask again next time */
        known = install_guard(probe, page_size(), CORO_GUARD_MADVISE) == 0
                    ? 1 : -1;
        munmap(probe, len);
        atomic_store(&madvise_guard_known, known);
    }
    return known == 1;
}

enum coro_guard coro_guard(void)
{
    if (guard_choice < 0)
        guard_choice = madvise_guard_available() ? CORO_GUARD_MADVISE
                                                 : CORO_GUARD_MPROTECT;
    return (enum coro_guard)guard_choice;
}

/* A new mapping: guard page, then stack_size bytes. MAP_NORESERVE: a
 * stack's untouched pages cost nothing, neither memory nor commit charge. */
static struct coro_stack *stack_map(void)
{
    size_t guard_len = page_size();
    struct coro_stack *stack = malloc(sizeof *stack);
    char *mapping;

    if (!stack)
        return NULL;
    mapping = mmap(NULL, guard_len + stack_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (mapping == MAP_FAILED)
        goto fail_free;
    if (install_guard(mapping, guard_len, coro_guard()) < 0)
        goto fail_unmap;
    *stack = (struct coro_stack){.guard = mapping,
                                 .bottom = mapping + guard_len,
                                 .size = stack_size};
#ifdef CORO_HAVE_VALGRIND
    /* Tell valgrind this range is a stack, so that switching onto it is
     * not taken for a wild stack-pointer move. */
    stack->valgrind_id =
        VALGRIND_STACK_REGISTER(stack->bottom, stack->bottom + stack->size);
#endif
    stacks_mapped++;
    return stack;

fail_unmap:
    munmap(mapping, guard_len + stack_size);
fail_free:
    free(stack);
    errno = ENOMEM;
    return NULL;
}

static void stack_unmap(struct coro_stack *stack)
{
#ifdef CORO_HAVE_VALGRIND
    VALGRIND_STACK_DEREGISTER(stack->valgrind_id);
#endif
#ifdef CORO_ASAN
    __asan_unpoison_memory_region(stack->bottom, stack->size);
#endif
    munmap(stack->guard, (size_t)(stack->bottom - stack->guard) + stack->size);
    free(stack);
}

struct coro_stack *coro_stack_acquire(void)
{
    struct coro_stack *stack = pool;

    if (!stack)
        return stack_map();
    pool = stack->next;
    pool_count--;
    stacks_reused++;
    return stack;
}

void coro_stack_release(struct coro_stack *stack)
{
    if (pool_count >= POOL_MAX || stack->size != stack_size) {
        stack_unmap(stack);
        return;
    }
#ifdef CORO_ASAN
    /* A coroutine freed while suspended never unwound its frames, and the
     * trampoline never returns: ASan's redzones for their locals are still
     * in the shadow memory, and the next coroutine on this stack would trip
     * over them. */
    __asan_unpoison_memory_region(stack->bottom, stack->size);
#endif
    /* The pages it touched stay resident: madvise(MADV_DONTNEED) here would
     * give them back, at the price of a page fault per page on reuse. */
    stack->next = pool;
    pool = stack;
    pool_count++;
}

void coro_pool_drain(void)
{
    while (pool) {
        struct coro_stack *next = pool->next;
        stack_unmap(pool);
        pool = next;
    }
    pool_count = 0;
}

int coro_set_stack_size(size_t bytes)
{
    if (bytes < MIN_STACK_SIZE || bytes > MAX_STACK_SIZE) {
        errno = EINVAL;
        return -1;
    }
    stack_size = (bytes + page_size() - 1) & ~(page_size() - 1);
    coro_pool_drain();
    return 0;
}

size_t coro_stack_size(void)
{
    return stack_size;
}

int coro_set_guard(enum coro_guard guard)
{
    if (guard != CORO_GUARD_MPROTECT &&
        (guard != CORO_GUARD_MADVISE || !madvise_guard_available())) {
        errno = EINVAL;
        return -1;
    }
    guard_choice = guard;
    coro_pool_drain();
    return 0;
}

void coro_stack_stats(struct coro_stats *stats)
{
    stats->stacks_mapped = stacks_mapped;
    stats->stacks_reused = stacks_reused;
    stats->stacks_pooled = pool_count;
}
