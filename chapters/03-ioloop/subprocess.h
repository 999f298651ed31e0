/* subprocess.h - a child process watched by the IOLoop: its output through
 * pipes, a timeout, and one report when it has finished.
 * Tornado's tornado.process.Subprocess (with STREAM pipes), in C.
 *
 *     static void on_done(struct subprocess *p,
 *                         const struct subprocess_result *r, void *arg)
 *     {
 *         if (r->timed_out)
 *             printf("too slow\n");
 *         else if (r->exited)
 *             printf("exit %d: %.*s", r->status,
 *                    (int)buffer_len(&r->out), buffer_data(&r->out));
 *         subprocess_free(p);                    // r dies with p
 *         ioloop_stop(loop);
 *     }
 *
 *     char *argv[] = {"echo", "hello", NULL};
 *     struct subprocess *p = subprocess_start(loop, argv, 3.0, on_done, NULL);
 *     if (!p)
 *         printf("cannot start: %s\n", strerror(errno));   // ENOENT
 *     ioloop_start(loop);
 *
 * The child's stdin is /dev/null; its stdout and stderr are pipes the loop
 * reads (add_handler) into two buffers. A timeout (call_later) kills the
 * child with SIGKILL, and is cancelled (remove_timeout) when the child ends
 * first. The report comes through add_callback, never from inside
 * subprocess_start(). The module reaps every child it starts, so no zombie
 * is left behind, and closes every descriptor it opens; it needs SIGCHLD
 * left at its default (not SIG_IGN, which makes the kernel reap children
 * before waitpid() can see their status).
 */
#ifndef CH03_SUBPROCESS_H
#define CH03_SUBPROCESS_H

#include "ioloop.h"

#include "buffer.h"

#include <sys/types.h>

struct subprocess;

/* How a child ended. out and err hold everything it wrote. */
struct subprocess_result {
    int exited, status;   /* exited normally, with this exit status */
    int signaled, signal; /* killed by this signal (9 after a timeout) */
    int timed_out;        /* the timeout fired and the child was killed */
    double elapsed;       /* seconds from start to the end of the child */
    struct buffer out, err;
};

/* Called once, from a loop callback, when the child has ended and both of
 * its pipes are read to the end. r belongs to p: it stays valid until
 * subprocess_free(p), which done may call. */
typedef void subprocess_done_fn(struct subprocess *p,
                                const struct subprocess_result *r, void *arg);

/* Start argv[0] (searched in PATH) with arguments argv (NULL-terminated),
 * watched by loop. After timeout seconds (<= 0: never) the child is killed.
 * Returns the subprocess, or NULL with errno when it cannot start: ENOENT
 * or EACCES for a command that does not exist or cannot run, EMFILE out of
 * descriptors, ERANGE on the select backend for descriptors >= FD_SETSIZE.
 * A NULL return has left nothing behind: no child, no descriptor, and done
 * is never called. Tornado: Subprocess(args, stdout=STREAM, stderr=STREAM)
 * plus a loop.call_later() of your own for the timeout. */
struct subprocess *subprocess_start(struct ioloop *loop, char *const argv[],
                                    double timeout, subprocess_done_fn *done,
                                    void *arg);

/* The child's process id (it is not reaped before done is called). */
pid_t subprocess_pid(const struct subprocess *p);

/* Free p, its result and its buffers. Before done has run this cancels the
 * subprocess: the child is killed (SIGKILL) and reaped, its pipes closed,
 * and done is never called. Call it from done, or any time after, or to
 * cancel: every path leaves no zombie and no open descriptor. One case
 * waits: if the child has ended and its report is already queued, the
 * memory goes when the loop runs that callback, so let the loop turn once
 * more before ioloop_free(). NULL is ignored. */
void subprocess_free(struct subprocess *p);

#endif
