/* peer.c - a scripted TCP peer for testing httpc: records, replies, or stays silent. */
/*
 * usage: peer [--host H] [--port P] [--reply FILE] [--record FILE] [--close]
 *
 * Prints "listening on http://HOST:PORT" and serves connections (several at
 * once, with poll) until SIGTERM or SIGINT:
 *   - everything received is appended to --record FILE (all connections);
 *   - after each request head (each CRLF CRLF in the stream) it writes the
 *     bytes of --reply FILE, if given; without --reply it never writes;
 *   - with --close it closes the connection after the first head (after
 *     replying, if --reply);
 *   - each connection's end is logged on stderr as
 *     "connection closed: eof|reset|by peer, B bytes in R reads".
 */
#include "args.h"
#include "buffer.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 1024

struct conn {
    int match;    /* how much of "\r\n\r\n" the stream ends with */
    long bytes, reads;
};

static struct pollfd fds[MAX_CONNS + 1]; /* [0] is the listener */
static struct conn conns[MAX_CONNS + 1];
static struct buffer reply;
static int record_fd = -1, close_after_head;

static void on_stop(int sig)
{
    (void)sig;
    _exit(0);
}

static int load_file(const char *path, struct buffer *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = 1;

    while (fd >= 0 && n > 0 && buffer_reserve(out, 4096) == 0) {
        n = read(fd, buffer_tail(out), buffer_space(out));
        if (n > 0)
            buffer_commit(out, (size_t)n);
    }
    if (fd >= 0)
        close(fd);
    return fd >= 0 && n == 0 ? 0 : -1;
}

static void conn_end(int i, const char *how)
{
    fprintf(stderr, "connection closed: %s, %ld bytes in %ld reads\n", how,
            conns[i].bytes, conns[i].reads);
    close(fds[i].fd);
    fds[i].fd = -1;
}

/* Count the request heads ending in data; reply to each. 1 to close. */
static int conn_heads(int i, const char *data, size_t n)
{
    static const char end[] = "\r\n\r\n";

    for (size_t k = 0; k < n; k++) {
        if (data[k] == end[conns[i].match])
            conns[i].match++;
        else
            conns[i].match = data[k] == '\r';
        if (conns[i].match < 4)
            continue;
        conns[i].match = 0;
        if (buffer_len(&reply) &&
            net_write_all(fds[i].fd, buffer_data(&reply), buffer_len(&reply)) < 0)
            return 1;
        if (close_after_head)
            return 1;
    }
    return 0;
}

static void conn_read(int i)
{
    char data[65536];
    ssize_t n = read(fds[i].fd, data, sizeof data);

    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        conn_end(i, n == 0 ? "eof" : errno == ECONNRESET ? "reset" : strerror(errno));
        return;
    }
    conns[i].bytes += n;
    conns[i].reads++;
    if (record_fd >= 0 && net_write_all(record_fd, data, (size_t)n) < 0)
        perror("peer: record");
    if (conn_heads(i, data, (size_t)n))
        conn_end(i, "by peer");
}

static void peer_accept(void)
{
    int fd = accept4(fds[0].fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0)
        return;
    for (int i = 1; i <= MAX_CONNS; i++)
        if (fds[i].fd < 0) {
            fds[i] = (struct pollfd){.fd = fd, .events = POLLIN};
            conns[i] = (struct conn){0};
            return;
        }
    close(fd); /* full: a test never needs this many */
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *reply_path = NULL, *record_path = NULL;
    int port = 0;
    const struct args_option options[] = {
        {"--host", ARGS_STRING, &host, "H", "address to listen on", 0, 0, NULL},
        {"--port", ARGS_INT, &port, "P", "0 picks a free port", 0, 65535, NULL},
        {"--reply", ARGS_STRING, &reply_path, "FILE", "reply FILE to each head", 0, 0, NULL},
        {"--record", ARGS_STRING, &record_path, "FILE", "append what arrives to FILE", 0, 0,
         NULL},
        {"--close", ARGS_FLAG, &close_after_head, NULL, "close after the first head", 0, 0,
         NULL},
        {0}};
    enum args_status status = args_parse(argc, argv, "a scripted peer for httpc's tests",
                                         options);

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    buffer_init(&reply);
    if (reply_path && load_file(reply_path, &reply) < 0) {
        perror(reply_path);
        return 1;
    }
    if (record_path)
        record_fd = open(record_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                         0644);
    if (record_path && record_fd < 0) {
        perror(record_path);
        return 1;
    }
    for (int i = 0; i <= MAX_CONNS; i++)
        fds[i] = (struct pollfd){.fd = -1, .events = POLLIN};
    fds[0].fd = net_listen(host, port, 128);
    if (fds[0].fd < 0) {
        perror("peer: listen");
        return 1;
    }
    printf("listening on http://%s:%d\n", host, net_local_port(fds[0].fd));
    fflush(stdout);
    for (;;) {
        if (poll(fds, MAX_CONNS + 1, -1) < 0 && errno != EINTR)
            return 1;
        if (fds[0].revents)
            peer_accept();
        for (int i = 1; i <= MAX_CONNS; i++)
            if (fds[i].fd >= 0 && fds[i].revents)
                conn_read(i);
    }
}
