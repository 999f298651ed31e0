/* coro_memory.c - make bench's memory per suspended coroutine: N
 * coroutines of chapter 5 made and stopped at their first wait, and the
 * process's resident memory before and after, divided by N.
 *
 *     coro_memory bare  [N]   coro_new + coro_resume to a first coro_yield
 *     coro_memory sleep [N]   gen_spawn of a task that awaits gen_sleep(3600)
 *                             on an IOLoop: a sleeping request's coroutine,
 *                             its task, its future and its timer
 *
 * N is 100,000 by default. The output is one "name value" a line, as
 * loadgen's (tests/bench/run reads it the same way):
 *
 *     mode            sleep
 *     coroutines      100000
 *     guard           madvise     how the page below each stack is a guard
 *     stack_size      65536
 *     max_map_count   65530
 *     maps_before     25          lines of /proc/self/maps: VMAs
 *     maps_with       33
 *     rss_before      1576 kB     resident, from /proc/self/statm
 *     rss_with        643532 kB
 *     pte_before      44 kB       VmPTE: page tables, which RSS leaves out
 *     pte_with        13828 kB
 *     bytes/coro      6573        (rss_with - rss_before) / N
 *     pte_bytes/coro  141
 *     seconds         0.63        to make them all and stop them at a wait
 *
 * The guard matters for N: with mprotect a stack and its guard are two
 * VMAs, and vm.max_map_count (65,530 by default) stops a process at about
 * 32,750 stacks; with madvise (the default from Linux 6.13) the guard is in
 * the page tables, and neighbouring stacks even merge into one VMA. A
 * coro_new that fails says so, with max_map_count, and exits 1. */
#include "coro.h"
#include "future.h"
#include "gen.h"
#include "ioloop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long n_wanted = 100000;
static long started;

/* Resident pages of this process, in kB (the second field of statm). */
static long rss_kb(void)
{
    long size, resident;
    FILE *f = fopen("/proc/self/statm", "r");

    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A "Key:   N kB" line of /proc/self/status. */
static long status_kb(const char *key)
{
    char line[256];
    long kb = -1;
    size_t len = strlen(key);
    FILE *f = fopen("/proc/self/status", "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, len) == 0 && line[len] == ':') {
            kb = strtol(line + len + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

static long count_lines(const char *path)
{
    int c;
    long n = 0;
    FILE *f = fopen(path, "r");

    if (!f)
        return -1;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static long read_long(const char *path)
{
    long v = -1;
    FILE *f = fopen(path, "r");

    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct figures {
    long rss, pte, maps;
};

static void take(struct figures *f)
{
    f->rss = rss_kb();
    f->pte = status_kb("VmPTE");
    f->maps = count_lines("/proc/self/maps");
}

static struct figures before, with;
static double elapsed;

/* ---- bare: coro_new, resumed once, stopped in coro_yield ---- */

static void stop_at_once(void *arg)
{
    (void)arg;
    started++;
    coro_yield(); /* never resumed again: freed while suspended */
}

static int run_bare(void)
{
    struct coro **all = calloc((size_t)n_wanted, sizeof *all);
    double t0;

    if (!all)
        return perror("coro_memory: calloc"), 1;
    memset(all, 0, (size_t)n_wanted * sizeof *all); /* its pages: before */
    take(&before);
    t0 = now();
    for (long i = 0; i < n_wanted; i++) {
        if (!(all[i] = coro_new("bare", stop_at_once, NULL))) {
            fprintf(stderr, "coro_memory: coro_new #%ld: %s (vm.max_map_count "
                    "is %ld)\n", i + 1, strerror(errno),
                    read_long("/proc/sys/vm/max_map_count"));
            return 1;
        }
        coro_resume(all[i]);
    }
    elapsed = now() - t0;
    take(&with);
    for (long i = 0; i < n_wanted; i++)
        coro_free(all[i]);
    free(all);
    return 0;
}

/* ---- sleep: tasks on an IOLoop, each in gen_sleep ---- */

static struct future **tasks;

static int sleeper(void *arg, void **result)
{
    (void)arg;
    *result = NULL;
    started++;
    return gen_sleep(3600); /* ECANCELED at the end */
}

/* The main coroutine: spawn N sleepers, let them all reach their sleep,
 * measure, then cancel them and wait until every one has ended. */
static int spawner(void *arg, void **result)
{
    struct ioloop *loop = arg;
    double t0;
    long spawned = 0;

    *result = NULL;
    take(&before);
    t0 = now();
    for (; spawned < n_wanted; spawned++)
        if (!(tasks[spawned] = gen_spawn(loop, "sleeper", sleeper, NULL))) {
            fprintf(stderr, "coro_memory: gen_spawn #%ld: %s\n", spawned + 1,
                    strerror(errno));
            break;
        }
    /* A spawned coroutine starts on the loop's next turn: give the loop
     * turns until each has run to its gen_sleep. */
    for (int turns = 0; started < spawned && turns < 100; turns++)
        gen_moment();
    elapsed = now() - t0;
    take(&with);
    for (long i = 0; i < spawned; i++)
        future_cancel(tasks[i]);
    for (long i = 0; i < spawned; i++) {
        gen_await(tasks[i], NULL);
        future_unref(tasks[i]);
    }
    return spawned == n_wanted && started == n_wanted ? 0 : EAGAIN;
}

static int run_sleep(void)
{
    struct ioloop *loop = ioloop_new("epoll");
    int err;

    if (!loop)
        return perror("coro_memory: ioloop_new"), 1;
    if (!(tasks = calloc((size_t)n_wanted, sizeof *tasks)))
        return perror("coro_memory: calloc"), 1;
    memset(tasks, 0, (size_t)n_wanted * sizeof *tasks);
    err = gen_run_sync(loop, spawner, loop, 0, NULL);
    if (err) {
        fprintf(stderr, "coro_memory: %ld of %ld sleeping: %s\n", started,
                n_wanted, strerror(err));
        return 1;
    }
    free(tasks);
    ioloop_free(loop);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    char *end;
    int status;

    if (argc > 2) {
        n_wanted = strtol(argv[2], &end, 10);
        if (*end || n_wanted < 1 || n_wanted > 10000000)
            mode = "";
    }
    if (argc > 3 || (strcmp(mode, "bare") && strcmp(mode, "sleep"))) {
        fprintf(stderr, "usage: coro_memory bare|sleep [N]\n");
        return 2;
    }
    status = strcmp(mode, "bare") == 0 ? run_bare() : run_sleep();
    if (status)
        return status;
    printf("mode            %s\n", mode);
    printf("coroutines      %ld\n", n_wanted);
    printf("guard           %s\n",
           coro_guard() == CORO_GUARD_MADVISE ? "madvise" : "mprotect");
    printf("stack_size      %zu\n", coro_stack_size());
    printf("max_map_count   %ld\n", read_long("/proc/sys/vm/max_map_count"));
    printf("maps_before     %ld\n", before.maps);
    printf("maps_with       %ld\n", with.maps);
    printf("rss_before      %ld kB\n", before.rss);
    printf("rss_with        %ld kB\n", with.rss);
    printf("pte_before      %ld kB\n", before.pte);
    printf("pte_with        %ld kB\n", with.pte);
    printf("bytes/coro      %ld\n", (with.rss - before.rss) * 1024 / n_wanted);
    printf("pte_bytes/coro  %ld\n", (with.pte - before.pte) * 1024 / n_wanted);
    printf("seconds         %.2f\n", elapsed);
    return 0;
}
