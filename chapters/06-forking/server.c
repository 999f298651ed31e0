/* server.c - chapter 6: the demo app on every core. Bind the sockets,
 * fork the workers (process.c), then in each worker make the IOLoop and
 * add the sockets; blocking work goes to a thread pool (executor.c).
 * The routes are chapter 5's coroutine handlers (demo_handlers.c), plus
 * what is new here: /blocking-sleep/N, /cpu/N on the pool, /stats. */
#include "demo_handlers.h"
#include "executor.h"
#include "gen_web.h"
#include "httpserver.h"
#include "ioloop.h"
#include "process.h"
#include "tcpserver.h"
#include "watchdog.h"
#include "web.h"

#include "args.h"
#include "demo.h"
#include "log.h"
#include "net.h"
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The command line. */
struct config {
    struct server_config net;
    int procs, threads, queue, max_restarts, grace, exit_after;
    int reuseport, exclusive;
    const char *backend;
    const char *blocking; /* --blocking-threshold, as given */
    double threshold;     /* ...in seconds; 0: none */
    int bound_port;       /* the port bound (the answer to --port 0) */
};

static const char *const backends[] = {"epoll", "select", NULL};

/* One worker's world, made after the fork. */
static struct ioloop *loop;
static struct executor *pool;     /* NULL with --threads 0 */
static struct tcpserver *acceptor;
static struct watchdog *watchdog; /* NULL without --blocking-threshold */
static struct httpserver *http;
static struct web_application *app;
static unsigned long requests;    /* requests this worker has been given */
static struct tcpserver_stats accept_stats; /* kept when acceptor goes */
static int exit_after;            /* --exit-after: stop after this many */

static void on_stop_signal(void) { ioloop_stop(loop); }

/* ---- the new routes ---- */

static void text_plain(struct web_handler *h)
{
    web_set_header(h, "Content-Type", "text/plain");
}

/* /blocking-sleep/N's argument, as /sleep/N's: 0, or the status to answer
 * (404 for more than 3 decimals, 400 past an hour). */
static int sleep_arg(struct web_handler *h, int64_t *ms)
{
    const char *arg = web_path_arg(h, 0);

    *ms = demo_parse_ms(arg, strlen(arg));
    return *ms < 0 ? 404 : *ms > DEMO_MAX_SLEEP_MS ? 400 : 0;
}

/* /cpu/N's argument: 0, or 400. */
static int cpu_arg(struct web_handler *h, long *units)
{
    char *end;

    errno = 0;
    *units = strtol(web_path_arg(h, 0), &end, 10);
    return errno || *end || *units > DEMO_MAX_CPU_UNITS ? 400 : 0;
}

/* On a worker thread: a real, blocking sleep. */
static int sleep_job(void *arg, void **result)
{
    int64_t ms = (int64_t)(intptr_t)arg;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    *result = NULL;
    return 0;
}

/* On a worker thread (or inline): /cpu/N's work. */
static int cpu_job(void *arg, void **result)
{
    *result = (void *)(uintptr_t)demo_burn_cpu((long)(intptr_t)arg);
    return 0;
}

/* Run job inline (no pool: it holds the loop) or on the pool, where the
 * loop goes on meanwhile. A full queue is a 503: 0 with h finished. */
static int run_job(struct web_handler *h, executor_fn *job, intptr_t arg,
                   void **result)
{
    int err;

    if (!pool)
        return job((void *)arg, result);
    err = executor_run(pool, job, (void *)arg, result);
    if (err == EAGAIN)
        web_send_error(h, 503); /* h is finished and freed */
    return err;
}

static int blocking_sleep_get(struct web_handler *h)
{
    int64_t ms;
    void *unused;
    int err, status = sleep_arg(h, &ms);

    if (status)
        return web_send_error(h, status), 0;
    if ((err = run_job(h, sleep_job, (intptr_t)ms, &unused)))
        return err == EAGAIN ? 0 : err;
    text_plain(h);
    web_printf(h, "Slept %g s (blocking, pid %d)\n", (double)ms / 1000,
               (int)getpid());
    return 0;
}

static int cpu_get(struct web_handler *h)
{
    long units;
    void *sum;
    int err, status = cpu_arg(h, &units);

    if (status)
        return web_send_error(h, status), 0;
    if ((err = run_job(h, cpu_job, units, &sum)))
        return err == EAGAIN ? 0 : err;
    text_plain(h);
    web_printf(h, "Worked %ld units (%016llx)\n", units,
               (unsigned long long)(uintptr_t)sum);
    return 0;
}

/* This worker's counters, as one line: /stats answers it, exit logs it. */
static void stats_line(char *out, size_t size)
{
    struct tcpserver_stats t = accept_stats;
    struct ioloop_stats l;
    struct rusage ru = {0};

    if (acceptor)
        tcpserver_get_stats(acceptor, &t);
    ioloop_get_stats(loop, &l);
    /* Voluntary context switches: how often the process slept and was
     * woken. epoll checks a listener again before it reports it, so the
     * herd's losers mostly go back to sleep inside epoll_wait, unseen by
     * the counters above: this is where their wake-ups show. */
    getrusage(RUSAGE_SELF, &ru);
    snprintf(out, size,
             "task %d pid %d requests %lu wakeups %lu wasted %lu "
             "accepted %lu eagain %lu switches %ld busy %.3f",
             process_task_id(), (int)getpid(), requests, t.wakeups, t.wasted,
             t.accepted, t.eagain, ru.ru_nvcsw,
             l.seconds > 0 ? 1 - l.poll_seconds / l.seconds : 0.0);
}

static int stats_get(struct web_handler *h)
{
    char line[256];

    stats_line(line, sizeof line);
    text_plain(h);
    return web_printf(h, "%s\n", line) < 0 ? errno : 0;
}

#define CLASS(NAME, BODY)                                                   \
    {.base = {.name = NAME, .get = gen_web_get, GEN_WEB_BASE(0)}, .get = BODY}

static const struct gen_web_class blocking_sleep_handler =
    CLASS("BlockingSleepHandler", blocking_sleep_get);
static const struct gen_web_class cpu_handler = CLASS("CpuHandler", cpu_get);
static const struct gen_web_class stats_handler =
    CLASS("StatsHandler", stats_get);

static const struct web_route routes[] = {
    {"/", &demo_hello_handler.base, NULL},
    {"/sleep/([0-9]+(\\.[0-9]+)?)", &demo_sleep_handler.base, NULL},
    {"/blocking-sleep/([0-9]+(\\.[0-9]+)?)", &blocking_sleep_handler.base,
     NULL},
    {"/cpu/([0-9]+)", &cpu_handler.base, NULL},
    {"/pid", &demo_pid_handler.base, NULL},
    {"/echo", &demo_echo_handler.base, NULL},
    {"/stats", &stats_handler.base, NULL},
    {0}};

/* ---- one worker ---- */

static int stop_cb(struct ioloop *l, void *arg)
{
    (void)arg;
    ioloop_stop(l);
    return 0;
}

/* Every request passes here on its way to the application: counted, and
 * with --exit-after, the worker stops itself (exit 0: not restarted) once
 * the last one has had a moment to be answered. */
static void on_request(struct http_request *req, void *arg)
{
    requests++;
    web_application_handle(req, arg);
    if (exit_after && requests == (unsigned long)exit_after)
        ioloop_call_later(loop, 0.1, stop_cb, NULL);
}

static void on_stream(struct tcpserver *srv, struct iostream *stream,
                      const char *peer, void *arg)
{
    (void)srv, (void)arg;
    httpserver_handle_stream(http, stream, peer);
}

/* A graceful stop: no new connection, and the requests in flight get
 * grace seconds to finish before their connections are closed. "In
 * flight" is a coroutine handler running (gen_web_running), and a request
 * can be on its way in a connection accepted just before the stop, its
 * bytes not read yet: so the wait lasts DRAIN_SETTLE seconds at least,
 * for such heads to arrive and their handlers to start. A client that
 * connects and then waits longer to send is closed unanswered, as an idle
 * keep-alive connection is. A second SIGTERM stops the wait early: then
 * the check must not outlive it. */
#define DRAIN_SETTLE 0.2
static double drain_settled, drain_deadline;
static ioloop_timeout drain_check;

static int check_drained(struct ioloop *l, void *arg)
{
    double now = ioloop_time(l);

    (void)arg;
    drain_check = 0;
    if (now >= drain_deadline ||
        (now >= drain_settled && gen_web_running() == 0))
        ioloop_stop(l);
    else
        drain_check = ioloop_call_later(l, 0.02, check_drained, NULL);
    return 0;
}

static void worker_drain(double grace)
{
    double now = ioloop_time(loop);

    drain_deadline = now + grace;
    drain_settled = now + (grace < DRAIN_SETTLE ? grace : DRAIN_SETTLE);
    tcpserver_get_stats(acceptor, &accept_stats);
    tcpserver_free(acceptor); /* our copies: the siblings accept on */
    acceptor = NULL;
    drain_check = ioloop_call_later(loop, 0.02, check_drained, NULL);
    ioloop_start(loop);
    if (drain_check)
        ioloop_remove_timeout(loop, drain_check);
}

static void worker_start(const struct config *c, const int *fds, int n)
{
    const struct httpserver_options options = {
        .stream_body = web_application_stream_body};

    if (!(loop = ioloop_new(c->backend)))
        die("cannot create the %s loop", c->backend);
    server_on_stop(on_stop_signal);
    if (server_catch_signals() < 0)
        die("cannot install signal handlers");
    if (c->threshold > 0 && !(watchdog = watchdog_new(loop, c->threshold)))
        die("cannot start the watchdog");
    if (c->threads > 0 && !(pool = executor_new(loop, c->threads,
                                                 (size_t)c->queue)))
        die("cannot start %d threads", c->threads);
    if (!(app = web_application_new(loop, routes)) ||
        !(http = httpserver_new(loop, &options, on_request, app)) ||
        !(acceptor = tcpserver_new(loop, on_stream, NULL)))
        die("cannot create the application");
    tcpserver_set_exclusive(acceptor, c->exclusive);
    if (tcpserver_add_sockets(acceptor, fds, n) < 0)
        die("cannot accept");
}

static void worker_finish(const struct config *c)
{
    char line[256];

    watchdog_free(watchdog); /* the loop stops and starts from here on */
    watchdog = NULL;
    log_info("stopping");
    worker_drain(c->grace);
    stats_line(line, sizeof line);
    log_info("stats: %s", line);
    httpserver_free(http); /* cancels what is still waiting */
    if (gen_web_drain(loop, 1) != 0)
        log_error("coroutine handlers still running at exit");
    executor_free(pool); /* cancels the queued, joins the running */
    ioloop_add_callback(loop, stop_cb, NULL); /* their deliveries */
    ioloop_start(loop);
    web_application_free(app);
    ioloop_free(loop);
}

/* ---- listening ---- */

/* --reuseport: a socket of this worker's own on the shared port, with
 * SO_REUSEPORT; the kernel spreads connections between such sockets by a
 * hash of the client's address, so no two workers race for one.
 * listening is 0 for the parent's socket, which only holds the port: a
 * bound socket that does not listen is in no accept group. -1 with
 * errno. */
static int bind_reuseport(const char *host, int port, int listening)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai;
    char service[16];
    int one = 1, fd = -1;

    snprintf(service, sizeof service, "%d", port);
    if (getaddrinfo(host, service, &hints, &ai) != 0) {
        errno = EADDRNOTAVAIL;
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
        (listening && listen(fd, SOMAXCONN) < 0)) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        fd = -1;
        errno = saved;
    }
    freeaddrinfo(ai);
    return fd;
}

/* The one ready line (arg: the config). With --procs, the parent prints
 * it once every child accepts (process_options.on_ready). */
static void print_ready(void *arg)
{
    const struct config *c = arg;
    int bracket = strchr(c->net.host, ':') != NULL; /* an IPv6 literal */

    printf("listening on http://%s%s%s:%d\n", bracket ? "[" : "",
           c->net.host, bracket ? "]" : "", c->bound_port);
    fflush(stdout);
}

/* The sockets every worker shares (bound before the fork), or with
 * --reuseport the one that holds the port. Returns how many. */
static int bind_shared(struct config *c, int *fds)
{
    int n;

    if (c->reuseport)
        n = (fds[0] = bind_reuseport(c->net.host, c->net.port, 0)) < 0 ? -1
                                                                      : 1;
    else
        n = tcpserver_bind_sockets(c->net.host, c->net.port, SOMAXCONN, fds,
                                   TCPSERVER_MAX_SOCKETS);
    if (n < 0)
        die("cannot listen on %s:%d", c->net.host, c->net.port);
    c->bound_port = net_local_port(fds[0]);
    return n;
}

/* ---- main ---- */

static int parse(int argc, char **argv, struct config *c)
{
    const struct args_option options[] = {
        SERVER_OPTIONS(c->net),
        {"--procs", ARGS_INT, &c->procs, "N",
         "worker processes (default 1: no fork; 0: one per CPU)", 0, 256,
         NULL},
        {"--threads", ARGS_INT, &c->threads, "N",
         "threads for blocking work (default 0: inline)", 0, 1024, NULL},
        {"--queue", ARGS_INT, &c->queue, "N",
         "jobs that may wait for a thread (default 4 per thread)", 0,
         1000000, NULL},
        {"--reuseport", ARGS_FLAG, &c->reuseport, NULL,
         "a socket per worker (SO_REUSEPORT)", 0, 0, NULL},
        {"--exclusive", ARGS_FLAG, &c->exclusive, NULL,
         "wake one worker per connection (EPOLLEXCLUSIVE)", 0, 0, NULL},
        {"--max-restarts", ARGS_INT, &c->max_restarts, "N",
         "restarts of dead workers before giving up (default 100)", 0,
         1000000, NULL},
        {"--grace", ARGS_INT, &c->grace, "SECONDS",
         "at a stop, how long requests in flight may take (default 10)", 1,
         3600, NULL},
        {"--backend", ARGS_CHOICE, &c->backend, "epoll|select",
         "each worker's poller (default epoll)", 0, 0, backends},
        {"--blocking-threshold", ARGS_STRING, &c->blocking, "SECONDS",
         "log a backtrace when a callback holds the loop longer", 0, 0, NULL},
        {"--exit-after", ARGS_INT, &c->exit_after, "N",
         "tests only: a worker exits 0 after N requests", 0, 1000000, NULL},
        {0}};
    enum args_status status = args_parse(
        argc, argv, "Chapter 6: the demo app on forked workers and threads.",
        options);

    if (status == ARGS_OK && c->reuseport && c->exclusive) {
        fprintf(stderr, "--reuseport and --exclusive exclude each other\n");
        return 2;
    }
    if (status == ARGS_OK && c->blocking) {
        char *end;
        c->threshold = strtod(c->blocking, &end);
        if (*end || end == c->blocking || !(c->threshold > 0) ||
            c->threshold > 3600) {
            fprintf(stderr, "--blocking-threshold: a number of seconds, "
                            "more than 0, at most 3600\n");
            return 2;
        }
    }
    if (status == ARGS_OK && c->exclusive && strcmp(c->backend, "epoll")) {
        fprintf(stderr, "--exclusive needs the epoll backend\n");
        return 2;
    }
    return status == ARGS_OK ? -1 : status == ARGS_HELP ? 0 : 2;
}

int main(int argc, char **argv)
{
    static struct config c = {.net = SERVER_CONFIG_DEFAULT, .procs = 1,
                              .max_restarts = 100, .grace = 10,
                              .backend = "epoll"};
    int fds[TCPSERVER_MAX_SOCKETS], n, rc;

    if ((rc = parse(argc, argv, &c)) >= 0)
        return rc;
    log_setup("ch06");
    exit_after = c.exit_after;
    n = bind_shared(&c, fds); /* 1. bind, in the parent */
    if (c.procs != 1) {       /* 2. fork; only the workers return */
        /* The parent waits a second longer than a worker's own grace. */
        struct process_options po = {
            .max_restarts = c.max_restarts ? c.max_restarts : -1,
            .grace = c.grace + 1, .on_ready = print_ready, .arg = &c};
        if (process_fork_with(c.procs, &po) < 0)
            die("cannot fork");
    }
    if (c.reuseport) { /* this worker's own socket on the port */
        int held = fds[0];
        if ((fds[0] = bind_reuseport(c.net.host, c.bound_port, 1)) < 0)
            die("cannot listen on %s:%d", c.net.host, c.bound_port);
        close(held);
    }
    /* 3. in each worker: its own loop, and the sockets added to it */
    worker_start(&c, fds, n);
    if (process_task_id() >= 0) {
        log_info("worker %d accepting (pid %d)", process_task_id(),
                 (int)getpid());
        process_ready();
    } else {
        print_ready(&c);
    }
    ioloop_start(loop);
    worker_finish(&c);
    return 0;
}
