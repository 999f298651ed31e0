/* process.h - pre-forked workers under a supervising parent. Tornado's
 * tornado.process.fork_processes and task_id, made sturdier.
 *
 *     int fds[TCPSERVER_MAX_SOCKETS];
 *     int n = tcpserver_bind_sockets(host, port, SOMAXCONN, fds, 8);
 *     int task = process_fork(0, 100);   // only the children return
 *     struct ioloop *loop = ioloop_new(NULL);  // AFTER the fork, in each
 *     ... tcpserver_add_sockets(srv, fds, n); process_ready(); ...
 *     ioloop_start(loop);
 *
 * Bind first, fork second: every child inherits the same listening
 * sockets, so all of them accept on one port. Create the loop after the
 * fork: an epoll descriptor shared by two processes is one interest list,
 * and each would be told of the other's sockets.
 *
 * The parent never returns from process_fork. It supervises, as Tornado's
 * does: a child killed by a signal, or exiting with a status other than 0,
 * is started again with the same task id; a child that exits 0 is done;
 * when every child is done the parent exits 0; more than max_restarts
 * restarts and it stops the others and exits 1 (Tornado raises
 * RuntimeError there and leaves the others running).
 *
 * Beyond Tornado, whose own issue #1912 calls fork_processes "very
 * fragile":
 *   - SIGTERM or SIGINT to the parent forwards SIGTERM to every child (each
 *     stops accepting and finishes what it holds), waits for them, at most
 *     grace seconds before a SIGKILL, and exits 0: no orphan;
 *   - a child whose parent dies, even by SIGKILL, gets SIGTERM
 *     (PR_SET_PDEATHSIG), and one whose parent died before that was set
 *     exits at once;
 *   - SIGHUP replaces the children one at a time: a new one with the same
 *     task id, and only once it says it accepts, SIGTERM to the old one.
 *     The listening sockets stay open in the parent meanwhile, so no
 *     client is refused.
 * "It accepts" is a child's process_ready() call: its pid down a pipe the
 * parent reads. The parent's on_ready runs once, when every first child
 * has called it: that is when a server prints its ready line.
 */
#ifndef CH06_PROCESS_H
#define CH06_PROCESS_H

/* A field left 0 takes its default. */
struct process_options {
    int max_restarts; /* restarts before giving up (default 100; < 0: 0) */
    double grace;     /* seconds a stopping child may take (default 10) */
    /* In the parent, once every child has called process_ready(). */
    void (*on_ready)(void *arg);
    void *arg;
};

/* Fork n children (0: one per CPU this process may run on), supervise them
 * in the parent, which never returns, and return each child's task id,
 * 0..n-1. The child's inherited random seed is replaced. max_restarts < 0
 * means the default, 100. On failure before any fork: -1 with errno.
 * Tornado: fork_processes(num_processes, max_restarts=None). */
int process_fork(int n, int max_restarts);
int process_fork_with(int n, const struct process_options *options);

/* In a child: tell the parent it accepts now. A no-op when unforked. */
void process_ready(void);

/* This child's task id, or -1 in an unforked process. Tornado: task_id(). */
int process_task_id(void);

/* How many CPUs this process may run on (sched_getaffinity), at least 1.
 * Tornado: process.cpu_count(). */
int process_cpu_count(void);

#endif
