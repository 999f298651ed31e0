/* 05-fast-switch_driver.c - the checks of exercise 05-fast-switch: runs
 * the reader's fswitch() between contexts on stacks of its own. Built as
 * build/{exercises,solutions}/05-fast-switch/server; run with a case name
 * (tests/exercises/05-fast-switch.bats runs one per @test, and counts the
 * system calls of `switches` under strace).
 *
 * Under SAN=1 every switch is announced to AddressSanitizer here, around
 * the reader's fswitch() (__sanitizer_start_switch_fiber before,
 * __sanitizer_finish_switch_fiber after, as coro.c does around
 * swapcontext), so the reader's file needs no sanitizer code and ASan
 * still knows which stack is live. */
#include "check.h"
#include "fswitch.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define DRIVER_ASAN 1
#endif

#define STACK_SIZE (256 * 1024)

struct fiber {
    struct fswitch_ctx ctx;
    void *stack;    /* NULL: the main context (the thread's stack) */
    size_t size;
};

static struct fiber main_fiber;

static void *new_stack(void)
{
    void *p = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return p;
}

static void fiber_init(struct fiber *f, void (*fn)(void *), void *arg)
{
    f->stack = new_stack();
    f->size = STACK_SIZE;
    fswitch_init(&f->ctx, f->stack, f->size, fn, arg);
}

static void fiber_free(struct fiber *f)
{
    munmap(f->stack, f->size);
}

#ifdef DRIVER_ASAN
/* Where the main stack is: ASan tells the first fiber that starts. */
static const void *main_bottom;
static size_t main_size;

static void announce(const struct fiber *to, void **fake, int leaving)
{
    __sanitizer_start_switch_fiber(leaving ? NULL : fake,
                                   to->stack ? to->stack : main_bottom,
                                   to->stack ? to->size : main_size);
}

static void arrived(void *fake)
{
    const void *bottom;
    size_t size;

    __sanitizer_finish_switch_fiber(fake, &bottom, &size);
    if (!main_bottom && fake == NULL) {
        main_bottom = bottom;
        main_size = size;
    }
}
#endif

/* fswitch from one fiber to another, told to ASan under SAN=1. */
static void sw(struct fiber *from, struct fiber *to)
{
#ifdef DRIVER_ASAN
    void *fake = NULL;
    announce(to, &fake, 0);
    fswitch(&from->ctx, &to->ctx);
    arrived(fake);
#else
    fswitch(&from->ctx, &to->ctx);
#endif
}

/* The first thing a fiber's function does. */
static void fiber_started(void)
{
#ifdef DRIVER_ASAN
    arrived(NULL);
#endif
}

/* A fiber's last switch: it is never resumed. */
static void sw_last(struct fiber *from, struct fiber *to)
{
#ifdef DRIVER_ASAN
    announce(to, NULL, 1);
#endif
    fswitch(&from->ctx, &to->ctx);
    abort(); /* resumed after its last switch */
}

/* ---- ping-pong ---- */

static struct fiber ping, pong;
static long ball, rounds, pong_errors;

static void ping_fn(void *arg)
{
    fiber_started();
    CHECK(arg == &ping);
    for (long i = 0; i < rounds; i++) {
        ball = 2 * i;             /* pong sees it, and adds one */
        sw(&ping, &pong);
        if (ball != 2 * i + 1)
            pong_errors++;
    }
    sw_last(&ping, &main_fiber);
}

static void pong_fn(void *arg)
{
    long seen = 0;

    fiber_started();
    CHECK(arg == &pong);
    for (;;) {
        if (ball != 2 * seen)
            pong_errors++;
        ball++;
        seen++;
        sw(&pong, &ping);
    }
}

static void run_ping_pong(long n)
{
    rounds = n, ball = -1, pong_errors = 0;
    fiber_init(&ping, ping_fn, &ping);
    fiber_init(&pong, pong_fn, &pong);
    sw(&main_fiber, &ping);
}

static void test_ping_pong(void)
{
    run_ping_pong(100000);
    CHECK_EQ(pong_errors, 0);
    CHECK_EQ(ball, 2 * 100000 - 1);
    fiber_free(&ping);
    fiber_free(&pong); /* suspended mid-loop: its stack simply goes */
}

/* `switches N`: what the bats file counts the system calls of. */
static void test_switches(void)
{
    const char *n = getenv("SWITCHES");

    run_ping_pong(n ? atol(n) : 10000);
    CHECK_EQ(pong_errors, 0);
    fiber_free(&ping);
    fiber_free(&pong);
}

/* ---- the callee-saved registers ---- */

/* probe(from, to): set rbx, rbp, r12-r15 to known values, fswitch(from,
 * to), and return a bit for each one that came back changed (rbx 1, rbp 2,
 * r12 4, r13 8, r14 16, r15 32). Written in assembly so that nothing
 * between the loads and the checks is the compiler's. */
unsigned probe(struct fswitch_ctx *from, struct fswitch_ctx *to);
__asm__(".text\n"
        ".globl probe\n"
        ".type probe, @function\n"
        "probe:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    movabsq $0x1111111111111111, %rbx\n"
        "    movabsq $0x2222222222222222, %rbp\n"
        "    movabsq $0x3333333333333333, %r12\n"
        "    movabsq $0x4444444444444444, %r13\n"
        "    movabsq $0x5555555555555555, %r14\n"
        "    movabsq $0x6666666666666666, %r15\n"
        "    call fswitch\n"
        "    xorl %eax, %eax\n"
        "    movabsq $0x1111111111111111, %rcx\n"
        "    cmpq %rcx, %rbx\n"
        "    je 1f\n"
        "    orl $1, %eax\n"
        "1:  movabsq $0x2222222222222222, %rcx\n"
        "    cmpq %rcx, %rbp\n"
        "    je 1f\n"
        "    orl $2, %eax\n"
        "1:  movabsq $0x3333333333333333, %rcx\n"
        "    cmpq %rcx, %r12\n"
        "    je 1f\n"
        "    orl $4, %eax\n"
        "1:  movabsq $0x4444444444444444, %rcx\n"
        "    cmpq %rcx, %r13\n"
        "    je 1f\n"
        "    orl $8, %eax\n"
        "1:  movabsq $0x5555555555555555, %rcx\n"
        "    cmpq %rcx, %r14\n"
        "    je 1f\n"
        "    orl $16, %eax\n"
        "1:  movabsq $0x6666666666666666, %rcx\n"
        "    cmpq %rcx, %r15\n"
        "    je 1f\n"
        "    orl $32, %eax\n"
        "1:  addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size probe, .-probe\n");

/* sp_at_call(): rsp at the call that reached it, which the ABI wants a
 * multiple of 16. */
uintptr_t sp_at_call(void);
__asm__(".text\n"
        ".globl sp_at_call\n"
        ".type sp_at_call, @function\n"
        "sp_at_call:\n"
        "    leaq 8(%rsp), %rax\n"
        "    ret\n"
        ".size sp_at_call, .-sp_at_call\n");

static struct fiber other;
static uintptr_t other_sp;

/* Scribble on every callee-saved register, then switch back. */
static void scribbler(void *arg)
{
    (void)arg;
    fiber_started();
    other_sp = sp_at_call();
    for (;;) {
        __asm__ volatile("movq $-1, %%rbx\n\tmovq $-1, %%r12\n\t"
                         "movq $-1, %%r13\n\tmovq $-1, %%r14\n\t"
                         "movq $-1, %%r15\n\t"
                         ::: "rbx", "r12", "r13", "r14", "r15", "memory");
        sw(&other, &main_fiber);
    }
}

static void test_callee_saved(void)
{
    static const char *names[] = {"rbx", "rbp", "r12", "r13", "r14", "r15"};
    unsigned bad = 0;

    fiber_init(&other, scribbler, NULL);
    for (int i = 0; i < 3; i++) {
#ifdef DRIVER_ASAN
        void *fake = NULL;
        announce(&other, &fake, 0);
#endif
        bad |= probe(&main_fiber.ctx, &other.ctx);
#ifdef DRIVER_ASAN
        arrived(fake);
#endif
    }
    for (int i = 0; i < 6; i++)
        if (bad & (1u << i))
            fprintf(stderr, "%s changed across fswitch()\n", names[i]);
    CHECK_EQ(bad, 0);
    fprintf(stderr, "a new context's first call made with rsp %% 16 = %lu\n",
            (unsigned long)(other_sp % 16));
    CHECK_EQ(other_sp % 16, 0);
    fiber_free(&other);
}

/* ---- a deep call stack inside, with doubles ---- */

static struct fiber deep;
static int deep_errors;

/* Each level keeps an array and a double live across a switch. */
static double descend(int level, double x)
{
    volatile long mark[16];
    char text[64];
    double y = x * 1.5 + level;

    for (int i = 0; i < 16; i++)
        mark[i] = level * 100 + i;
    sw(&deep, &main_fiber);
    snprintf(text, sizeof text, "%.3f", y); /* printf's SSE code: alignment */
    double back = strtod(text, NULL);
    if (back - y > 0.001 || y - back > 0.001)
        deep_errors++;
    if (level < 300)
        y += descend(level + 1, y / 2);
    for (int i = 0; i < 16; i++)
        if (mark[i] != level * 100 + i)
            deep_errors++;
    sw(&deep, &main_fiber);
    return y / 3;
}

static double deep_result;

static void deep_fn(void *arg)
{
    fiber_started();
    deep_result = descend(0, *(double *)arg);
    sw_last(&deep, &main_fiber);
}

/* The same recursion with no switches: what the answer should be. */
static double descend_here(int level, double x)
{
    double y = x * 1.5 + level;

    if (level < 300)
        y += descend_here(level + 1, y / 2);
    return y / 3;
}

static void test_deep_stack(void)
{
    double x = 1.25;
    int switches = 0;

    deep_result = -1;
    fiber_init(&deep, deep_fn, &x);
    while (deep_result < 0) {
        sw(&main_fiber, &deep);
        switches++;
    }
    fprintf(stderr, "%d switches, 301 levels deep\n", switches);
    CHECK_EQ(switches, 2 * 301 + 1);
    CHECK_EQ(deep_errors, 0);
    CHECK(deep_result == descend_here(0, x));
    fiber_free(&deep);
}

/* ---- the signal mask is the thread's ---- */

/* swapcontext saves and restores a signal mask per context: that is its
 * rt_sigprocmask call. A switch without it leaves the thread's mask as it
 * is, so a signal blocked in main after the fiber was made is blocked in
 * the fiber too. (Without strace, this is how the check sees the call.) */
static struct fiber masked;
static int usr1_blocked_in_fiber = -1;

static void mask_fn(void *arg)
{
    sigset_t now_set;

    (void)arg;
    fiber_started();
    for (;;) {
        sigprocmask(SIG_BLOCK, NULL, &now_set);
        usr1_blocked_in_fiber = sigismember(&now_set, SIGUSR1);
        sw(&masked, &main_fiber);
    }
}

static void test_signal_mask(void)
{
    sigset_t usr1;

    fiber_init(&masked, mask_fn, NULL);
    sw(&main_fiber, &masked); /* made and run with SIGUSR1 unblocked */
    CHECK_EQ(usr1_blocked_in_fiber, 0);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    sw(&main_fiber, &masked);
    if (usr1_blocked_in_fiber != 1)
        fprintf(stderr, "the switch put back the fiber's own signal mask: "
                        "it calls rt_sigprocmask (swapcontext does)\n");
    CHECK_EQ(usr1_blocked_in_fiber, 1);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    fiber_free(&masked);
}

/* ---- how fast: swapcontext against fswitch() ---- */

static ucontext_t uc_main, uc_a;
static long uc_rounds;

static void uc_fn(void)
{
    for (;;)
        swapcontext(&uc_a, &uc_main);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct fiber bench_fiber;

static void bench_fn(void *arg)
{
    (void)arg;
    fiber_started();
    for (;;)
        sw(&bench_fiber, &main_fiber);
}

/* Prints both, side by side. Timing is never a pass/fail criterion here
 * (DESIGN.md: no tight timings): the case fails only if a switch does. */
static void test_speed(void)
{
    const long n = 200000;
    void *stack = new_stack();
    double t0, t_uc, t_fs;

    getcontext(&uc_a);
    uc_a.uc_stack.ss_sp = stack;
    uc_a.uc_stack.ss_size = STACK_SIZE;
    makecontext(&uc_a, uc_fn, 0);
    uc_rounds = 0;
    t0 = now();
    for (long i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_a);
    t_uc = now() - t0;
    munmap(stack, STACK_SIZE);

    fiber_init(&bench_fiber, bench_fn, NULL);
    t0 = now();
    for (long i = 0; i < n; i++)
        sw(&main_fiber, &bench_fiber);
    t_fs = now() - t0;
    CHECK(t_fs > 0 && t_uc > 0);
    fiber_free(&bench_fiber);

    /* Each round is two switches: there and back. */
    printf("swapcontext: %.1f ns per switch; your fswitch: %.1f ns per "
           "switch (%.1fx)%s\n",
           t_uc / (2.0 * n) * 1e9, t_fs / (2.0 * n) * 1e9, t_uc / t_fs,
#ifdef DRIVER_ASAN
           " [SAN=1: both slowed by ASan]"
#else
           ""
#endif
    );
}

static const struct check_case cases[] = {
    {"ping_pong", test_ping_pong},
    {"callee_saved", test_callee_saved},
    {"deep_stack", test_deep_stack},
    {"signal_mask", test_signal_mask},
    {"switches", test_switches},
    {"speed", test_speed},
    {0}};

int main(int argc, char **argv) { return check_main(argc, argv, cases); }
