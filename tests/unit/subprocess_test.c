/* subprocess_test.c - chapter 3's subprocess module: what a child reports,
 * and that every path leaves no zombie and no open descriptor behind. */
#include "check.h"
#include "ioloop.h"
#include "subprocess.h"

#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MANY 50

/* What one subprocess reported. */
struct report {
    int calls;
    struct subprocess_result r; /* copied, buffers and all: p is freed */
};

static int unreported; /* started, done not called yet */

static void on_done(struct subprocess *p, const struct subprocess_result *r,
                    void *arg)
{
    struct report *rep = arg;

    rep->calls++;
    rep->r = *r;
    buffer_init(&rep->r.out);
    buffer_init(&rep->r.err);
    buffer_append(&rep->r.out, buffer_data(&r->out), buffer_len(&r->out));
    buffer_append(&rep->r.err, buffer_data(&r->err), buffer_len(&r->err));
    subprocess_free(p); /* the usual place: r goes with it */
    unreported--;
}

static void report_free(struct report *rep)
{
    buffer_free(&rep->r.out);
    buffer_free(&rep->r.err);
}

static int on_give_up(struct ioloop *loop, void *arg)
{
    *(int *)arg = 1;
    ioloop_stop(loop);
    return 0;
}

static int on_check_done(struct ioloop *loop, void *arg)
{
    (void)arg;
    if (unreported == 0)
        ioloop_stop(loop);
    else
        ioloop_call_later(loop, 0.005, on_check_done, NULL);
    return 0;
}

/* Run the loop until every started subprocess has reported, or 10 s. */
static void run_until_reported(struct ioloop *loop)
{
    int gave_up = 0;
    ioloop_timeout limit = ioloop_call_later(loop, 10, on_give_up, &gave_up);

    ioloop_add_callback(loop, on_check_done, NULL);
    ioloop_start(loop);
    CHECK(!gave_up);
    if (!gave_up)
        ioloop_remove_timeout(loop, limit);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* No child of ours left, running or zombie. */
static int no_children(void)
{
    return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static struct subprocess *start(struct ioloop *loop, const char *cmd,
                                double timeout, struct report *rep)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    struct subprocess *p = subprocess_start(loop, argv, timeout, on_done, rep);

    if (p)
        unreported++;
    return p;
}

static int out_is(const struct report *rep, const char *text)
{
    return buffer_len(&rep->r.out) == strlen(text) &&
           memcmp(buffer_data(&rep->r.out), text, strlen(text)) == 0;
}

static void test_results(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct report ok = {0}, fail = {0}, three = {0}, term = {0};

    CHECK(start(loop, "echo hello", 5, &ok));
    CHECK(start(loop, "cat /no/such/file", 5, &fail));
    CHECK(start(loop, "echo out; echo err >&2; exit 3", 5, &three));
    CHECK(start(loop, "kill -TERM $$", 5, &term));
    CHECK_EQ(ok.calls, 0); /* never reported from inside start */
    run_until_reported(loop);
    CHECK_EQ(ok.calls, 1);
    CHECK(ok.r.exited && ok.r.status == 0 && !ok.r.timed_out);
    CHECK(out_is(&ok, "hello\n"));
    CHECK_EQ(buffer_len(&ok.r.err), 0);
    CHECK(fail.r.exited && fail.r.status == 1);
    CHECK(buffer_len(&fail.r.err) > 0 && buffer_len(&fail.r.out) == 0);
    CHECK(three.r.exited && three.r.status == 3 && out_is(&three, "out\n"));
    CHECK_EQ(buffer_len(&three.r.err), 4);
    CHECK(term.r.signaled && term.r.signal == SIGTERM && !term.r.exited);
    report_free(&ok), report_free(&fail);
    report_free(&three), report_free(&term);
    ioloop_free(loop);
    CHECK(no_children());
}

static void test_not_found(void)
{
    int before = open_fds();
    struct ioloop *loop = ioloop_new(NULL);
    char *argv[] = {"no-such-command-here", NULL};
    char *empty[] = {NULL};
    struct report rep = {0};

    errno = 0;
    CHECK(subprocess_start(loop, argv, 1, on_done, &rep) == NULL);
    CHECK_EQ(errno, ENOENT);
    CHECK(subprocess_start(loop, empty, 1, on_done, &rep) == NULL);
    CHECK_EQ(errno, EINVAL);
    ioloop_free(loop);
    CHECK_EQ(rep.calls, 0);
    CHECK_EQ(open_fds(), before);
    CHECK(no_children());
}

static void test_timeout(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct report rep = {0};
    double t0 = clock_now();

    CHECK(start(loop, "echo started; exec sleep 5", 0.2, &rep));
    run_until_reported(loop);
    CHECK(rep.r.timed_out && rep.r.signaled && rep.r.signal == SIGKILL);
    CHECK(out_is(&rep, "started\n")); /* what it wrote before is kept */
    CHECK(rep.r.elapsed >= 0.2 && rep.r.elapsed < 1.5);
    CHECK(clock_now() - t0 < 1.5);
    report_free(&rep);
    ioloop_free(loop);
    CHECK(no_children());
}

static int on_stop(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

/* The child finishes first: its timeout is removed, and does not fire on
 * freed memory later (ASan would see it). */
static void test_timeout_removed(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct report rep = {0};

    CHECK(start(loop, "true", 0.2, &rep));
    run_until_reported(loop);
    CHECK(!rep.r.timed_out && rep.r.exited && rep.r.status == 0);
    ioloop_call_later(loop, 0.4, on_stop, NULL);
    ioloop_start(loop);
    CHECK_EQ(rep.calls, 1);
    report_free(&rep);
    ioloop_free(loop);
}

/* 1.3 MB, many times the pipe's 64 KB: read as it comes, none lost. */
static void test_large_output(void)
{
    struct ioloop *loop = ioloop_new("select");
    struct report rep = {0};
    size_t len;

    CHECK(start(loop, "seq 1 200000", 10, &rep));
    run_until_reported(loop);
    CHECK(rep.r.exited && rep.r.status == 0);
    CHECK_EQ(buffer_len(&rep.r.out), 1288895);
    len = buffer_len(&rep.r.out);
    CHECK(len > 14 && memcmp(buffer_data(&rep.r.out) + len - 14,
                             "199999\n200000\n", 14) == 0);
    report_free(&rep);
    ioloop_free(loop);
}

/* EOF on both pipes, yet the child lives on: reaped when it exits. */
static void test_closes_pipes_runs_on(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct report rep = {0};

    CHECK(start(loop, "exec >&- 2>&-; sleep 0.3; exit 7", 5, &rep));
    run_until_reported(loop);
    CHECK(rep.r.exited && rep.r.status == 7 && !rep.r.timed_out);
    CHECK(rep.r.elapsed >= 0.3);
    report_free(&rep);
    ioloop_free(loop);
    CHECK(no_children());
}

/* The child exits at once but leaves a grandchild holding the pipes: no
 * EOF comes, and the timeout still ends the wait. As a subreaper, the test
 * inherits the orphaned grandchild, so it can kill it and reap it. */
static void test_grandchild_holds_pipes(void)
{
    struct ioloop *loop = ioloop_new(NULL);
    struct report rep = {0};

    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    CHECK(start(loop, "sleep 3 & echo $!", 0.3, &rep));
    run_until_reported(loop);
    CHECK(rep.r.timed_out && rep.r.exited && rep.r.status == 0);
    CHECK(rep.r.elapsed < 1.5);
    char pid_text[32] = "";
    if (buffer_len(&rep.r.out) > 0 && buffer_len(&rep.r.out) < sizeof pid_text)
        memcpy(pid_text, buffer_data(&rep.r.out), buffer_len(&rep.r.out));
    pid_t grandchild = (pid_t)atoi(pid_text);
    CHECK(grandchild > 0 && kill(grandchild, SIGKILL) == 0);
    CHECK(waitpid(grandchild, NULL, 0) == grandchild);
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
    report_free(&rep);
    ioloop_free(loop);
    CHECK(no_children());
}

/* Freeing a running subprocess cancels it: killed, reaped, closed. */
static void test_free_cancels(void)
{
    int before = open_fds();
    struct ioloop *loop = ioloop_new(NULL);
    struct report rep = {0};
    double t0 = clock_now();
    struct subprocess *p = start(loop, "sleep 5", 0, &rep);

    CHECK(p && subprocess_pid(p) > 0);
    subprocess_free(p);
    unreported--;
    ioloop_call_later(loop, 0.1, on_stop, NULL);
    ioloop_start(loop);
    CHECK_EQ(rep.calls, 0);
    CHECK(clock_now() - t0 < 1);
    ioloop_free(loop);
    CHECK_EQ(open_fds(), before);
    CHECK(no_children());
}

/* The first one done frees all the others: some running, some perhaps
 * with their report already queued. None of them reports afterwards. */
static struct subprocess *group[8];

static void on_done_free_others(struct subprocess *p,
                                const struct subprocess_result *r, void *arg)
{
    (void)p, (void)r;
    (*(int *)arg)++;
    for (int i = 0; i < 8; i++) {
        subprocess_free(group[i]); /* p itself among them */
        group[i] = NULL;
    }
    unreported = 0;
}

static void test_free_from_done(void)
{
    int before = open_fds(), calls = 0;
    struct ioloop *loop = ioloop_new(NULL);
    char *argv[] = {"true", NULL};

    for (int i = 0; i < 8; i++) {
        group[i] = subprocess_start(loop, argv, 1, on_done_free_others, &calls);
        CHECK(group[i] != NULL);
    }
    unreported = 1;
    run_until_reported(loop);
    ioloop_call_later(loop, 0.1, on_stop, NULL);
    ioloop_start(loop);
    CHECK_EQ(calls, 1);
    ioloop_free(loop);
    CHECK_EQ(open_fds(), before);
    CHECK(no_children());
}

/* 50 at once of every kind, on each backend: then the descriptors are
 * what they were, and no child is left, running or zombie. */
static void many(const char *backend)
{
    static const char *const kinds[] = {
        "true", "echo out; echo err >&2", "exec sleep 5",
        NULL /* a command that does not exist */,
        "exec >&- 2>&-; sleep 0.1"};
    struct report reps[MANY] = {{0}};
    int before = open_fds(), started = 0;
    struct ioloop *loop = ioloop_new(backend);
    char *missing[] = {"no-such-command-here", NULL};

    for (int i = 0; i < MANY; i++) {
        const char *cmd = kinds[i % 5];
        if (!cmd) {
            CHECK(!subprocess_start(loop, missing, 1, on_done, &reps[i]));
            CHECK_EQ(errno, ENOENT);
        } else {
            double timeout = i % 5 == 2 ? 0.2 : 5;
            CHECK(start(loop, cmd, timeout, &reps[i]) != NULL);
            started++;
        }
    }
    run_until_reported(loop);
    for (int i = 0; i < MANY; i++) {
        CHECK_EQ(reps[i].calls, kinds[i % 5] ? 1 : 0);
        CHECK_EQ(reps[i].r.timed_out, i % 5 == 2);
        report_free(&reps[i]);
    }
    CHECK_EQ(started, MANY / 5 * 4);
    ioloop_free(loop);
    CHECK_EQ(open_fds(), before);
    CHECK(no_children());
}

static void test_no_leaks_epoll(void)
{
    many("epoll");
}

static void test_no_leaks_select(void)
{
    many("select");
}

static const struct check_case cases[] = {
    {"results", test_results},
    {"not_found", test_not_found},
    {"timeout", test_timeout},
    {"timeout_removed", test_timeout_removed},
    {"large_output", test_large_output},
    {"closes_pipes_runs_on", test_closes_pipes_runs_on},
    {"grandchild_holds_pipes", test_grandchild_holds_pipes},
    {"free_cancels", test_free_cancels},
    {"free_from_done", test_free_from_done},
    {"no_leaks_epoll", test_no_leaks_epoll},
    {"no_leaks_select", test_no_leaks_select},
    {0}};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
