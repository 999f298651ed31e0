/* loadgen.c - an HTTP load generator for make bench: one thread, epoll, a latency histogram. */
/*
 * usage: loadgen [--host H] --port P [--path PATH] [--connections C] [--pipeline N]
 *                [--close] [--idle N] [--duration S] [--warmup S] [--timeout S]
 *                [--requests N] [--server-pid PID]
 *
 *   loadgen --port 8888 --connections 50 --duration 5
 *   loadgen --port 8888 --idle 10000 --server-pid 1234      # 50 busy + 10,000 idle
 *   loadgen --port 8888 --close                             # a connection per request
 *
 * C connections each send the same GET back to back (N at a time with
 * --pipeline; with --close a new connection for every request), for S
 * seconds after a warm-up whose answers are not counted. --idle opens N more
 * connections first that never send a byte, and holds them. The report is
 * one "name value [unit]" line per figure, for people and for awk:
 * requests, requests/s, latency percentiles (from a log-linear histogram:
 * within 1.6%, in constant memory), non-2xx answers, socket errors,
 * timeouts, and with --server-pid the CPU time and memory of that process
 * and its descendants (nginx's workers, Tornado's forks) during the window.
 *
 * What keeps it cheap enough to outrun the servers it measures: every socket
 * is registered once, edge-triggered for reading and writing, so a request
 * costs one send(), one recv() and a share of one epoll_wait(): no
 * epoll_ctl() per request, no allocation, no copy of the request.
 * Responses must be framed by Content-Length or by the close; a chunked
 * answer counts as a socket error.
 * Exit status: 0 (the figures tell how it went), 1 no connection possible
 * or a setup failure, 2 usage.
 */
#include "args.h"
#include "clock.h"
#include "net.h"

#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PIPELINE 64
#define INBUF 8192        /* a response head must fit; bodies stream through */
#define SWEEP_NS 50000000 /* look for timeouts and dead connections every 50 ms */
#define MAX_EVENTS 512

static const char USAGE[] =
    "usage: loadgen [--host H] --port P [--path PATH] [--connections C] [--pipeline N]\n"
    "               [--close] [--idle N] [--duration S] [--warmup S] [--timeout S]\n"
    "               [--requests N] [--server-pid PID]\n";

struct options {
    const char *host, *path, *duration_text, *warmup_text, *timeout_text;
    int port, connections, pipeline, close, idle, requests, server_pid;
    double duration, warmup, timeout;
};

/* One loaded connection. Requests in flight are stamped in a ring, oldest
 * at ring[head]; the response parser's state survives between reads. */
struct lconn {
    int fd;
    int live;        /* 0: waiting for the next sweep to reconnect */
    int outstanding; /* requests sent (or queued) and not yet answered */
    int head;
    int64_t sent_at[MAX_PIPELINE];
    size_t unsent;   /* bytes queued and not yet accepted by send() */
    size_t pos;      /* where in the request the next byte to send is */
    /* the response being read */
    int in_body, until_close, closing, status;
    int64_t body_left;
    size_t len, scanned;
    char in[INBUF];
};

/* Latencies in ns: exact below 128, then 64 buckets per power of two. */
#define HIST_BUCKETS (128 + 64 * 34)
struct stats {
    uint64_t hist[HIST_BUCKETS];
    int64_t max_ns;
    long requests, non_2xx, errors, timeouts;
    long idle_open, idle_gone; /* connected and still open; refused or closed */
};

static struct options opt = {.host = "127.0.0.1", .path = "/", .connections = 50,
                             .pipeline = 1, .duration_text = "5", .warmup_text = "1",
                             .timeout_text = "2"};
static struct stats st;
static int measuring;        /* counts go to st only in the measured window */
static int stopping;
static int epfd;
static struct sockaddr_storage addr;
static socklen_t addr_len;
static char *request;        /* --pipeline copies of the request, back to back */
static size_t request_len;   /* of one copy */
static struct lconn *conns;
static int *idle_fds;        /* -1 once refused or closed by the server */
static char *idle_up;        /* 1 once connected */

static int hist_bucket(int64_t ns)
{
    uint64_t v = ns < 0 ? 0 : (uint64_t)ns;
    int b;

    if (v < 128)
        return (int)v;
    if (v >= (uint64_t)1 << 41)
        v = ((uint64_t)1 << 41) - 1;
    b = 63 - __builtin_clzll(v);
    return 128 + (b - 7) * 64 + (int)((v >> (b - 6)) - 64);
}

/* The highest value bucket i holds, as HdrHistogram reports percentiles. */
static int64_t hist_high(int i)
{
    int b, sub;

    if (i < 128)
        return i;
    b = (i - 128) / 64 + 7;
    sub = (i - 128) % 64 + 64;
    return (((int64_t)sub + 1) << (b - 6)) - 1;
}

static double hist_percentile(double p)
{
    uint64_t want = (uint64_t)(p * (double)st.requests + 0.999999), seen = 0;

    for (int i = 0; i < HIST_BUCKETS; i++)
        if ((seen += st.hist[i]) >= want && seen > 0)
            return (double)(hist_high(i) < st.max_ns ? hist_high(i) : st.max_ns) / 1e6;
    return 0;
}

/* ---- the server's CPU time and memory, from /proc ---- */

struct usage {
    long long ticks; /* utime + stime of the process and its descendants */
    long rss_kb, hwm_kb;
    int procs;
};

/* The pid, parent and CPU ticks of one /proc/N/stat. 0 or -1. The command
 * name may hold spaces and parentheses: the fields start after the last ')'. */
static int read_stat(const char *pid, int *ppid, long long *ticks)
{
    char path[64], text[1024], *p;
    unsigned long long utime, stime;
    FILE *f;
    size_t n;

    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    if (!(f = fopen(path, "re")))
        return -1;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    if (!(p = strrchr(text, ')')) ||
        sscanf(p + 1, " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               ppid, &utime, &stime) != 3)
        return -1;
    *ticks = (long long)(utime + stime);
    return 0;
}

static void read_memory(int pid, struct usage *u)
{
    char path[64], line[256];
    long kb;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (!(f = fopen(path, "re")))
        return;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            u->rss_kb += kb;
        else if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            u->hwm_kb += kb;
    }
    fclose(f);
}

/* Sum over root and every process descended from it (nginx's master and
 * workers, Tornado's parent and forks). Resident sizes are summed too, so
 * pages the processes share count once per process. */
static void tree_usage(int root, struct usage *u)
{
    enum { MAX_PROCS = 8192 };
    static int pids[MAX_PROCS], ppids[MAX_PROCS], in_tree[MAX_PROCS];
    static long long ticks[MAX_PROCS];
    int n = 0, grew = 1;
    struct dirent *e;
    DIR *d = opendir("/proc");

    memset(u, 0, sizeof *u);
    while (d && n < MAX_PROCS && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
            read_stat(e->d_name, &ppids[n], &ticks[n]) < 0)
            continue;
        pids[n] = atoi(e->d_name);
        in_tree[n] = pids[n] == root;
        n++;
    }
    if (d)
        closedir(d);
    while (grew) { /* a process joins when its parent has joined */
        grew = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; !in_tree[i] && j < n; j++)
                if (in_tree[j] && ppids[i] == pids[j])
                    in_tree[i] = grew = 1;
    }
    for (int i = 0; i < n; i++)
        if (in_tree[i]) {
            u->ticks += ticks[i];
            u->procs++;
            read_memory(pids[i], u);
        }
}

static double cpu_seconds_self(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* ---- connections ---- */

static int open_socket(uint64_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u64 = tag};
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if ((connect(fd, (struct sockaddr *)&addr, addr_len) < 0 && errno != EINPROGRESS) ||
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static void count_error(void)
{
    if (measuring)
        st.errors++;
}

/* Queue n more requests and send what the socket takes. With an edge-
 * triggered EPOLLOUT registered once, EAGAIN needs no epoll_ctl(): the next
 * edge (the connect completing, room in the send buffer) resumes it. */
static int lconn_send(struct lconn *c, int n)
{
    int64_t now = clock_now_ns();

    for (int i = 0; i < n; i++)
        c->sent_at[(c->head + c->outstanding++) % MAX_PIPELINE] = now;
    c->unsent += (size_t)n * request_len;
    while (c->unsent > 0) {
        ssize_t w = send(c->fd, request + c->pos, c->unsent, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        c->unsent -= (size_t)w;
        c->pos = (c->pos + (size_t)w) % request_len;
    }
    return 0;
}

static void lconn_reset_parser(struct lconn *c)
{
    c->outstanding = c->head = 0;
    c->unsent = c->pos = c->len = c->scanned = 0;
    c->in_body = c->until_close = c->closing = 0;
}

/* Close and open a fresh connection with a full pipeline. After an error
 * the slot waits for the next sweep instead, so a server that refuses
 * connections is retried 20 times a second, not in a busy loop. */
static void lconn_restart(struct lconn *c, int after_error)
{
    if (c->fd >= 0)
        close(c->fd); /* removes it from the epoll set too */
    c->fd = -1;
    c->live = 0;
    lconn_reset_parser(c);
    if (after_error || stopping)
        return;
    c->fd = open_socket((uint64_t)(c - conns));
    if (c->fd < 0) {
        count_error();
        return;
    }
    c->live = 1;
    if (lconn_send(c, opt.pipeline) < 0)
        count_error(), lconn_restart(c, 1);
}

static void lconn_fail(struct lconn *c)
{
    count_error();
    lconn_restart(c, 1);
}

/* The head in [p, stop) is complete: note its status and framing. */
static void parse_head(struct lconn *c, const char *p, const char *stop)
{
    size_t end = (size_t)(stop - p);

    c->status = end > 12 && memcmp(p, "HTTP/1.", 7) == 0 ? atoi(p + 9) : 0;
    c->body_left = -1;
    c->until_close = 0;
    while ((p = memchr(p, '\n', (size_t)(stop - p))) && ++p < stop) {
        if (strncasecmp(p, "content-length:", 15) == 0)
            c->body_left = strtoll(p + 15, NULL, 10);
        else if (strncasecmp(p, "transfer-encoding:", 18) == 0)
            c->status = 0; /* chunked: not supported, see the top */
        else if (strncasecmp(p, "connection:", 11) == 0) {
            const char *eol = memchr(p, '\r', (size_t)(stop - p));
            if (eol && memmem(p, (size_t)(eol - p), "close", 5))
                c->closing = 1;
        }
    }
    if ((c->status >= 100 && c->status < 200) || c->status == 204 || c->status == 304)
        c->body_left = 0;
    else if (c->body_left < 0)
        c->until_close = 1;
}

static void response_done(struct lconn *c, int64_t now)
{
    int64_t ns = now - c->sent_at[c->head];

    c->head = (c->head + 1) % MAX_PIPELINE;
    c->outstanding--;
    c->in_body = 0;
    if (!measuring || stopping)
        return; /* stopping: --requests reached, answers past it not counted */
    st.requests++;
    st.hist[hist_bucket(ns)]++;
    if (ns > st.max_ns)
        st.max_ns = ns;
    if (c->status < 200 || c->status > 299)
        st.non_2xx++;
    if (opt.requests && st.requests >= opt.requests)
        stopping = 1;
}

/* Consume whole responses from c->in. Returns how many ended, or -1 on a
 * response this tool cannot read. */
static int parse_responses(struct lconn *c, int64_t now)
{
    size_t at = 0;
    int done = 0;

    while (at < c->len) {
        if (!c->in_body) {
            size_t from = c->scanned > 3 ? c->scanned - 3 : 0;
            char *end = memmem(c->in + at + from, c->len - at - from, "\r\n\r\n", 4);
            if (!end) {
                c->scanned = c->len - at;
                break;
            }
            parse_head(c, c->in + at, end + 4);
            if (c->status == 0 || c->outstanding == 0)
                return -1;
            at = (size_t)(end + 4 - c->in);
            c->scanned = 0;
            if (c->status >= 100 && c->status < 200)
                continue; /* 1xx: the real answer follows */
            c->in_body = 1;
        }
        if (c->until_close) {
            at = c->len; /* the body is whatever comes before the EOF */
            break;
        }
        size_t take = (size_t)c->body_left < c->len - at ? (size_t)c->body_left : c->len - at;
        at += take;
        c->body_left -= (int64_t)take;
        if (c->body_left > 0)
            break;
        response_done(c, now);
        done++;
    }
    memmove(c->in, c->in + at, c->len - at);
    c->len -= at;
    if (c->len == INBUF)
        return -1; /* a head larger than the buffer */
    return done;
}

/* Read until the socket is drained (edge-triggered: a short read means it
 * is, unless the peer's FIN came with the data: then read on to the EOF, as
 * no later edge will announce it), then send as many new requests as
 * answers came back. */
static void lconn_readable(struct lconn *c, int eof_pending)
{
    int done = 0;

    for (;;) {
        size_t room = INBUF - c->len;
        ssize_t n = recv(c->fd, c->in + c->len, room, 0);
        int64_t now = clock_now_ns();

        if (n > 0) {
            int k;
            c->len += (size_t)n;
            if ((k = parse_responses(c, now)) < 0)
                return lconn_fail(c);
            done += k;
            if ((size_t)n < room && !eof_pending)
                break;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (n == 0 && c->in_body && c->until_close) {
            response_done(c, now); /* the close ends this body */
            done++;
            c->closing = 1;
        }
        /* EOF: fine after a complete answer, an error with one pending. */
        if (n < 0 || c->outstanding > 0 || c->len > 0)
            return lconn_fail(c);
        return lconn_restart(c, 0);
    }
    /* The server said "Connection: close" and its answer is complete: the
     * requests still in flight are sent again on the new connection. */
    if ((opt.close && done > 0) || (c->closing && !c->in_body))
        return lconn_restart(c, 0);
    if (done > 0 && !c->closing && !stopping && lconn_send(c, done) < 0)
        lconn_fail(c);
}

static void lconn_event(struct lconn *c, uint32_t events)
{
    if (events & EPOLLERR) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err)
            return lconn_fail(c);
    }
    if ((events & EPOLLOUT) && c->unsent > 0 && lconn_send(c, 0) < 0)
        return lconn_fail(c);
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        lconn_readable(c, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
}

/* An idle connection only ever reports being connected (EPOLLOUT) or
 * being closed by the server. */
static void idle_event(int i, uint32_t events)
{
    if (idle_fds[i] < 0)
        return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        close(idle_fds[i]);
        idle_fds[i] = -1;
        st.idle_open -= idle_up[i];
        st.idle_gone++;
    } else if ((events & EPOLLOUT) && !idle_up[i]) {
        idle_up[i] = 1;
        st.idle_open++;
    }
}

static void dispatch(struct epoll_event *events, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t tag = events[i].data.u64;
        if (tag < (uint64_t)opt.connections) {
            if (conns[tag].fd >= 0)
                lconn_event(&conns[tag], events[i].events);
        } else {
            idle_event((int)(tag - (uint64_t)opt.connections), events[i].events);
        }
    }
}

/* Every 50 ms: a request older than --timeout counts as a timeout (each one
 * in flight on that connection) and the connection starts over; slots that
 * failed get their new connection. */
static void sweep(int64_t now)
{
    int64_t limit = (int64_t)(opt.timeout * 1e9);

    for (int i = 0; i < opt.connections; i++) {
        struct lconn *c = &conns[i];
        if (!c->live) {
            lconn_restart(c, 0);
        } else if (c->outstanding > 0 && now - c->sent_at[c->head] > limit) {
            if (measuring)
                st.timeouts += c->outstanding;
            lconn_restart(c, 0);
        }
    }
}

/* Open the idle connections and wait (up to --timeout per 1,000) until each
 * is connected or refused. They stay in the epoll set, reporting nothing
 * unless the server closes them. */
static void open_idle(void)
{
    struct epoll_event events[MAX_EVENTS];
    int64_t deadline;

    for (int i = 0; i < opt.idle; i++) {
        idle_fds[i] = open_socket((uint64_t)opt.connections + (uint64_t)i);
        if (idle_fds[i] < 0) {
            fprintf(stderr, "loadgen: idle connection %d: %s\n", i + 1, strerror(errno));
            st.idle_gone += opt.idle - i;
            for (int j = i + 1; j < opt.idle; j++)
                idle_fds[j] = -1;
            break;
        }
    }
    deadline = clock_now_ns() + (int64_t)(opt.timeout * 1e9 * (1 + opt.idle / 1000));
    while (st.idle_open + st.idle_gone < opt.idle && clock_now_ns() < deadline) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, 50);
        if (n > 0)
            dispatch(events, n);
    }
}

static void run(int64_t *window_start, int64_t *window_end, struct usage *u0,
                double *cpu0)
{
    struct epoll_event events[MAX_EVENTS];
    int64_t start = clock_now_ns();
    int64_t measure_at = start + (int64_t)(opt.warmup * 1e9);
    int64_t end = measure_at + (int64_t)(opt.duration * 1e9);
    int64_t next_sweep = start + SWEEP_NS;

    for (int i = 0; i < opt.connections; i++)
        lconn_restart(&conns[i], 0);
    while (!stopping) {
        int64_t now = clock_now_ns();
        int64_t wake = measuring ? end : measure_at;
        int n;

        if (!measuring && now >= measure_at) {
            if (opt.server_pid)
                tree_usage(opt.server_pid, u0);
            *cpu0 = cpu_seconds_self();
            *window_start = now = clock_now_ns();
            measuring = 1;
            continue;
        }
        if (measuring && now >= end)
            break;
        if (now >= next_sweep) {
            sweep(now);
            next_sweep = now + SWEEP_NS;
        }
        if (next_sweep < wake)
            wake = next_sweep;
        n = epoll_wait(epfd, events, MAX_EVENTS, (int)((wake - now) / 1000000) + 1);
        if (n < 0 && errno != EINTR) {
            perror("loadgen: epoll_wait");
            exit(1);
        }
        if (n > 0)
            dispatch(events, n);
    }
    *window_end = clock_now_ns();
    measuring = 0;
}

static void report(double seconds, double client_cpu, const struct usage *u0,
                   const struct usage *u1)
{
    double per_request = st.requests > 0 ? 1e6 / (double)st.requests : 0;

    printf("# loadgen: http://%s:%d%s, %d connections%s, pipeline %d, %d idle;"
           " %.2f s warm-up, %.2f s measured\n",
           opt.host, opt.port, opt.path, opt.connections,
           opt.close ? " (a connection per request)" : " (keep-alive)", opt.pipeline,
           opt.idle, opt.warmup, seconds);
    printf("requests        %ld\n", st.requests);
    printf("requests/s      %.1f\n", seconds > 0 ? (double)st.requests / seconds : 0);
    printf("latency_p50     %.3f ms\n", hist_percentile(0.50));
    printf("latency_p90     %.3f ms\n", hist_percentile(0.90));
    printf("latency_p99     %.3f ms\n", hist_percentile(0.99));
    printf("latency_max     %.3f ms\n", (double)st.max_ns / 1e6);
    printf("non_2xx         %ld\n", st.non_2xx);
    printf("socket_errors   %ld\n", st.errors);
    printf("timeouts        %ld\n", st.timeouts);
    printf("idle_open       %ld\n", st.idle_open);
    printf("idle_closed     %ld\n", st.idle_gone);
    printf("client_cpu/req  %.2f us\n", client_cpu * per_request);
    if (opt.server_pid) {
        double cpu = (double)(u1->ticks - u0->ticks) / (double)sysconf(_SC_CLK_TCK);
        printf("server_cpu      %.2f s\n", cpu);
        printf("server_cpu/req  %.2f us\n", cpu * per_request);
        printf("server_rss      %ld kB\n", u1->rss_kb);
        printf("server_rss_peak %ld kB\n", u1->hwm_kb);
        printf("server_procs    %d\n", u1->procs);
    }
}

static int usage_error(const char *what)
{
    fprintf(stderr, "loadgen: %s\n%s", what, USAGE);
    return ARGS_ERROR;
}

/* Seconds, possibly fractional; zero only where allowed. 0 or -1. */
static int parse_seconds(const char *text, double *out, int zero_ok)
{
    char *end;

    *out = strtod(text, &end);
    return end == text || *end || !(*out > 0 || (zero_ok && *out == 0)) || *out > 1e6
               ? -1 : 0;
}

static enum args_status parse_options(int argc, char **argv)
{
#define OPT(name, type, var, meta, help) {name, type, var, meta, help, 0, 0, NULL}
#define NUM(name, var, meta, help, min, max) {name, ARGS_INT, var, meta, help, min, max, NULL}
    const struct args_option table[] = {
        OPT("--host", ARGS_STRING, &opt.host, "H", "server address (127.0.0.1)"),
        NUM("--port", &opt.port, "P", "server port (required)", 1, 65535),
        OPT("--path", ARGS_STRING, &opt.path, "PATH", "what to GET (/)"),
        NUM("--connections", &opt.connections, "C", "loaded connections (50)", 0, 100000),
        NUM("--pipeline", &opt.pipeline, "N", "requests in flight per connection (1)", 1,
            MAX_PIPELINE),
        OPT("--close", ARGS_FLAG, &opt.close, NULL, "a new connection for every request"),
        NUM("--idle", &opt.idle, "N", "also hold N idle connections open (0)", 0, 1000000),
        OPT("--duration", ARGS_STRING, &opt.duration_text, "S", "seconds measured (5)"),
        OPT("--warmup", ARGS_STRING, &opt.warmup_text, "S", "seconds of load first, not counted (1)"),
        OPT("--timeout", ARGS_STRING, &opt.timeout_text, "S", "a request this old times out (2)"),
        NUM("--requests", &opt.requests, "N", "stop after N answers (0: no limit)", 0, INT_MAX),
        NUM("--server-pid", &opt.server_pid, "PID", "report its and its children's CPU, RSS",
            1, INT_MAX),
        {0}};
    enum args_status status = args_parse(argc, argv, "an HTTP load generator", table);

    if (status != ARGS_OK)
        return status;
    if (opt.port == 0)
        return usage_error("--port is required");
    if (parse_seconds(opt.duration_text, &opt.duration, 0) < 0 ||
        parse_seconds(opt.warmup_text, &opt.warmup, 1) < 0 ||
        parse_seconds(opt.timeout_text, &opt.timeout, 0) < 0)
        return usage_error("--duration, --warmup, --timeout: expected seconds, like 5 or 0.5");
    if (opt.close && opt.pipeline > 1)
        return usage_error("--close sends one request per connection: no --pipeline");
    if (opt.connections == 0 && opt.idle == 0)
        return usage_error("nothing to do: --connections 0 and no --idle");
    return ARGS_OK;
}

/* Resolve the server, check that it accepts a connection at all, and build
 * the request. 0, or -1 with a message. */
static int setup(void)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    char port[16];
    int fd, gai;

    snprintf(port, sizeof port, "%d", opt.port);
    if ((gai = getaddrinfo(opt.host, port, &hints, &ai)) != 0) {
        fprintf(stderr, "loadgen: %s: %s\n", opt.host, gai_strerror(gai));
        return -1;
    }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    addr_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    if ((fd = net_connect(opt.host, opt.port)) < 0) {
        fprintf(stderr, "loadgen: connect %s:%d: %s\n", opt.host, opt.port, strerror(errno));
        return -1;
    }
    close(fd);

    char one[1024];
    int n = snprintf(one, sizeof one, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n", opt.path,
                     opt.host, opt.port, opt.close ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof one) {
        fprintf(stderr, "loadgen: --path too long\n");
        return -1;
    }
    request_len = (size_t)n;
    request = malloc(request_len * (size_t)opt.pipeline);
    conns = calloc((size_t)opt.connections + 1, sizeof *conns);
    idle_fds = calloc((size_t)opt.idle + 1, sizeof *idle_fds);
    idle_up = calloc((size_t)opt.idle + 1, 1);
    if (!request || !conns || !idle_fds || !idle_up || (epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        perror("loadgen: setup");
        return -1;
    }
    for (int i = 0; i < opt.pipeline; i++)
        memcpy(request + (size_t)i * request_len, one, request_len);
    for (int i = 0; i < opt.connections; i++)
        conns[i].fd = -1;
    return 0;
}

int main(int argc, char **argv)
{
    enum args_status parsed = parse_options(argc, argv);
    struct usage u0 = {0}, u1 = {0};
    int64_t t0 = 0, t1 = 0;
    double cpu0 = 0, cpu1;

    if (parsed != ARGS_OK)
        return parsed == ARGS_HELP ? 0 : 2;
    signal(SIGPIPE, SIG_IGN);
    if (setup() < 0)
        return 1;
    if (opt.idle)
        open_idle();
    run(&t0, &t1, &u0, &cpu0);
    cpu1 = cpu_seconds_self();
    if (opt.server_pid)
        tree_usage(opt.server_pid, &u1);
    report((double)(t1 - t0) / 1e9, cpu1 - cpu0, &u0, &u1);
    fflush(stdout);
    for (int i = 0; i < opt.connections; i++)
        if (conns[i].fd >= 0)
            close(conns[i].fd);
    for (int i = 0; i < opt.idle; i++)
        if (idle_fds[i] >= 0)
            close(idle_fds[i]);
    free(conns);
    free(idle_fds);
    free(idle_up);
    free(request);
    close(epfd);
    return 0;
}
