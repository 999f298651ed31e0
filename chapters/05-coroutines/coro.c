/* coro.c - coroutines on ucontext: new, resume, yield, free, and the
 * SIGSEGV handler that names a coroutine whose stack overflowed.
 *
 * Each coroutine keeps two register sets: its own (context) while it is
 * stopped, and its resumer's (resumer_context) while it runs. coro_resume()
 * saves the resumer into the second and loads the first; coro_yield() does
 * the opposite. So a coroutine always goes back to whoever resumed it last,
 * whether the main context or another coroutine, with no list of callers.
 *
 * A switch is swapcontext(), and swapcontext() is a system call: besides
 * the registers it saves and restores the signal mask (rt_sigprocmask), as
 * POSIX asks of a context. That is most of its cost; switchers written in
 * assembly (Boost.Context, Go's runtime) skip the mask and switch in a few
 * nanoseconds.
 */
#include "coro.h"
#include "coro_stack.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

struct coro {
    ucontext_t context;         /* its registers while it is stopped */
    ucontext_t resumer_context; /* its resumer's while it runs */
    struct coro *resumer;       /* who resumed it last; NULL: main */
    enum coro_status status;
    coro_fn *fn;
    void *arg;
    struct coro_stack *stack;
    /* The resumer's stack, which ASan must be told about when we switch
     * back to it (ASan tells us at every switch into this coroutine). */
    const void *resumer_stack_bottom;
    size_t resumer_stack_size;
    char name[32]; /* a copy: the SIGSEGV handler reads it */
};

static _Thread_local struct coro *current;
static _Thread_local size_t alive;

/* ---- telling ASan about stack switches ----
 *
 * ASan keeps one stack per thread in mind: a switch it was not told of
 * looks like the stack pointer jumping into the heap, and its reports then
 * go wrong. Before each swapcontext we say which stack we go to
 * (start_switch_fiber); the code that runs next, on the other side, says
 * it has arrived and learns which stack it came from (finish_switch_fiber).
 * A NULL fake-stack slot at the start means the fiber we leave is dying. */

#ifdef CORO_ASAN
static void asan_start_switch(void **fake_stack, const void *bottom,
                              size_t size)
{
    __sanitizer_start_switch_fiber(fake_stack, bottom, size);
}

static void asan_finish_switch(void *fake_stack, const void **from_bottom,
                               size_t *from_size)
{
    __sanitizer_finish_switch_fiber(fake_stack, from_bottom, from_size);
}
#else
static void asan_start_switch(void **fake_stack, const void *bottom,
                              size_t size)
{
    (void)fake_stack, (void)bottom, (void)size;
}

static void asan_finish_switch(void *fake_stack, const void **from_bottom,
                               size_t *from_size)
{
    (void)fake_stack, (void)from_bottom, (void)from_size;
}
#endif

/* ---- the two switches ---- */

/* From the resumer into co; returns when co yields or dies. */
static void switch_into(struct coro *co)
{
    void *fake_stack = NULL;
    int rc;

    asan_start_switch(&fake_stack, co->stack->bottom, co->stack->size);
    rc = swapcontext(&co->resumer_context, &co->context);
    assert(rc == 0); /* it only fails on bad pointers */
    (void)rc;
    asan_finish_switch(fake_stack, NULL, NULL);
}

/* From co back to its resumer; returns when co is resumed again (never
 * when dying). On the way back in, ASan says who resumed us this time. */
static void switch_out(struct coro *co, int dying)
{
    void *fake_stack = NULL;
    int rc;

    asan_start_switch(dying ? NULL : &fake_stack, co->resumer_stack_bottom,
                      co->resumer_stack_size);
    rc = swapcontext(&co->context, &co->resumer_context);
    assert(rc == 0);
    (void)rc;
    asan_finish_switch(fake_stack, &co->resumer_stack_bottom,
                       &co->resumer_stack_size);
}

/* Every coroutine starts here, on its own stack, at its first resume.
 *
 * Why not uc_link, which makecontext offers for "where to go when the
 * function returns"? It is fixed when the context is made, but a coroutine
 * must return to whoever resumed it last; and the jump to it happens
 * inside glibc, where we cannot tell ASan about the switch. So the entry
 * never returns into glibc: we switch back ourselves, as yield does. */
static void trampoline(void)
{
    struct coro *co = current;

    asan_finish_switch(NULL, &co->resumer_stack_bottom,
                       &co->resumer_stack_size);
    co->fn(co->arg);
    co->status = CORO_DEAD;
    switch_out(co, 1);
    abort(); /* unreachable: a dead coroutine is never resumed */
}

/* ---- stack overflow ---- */

#define ALTSTACK_SIZE (64 * 1024)

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static int handler_errno;
static struct sigaction previous_segv;
static _Thread_local int altstack_ready;

/* Async-signal-safe: one write(2) of a message built by hand. */
static void report_overflow(const char *name)
{
    static const char head[] = "coro: stack overflow in coroutine \"";
    static const char tail[] = "\"\n";
    char msg[sizeof head + 32 + sizeof tail];
    size_t n = 0;

    memcpy(msg, head, sizeof head - 1);
    n += sizeof head - 1;
    for (size_t i = 0; name[i] && i < 31; i++)
        msg[n++] = name[i];
    memcpy(msg + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    if (write(STDERR_FILENO, msg, n) < 0) {
        /* nothing more can be done in a dying process */
    }
}

/* The handler runs on the alternate stack: the faulting stack is full.
 * Only the running coroutine's stack grows, so a fault in its guard page
 * is its overflow; anything else is not ours, and goes to the handler
 * that was installed before us. */
static void on_segv(int sig, siginfo_t *info, void *ucontext)
{
    struct coro *co = current;
    char *addr = info->si_addr;
    int real_fault = info->si_code > 0; /* not sent by kill() or raise() */

    (void)ucontext;
    if (co && real_fault && addr >= co->stack->guard &&
        addr < co->stack->bottom) {
        report_overflow(co->name);
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV); /* delivered as we return: death by SIGSEGV */
        return;
    }
    /* Put the previous action back; the faulting instruction runs again on
     * return and faults into it (a sent signal has to be sent again). */
    sigaction(SIGSEGV, &previous_segv, NULL);
    if (!real_fault)
        raise(sig);
}

static void install_handler(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &previous_segv) < 0)
        handler_errno = errno;
}

/* An overflowing coroutine has no stack left to run a handler on, so each
 * thread needs an alternate signal stack. If one is set already (ASan sets
 * its own), it serves. Ours is never unmapped: a signal may come until the
 * thread's last instruction. */
static int ensure_altstack(void)
{
    stack_t ss;

    if (altstack_ready)
        return 0;
    if (sigaltstack(NULL, &ss) < 0)
        return -1;
    if (ss.ss_flags & SS_DISABLE) {
        ss.ss_sp = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (ss.ss_sp == MAP_FAILED)
            return -1;
        ss.ss_size = ALTSTACK_SIZE;
        ss.ss_flags = 0;
        if (sigaltstack(&ss, NULL) < 0) {
            munmap(ss.ss_sp, ALTSTACK_SIZE);
            return -1;
        }
    }
    altstack_ready = 1;
    return 0;
}

/* The handler once per process, the alternate stack once per thread. */
static int prepare_overflow_report(void)
{
    pthread_once(&handler_once, install_handler);
    if (handler_errno) {
        errno = handler_errno;
        return -1;
    }
    return ensure_altstack();
}

/* ---- the API ---- */

struct coro *coro_new(const char *name, coro_fn *fn, void *arg)
{
    struct coro *co;

    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    if (prepare_overflow_report() < 0)
        return NULL;
    co = calloc(1, sizeof *co);
    if (!co)
        return NULL;
    co->stack = coro_stack_acquire();
    if (!co->stack)
        goto fail_free;
    if (getcontext(&co->context) < 0)
        goto fail_release;
    co->context.uc_stack.ss_sp = co->stack->bottom;
    co->context.uc_stack.ss_size = co->stack->size;
    co->context.uc_link = NULL; /* the trampoline never returns */
    makecontext(&co->context, trampoline, 0);
    snprintf(co->name, sizeof co->name, "%s", name ? name : "");
    co->fn = fn;
    co->arg = arg;
    co->status = CORO_SUSPENDED;
    alive++;
    return co;

fail_release:
    coro_stack_release(co->stack);
fail_free:
    free(co);
    return NULL;
}

int coro_free(struct coro *co)
{
    if (!co)
        return 0;
    if (co->status == CORO_RUNNING || co->status == CORO_NORMAL) {
        errno = EINVAL; /* its frames are in use */
        return -1;
    }
    coro_stack_release(co->stack);
    free(co);
    alive--;
    return 0;
}

int coro_resume(struct coro *co)
{
    struct coro *resumer = current;

    if (!co || co->status != CORO_SUSPENDED) {
        errno = EINVAL;
        return -1;
    }
    co->resumer = resumer;
    if (resumer)
        resumer->status = CORO_NORMAL;
    co->status = CORO_RUNNING;
    current = co;
    switch_into(co);
    /* co has yielded (SUSPENDED) or returned (DEAD): we run again. */
    current = resumer;
    if (resumer)
        resumer->status = CORO_RUNNING;
    return 0;
}

int coro_yield(void)
{
    struct coro *co = current;

    if (!co) {
        errno = EINVAL; /* the main context has no one to yield to */
        return -1;
    }
    co->status = CORO_SUSPENDED;
    switch_out(co, 0);
    return 0; /* resumed: coro_resume() has made us current again */
}

struct coro *coro_current(void)
{
    return current;
}

enum coro_status coro_status(const struct coro *co)
{
    return co->status;
}

const char *coro_status_name(enum coro_status status)
{
    switch (status) {
    case CORO_SUSPENDED: return "suspended";
    case CORO_RUNNING: return "running";
    case CORO_NORMAL: return "normal";
    case CORO_DEAD: return "dead";
    }
    return "?";
}

const char *coro_name(const struct coro *co)
{
    return co->name;
}

void coro_get_stats(struct coro_stats *stats)
{
    stats->alive = alive;
    coro_stack_stats(stats);
}
