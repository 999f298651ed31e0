/* subprocess.c - a child process on the IOLoop: spawn it, read its pipes,
 * time it out, reap it, report once. */
#include "subprocess.h"

#include "log.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bytes per read(), and at most per wake-up: a child that writes as fast
 * as we read must not keep the loop from everything else. The loop is
 * level-triggered, so whatever is left makes it call us again. */
#define READ_CHUNK 65536
#define READ_PER_WAKEUP (1 << 20)
/* The waitpid() poll for a child that has closed its pipes but not yet
 * exited: first after 1 ms, doubling up to every 100 ms. */
#define REAP_FIRST_DELAY 0.001
#define REAP_MAX_DELAY 0.1

enum { STDOUT_PIPE, STDERR_PIPE };
enum state { RUNNING, REPORTING, DONE };

struct subprocess {
    struct ioloop *loop;
    pid_t pid;
    int reaped;                /* waitpid() has collected it: pid is free */
    int fds[2];                /* our ends of its stdout, stderr, or -1 */
    ioloop_timeout timer;      /* the kill, or 0 */
    ioloop_timeout reap_timer; /* the next waitpid() poll, or 0 */
    double reap_delay;
    double started;
    enum state state;
    int free_requested;        /* freed while REPORTING: the report frees */
    subprocess_done_fn *done;
    void *arg;
    struct subprocess_result result;
};

/* Stop watching one pipe, then close it: remove_handler BEFORE close. */
static void subprocess_close_pipe(struct subprocess *p, int i)
{
    if (p->fds[i] < 0)
        return;
    ioloop_remove_handler(p->loop, p->fds[i]);
    close(p->fds[i]);
    p->fds[i] = -1;
}

/* Read pipe i until EAGAIN, or until READ_PER_WAKEUP bytes; at EOF, or on
 * an error, stop watching it and close it. */
static void subprocess_read_pipe(struct subprocess *p, int i)
{
    struct buffer *b = i == STDOUT_PIPE ? &p->result.out : &p->result.err;

    for (size_t got = 0;;) {
        if (got >= READ_PER_WAKEUP)
            return; /* enough for one turn; the rest waits for the next */
        if (buffer_reserve(b, READ_CHUNK) < 0) {
            log_warn("child %d: out of memory; dropping its output", p->pid);
            break;
        }
        ssize_t n = read(p->fds[i], buffer_tail(b), buffer_space(b));
        if (n > 0) {
            buffer_commit(b, (size_t)n);
            got += (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            return; /* all read for now: the loop calls us again */
        } else if (n == 0 || errno != EINTR) {
            break; /* EOF: the child (and any child of its) closed it */
        }
    }
    subprocess_close_pipe(p, i);
}

static int on_report(struct ioloop *loop, void *arg);
static int on_reap_timer(struct ioloop *loop, void *arg);

/* The child is reaped: read what is left in its pipes, cancel the timeout,
 * and queue the report. The report goes through add_callback so that done
 * runs from a clean stack: it may free p, and we are still inside p's own
 * handler or timeout here. Nothing touches p after this. */
static void subprocess_finish(struct subprocess *p)
{
    for (int i = 0; i < 2; i++)
        if (p->fds[i] >= 0) { /* only after a timeout: a grandchild holds it */
            subprocess_read_pipe(p, i);
            subprocess_close_pipe(p, i);
        }
    if (p->timer) { /* the child beat the clock: Tornado's remove_timeout */
        ioloop_remove_timeout(p->loop, p->timer);
        p->timer = 0;
    }
    p->result.elapsed = ioloop_time(p->loop) - p->started;
    p->state = REPORTING;
    if (ioloop_add_callback(p->loop, on_report, p) < 0)
        on_report(p->loop, p); /* ENOMEM: report now rather than never */
}

/* Reaping. A child is finished when both pipes are at EOF (or it was
 * killed), but EOF only says that it closed them: it may still be in the
 * middle of exiting, or it may have closed them and gone on running. So
 * we never block in waitpid(): WNOHANG, and if the child is still alive,
 * try again from a timeout a moment later, backing off to every 100 ms.
 * Usually the first or second try succeeds. The other ways are a SIGCHLD
 * handler writing to a self-pipe (Tornado's Subprocess does this), which
 * takes over a process-wide signal that a library should not own, or
 * Linux's pidfd_open(), a descriptor that becomes readable when the child
 * exits, which a loop can watch like any other (Linux 5.3 and later). */
static void subprocess_try_reap(struct subprocess *p)
{
    int status = 0;
    pid_t r;

    if (p->reap_timer) {
        ioloop_remove_timeout(p->loop, p->reap_timer);
        p->reap_timer = 0;
    }
    do
        r = waitpid(p->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        p->reap_timer = ioloop_call_later(p->loop, p->reap_delay,
                                          on_reap_timer, p);
        p->reap_delay = p->reap_delay * 2 < REAP_MAX_DELAY ? p->reap_delay * 2
                                                           : REAP_MAX_DELAY;
        if (p->reap_timer)
            return;
        /* ENOMEM: wait for it here; it has closed its pipes or was killed. */
        while ((r = waitpid(p->pid, &status, 0)) < 0 && errno == EINTR)
            ;
    }
    if (r < 0) /* ECHILD: SIGCHLD set to SIG_IGN, or someone else reaped it */
        log_warn("waitpid(%d): %s; status lost", p->pid, strerror(errno));
    else if (WIFEXITED(status))
        p->result.exited = 1, p->result.status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        p->result.signaled = 1, p->result.signal = WTERMSIG(status);
    p->reaped = 1;
    subprocess_finish(p);
}

static int on_reap_timer(struct ioloop *loop, void *arg)
{
    struct subprocess *p = arg;

    (void)loop;
    p->reap_timer = 0; /* it has run: the handle is dead */
    subprocess_try_reap(p);
    return 0;
}

/* Tornado: add_handler's callback. Readable, or IOLOOP_ERROR (the writer
 * hung up): either way read, and the read finds the data or the EOF. */
static int on_pipe(struct ioloop *loop, int fd, int events, void *arg)
{
    struct subprocess *p = arg;

    (void)loop, (void)events;
    subprocess_read_pipe(p, fd == p->fds[STDOUT_PIPE] ? STDOUT_PIPE
                                                      : STDERR_PIPE);
    if (p->fds[STDOUT_PIPE] < 0 && p->fds[STDERR_PIPE] < 0)
        subprocess_try_reap(p);
    return 0;
}

/* Tornado: the add_timeout callback. The child is not reaped yet, so its
 * pid cannot belong to anybody else: kill() hits the right process. Then
 * reap at once instead of waiting for EOF, which a grandchild holding the
 * pipes could delay for ever. */
static int on_timeout(struct ioloop *loop, void *arg)
{
    struct subprocess *p = arg;

    (void)loop;
    p->timer = 0;
    p->result.timed_out = 1;
    if (kill(p->pid, SIGKILL) < 0)
        log_warn("kill(%d): %s", p->pid, strerror(errno));
    subprocess_try_reap(p);
    return 0;
}

static void subprocess_destroy(struct subprocess *p)
{
    buffer_free(&p->result.out);
    buffer_free(&p->result.err);
    free(p);
}

/* Tornado: the add_callback that delivers the result. */
static int on_report(struct ioloop *loop, void *arg)
{
    struct subprocess *p = arg;

    (void)loop;
    p->state = DONE;
    if (p->free_requested)
        subprocess_destroy(p);
    else
        p->done(p, &p->result, p->arg);
    return 0;
}

/* posix_spawnp() with stdin from /dev/null and stdout, stderr to the
 * pipes' write ends. glibc's posix_spawn waits until the child has called
 * exec, so a missing command is an ENOENT returned here, not an exit
 * status 127 later. Returns 0 or an errno value. */
static int subprocess_spawn(pid_t *pid, char *const argv[], int out, int err)
{
    posix_spawn_file_actions_t files;
    posix_spawnattr_t attr;
    sigset_t none, pipe_only;
    int rc;

    if ((rc = posix_spawn_file_actions_init(&files)) != 0)
        return rc;
    if ((rc = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&files);
        return rc;
    }
    /* The child starts with no signal blocked, and with SIGPIPE back to
     * its default even if we ignore it (servers do): a child writing into
     * a closed pipe should die, as it would in a shell. */
    sigemptyset(&none);
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    if (!(rc = posix_spawn_file_actions_addopen(&files, STDIN_FILENO,
                                                "/dev/null", O_RDONLY, 0)) &&
        !(rc = posix_spawn_file_actions_adddup2(&files, out, STDOUT_FILENO)) &&
        !(rc = posix_spawn_file_actions_adddup2(&files, err, STDERR_FILENO)) &&
        !(rc = posix_spawnattr_setsigmask(&attr, &none)) &&
        !(rc = posix_spawnattr_setsigdefault(&attr, &pipe_only)) &&
        !(rc = posix_spawnattr_setflags(
              &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
        rc = posix_spawnp(pid, argv[0], &files, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&files);
    return rc;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Everything that can fail comes before the spawn, so that a failure
 * never leaves a child to kill. The pipes are close-on-exec (another
 * thread's child must not inherit them; dup2 in the child clears the flag
 * on its copies), and only OUR ends are non-blocking: O_NONBLOCK belongs
 * to each end separately, and a child whose stdout is non-blocking fails
 * with EAGAIN when the pipe is full. */
struct subprocess *subprocess_start(struct ioloop *loop, char *const argv[],
                                    double timeout, subprocess_done_fn *done,
                                    void *arg)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, rc, saved;
    struct subprocess *p;

    if (!argv || !argv[0] || !done) {
        errno = EINVAL;
        return NULL;
    }
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    *p = (struct subprocess){.loop = loop, .pid = -1, .fds = {-1, -1},
                             .reap_delay = REAP_FIRST_DELAY, .done = done,
                             .arg = arg};
    buffer_init(&p->result.out);
    buffer_init(&p->result.err);
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
        net_set_nonblocking(out[0]) < 0 || net_set_nonblocking(err[0]) < 0)
        goto fail;
    if (ioloop_add_handler(loop, out[0], IOLOOP_READ, on_pipe, p) < 0)
        goto fail;
    p->fds[STDOUT_PIPE] = out[0], out[0] = -1; /* p owns it now */
    if (ioloop_add_handler(loop, err[0], IOLOOP_READ, on_pipe, p) < 0)
        goto fail;
    p->fds[STDERR_PIPE] = err[0], err[0] = -1;
    if (timeout > 0 &&
        !(p->timer = ioloop_call_later(loop, timeout, on_timeout, p))) {
        errno = ENOMEM;
        goto fail;
    }
    p->started = ioloop_time(loop);
    if ((rc = subprocess_spawn(&p->pid, argv, out[1], err[1])) != 0) {
        errno = rc;
        goto fail;
    }
    /* The child has its copies: ours must go, or we never see EOF. */
    close_fd(&out[1]);
    close_fd(&err[1]);
    return p;
fail:
    saved = errno;
    close_fd(&out[0]), close_fd(&out[1]), close_fd(&err[0]), close_fd(&err[1]);
    subprocess_close_pipe(p, STDOUT_PIPE);
    subprocess_close_pipe(p, STDERR_PIPE);
    if (p->timer)
        ioloop_remove_timeout(loop, p->timer);
    subprocess_destroy(p);
    errno = saved;
    return NULL;
}

pid_t subprocess_pid(const struct subprocess *p)
{
    return p->pid;
}

/* Cancel a running subprocess: SIGKILL, then a blocking waitpid(), which
 * returns at once in practice since nothing survives SIGKILL. */
static void subprocess_cancel(struct subprocess *p)
{
    subprocess_close_pipe(p, STDOUT_PIPE);
    subprocess_close_pipe(p, STDERR_PIPE);
    if (p->timer)
        ioloop_remove_timeout(p->loop, p->timer);
    if (p->reap_timer)
        ioloop_remove_timeout(p->loop, p->reap_timer);
    if (p->reaped)
        return;
    if (kill(p->pid, SIGKILL) < 0)
        log_warn("kill(%d): %s", p->pid, strerror(errno));
    while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

void subprocess_free(struct subprocess *p)
{
    if (!p)
        return;
    if (p->state == REPORTING) { /* the queued report still points at p */
        p->free_requested = 1;
        return;
    }
    if (p->state == RUNNING)
        subprocess_cancel(p);
    subprocess_destroy(p);
}
