/* process.c - fork the workers, then supervise them from the parent: restart
 * the dead, stop them all on SIGTERM, replace them one by one on SIGHUP.
 * Tornado: process.py's fork_processes. */
#include "process.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROCESS_DEFAULT_RESTARTS 100
#define PROCESS_DEFAULT_GRACE 10.0

/* One task id's worker. While SIGHUP replaces it, two processes hold the
 * task id: the new one (pid) and the one it replaces (retiring). */
struct process_slot {
    pid_t pid;      /* the worker, or 0 once it is done */
    pid_t retiring; /* the worker being replaced, or 0 */
    int ready;      /* pid has called process_ready() */
};

/* The parent's whole state: it runs no IOLoop, only this. */
struct process_parent {
    struct process_options opt;
    struct process_slot *slots;
    int n;
    pid_t self;
    int restarts;
    int announced;   /* on_ready has run */
    int replacing;   /* the slot SIGHUP is replacing now, or -1 */
    int stopping;    /* SIGTERM/SIGINT came, or we gave up */
    int exit_status; /* 0, or 1 after too many restarts */
    double deadline; /* while stopping: when the rest get SIGKILL */
};

static int task_id = -1;
static int ready_fd = -1;          /* a child's end of the ready pipe */
static int signal_pipe[2] = {-1, -1}; /* the parent's self-pipe */
static int ready_pipe[2] = {-1, -1};

static const int process_signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
#define PROCESS_NSIGNALS (sizeof process_signals / sizeof *process_signals)

int process_task_id(void)
{
    return task_id;
}

int process_cpu_count(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof set, &set) < 0)
        return 1;
    return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
}

static double process_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- signals: the self-pipe ---- */

/* The whole handler: one write(), which is async-signal-safe, of the
 * signal's number; the main loop does the rest. errno is saved because
 * the handler may interrupt code that is about to read it. A full pipe
 * loses the byte, harmlessly: the bytes already there wake the loop. */
static void process_on_signal(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;

    if (write(signal_pipe[1], &byte, 1) < 0) {
        /* nothing to do: see above */
    }
    errno = saved;
}

static void process_signal_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < PROCESS_NSIGNALS; i++)
        sigaddset(set, process_signals[i]);
}

static int process_set_handlers(void (*handler)(int))
{
    struct sigaction sa = {.sa_handler = handler};

    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < PROCESS_NSIGNALS; i++)
        if (sigaction(process_signals[i], &sa, NULL) < 0)
            return -1;
    return 0;
}

static int process_open_pipes(void)
{
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    if (pipe2(ready_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        close(signal_pipe[0]);
        close(signal_pipe[1]);
        return -1;
    }
    return 0;
}

/* ---- the child's side ---- */

/* Right after fork, in the child: forget the parent's machinery. The
 * signals are still blocked (process_spawn blocked them), so none of the
 * parent's handlers can run here on the parent's pipes. */
static void process_become_child(int task, pid_t parent, const sigset_t *old)
{
    task_id = task;
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    close(ready_pipe[0]);
    ready_fd = ready_pipe[1];
    process_set_handlers(SIG_DFL);
    sigprocmask(SIG_SETMASK, old, NULL);
    /* Told when the parent dies, however it dies... */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    /* ...unless it died before that call: then we were reparented already
     * and no signal will come. This check closes the race. */
    if (getppid() != parent)
        _exit(0);
    /* Every child inherited the parent's seed and would draw the same
     * "random" numbers (Tornado reseeds from os.urandom for that reason).
     * pid ^ time differs between siblings started in the same second. */
    srandom((unsigned)getpid() ^ (unsigned)time(NULL));
}

void process_ready(void)
{
    pid_t pid = getpid();

    if (ready_fd < 0)
        return;
    /* sizeof(pid_t) < PIPE_BUF: the write is atomic, whatever the
     * siblings write at the same moment. */
    if (write(ready_fd, &pid, sizeof pid) < 0)
        log_error_errno("cannot tell the parent we are ready");
    close(ready_fd);
    ready_fd = -1;
}

/* ---- the parent's side ---- */

/* Fork the worker for task. In the child, returns 0 (and the caller
 * returns the task id); in the parent, the child's pid, or -1. */
static pid_t process_spawn(struct process_parent *p, int task)
{
    sigset_t block, old;
    pid_t pid;

    process_signal_set(&block);
    sigprocmask(SIG_BLOCK, &block, &old);
    fflush(stdout); /* or the child would print the parent's buffer too */
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        process_become_child(task, p->self, &old);
        return 0;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0)
        log_error_errno("fork");
    else
        log_info("started child %d (pid %d)", task, (int)pid);
    return pid;
}

static void process_kill_all(struct process_parent *p, int sig)
{
    for (int i = 0; i < p->n; i++) {
        if (p->slots[i].pid > 0)
            kill(p->slots[i].pid, sig);
        if (p->slots[i].retiring > 0)
            kill(p->slots[i].retiring, sig);
    }
}

static void process_stop(struct process_parent *p, int exit_status)
{
    if (p->stopping)
        return;
    p->stopping = 1;
    p->exit_status = exit_status;
    p->deadline = process_now() + p->opt.grace;
    process_kill_all(p, SIGTERM);
}

static int process_alive(const struct process_parent *p)
{
    for (int i = 0; i < p->n; i++)
        if (p->slots[i].pid > 0 || p->slots[i].retiring > 0)
            return 1;
    return 0;
}

/* SIGHUP's walk: give the first slot at or after `from` a new worker; the
 * old one is told to stop when the new one is ready (process_on_ready). */
static pid_t process_replace_from(struct process_parent *p, int from)
{
    for (int i = from; i < p->n; i++) {
        struct process_slot *s = &p->slots[i];
        if (s->pid <= 0)
            continue; /* done: nothing to replace */
        pid_t pid = process_spawn(p, i);
        if (pid <= 0)
            return pid; /* 0: we are the new child */
        s->retiring = s->pid;
        s->pid = pid;
        s->ready = 0;
        p->replacing = i;
        return pid;
    }
    p->replacing = -1;
    log_info("every child replaced");
    return 1;
}

/* A worker died that was still needed. Tornado's rule: restart it unless
 * it exited 0. Returns what process_spawn returned, or 1. */
static pid_t process_on_exit(struct process_parent *p, struct process_slot *s,
                             int task, int status)
{
    s->pid = 0;
    s->ready = 0;
    if (WIFSIGNALED(status))
        log_warn("child %d exited with signal %d", task, WTERMSIG(status));
    else if (WEXITSTATUS(status) != 0)
        log_warn("child %d exited with status %d", task, WEXITSTATUS(status));
    else {
        log_info("child %d exited normally", task);
        return 1;
    }
    if (p->stopping)
        return 1;
    if (++p->restarts > p->opt.max_restarts) {
        log_error("too many child restarts (%d), giving up",
                  p->opt.max_restarts);
        process_stop(p, 1);
        return 1;
    }
    pid_t pid = process_spawn(p, task);
    if (pid > 0)
        s->pid = pid;
    else if (pid < 0) /* a task id with no worker: give up cleanly */
        process_stop(p, 1);
    return pid;
}

/* Reap every child that has ended. Returns 0 if this process is now a new
 * child, else 1. */
static int process_reap(struct process_parent *p)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < p->n; i++) {
            struct process_slot *s = &p->slots[i];
            pid_t next = 1;
            if (pid == s->retiring) {
                s->retiring = 0;
                if (p->replacing == i && !p->stopping)
                    next = process_replace_from(p, i + 1);
            } else if (pid == s->pid) {
                next = process_on_exit(p, s, i, status);
            }
            if (next == 0)
                return 0;
        }
    }
    return 1;
}

/* A child's pid came down the ready pipe. */
static void process_on_ready(struct process_parent *p, pid_t pid)
{
    int all = 1;

    for (int i = 0; i < p->n; i++) {
        struct process_slot *s = &p->slots[i];
        if (s->pid == pid) {
            s->ready = 1;
            if (s->retiring > 0 && !p->stopping) /* SIGHUP: swap them */
                kill(s->retiring, SIGTERM);
        }
        all = all && (s->ready || s->pid <= 0);
    }
    if (all && !p->announced && !p->stopping) {
        p->announced = 1;
        if (p->opt.on_ready)
            p->opt.on_ready(p->opt.arg);
    }
}

static void process_read_ready(struct process_parent *p)
{
    pid_t pid;

    while (read(ready_pipe[0], &pid, sizeof pid) == (ssize_t)sizeof pid)
        process_on_ready(p, pid);
}

/* Act on the signals the handler wrote down. 0 if we are now a child. */
static int process_read_signals(struct process_parent *p)
{
    unsigned char sigs[64];
    ssize_t n;

    while ((n = read(signal_pipe[0], sigs, sizeof sigs)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (sigs[i] == SIGTERM || sigs[i] == SIGINT) {
                log_info("stopping %d children", p->n);
                process_stop(p, 0);
            } else if (sigs[i] == SIGHUP && !p->stopping &&
                       p->replacing < 0) {
                log_info("SIGHUP: replacing the children one by one");
                if (process_replace_from(p, 0) == 0)
                    return 0;
            }
        }
    }
    return process_reap(p); /* SIGCHLD, or a byte lost to a full pipe */
}

/* How long poll may sleep: for ever, or until the grace period ends. */
static int process_poll_timeout(struct process_parent *p)
{
    if (!p->stopping)
        return -1;
    double left = p->deadline - process_now();
    if (left <= 0) {
        log_warn("children still running after %g s: SIGKILL", p->opt.grace);
        process_kill_all(p, SIGKILL);
        p->deadline = process_now() + 3600; /* SIGKILL once */
        return -1;
    }
    return (int)(left * 1000) + 1;
}

/* The parent's loop. Returns 0 when this process has become a new child;
 * otherwise never returns. */
static int process_supervise(struct process_parent *p)
{
    struct pollfd fds[2] = {{.fd = signal_pipe[0], .events = POLLIN},
                            {.fd = ready_pipe[0], .events = POLLIN}};

    while (process_alive(p)) {
        int rc = poll(fds, 2, process_poll_timeout(p));
        if (rc < 0 && errno != EINTR) {
            log_error_errno("poll");
            process_stop(p, 1);
        }
        process_read_ready(p);
        if (process_read_signals(p) == 0)
            return 0;
    }
    log_info("every child has exited");
    exit(p->exit_status);
}

static int process_setup_parent(struct process_parent *p, int n,
                                const struct process_options *options)
{
    *p = (struct process_parent){.opt = *options, .n = n, .self = getpid(),
                                 .replacing = -1};
    if (p->opt.max_restarts == 0)
        p->opt.max_restarts = PROCESS_DEFAULT_RESTARTS;
    if (p->opt.max_restarts < 0)
        p->opt.max_restarts = 0;
    if (p->opt.grace <= 0)
        p->opt.grace = PROCESS_DEFAULT_GRACE;
    if (!(p->slots = calloc((size_t)n, sizeof *p->slots)))
        return -1;
    if (process_open_pipes() < 0 ||
        process_set_handlers(process_on_signal) < 0) {
        free(p->slots);
        return -1;
    }
    return 0;
}

int process_fork_with(int n, const struct process_options *options)
{
    static struct process_parent parent; /* the parent's, for good */
    struct process_parent *p = &parent;

    if (task_id >= 0 || n < 0) { /* fork once, from the parent */
        errno = EINVAL;
        return -1;
    }
    if (n == 0)
        n = process_cpu_count();
    if (process_setup_parent(p, n, options) < 0)
        return -1;
    log_info("starting %d processes", n);
    for (int i = 0; i < n; i++) {
        pid_t pid = process_spawn(p, i);
        if (pid == 0)
            break;
        if (pid < 0) {
            process_stop(p, 1);
            break;
        }
        p->slots[i].pid = pid;
    }
    if (task_id < 0)
        process_supervise(p); /* returns only in a new child */
    free(p->slots); /* the child's copy of the parent's table */
    p->slots = NULL;
    return task_id;
}

int process_fork(int n, int max_restarts)
{
    /* process_options says 0 for the default, and < 0 for none. */
    struct process_options options = {.max_restarts = max_restarts};

    if (max_restarts < 0)
        options.max_restarts = 0; /* the default */
    else if (max_restarts == 0)
        options.max_restarts = -1; /* no restart at all */

    return process_fork_with(n, &options);
}
