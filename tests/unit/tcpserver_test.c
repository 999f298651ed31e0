/* tcpserver_test.c - chapter 4's TCPServer: listening, handing connections
 * over with their peer address, bounded accepts per wake-up, IPv4 and IPv6
 * on one port, a port in use, running out of descriptors (no spin, queued
 * clients told, recovery), and freeing without leaking a descriptor.
 *
 * Each case runs under alarm(5): a loop that never stops kills the case
 * instead of hanging the suite. */
#include "check.h"
#include "tcpserver.h"

#include "net.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- helpers ---- */

/* What handle_stream received. */
static struct iostream *streams[1024];
static char last_peer[128];
static int handed;    /* streams handed over so far */
static int want;      /* stop the loop when handed reaches it (0: never) */
static int this_iter; /* handed over since the iteration tick last ran */
static int max_iter;  /* the most handed over in one iteration */
static int busy_iters; /* iterations that handed over at least one */

static void on_stream(struct tcpserver *srv, struct iostream *s,
                      const char *peer, void *arg)
{
    struct ioloop *loop = arg;

    (void)srv;
    CHECK(s != NULL);
    if (handed < (int)(sizeof streams / sizeof streams[0]))
        streams[handed] = s;
    else
        iostream_free(s);
    handed++;
    this_iter++;
    snprintf(last_peer, sizeof last_peer, "%s", peer);
    if (want && handed == want)
        ioloop_stop(loop);
}

static void free_streams(void)
{
    int n = handed < 1024 ? handed : 1024;

    for (int i = 0; i < n; i++) {
        iostream_free(streams[i]);
        streams[i] = NULL;
    }
}

static void reset(void)
{
    handed = want = this_iter = max_iter = busy_iters = 0;
    last_peer[0] = '\0';
    alarm(5);
}

/* Open descriptors, not counting the one opendir() uses to list them. */
static int count_fds(int *max)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0, top = -1;

    if (!d)
        return -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd == dirfd(d))
            continue;
        n++;
        if (fd > top)
            top = fd;
    }
    closedir(d);
    if (max)
        *max = top;
    return n;
}

static struct ioloop *new_loop(const char *backend)
{
    struct ioloop *loop = ioloop_new(backend);

    if (!loop) {
        perror("ioloop_new");
        exit(1);
    }
    return loop;
}

static struct tcpserver *new_server(struct ioloop *loop)
{
    struct tcpserver *srv = tcpserver_new(loop, on_stream, loop);

    CHECK(srv != NULL);
    if (!srv || tcpserver_listen(srv, "127.0.0.1", 0) < 0) {
        perror("tcpserver_listen");
        exit(1);
    }
    return srv;
}

static int stop_loop(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

/* Run the loop until on_stream has seen n streams, or `seconds` pass. */
static void run_until_handed(struct ioloop *loop, int n, double seconds)
{
    ioloop_timeout guard = ioloop_call_later(loop, seconds, stop_loop, NULL);

    want = n;
    if (handed < n)
        ioloop_start(loop);
    ioloop_remove_timeout(loop, guard);
    want = 0;
}

/* A socket (not yet connected) for an IPv4 client. */
static int client_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        perror("socket");
        exit(1);
    }
    return fd;
}

/* Connect fd to 127.0.0.1:port. Over loopback, connect() completes as
 * soon as the kernel queues the connection, accepted or not. */
static int connect_v4(int fd, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

    return connect(fd, (struct sockaddr *)&a, sizeof a);
}

static int connect_v6(int port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6,
                             .sin6_port = htons((uint16_t)port),
                             .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether ::1 can be bound here (no IPv6 in some containers). */
static int have_ipv6(void)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6,
                             .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;

    if (fd >= 0)
        close(fd);
    return ok;
}

static int local_port(int fd)
{
    return net_local_port(fd);
}

static int family_of(int fd)
{
    struct sockaddr_storage a;
    socklen_t len = sizeof a;

    return getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? a.ss_family
                                                             : -1;
}

/* 1: the peer closed (EOF or reset); 0: still open and silent. */
static int peer_closed(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;

    if (poll(&p, 1, 0) <= 0)
        return 0;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* Wait up to `seconds` for the peer of fd to close. */
static int wait_peer_closed(int fd, double seconds)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    poll(&p, 1, (int)(seconds * 1000));
    return peer_closed(fd);
}

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Raise the soft descriptor limit to at least n (up to the hard one). */
static void raise_nofile(rlim_t n)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > n
                          ? n : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- cases ---- */

/* listen on port 0, one client: a stream and the client's own address. */
static void listen_and_hand_over(const char *backend)
{
    struct ioloop *loop;
    struct tcpserver *srv;
    char expect[64];
    int before, c;

    reset();
    before = count_fds(NULL);
    loop = new_loop(backend);
    srv = new_server(loop);
    CHECK(tcpserver_port(srv) > 0);
    c = client_socket();
    CHECK_EQ(connect_v4(c, tcpserver_port(srv)), 0);
    run_until_handed(loop, 1, 3.0);
    CHECK_EQ(handed, 1);
    snprintf(expect, sizeof expect, "127.0.0.1:%d", local_port(c));
    CHECK_SLICE(last_peer, strlen(last_peer), expect);
    if (handed == 1) {
        CHECK(iostream_fd(streams[0]) >= 0);
        CHECK(!iostream_closed(streams[0]));
    }
    free_streams();
    close(c);
    tcpserver_free(srv);
    ioloop_free(loop);
    CHECK_EQ(count_fds(NULL), before);
}

static void test_listen_epoll(void) { listen_and_hand_over("epoll"); }
static void test_listen_select(void) { listen_and_hand_over("select"); }

/* Runs once per loop iteration: how many streams this iteration gave. */
static int iteration_tick(struct ioloop *loop, void *arg)
{
    if (this_iter > max_iter)
        max_iter = this_iter;
    busy_iters += this_iter > 0;
    this_iter = 0;
    return ioloop_add_callback(loop, iteration_tick, arg);
}

/* 300 clients queued at once: all handed over, at most 128 per wake-up. */
static void three_hundred(const char *backend)
{
    enum { N = 300 };
    int before, clients[N];
    struct ioloop *loop;
    struct tcpserver *srv;

    reset();
    before = count_fds(NULL);
    raise_nofile(2 * N + 64);
    loop = new_loop(backend);
    srv = new_server(loop);
    for (int i = 0; i < N; i++) {
        clients[i] = client_socket();
        CHECK_EQ(connect_v4(clients[i], tcpserver_port(srv)), 0);
    }
    ioloop_add_callback(loop, iteration_tick, NULL);
    run_until_handed(loop, N, 4.0);
    iteration_tick(loop, NULL); /* count the last iteration's */
    CHECK_EQ(handed, N);
    CHECK(max_iter <= 128);      /* bounded per wake-up ... */
    CHECK(busy_iters >= N / 128); /* ... so it took several */
    free_streams();
    for (int i = 0; i < N; i++)
        close(clients[i]);
    tcpserver_free(srv);
    ioloop_free(loop); /* drops the self-re-adding tick */
    CHECK_EQ(count_fds(NULL), before);
}

static void test_300_epoll(void) { three_hundred("epoll"); }
static void test_300_select(void) { three_hundred("select"); }

/* Every socket from one bind_sockets call: non-blocking, close-on-exec,
 * one per family, all on the same port. */
static void check_sockets(const int *fds, int n)
{
    int port = local_port(fds[0]);

    for (int i = 0; i < n; i++) {
        CHECK(fcntl(fds[i], F_GETFL) & O_NONBLOCK);
        CHECK(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
        CHECK_EQ(local_port(fds[i]), port);
        for (int j = 0; j < i; j++)
            CHECK(family_of(fds[i]) != family_of(fds[j]));
    }
}

/* "localhost" and "every interface": IPv4 and IPv6 (where the machine
 * has it) on one port, added to a server, each reachable. */
static void test_bind_dual_stack(void)
{
    int before, fds[TCPSERVER_MAX_SOCKETS], n, v6 = -1;
    struct ioloop *loop;
    struct tcpserver *srv;

    reset();
    before = count_fds(NULL);
    n = tcpserver_bind_sockets("localhost", 0, 128, fds, TCPSERVER_MAX_SOCKETS);
    CHECK(n >= 1);
    if (n >= 1)
        check_sockets(fds, n);
    for (int i = 0; i < n; i++)
        close(fds[i]);

    n = tcpserver_bind_sockets(NULL, 0, 128, fds, TCPSERVER_MAX_SOCKETS);
    CHECK(n >= 1);
    if (n < 1)
        return;
    check_sockets(fds, n);
    for (int i = 0; i < n; i++)
        if (family_of(fds[i]) == AF_INET6)
            v6 = fds[i];
    if (have_ipv6()) {
        int only = 0;
        socklen_t len = sizeof only;
        CHECK_EQ(n, 2);
        CHECK(v6 >= 0);
        CHECK(v6 >= 0 && getsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &only,
                                    &len) == 0 && only == 1);
    } else {
        fprintf(stderr, "no IPv6 here: its part is skipped\n");
        v6 = -1;
    }

    loop = new_loop("epoll");
    srv = tcpserver_new(loop, on_stream, loop);
    CHECK_EQ(tcpserver_add_sockets(srv, fds, n), 0);
    CHECK_EQ(tcpserver_port(srv), local_port(fds[0]));
    int c4 = client_socket();
    CHECK_EQ(connect_v4(c4, tcpserver_port(srv)), 0);
    run_until_handed(loop, 1, 3.0);
    CHECK_EQ(handed, 1);
    CHECK(strncmp(last_peer, "127.0.0.1:", 10) == 0);
    int c6 = v6 >= 0 ? connect_v6(tcpserver_port(srv)) : -1;
    if (v6 >= 0) {
        CHECK(c6 >= 0);
        run_until_handed(loop, 2, 3.0);
        CHECK_EQ(handed, 2);
        CHECK(strncmp(last_peer, "::1:", 4) == 0);
    }
    free_streams();
    close(c4);
    if (c6 >= 0)
        close(c6);
    tcpserver_free(srv);
    ioloop_free(loop);
    CHECK_EQ(count_fds(NULL), before);
}

/* A port already listened on: -1 EADDRINUSE, and nothing left open, even
 * when an address before the failing one had bound. */
static void test_bind_in_use(void)
{
    int held[TCPSERVER_MAX_SOCKETS], fds[TCPSERVER_MAX_SOCKETS];
    int port, before;

    reset();
    CHECK_EQ(tcpserver_bind_sockets("127.0.0.1", 0, 128, held, 1), 1);
    port = local_port(held[0]);
    before = count_fds(NULL);
    errno = 0;
    CHECK_EQ(tcpserver_bind_sockets("127.0.0.1", port, 128, fds, 8), -1);
    CHECK_EQ(errno, EADDRINUSE);
    CHECK_EQ(count_fds(NULL), before);
    close(held[0]);

    /* Hold [::]:port only: 0.0.0.0 binds, then :: fails (in either order,
     * whatever bound first must be closed). */
    if (have_ipv6()) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6};
        int one = 1, h = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(h, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        CHECK(bind(h, (struct sockaddr *)&a, sizeof a) == 0 &&
              listen(h, 8) == 0);
        port = local_port(h);
        before = count_fds(NULL);
        errno = 0;
        CHECK_EQ(tcpserver_bind_sockets(NULL, port, 128, fds, 8), -1);
        CHECK_EQ(errno, EADDRINUSE);
        CHECK_EQ(count_fds(NULL), before);
        close(h);
    } else {
        fprintf(stderr, "no IPv6 here: the partial-bind part is skipped\n");
    }

    errno = 0;
    CHECK_EQ(tcpserver_bind_sockets("127.0.0.1", 70000, 128, fds, 8), -1);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK_EQ(tcpserver_bind_sockets("127.0.0.1", 0, 128, fds, 0), -1);
    CHECK_EQ(errno, EINVAL);
}

/* ---- running out of descriptors ---- */

static int late[8], nlate, late_port; /* clients that arrive while out */

static int connect_late(struct ioloop *loop, void *arg)
{
    (void)arg;
    CHECK_EQ(connect_v4(late[nlate++], late_port), 0);
    if (nlate < 8)
        ioloop_call_later(loop, 0.05, connect_late, NULL);
    return 0;
}

/* Descriptors that plug the holes below the highest open one (bats and
 * shells leave a few high ones open), so that the limit alone decides
 * how many are free. */
static int fillers[1024], nfillers;

/* Plug the holes; returns the lowest free descriptor (the next open()'s). */
static int fill_holes(void)
{
    int top, fd;

    count_fds(&top);
    while (nfillers < 1024 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
        if (fd > top) {
            close(fd);
            return fd;
        }
        fillers[nfillers++] = fd;
    }
    return top + 1;
}

static void set_nofile(rlim_t limit, struct rlimit *old)
{
    struct rlimit rl;

    getrlimit(RLIMIT_NOFILE, old);
    rl = (struct rlimit){limit, old->rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) { /* stdout: stderr is captured */
        printf("setrlimit(RLIMIT_NOFILE, %llu): %s\n",
               (unsigned long long)limit, strerror(errno));
        exit(1);
    }
}

/* Lower the soft limit so that exactly `spare` descriptors are free. */
static void exhaust_leaving(int spare, struct rlimit *old)
{
    set_nofile((rlim_t)fill_holes() + (rlim_t)spare, old);
}

static void unexhaust(const struct rlimit *old)
{
    setrlimit(RLIMIT_NOFILE, old);
    while (nfillers > 0)
        close(fillers[--nfillers]);
}

/* Count the lines of a file that contain needle. */
static int count_lines(int fd, const char *needle)
{
    char buf[8192];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    int count = 0;

    buf[n > 0 ? n : 0] = '\0';
    for (char *p = buf; (p = strstr(p, needle)); p += strlen(needle))
        count++;
    return count;
}

/* Send stderr (the server's log) to a file; returns the old stderr. */
static int capture_stderr(int *logfd)
{
    char path[] = "/tmp/tcpserver_test.XXXXXX";
    int saved = dup(2);

    *logfd = mkostemp(path, O_CLOEXEC);
    unlink(path);
    dup2(*logfd, 2);
    return saved;
}

static void restore_stderr(int saved, int logfd)
{
    char buf[8192];
    ssize_t n = pread(logfd, buf, sizeof buf, 0);

    dup2(saved, 2);
    close(saved);
    if (n > 0) /* show the log: it is part of what this case checks */
        (void)!write(2, buf, (size_t)n);
    close(logfd);
}

/* EMFILE: queued and late clients are closed at once rather than left
 * hanging, the loop does not spin while the limit holds, one log line
 * per burst, and a client is served again once descriptors are free. */
static void test_emfile(void)
{
    enum { QUEUED = 12, SPARE = 4 };
    int before, logfd, saved_err, clients[QUEUED], again, closed = 0;
    struct ioloop *loop;
    struct tcpserver *srv;
    struct rlimit old;
    double wall, cpu;

    reset();
    before = count_fds(NULL);
    saved_err = capture_stderr(&logfd);
    loop = new_loop("epoll");
    srv = new_server(loop);
    again = client_socket();
    for (int i = 0; i < QUEUED; i++)
        clients[i] = client_socket();
    for (int i = 0; i < 8; i++)
        late[i] = client_socket();
    nlate = 0;
    late_port = tcpserver_port(srv);
    exhaust_leaving(SPARE, &old);

    /* 1. QUEUED clients at once, then one every 50 ms; watch for 1 s. */
    for (int i = 0; i < QUEUED; i++)
        CHECK_EQ(connect_v4(clients[i], late_port), 0);
    ioloop_call_later(loop, 0.05, connect_late, NULL);
    ioloop_call_later(loop, 1.0, stop_loop, NULL);
    wall = ioloop_time(loop), cpu = cpu_seconds();
    ioloop_start(loop);
    wall = ioloop_time(loop) - wall, cpu = cpu_seconds() - cpu;
    fprintf(stderr, "out of descriptors for %.2f s: %.3f s of CPU\n", wall,
            cpu);
    CHECK(cpu < wall / 4); /* a spinning loop would burn all of it */
    CHECK_EQ(handed, SPARE);
    CHECK_EQ(nlate, 8);
    for (int i = 0; i < QUEUED; i++)
        closed += peer_closed(clients[i]);
    for (int i = 0; i < 8; i++)
        closed += peer_closed(late[i]);
    CHECK_EQ(closed, QUEUED + 8 - SPARE); /* told, not left hanging */
    CHECK_EQ(count_lines(logfd, "Too many open files"), 1);

    /* 2. Free what was handed out: the next client is served. */
    free_streams();
    handed = 0;
    CHECK_EQ(connect_v4(again, late_port), 0);
    run_until_handed(loop, 1, 2.0);
    CHECK_EQ(handed, 1);
    CHECK_EQ(count_lines(logfd, "descriptors free again"), 1);
    free_streams();

    unexhaust(&old);
    for (int i = 0; i < QUEUED; i++)
        close(clients[i]);
    for (int i = 0; i < 8; i++)
        close(late[i]);
    close(again);
    tcpserver_free(srv);
    ioloop_free(loop);
    restore_stderr(saved_err, logfd);
    CHECK_EQ(count_fds(NULL), before);
}

/* Freed while paused after EMFILE: the resume timeout must not run on the
 * freed server (ASan would see it), and no descriptor stays open. */
static void test_free_while_paused(void)
{
    int before, logfd, saved_err, c;
    struct ioloop *loop;
    struct tcpserver *srv;
    struct rlimit old;

    reset();
    before = count_fds(NULL);
    saved_err = capture_stderr(&logfd);
    loop = new_loop("epoll");
    srv = new_server(loop);
    c = client_socket();
    exhaust_leaving(0, &old);
    CHECK_EQ(connect_v4(c, tcpserver_port(srv)), 0);
    ioloop_call_later(loop, 0.03, stop_loop, NULL);
    ioloop_start(loop); /* EMFILE: c is closed, the listener pauses */
    CHECK(wait_peer_closed(c, 1.0));
    CHECK_EQ(handed, 0);
    tcpserver_free(srv);
    ioloop_call_later(loop, 0.3, stop_loop, NULL); /* past the pause */
    ioloop_start(loop);
    unexhaust(&old);
    close(c);
    ioloop_free(loop);
    restore_stderr(saved_err, logfd);
    CHECK_EQ(count_fds(NULL), before);
}

/* Whether descriptor fd is open on path. */
static int fd_is(int fd, const char *path)
{
    char link[64], target[256];
    ssize_t n;

    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return 0;
    target[n] = '\0';
    return strcmp(target, path) == 0;
}

/* How many descriptors are open on /dev/null. */
static int count_devnull(void)
{
    int top, n = 0;

    count_fds(&top);
    for (int fd = 0; fd <= top; fd++)
        n += fd_is(fd, "/dev/null");
    return n;
}

/* EMFILE where the reserve cannot help: the limit sits below the reserve's
 * own number, so closing it frees nothing accept() may use (as when
 * another thread or process takes the freed slot first). Queued clients
 * must wait, the loop must still not spin (the pause alone), and raising
 * the limit again serves them all. */
static void test_emfile_reserve_lost(void)
{
    enum { N = 4 };
    int before, devnull, logfd, saved_err, clients[N], reserve;
    struct ioloop *loop;
    struct tcpserver *srv;
    struct rlimit old;
    double wall, cpu;

    reset();
    before = count_fds(NULL);
    devnull = count_devnull();
    saved_err = capture_stderr(&logfd);
    loop = new_loop("epoll");
    reserve = fill_holes();
    srv = new_server(loop); /* its reserve takes the lowest free number */
    CHECK(fd_is(reserve, "/dev/null"));
    for (int i = 0; i < N; i++)
        clients[i] = client_socket();
    set_nofile((rlim_t)reserve, &old);
    for (int i = 0; i < N; i++)
        CHECK_EQ(connect_v4(clients[i], tcpserver_port(srv)), 0);

    ioloop_call_later(loop, 0.6, stop_loop, NULL);
    wall = ioloop_time(loop), cpu = cpu_seconds();
    ioloop_start(loop);
    wall = ioloop_time(loop) - wall, cpu = cpu_seconds() - cpu;
    fprintf(stderr, "out of descriptors, no reserve, for %.2f s: %.3f s of "
                    "CPU\n", wall, cpu);
    CHECK(cpu < wall / 4);
    CHECK_EQ(handed, 0);
    for (int i = 0; i < N; i++)
        CHECK(!peer_closed(clients[i])); /* still queued, waiting */
    CHECK_EQ(count_lines(logfd, "Too many open files"), 1);

    unexhaust(&old);
    run_until_handed(loop, N, 2.0); /* the next resume accepts them */
    CHECK_EQ(handed, N);
    CHECK_EQ(count_devnull(), devnull + 1); /* the reserve, taken back */
    free_streams();
    for (int i = 0; i < N; i++)
        close(clients[i]);
    tcpserver_free(srv);
    ioloop_free(loop);
    restore_stderr(saved_err, logfd);
    CHECK_EQ(count_fds(NULL), before);
}

/* ---- freeing from inside handle_stream ---- */

static void free_on_first(struct tcpserver *srv, struct iostream *s,
                          const char *peer, void *arg)
{
    (void)peer;
    handed++;
    iostream_free(s);
    tcpserver_free(srv); /* the accept loop is still running below us */
    ioloop_stop(arg);
}

/* The application may free the server from handle_stream: the accept loop
 * stops there, and the client still queued sees its connection refused. */
static void test_free_from_handler(void)
{
    int before, a, b;
    struct ioloop *loop;
    struct tcpserver *srv;

    reset();
    before = count_fds(NULL);
    loop = new_loop("epoll");
    srv = tcpserver_new(loop, free_on_first, loop);
    a = client_socket();
    b = client_socket();
    CHECK_EQ(tcpserver_listen(srv, "127.0.0.1", 0), 0);
    CHECK_EQ(connect_v4(a, tcpserver_port(srv)), 0);
    CHECK_EQ(connect_v4(b, tcpserver_port(srv)), 0);
    ioloop_call_later(loop, 3.0, stop_loop, NULL);
    ioloop_start(loop);
    CHECK_EQ(handed, 1);
    CHECK(wait_peer_closed(a, 1.0));
    CHECK(wait_peer_closed(b, 1.0));
    close(a);
    close(b);
    ioloop_free(loop);
    CHECK_EQ(count_fds(NULL), before);
}

/* tcpserver_get_stats (chapter 6's /stats) counts wake-ups and accepts;
 * with tcpserver_set_exclusive (EPOLLEXCLUSIVE) the server still
 * accepts. One process: no wake-up is wasted. */
static void stats_count(int exclusive)
{
    struct ioloop *loop;
    struct tcpserver *srv;
    struct tcpserver_stats st;
    int c[3];

    reset();
    loop = new_loop("epoll");
    srv = tcpserver_new(loop, on_stream, loop);
    tcpserver_set_exclusive(srv, exclusive);
    CHECK_EQ(tcpserver_listen(srv, "127.0.0.1", 0), 0);
    tcpserver_get_stats(srv, &st);
    CHECK(st.wakeups == 0 && st.accepted == 0);
    for (int i = 0; i < 3; i++) {
        c[i] = client_socket();
        CHECK_EQ(connect_v4(c[i], tcpserver_port(srv)), 0);
    }
    run_until_handed(loop, 3, 3.0);
    tcpserver_get_stats(srv, &st);
    CHECK_EQ(st.accepted, 3);
    CHECK(st.wakeups >= 1 && st.wakeups <= 3);
    CHECK_EQ(st.wasted, 0);
    CHECK_EQ(st.eagain, st.wakeups); /* each batch ends at an empty queue */
    free_streams();
    for (int i = 0; i < 3; i++)
        close(c[i]);
    tcpserver_free(srv);
    ioloop_free(loop);
}

static void test_stats(void) { stats_count(0); }
static void test_stats_exclusive(void) { stats_count(1); }

int main(int argc, char **argv)
{
    static const struct check_case cases[] = {
        {"listen_epoll", test_listen_epoll},
        {"stats", test_stats},
        {"stats_exclusive", test_stats_exclusive},
        {"listen_select", test_listen_select},
        {"accept_300_epoll", test_300_epoll},
        {"accept_300_select", test_300_select},
        {"bind_dual_stack", test_bind_dual_stack},
        {"bind_in_use", test_bind_in_use},
        {"emfile", test_emfile},
        {"emfile_reserve_lost", test_emfile_reserve_lost},
        {"free_while_paused", test_free_while_paused},
        {"free_from_handler", test_free_from_handler},
        {0}};

    return check_main(argc, argv, cases);
}
