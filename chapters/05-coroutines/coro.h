/* coro.h - coroutines: functions that can stop in the middle and be resumed,
 * each on a private stack. The ground under Tornado's coroutines (a Python
 * generator's frame) rebuilt with ucontext, as in libtask.
 *
 *     static void counter(void *arg)
 *     {
 *         int *n = arg;
 *         for (*n = 1; *n <= 3; ++*n)
 *             coro_yield();                   // back to whoever resumed us
 *     }                                       // returning: the coroutine is dead
 *
 *     int n;
 *     struct coro *co = coro_new("counter", counter, &n);
 *     while (coro_resume(co) == 0 && coro_status(co) != CORO_DEAD)
 *         printf("%d\n", n);                  // 1, 2, 3
 *     coro_free(co);
 *
 * coro_resume() runs a coroutine until it yields or returns, then comes back:
 * one coroutine runs at a time, and switching is a function call, never a
 * preemption. Values pass through the arg pointer (a struct both sides see).
 *
 * Ownership: whoever calls coro_new() owns the coroutine and frees it with
 * coro_free(), dead or suspended. Freeing a suspended coroutine releases its
 * stack and its entry function never finishes: nothing on that stack runs
 * again, so what the entry allocated and meant to free at its end is the
 * owner's to free. A running coroutine (or one waiting in a coroutine it
 * resumed) cannot be freed: its frames are in use.
 *
 * The main context (the thread's own stack) is not a coroutine:
 * coro_current() is NULL there, and coro_yield() there fails with EINVAL.
 *
 * Threads: the current coroutine, the stack pool and the settings below are
 * per thread (_Thread_local). A coroutine belongs to the thread that made
 * it: resume it only there. Chapter 6 adds threads; coroutines stay per
 * thread.
 *
 * Stack overflow: the first coro_new() of a process installs a SIGSEGV
 * handler (on an alternate signal stack, set up by each thread's first
 * coro_new()). A fault in a live coroutine's guard page prints
 * `coro: stack overflow in coroutine "NAME"` to stderr and kills the process
 * with SIGSEGV; any other fault goes to the handler that was there before
 * (the default: death by SIGSEGV; under ASan, ASan's report). A program
 * that sets its own SIGSEGV handler afterwards replaces this report.
 */
#ifndef CH05_CORO_H
#define CH05_CORO_H

#include <stddef.h>

struct coro;

/* A coroutine's entry function. When it returns, the coroutine is dead. */
typedef void coro_fn(void *arg);

/* The states, as Lua names them (coroutine.status). */
enum coro_status {
    CORO_SUSPENDED, /* made and not yet started, or stopped in coro_yield() */
    CORO_RUNNING,   /* this is coro_current() */
    CORO_NORMAL,    /* it resumed another coroutine and waits for it */
    CORO_DEAD,      /* its entry function returned */
};

/* A suspended coroutine that will run fn(arg) at its first resume, on a
 * stack of coro_stack_size() bytes (from the pool when one is free). name
 * is copied (up to 31 bytes) for messages. NULL with errno on failure
 * (EINVAL for a NULL fn, ENOMEM when no stack can be mapped). Tornado: a
 * call to an async def function, which makes a coroutine object. */
struct coro *coro_new(const char *name, coro_fn *fn, void *arg);

/* Release the coroutine and give its stack back to the pool. 0; NULL is a
 * no-op; -1 with EINVAL for a running or normal coroutine. */
int coro_free(struct coro *co);

/* Run co from where it stopped until it yields or returns; then 0. co
 * remembers who resumed it (a coroutine, or the main context) and goes back
 * there. -1 with EINVAL unless co is suspended: resuming a dead, running or
 * normal coroutine is an error. Tornado: coroutine.send() (gen.Runner). */
int coro_resume(struct coro *co);

/* Stop the current coroutine and go back to whoever resumed it last; returns
 * 0 when it is resumed again. -1 with EINVAL outside a coroutine. Tornado:
 * the `yield` / `await` inside a coroutine. */
int coro_yield(void);

/* The running coroutine, or NULL in the main context. */
struct coro *coro_current(void);

enum coro_status coro_status(const struct coro *co);

/* "suspended", "running", "normal", "dead". */
const char *coro_status_name(enum coro_status status);

/* The name given to coro_new(), perhaps shortened. */
const char *coro_name(const struct coro *co);

/* The usable stack size for coroutines made from now on in this thread,
 * rounded up to whole pages; the default is 64 KiB. Pooled stacks of the
 * old size are unmapped. -1 with EINVAL below 16 KiB or above 1 GiB. */
int coro_set_stack_size(size_t bytes);
size_t coro_stack_size(void);

/* How the page below each stack is made a guard. MADVISE is the default
 * where the kernel has it (Linux 6.13 on); MPROTECT is the fallback. */
enum coro_guard {
    CORO_GUARD_MADVISE,  /* madvise(MADV_GUARD_INSTALL): one VMA per stack */
    CORO_GUARD_MPROTECT, /* mprotect(PROT_NONE): two VMAs per stack */
};

/* Choose the guard for stacks mapped from now on in this thread (pooled
 * stacks are unmapped). -1 with EINVAL if the kernel lacks MADVISE. */
int coro_set_guard(enum coro_guard guard);
enum coro_guard coro_guard(void);

/* This thread's counts, for tests and for the curious. */
struct coro_stats {
    size_t alive;         /* coroutines made and not yet freed */
    size_t stacks_mapped; /* stacks mmap()ed so far */
    size_t stacks_reused; /* coro_new() calls served from the pool */
    size_t stacks_pooled; /* stacks waiting in the pool now */
};
void coro_get_stats(struct coro_stats *stats);

/* Unmap this thread's pooled stacks (a thread calls it before it ends). */
void coro_pool_drain(void);

#endif
