/* coro_test.c - chapter 5's coroutines, case by case: switching and the
 * values passed, the states, the errors, nesting, the stack pool and its
 * sizes, the guard pages (counted in /proc/self/maps), 10,000 coroutines at
 * once, a stack overflow reported by name in a child process (in the main
 * thread and in another), and the current coroutine per thread.
 *
 * `coro_test switch_cost [N]` is no test: it prints the nanoseconds one
 * switch takes (N round trips, default 1,000,000). */
#include "check.h"
#include "coro.h"

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* ---- helpers ---- */

static struct coro *must_new(const char *name, coro_fn *fn, void *arg)
{
    struct coro *co = coro_new(name, fn, arg);

    CHECK(co != NULL);
    if (!co) {
        perror("coro_new");
        exit(1);
    }
    return co;
}

static size_t alive_now(void)
{
    struct coro_stats stats;

    coro_get_stats(&stats);
    return stats.alive;
}

/* ---- switching ---- */

/* Both sides of a ping-pong see this struct through arg. */
struct pingpong {
    int ball;     /* main puts n in, the coroutine sends back n * 10 */
    int rounds;
    struct coro *self_seen; /* coro_current() inside */
};

static void pinger(void *arg)
{
    struct pingpong *p = arg;

    p->self_seen = coro_current();
    while (p->rounds-- > 0) {
        p->ball *= 10;
        CHECK_EQ(coro_yield(), 0);
    }
}

static void test_ping_pong(void)
{
    struct pingpong p = {.rounds = 3};
    struct coro *co = must_new("pinger", pinger, &p);

    CHECK(coro_current() == NULL);
    for (int n = 1; n <= 3; n++) {
        p.ball = n;
        CHECK_EQ(coro_resume(co), 0);
        CHECK_EQ(p.ball, n * 10);
        CHECK(coro_current() == NULL); /* back in main */
    }
    CHECK(p.self_seen == co);
    CHECK_EQ(coro_status(co), CORO_SUSPENDED); /* still in its last yield */
    CHECK_EQ(coro_resume(co), 0);              /* the loop ends: it returns */
    CHECK_EQ(coro_status(co), CORO_DEAD);
    CHECK(strcmp(coro_name(co), "pinger") == 0);
    CHECK_EQ(coro_free(co), 0);
}

/* ---- states ---- */

struct seen {
    struct coro *other;
    enum coro_status self_inside, other_inside;
};

static void look_at_states(void *arg)
{
    struct seen *s = arg;

    s->self_inside = coro_status(coro_current());
    coro_yield();
}

static void test_status_transitions(void)
{
    struct seen s;
    struct coro *co = must_new("states", look_at_states, &s);

    CHECK_EQ(coro_status(co), CORO_SUSPENDED); /* made, not started */
    CHECK_EQ(coro_resume(co), 0);
    CHECK_EQ(s.self_inside, CORO_RUNNING);
    CHECK_EQ(coro_status(co), CORO_SUSPENDED); /* in coro_yield() */
    CHECK_EQ(coro_resume(co), 0);
    CHECK_EQ(coro_status(co), CORO_DEAD);
    CHECK(strcmp(coro_status_name(CORO_SUSPENDED), "suspended") == 0);
    CHECK(strcmp(coro_status_name(CORO_RUNNING), "running") == 0);
    CHECK(strcmp(coro_status_name(CORO_NORMAL), "normal") == 0);
    CHECK(strcmp(coro_status_name(CORO_DEAD), "dead") == 0);
    coro_free(co);
}

/* ---- errors ---- */

static void returns_at_once(void *arg)
{
    (*(int *)arg)++;
}

/* Tries what must fail from inside: resuming itself, freeing itself. */
static void misbehaves(void *arg)
{
    int *failures = arg;

    errno = 0;
    if (coro_resume(coro_current()) == -1 && errno == EINVAL)
        (*failures)++;
    errno = 0;
    if (coro_free(coro_current()) == -1 && errno == EINVAL)
        (*failures)++;
}

static void test_errors_are_einval(void)
{
    int runs = 0, failures = 0;
    struct coro *co = must_new("once", returns_at_once, &runs);

    CHECK_EQ(coro_resume(co), 0);
    CHECK_EQ(runs, 1);
    errno = 0;
    CHECK_EQ(coro_resume(co), -1); /* dead */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(runs, 1);
    coro_free(co);

    errno = 0;
    CHECK_EQ(coro_yield(), -1); /* outside any coroutine */
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK_EQ(coro_resume(NULL), -1);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK(coro_new("nofn", NULL, NULL) == NULL);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(coro_free(NULL), 0);

    co = must_new("misbehaves", misbehaves, &failures);
    CHECK_EQ(coro_resume(co), 0);
    CHECK_EQ(failures, 2); /* resume and free of a running one: EINVAL */
    CHECK_EQ(coro_status(co), CORO_DEAD);
    coro_free(co);
}

/* ---- nesting ---- */

static char trace[64];

static void note(char c)
{
    size_t n = strlen(trace);

    if (n + 1 < sizeof trace)
        trace[n] = c;
}

struct nest {
    struct coro *outer, *inner;
    enum coro_status outer_seen_by_inner;
    int inner_resumes_outer;
};

static void inner_body(void *arg)
{
    struct nest *n = arg;

    note('i');
    n->outer_seen_by_inner = coro_status(n->outer);
    n->inner_resumes_outer = coro_resume(n->outer); /* normal: EINVAL */
    coro_yield(); /* back to outer */
    note('j');
    coro_yield(); /* back to main: main resumed us this time */
    note('k');
}

static void outer_body(void *arg)
{
    struct nest *n = arg;

    note('o');
    coro_resume(n->inner);
    note('p'); /* inner yielded back here, to its resumer */
    CHECK(coro_current() == n->outer);
    CHECK_EQ(coro_status(n->inner), CORO_SUSPENDED);
    coro_yield();
    note('q');
}

static void test_nested_resume(void)
{
    struct nest n;

    trace[0] = '\0';
    n.outer = must_new("outer", outer_body, &n);
    n.inner = must_new("inner", inner_body, &n);
    CHECK_EQ(coro_resume(n.outer), 0);
    note('M');
    CHECK_EQ(n.outer_seen_by_inner, CORO_NORMAL);
    CHECK_EQ(n.inner_resumes_outer, -1);
    CHECK_EQ(coro_resume(n.inner), 0); /* main resumes inner directly */
    note('N');
    CHECK_EQ(coro_resume(n.inner), 0); /* inner ends: back to main */
    note('O');
    CHECK_EQ(coro_status(n.inner), CORO_DEAD);
    CHECK_EQ(coro_resume(n.outer), 0);
    CHECK_EQ(coro_status(n.outer), CORO_DEAD);
    CHECK(coro_current() == NULL);
    if (strcmp(trace, "oipMjNkOq") != 0)
        fprintf(stderr, "trace: %s\n", trace);
    CHECK(strcmp(trace, "oipMjNkOq") == 0);
    coro_free(n.inner);
    coro_free(n.outer);
}

/* ---- the pool ---- */

static void yields_once(void *arg)
{
    (void)arg;
    coro_yield();
}

/* Where the entry's frame was: the real stack (a local's address may be
 * on ASan's fake stack). */
static uintptr_t stack_address_seen;

static void remember_stack(void *arg)
{
    (void)arg;
    stack_address_seen = (uintptr_t)__builtin_frame_address(0);
}

static void test_freed_suspended_stack_is_reused(void)
{
    struct coro_stats before, after;
    struct coro *a, *b;
    uintptr_t a_stack;

    coro_pool_drain();
    a = must_new("a", remember_stack, NULL);
    coro_resume(a);
    a_stack = stack_address_seen;
    coro_free(a);

    /* A suspended one too: its entry never finishes, its stack is pooled. */
    a = must_new("suspended", yields_once, NULL);
    coro_resume(a);
    CHECK_EQ(coro_status(a), CORO_SUSPENDED);
    CHECK_EQ(coro_free(a), 0);

    coro_get_stats(&before);
    CHECK_EQ(before.stacks_pooled, 1);
    b = must_new("b", remember_stack, NULL);
    coro_get_stats(&after);
    CHECK_EQ(after.stacks_mapped, before.stacks_mapped); /* no new mmap */
    CHECK_EQ(after.stacks_reused, before.stacks_reused + 1);
    CHECK_EQ(after.stacks_pooled, 0);
    coro_resume(b);
    CHECK(stack_address_seen == a_stack); /* the same stack, same depth */
    coro_free(b);
}

static void test_pool_is_bounded(void)
{
    struct coro *many[200];
    struct coro_stats stats;

    coro_pool_drain();
    for (int i = 0; i < 200; i++)
        many[i] = must_new("many", yields_once, NULL);
    for (int i = 0; i < 200; i++)
        coro_free(many[i]);
    coro_get_stats(&stats);
    CHECK(stats.stacks_pooled > 0);
    CHECK(stats.stacks_pooled < 200); /* the rest were unmapped */
    coro_pool_drain();
    coro_get_stats(&stats);
    CHECK_EQ(stats.stacks_pooled, 0);
}

/* ---- stack sizes ---- */

/* Touches 48 KiB of its own stack, from the top down. */
static void uses_48k(void *arg)
{
    volatile char big[48 * 1024];

    for (size_t i = sizeof big; i-- > 0;)
        big[i] = (char)i;
    *(int *)arg = big[1000] == (char)1000;
}

static void test_stack_size_is_settable(void)
{
    int ok = 0;
    struct coro *co;

    CHECK_EQ(coro_stack_size(), 64 * 1024); /* the default */
    co = must_new("uses48k", uses_48k, &ok);
    CHECK_EQ(coro_resume(co), 0);
    CHECK_EQ(ok, 1);
    coro_free(co);

    errno = 0;
    CHECK_EQ(coro_set_stack_size(1024), -1); /* too small to be useful */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(coro_set_stack_size(100 * 1000), 0);
    CHECK_EQ(coro_stack_size() % 4096, 0); /* whole pages */
    CHECK(coro_stack_size() >= 100 * 1000);
    ok = 0;
    co = must_new("uses48k-big", uses_48k, &ok);
    coro_resume(co);
    CHECK_EQ(ok, 1);
    coro_free(co);
    CHECK_EQ(coro_set_stack_size(64 * 1024), 0);
}

/* ---- many ---- */

static void counts_twice(void *arg)
{
    int *count = arg;

    (*count)++;
    coro_yield();
    (*count)++;
}

static void test_ten_thousand_alive(void)
{
    enum { N = 10000 };
    static struct coro *cos[N];
    static int counts[N];
    size_t before = alive_now();
    int all_dead = 1, all_twice = 1;

    for (int i = 0; i < N; i++) {
        cos[i] = must_new("many", counts_twice, &counts[i]);
        coro_resume(cos[i]);
    }
    CHECK_EQ(alive_now(), before + N);
    for (int i = N - 1; i >= 0; i--) /* in another order than made */
        coro_resume(cos[i]);
    for (int i = 0; i < N; i++) {
        all_dead &= coro_status(cos[i]) == CORO_DEAD;
        all_twice &= counts[i] == 2;
        coro_free(cos[i]);
    }
    CHECK(all_dead);
    CHECK(all_twice);
    CHECK_EQ(alive_now(), before);
    coro_pool_drain();
}

/* ---- the guard pages ---- */

static int count_vmas(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    int lines = 0, c;

    if (!maps)
        return -1;
    while ((c = getc(maps)) != EOF)
        lines += c == '\n';
    fclose(maps);
    return lines;
}

/* How many VMAs 1,000 new stacks add. */
static int vmas_for_1000_stacks(void)
{
    static struct coro *cos[1000];
    int before, after;

    coro_pool_drain();
    before = count_vmas();
    for (int i = 0; i < 1000; i++)
        cos[i] = must_new("vma", yields_once, NULL);
    after = count_vmas();
    for (int i = 0; i < 1000; i++)
        coro_free(cos[i]);
    coro_pool_drain();
    return after - before;
}

static void test_guard_pages_cost_vmas(void)
{
    int grown;

    if (coro_set_guard(CORO_GUARD_MADVISE) == 0) {
        grown = vmas_for_1000_stacks();
        printf("madvise guard: 1000 stacks added %d VMAs\n", grown);
        CHECK(grown < 1100); /* at most one per stack; far fewer if merged */
    } else {
        printf("this kernel has no MADV_GUARD_INSTALL (Linux >= 6.13): "
               "checking the mprotect guard only\n");
        CHECK_EQ(coro_guard(), CORO_GUARD_MPROTECT);
    }
    CHECK_EQ(coro_set_guard(CORO_GUARD_MPROTECT), 0);
    grown = vmas_for_1000_stacks();
    printf("mprotect guard: 1000 stacks added %d VMAs\n", grown);
    CHECK(grown >= 1900); /* a guard VMA and a stack VMA each, about */
    if (coro_set_guard(CORO_GUARD_MADVISE) < 0)
        CHECK_EQ(coro_set_guard(CORO_GUARD_MPROTECT), 0);
}

/* ---- threads ---- */

/* Each thread has its own current coroutine: while a coroutine runs in
 * the other thread (held there by a barrier), main's is still NULL. */
static pthread_barrier_t both_inside;

static void waits_in_thread(void *arg)
{
    *(struct coro **)arg = coro_current();
    pthread_barrier_wait(&both_inside); /* main looks now */
    pthread_barrier_wait(&both_inside); /* main has looked */
}

static void *thread_main(void *arg)
{
    struct coro *co = coro_new("in-thread", waits_in_thread, arg);

    if (co) {
        coro_resume(co);
        coro_free(co);
    }
    coro_pool_drain();
    return co;
}

static void test_current_is_per_thread(void)
{
    struct coro *seen_there = NULL;
    pthread_t thread;
    void *made;

    pthread_barrier_init(&both_inside, NULL, 2);
    CHECK_EQ(pthread_create(&thread, NULL, thread_main, &seen_there), 0);
    pthread_barrier_wait(&both_inside);
    CHECK(seen_there != NULL);      /* the other thread is in a coroutine */
    CHECK(coro_current() == NULL);  /* this one is not */
    pthread_barrier_wait(&both_inside);
    pthread_join(thread, &made);
    CHECK(made == seen_there);
    pthread_barrier_destroy(&both_inside);
}

/* ---- faults, in a child process ---- */

static volatile long depth_limit = LONG_MAX; /* never reached */

static long recurse(long depth)
{
    volatile char frame[256];

    frame[0] = (char)depth;
    if (depth >= depth_limit)
        return frame[0];
    return recurse(depth + 1) + frame[0];
}

static void overflows(void *arg)
{
    (void)arg;
    recurse(0);
}

/* Writes to a page no one may touch: a plain fault far from any guard
 * (not NULL, which UBSan would catch before the fault; not an unmapped
 * address, which the child's allocator could map again). */
static void writes_to_forbidden(void *arg)
{
    *(volatile int *)arg = 1;
}

static void *forbidden_page(void)
{
    void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);

    if (page == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return page;
}

/* Run fn in a coroutine named name in a child; wait for it. Its stderr is
 * read into err. Returns the wait status. */
static int run_in_child(const char *name, coro_fn *fn, void *arg, char *err,
                        size_t errsize)
{
    int pipefd[2], status;
    size_t got = 0;
    ssize_t n;
    pid_t pid;

    if (pipe(pipefd) < 0) {
        perror("pipe");
        exit(1);
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        struct coro *co;

        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[0]);
        co = coro_new(name, fn, arg);
        if (co)
            coro_resume(co);
        _exit(0); /* the test fails: the child should have died */
    }
    close(pipefd[1]);
    while (got + 1 < errsize &&
           (n = read(pipefd[0], err + got, errsize - 1 - got)) > 0)
        got += (size_t)n;
    err[got] = '\0';
    close(pipefd[0]);
    waitpid(pid, &status, 0);
    return status;
}

/* The same in a second thread: each thread needs its own alternate signal
 * stack, made at its first coro_new(). */
static void *overflow_thread(void *arg)
{
    struct coro *co = coro_new("runaway-thread", overflows, arg);

    if (co)
        coro_resume(co);
    return NULL;
}

static void overflows_in_thread(void *arg)
{
    pthread_t thread;

    if (pthread_create(&thread, NULL, overflow_thread, arg) == 0)
        pthread_join(thread, NULL);
}

static void test_stack_overflow_in_a_thread(void)
{
    char err[8192];
    int status = run_in_child("starter", overflows_in_thread, NULL, err,
                              sizeof err);

    fprintf(stderr, "child's stderr: %s", err);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    CHECK(strstr(err, "coro: stack overflow in coroutine \"runaway-thread\"") != NULL);
}

static void test_stack_overflow_names_the_coroutine(void)
{
    char err[8192];
    int status = run_in_child("runaway", overflows, NULL, err, sizeof err);

    fprintf(stderr, "child's stderr: %s", err);
    CHECK(WIFSIGNALED(status));
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    CHECK(strstr(err, "coro: stack overflow in coroutine \"runaway\"") != NULL);
}

/* A fault that is no overflow is not reported as one: it goes to the
 * handler before ours. That is the default action (death by SIGSEGV), or
 * under ASan, ASan's report and exit status 1. (ASan calls the fault
 * "SEGV", or "stack-overflow" when the address is near the stack pointer,
 * as the forbidden page may be: mmap puts it next to the last stack.) */
static void test_other_fault_is_a_plain_segv(void)
{
    char err[8192];
    int status = run_in_child("wildwriter", writes_to_forbidden, forbidden_page(),
                              err, sizeof err);

    fprintf(stderr, "child's stderr: %s\nchild's wait status: %#x\n", err,
            status);
    CHECK(strstr(err, "stack overflow") == NULL);
#ifdef UNDER_ASAN
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    CHECK(strstr(err, "ERROR: AddressSanitizer: ") != NULL);
#else
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
#endif
}

/* ---- not a test: the cost of a switch ---- */

static void bounces(void *arg)
{
    (void)arg;
    for (;;)
        coro_yield();
}

static int switch_cost(long rounds)
{
    struct coro *co = must_new("bounce", bounces, NULL);
    struct timespec t0, t1;
    double ns;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < rounds; i++)
        coro_resume(co);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%ld resume+yield round trips: %.1f ns each, %.1f ns per switch\n",
           rounds, ns / (double)rounds, ns / (double)rounds / 2);
    coro_free(co); /* suspended: its endless loop just stops */
    return 0;
}

static const struct check_case cases[] = {
    {"ping_pong", test_ping_pong},
    {"status_transitions", test_status_transitions},
    {"errors_are_einval", test_errors_are_einval},
    {"nested_resume", test_nested_resume},
    {"freed_suspended_stack_is_reused", test_freed_suspended_stack_is_reused},
    {"pool_is_bounded", test_pool_is_bounded},
    {"stack_size_is_settable", test_stack_size_is_settable},
    {"ten_thousand_alive", test_ten_thousand_alive},
    {"guard_pages_cost_vmas", test_guard_pages_cost_vmas},
    {"stack_overflow_names_the_coroutine",
     test_stack_overflow_names_the_coroutine},
    {"other_fault_is_a_plain_segv", test_other_fault_is_a_plain_segv},
    {"current_is_per_thread", test_current_is_per_thread},
    {"stack_overflow_in_a_thread", test_stack_overflow_in_a_thread},
    {0},
};

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "switch_cost") == 0)
        return switch_cost(argc > 2 ? atol(argv[2]) : 1000000);
    return check_main(argc, argv, cases);
}
