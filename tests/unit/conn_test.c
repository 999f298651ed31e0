/* conn_test.c - chapter 2's connection state machine, driven by hand over a
 * socketpair whose small buffers make partial writes certain. */
#include "check.h"
#include "conn.h"

#include "clock.h"
#include "net.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

/* A connected pair: [0] for the server's conn (non-blocking, a small send
 * buffer), [1] for the test playing the client. */
static void make_pair(int sv[2])
{
    int small = 4096;

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
    CHECK(net_set_nonblocking(sv[0]) == 0);
    CHECK(net_set_nonblocking(sv[1]) == 0);
}

/* Send n copies of req from the client side; returns how many fit. */
static int send_requests(int fd, const char *req, int n)
{
    int sent = 0;

    for (; sent < n; sent++)
        if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
            break;
    return sent;
}

/* Read what the server sent and count the status lines "HTTP/1.1 200". */
static int drain_count(int fd, char *last_body, size_t size)
{
    static char buf[1 << 16];
    int count = 0;
    ssize_t n;

    while ((n = read(fd, buf, sizeof buf - 1)) > 0) {
        buf[n] = 0;
        for (char *p = buf; (p = strstr(p, "HTTP/1.1 200")); p++)
            count++;
        if (last_body) { /* keep the start of the last read, NUL-ended */
            size_t keep = (size_t)n < size - 1 ? (size_t)n : size - 1;
            memcpy(last_body, buf, keep);
            last_body[keep] = 0;
        }
    }
    return count;
}

static void partial_writes(void)
{
    int sv[2], answered = 0, saw_full_socket = 0;
    struct conn *c;

    make_pair(sv);
    c = conn_new(sv[0]);
    int sent = send_requests(sv[1], REQUEST, 200);
    CHECK(sent > 50);
    /* Feed the server; its answers soon fill the 4 KB socket buffer. */
    for (int round = 0; round < 10000 && answered < sent; round++) {
        if (conn_wants_read(c))
            conn_on_readable(c);
        if (conn_wants_write(c)) {
            saw_full_socket = 1; /* a write came back short or EAGAIN */
            answered += drain_count(sv[1], NULL, 0);
            conn_on_writable(c);
        }
        answered += drain_count(sv[1], NULL, 0);
    }
    CHECK(saw_full_socket);
    CHECK_EQ(answered, sent);
    CHECK(!conn_closed(c));
    conn_free(c);
    close(sv[1]);
}

static void pipelined_in_order(void)
{
    int sv[2];
    char body[512] = "";
    struct conn *c;
    const char two[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n";

    make_pair(sv);
    c = conn_new(sv[0]);
    CHECK(write(sv[1], two, strlen(two)) == (ssize_t)strlen(two));
    conn_on_readable(c); /* one read holds both heads: both answered */
    CHECK_EQ(drain_count(sv[1], body, sizeof body), 1);
    CHECK(strstr(body, "Hello, world") != NULL);
    CHECK(strstr(body, "404 Not Found") > strstr(body, "Hello, world"));
    CHECK(conn_wants_read(c));
    conn_free(c);
    close(sv[1]);
}

static void sleep_deadline(void)
{
    int sv[2];
    struct conn *c;
    const char req[] = "GET /sleep/0.05 HTTP/1.1\r\nHost: t\r\n\r\n";
    int64_t start = clock_now_ms();

    make_pair(sv);
    c = conn_new(sv[0]);
    CHECK(write(sv[1], req, strlen(req)) == (ssize_t)strlen(req));
    conn_on_readable(c);
    CHECK(!conn_wants_read(c) && !conn_wants_write(c));
    CHECK(conn_deadline(c) >= start + 50);
    conn_on_deadline(c, conn_deadline(c) - 1); /* too early: nothing */
    CHECK_EQ(drain_count(sv[1], NULL, 0), 0);
    conn_on_deadline(c, conn_deadline(c));
    CHECK_EQ(drain_count(sv[1], NULL, 0), 1);
    CHECK_EQ(conn_deadline(c), -1);
    conn_free(c);
    close(sv[1]);
}

static void lingering_close(void)
{
    int sv[2];
    char buf[256];
    struct conn *c;
    const char req[] = "GET / HTTP/1.0\r\n\r\n";

    make_pair(sv);
    c = conn_new(sv[0]);
    CHECK(write(sv[1], req, strlen(req)) == (ssize_t)strlen(req));
    conn_on_readable(c);
    CHECK(!conn_closed(c));          /* answered, our side shut... */
    CHECK(conn_wants_read(c));       /* ...waiting for the client's EOF */
    CHECK(conn_deadline(c) > 0);     /* ...but not for ever */
    CHECK(read(sv[1], buf, sizeof buf) > 0);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 0); /* the server's FIN */
    CHECK(write(sv[1], "junk", 4) == 4); /* late bytes are read and dropped */
    conn_on_readable(c);
    CHECK(!conn_closed(c));
    shutdown(sv[1], SHUT_WR);
    conn_on_readable(c);
    CHECK(conn_closed(c));
    conn_free(c);
    close(sv[1]);
}

static const struct check_case cases[] = {
    {"partial_writes", partial_writes},
    {"pipelined_in_order", pipelined_in_order},
    {"sleep_deadline", sleep_deadline},
    {"lingering_close", lingering_close},
    {0},
};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
