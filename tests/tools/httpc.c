/* httpc.c - a raw HTTP client for the tests: send exact bytes, print exact responses.
 *
 * usage: httpc [--host H] --port P [--send TEXT | --file F] [--repeat N]
 *              [--byte-delay MS] [--responses N] [--status-only] [--no-body]
 *              [--timeout S] [--expect-close] [--reset] [--hold N] [--hold-seconds S]
 *              [--read-delay MS] [--rcvbuf BYTES]
 *
 *   httpc --port 8888 --send 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' --repeat 5000 --status-only
 *   httpc --port 8888 --hold 1000 --hold-seconds 5
 *   httpc --port 8888 --hold 1000 --send 'GET /sleep/1 HTTP/1.1\r\nHost: x\r\n\r\n'
 *
 * --hold prints "holding N connections", then at the end "N closed by server";
 * with a request to send on each, also "N answered 200", and it ends as soon
 * as every connection is answered or closed.
 *
 * Responses are framed as a client must (Content-Length, chunked, or until
 * the close) and printed byte for byte. Sending and reading share one poll()
 * loop, so thousands of pipelined requests cannot deadlock against a server
 * whose answers fill the socket buffers while we are still sending.
 * Exit status: 0 success, 1 connection or I/O error, 2 usage, 3 timeout,
 * 4 the server closed the connection before the last response was complete.
 */
#include "args.h"
#include "buffer.h"
#include "clock.h"
#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const char USAGE[] =
    "usage: httpc [--host H] --port P [--send TEXT | --file F] [--repeat N]\n"
    "             [--byte-delay MS] [--responses N] [--status-only] [--no-body]\n"
    "             [--timeout S] [--expect-close] [--reset] [--hold N] [--hold-seconds S]\n"
    "             [--read-delay MS] [--rcvbuf BYTES]\n";

struct options {
    const char *host, *send, *file, *timeout_text, *hold_text;
    int port, repeat, byte_delay, responses, status_only, no_body;
    int expect_close, reset, hold, read_delay, rcvbuf;
    double timeout, hold_seconds;
};

static int usage_error(const char *what)
{
    fprintf(stderr, "httpc: %s\n%s", what, USAGE);
    return ARGS_ERROR;
}

/* Seconds, possibly fractional ("0.5"), above zero. 0 or -1. */
static int parse_seconds(const char *text, double *out)
{
    char *end;

    *out = strtod(text, &end);
    return end == text || *end || !(*out > 0) || *out > 1e6 ? -1 : 0;
}

static enum args_status parse_options(int argc, char **argv, struct options *o)
{
#define OPT(name, type, var, meta, help) {name, type, var, meta, help, 0, 0, NULL}
#define NUM(name, var, meta, help, min, max) {name, ARGS_INT, var, meta, help, min, max, NULL}
    const struct args_option table[] = {
        OPT("--host", ARGS_STRING, &o->host, "H", "server address (127.0.0.1)"),
        NUM("--port", &o->port, "P", "server port (required)", 1, 65535),
        OPT("--send", ARGS_STRING, &o->send, "TEXT", "send TEXT (\\r \\n \\t \\\\ \\0 \\xHH)"),
        OPT("--file", ARGS_STRING, &o->file, "F", "send the bytes of file F"),
        NUM("--repeat", &o->repeat, "N", "send them N times (pipelining)", 1, INT_MAX),
        NUM("--byte-delay", &o->byte_delay, "MS", "send a byte every MS ms", 0, 600000),
        NUM("--responses", &o->responses, "N", "responses to read (repeat count)", 0, INT_MAX),
        OPT("--status-only", ARGS_FLAG, &o->status_only, NULL, "print only status lines"),
        OPT("--no-body", ARGS_FLAG, &o->no_body, NULL, "responses have no body (HEAD)"),
        OPT("--timeout", ARGS_STRING, &o->timeout_text, "S", "give up after S seconds (10)"),
        NUM("--read-delay", &o->read_delay, "MS", "read nothing for the first MS ms", 0,
            600000),
        NUM("--rcvbuf", &o->rcvbuf, "BYTES", "a small receive buffer (SO_RCVBUF)", 1,
            INT_MAX),
        OPT("--expect-close", ARGS_FLAG, &o->expect_close, NULL, "then wait for the close"),
        OPT("--reset", ARGS_FLAG, &o->reset, NULL, "close with a TCP reset"),
        NUM("--hold", &o->hold, "N", "hold N connections (each sends --send)", 1, INT_MAX),
        OPT("--hold-seconds", ARGS_STRING, &o->hold_text, "S", "how long to hold (30)"),
        {0}};
    enum args_status status = args_parse(argc, argv, "a raw HTTP client for tests", table);

    if (status != ARGS_OK)
        return status;
    if (o->port == 0)
        return usage_error("--port is required");
    if (o->send && o->file)
        return usage_error("--send and --file exclude each other");
    if (parse_seconds(o->timeout_text, &o->timeout) < 0)
        return usage_error("--timeout: expected seconds, like 10 or 0.5");
    if (parse_seconds(o->hold_text, &o->hold_seconds) < 0)
        return usage_error("--hold-seconds: expected seconds, like 30 or 0.5");
    return ARGS_OK;
}

/* Append text to out with \r \n \t \\ \0 \xHH decoded. -1 on any other escape:
 * a typo in a test should fail loudly, not send something else. */
static int unescape(const char *s, struct buffer *out)
{
    static const char names[] = "rnt\\0", bytes[] = "\r\n\t\\"; /* bytes[4] is NUL */
    const char *e;

    for (; *s; s++) {
        char c = *s;

        if (c == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
            isxdigit((unsigned char)s[3])) {
            c = (char)strtol((char[]){s[2], s[3], '\0'}, NULL, 16);
            s += 3;
        } else if (c == '\\') {
            if (!*++s || !(e = strchr(names, *s)))
                return -1;
            c = bytes[e - names];
        }
        if (buffer_append(out, &c, 1) < 0)
            return -1;
    }
    return 0;
}

/* Append the bytes of the file at path to out. 0, or -1 with errno. */
static int read_file(const char *path, struct buffer *out)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int failed;

    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && buffer_append(out, chunk, n) == 0)
        ;
    failed = ferror(f) || !feof(f);
    fclose(f);
    return failed ? -1 : 0;
}

/* ---- framing responses: each is printed once it is complete ---- */

enum { MORE = -2 }; /* a response is incomplete: read more */

struct reader {
    struct buffer in; /* received, not yet printed */
    int done, wanted; /* final (not 1xx) responses printed, and how many we want */
    int status_only, no_body;
};

/* Length of the first line (with its LF) in p[0..n), or 0 if incomplete. */
static size_t line_len(const char *p, size_t n)
{
    const char *lf = n ? memchr(p, '\n', n) : NULL;

    return lf ? (size_t)(lf - p) + 1 : 0;
}

/* Length of a head ended by an empty line (CRLF or bare LF), or 0. */
static size_t head_len(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == '\n' && p[i + 1] == '\n')
            return i + 2;
        if (p[i] == '\n' && i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* The value of a header, name given as "\nname:", in a NUL-terminated head. */
static const char *header(const char *head, const char *name)
{
    const char *v = strcasestr(head, name);

    return v ? v + strlen(name) + strspn(v + strlen(name), " \t") : NULL;
}

/* Length of the chunked body at p[0..n) up to its last CRLF; MORE, or -1. */
static long long chunked_len(const char *p, size_t n)
{
    size_t at = 0, len;
    unsigned long long size;

    do { /* chunks: a hex size line, that many bytes, CRLF; size 0 is last */
        if (!(len = line_len(p + at, n - at)))
            return MORE;
        if (!isxdigit((unsigned char)p[at]))
            return -1;
        size = strtoull(p + at, NULL, 16); /* stops at the LF at the latest */
        at += len;
        if (size && (size > n - at || n - at - size < 2))
            return MORE;
        at += size ? size + 2 : 0;
    } while (size);
    do { /* trailer fields, then the empty line */
        if (!(len = line_len(p + at, n - at)))
            return MORE;
        at += len;
    } while (len > 2 || (len == 2 && p[at - 2] != '\r'));
    return (long long)at;
}

/* Length of the response starting p[0..n), MORE, or -1 if it is not HTTP.
 * eof: the server has closed, which ends a body without framing. */
static long long response_len(const struct reader *r, const char *p, size_t n, int eof,
                              int *status)
{
    size_t head = head_len(p, n);
    char *text = head ? strndup(p, head) : NULL;
    const char *v;
    unsigned long long length;
    long long body;

    if (!head)
        return MORE;
    if (!text || sscanf(text, "HTTP/%*u.%*u %3d", status) != 1)
        body = -1;
    else if (r->no_body || *status / 100 == 1 || *status == 204 || *status == 304)
        body = 0;
    else if ((v = header(text, "\ntransfer-encoding:")) && strncasecmp(v, "chunked", 7) == 0)
        body = chunked_len(p + head, n - head);
    else if ((v = header(text, "\ncontent-length:")))
        body = (length = strtoull(v, NULL, 10)) <= n - head ? (long long)length : MORE;
    else
        body = eof ? (long long)(n - head) : MORE;
    free(text);
    return body < 0 ? body : (long long)head + body;
}

/* Print each complete response buffered, up to the last one wanted. */
static int reader_run(struct reader *r, int eof)
{
    long long len = MORE;
    int status;

    /* Responses go to stdout, notes to stderr; tests read both merged, so
     * each response must be out before any note that follows it. */
    setvbuf(stdout, NULL, _IONBF, 0);

    while (r->done < r->wanted &&
           (len = response_len(r, buffer_data(&r->in), buffer_len(&r->in), eof, &status)) >= 0) {
        const char *p = buffer_data(&r->in);
        size_t line = line_len(p, (size_t)len);

        while (line > 0 && (p[line - 1] == '\n' || p[line - 1] == '\r'))
            line--;
        if (r->status_only)
            printf("%.*s\n", (int)line, p);
        else
            fwrite(p, 1, (size_t)len, stdout);
        buffer_consume(&r->in, (size_t)len);
        r->done += status / 100 != 1; /* 1xx: printed, not counted */
    }
    return len == -1 ? -1 : 0;
}

/* Print what is left: bytes past the responses, or an incomplete one. */
static void reader_print_rest(struct reader *r)
{
    size_t n = buffer_len(&r->in);

    if (n) /* an empty buffer's data may be NULL */
        fwrite(buffer_data(&r->in), 1, n, stdout);
    buffer_consume(&r->in, n);
}

/* ---- one connection: send, read, maybe wait for the close ---- */

struct client {
    const struct options *o;
    const struct buffer *payload;
    int fd, eof, send_done;
    unsigned long long sent, total; /* payload bytes x repeat */
    int64_t start_ms, deadline_ms, next_send_ms, read_from_ms;
    struct reader r;
};

static int io_error(const char *what)
{
    fprintf(stderr, "httpc: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Send what the socket takes now (one byte under --byte-delay). EPIPE and
 * ECONNRESET end the sending but not the reading: the server may have
 * answered before it closed, and that answer is what a test checks. */
static int client_send(struct client *c)
{
    size_t len = buffer_len(c->payload);

    while (!c->send_done) {
        size_t off = (size_t)(c->sent % len), n = c->o->byte_delay ? 1 : len - off;
        ssize_t w = send(c->fd, buffer_data(c->payload) + off, n, 0);

        if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
            c->send_done = 1;
        if (w < 0)
            return errno == EAGAIN || errno == EINTR || c->send_done ? 0 : -1;
        c->sent += (size_t)w;
        c->send_done = c->sent == c->total;
        if (c->o->byte_delay) {
            c->next_send_ms = clock_now_ms() + c->o->byte_delay;
            break;
        }
    }
    return 0;
}

/* Read what arrived; EOF and a reset both mean the server closed. */
static int client_read(struct client *c)
{
    ssize_t n;

    if (buffer_reserve(&c->r.in, 65536) < 0)
        return -1;
    n = recv(c->fd, buffer_tail(&c->r.in), buffer_space(&c->r.in), 0);
    if (n > 0)
        buffer_commit(&c->r.in, (size_t)n);
    else if (n == 0 || errno == ECONNRESET)
        c->eof = 1;
    else if (errno != EAGAIN && errno != EINTR)
        return -1;
    return 0;
}

/* Move bytes both ways until everything is sent and the wanted responses
 * are read (or, with until_close, until EOF), or the deadline.
 * 0, 1 on an I/O error or a malformed response, 3 at the deadline. */
static int client_pump(struct client *c, int until_close)
{
    while (!c->eof && (until_close || !c->send_done || c->r.done < c->r.wanted)) {
        int64_t now = clock_now_ms(), wait = c->deadline_ms - now;
        int reading = now >= c->read_from_ms; /* --read-delay over */
        struct pollfd p = {c->fd, reading ? POLLIN : 0, 0};

        if (wait <= 0)
            return 3;
        if (!reading && c->read_from_ms - now < wait)
            wait = c->read_from_ms - now;
        if (!c->send_done && now >= c->next_send_ms)
            p.events |= POLLOUT;
        else if (!c->send_done && c->next_send_ms - now < wait)
            wait = c->next_send_ms - now; /* --byte-delay: time for the next byte */
        if (poll(&p, 1, (int)wait) < 0 && errno != EINTR)
            return io_error("poll");
        if ((p.revents & (POLLOUT | POLLERR)) && !c->send_done && client_send(c) < 0)
            return io_error("send");
        if (reading && (p.revents & (POLLIN | POLLHUP | POLLERR)) && client_read(c) < 0)
            return io_error("recv");
        if (reader_run(&c->r, c->eof) < 0) {
            reader_print_rest(&c->r);
            fprintf(stderr, "httpc: malformed response\n");
            return 1;
        }
        if (c->r.done >= c->r.wanted && c->o->expect_close)
            reader_print_rest(&c->r); /* extra bytes, while we wait for the close */
    }
    return 0;
}

static double elapsed(const struct client *c)
{
    return (double)(clock_now_ms() - c->start_ms) / 1000;
}

/* Send, read the responses, then wait for the close if asked. */
static int client_talk(struct client *c)
{
    int status = client_pump(c, 0);

    if (status == 3) {
        reader_print_rest(&c->r);
        fprintf(stderr, "httpc: timeout after %.2f s: %d of %d responses, sent %llu of %llu "
                "bytes\n", elapsed(c), c->r.done, c->r.wanted, c->sent, c->total);
    } else if (status == 0 && c->r.done < c->r.wanted) {
        reader_print_rest(&c->r);
        fprintf(stderr, "httpc: connection closed after %d of %d responses\n", c->r.done,
                c->r.wanted);
        status = 4;
    } else if (status == 0 && c->o->expect_close) {
        status = client_pump(c, 1);
        if (status == 0)
            fprintf(stderr, "closed by server after %.2f s\n", elapsed(c));
        else if (status == 3)
            fprintf(stderr, "httpc: timeout after %.2f s: the server did not close the "
                    "connection\n", elapsed(c));
    }
    return status;
}

static int client_main(const struct options *o, const struct buffer *payload)
{
    struct client c = {.o = o, .payload = payload, .start_ms = clock_now_ms()};
    struct linger reset = {.l_onoff = 1, .l_linger = 0}; /* close() sends RST, not FIN */
    int one = 1, status;

    c.deadline_ms = c.start_ms + (int64_t)(o->timeout * 1000);
    c.read_from_ms = c.start_ms + o->read_delay;
    c.total = (unsigned long long)buffer_len(payload) * (unsigned)o->repeat;
    c.send_done = c.total == 0;
    c.r = (struct reader){.wanted = o->responses >= 0 ? o->responses : c.total ? o->repeat : 0,
                          .status_only = o->status_only, .no_body = o->no_body};
    buffer_init(&c.r.in);
    if ((c.fd = net_connect(o->host, o->port)) < 0) {
        fprintf(stderr, "httpc: connect %s:%d: %s\n", o->host, o->port, strerror(errno));
        return 1;
    }
    /* Without TCP_NODELAY, Nagle would gather the delayed bytes again. */
    if (net_set_nonblocking(c.fd) < 0 ||
        (o->rcvbuf && setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf, sizeof o->rcvbuf) < 0) ||
        (o->byte_delay && setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0))
        status = io_error("socket");
    else
        status = client_talk(&c);
    if (o->reset)
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(c.fd);
    buffer_free(&c.r.in);
    return status;
}

/* ---- --hold: many idle connections ---- */

static volatile sig_atomic_t stop_holding;

static void on_stop(int sig)
{
    (void)sig;
    stop_holding = 1;
}

/* The held connections and, when a request was sent on each, what came
 * back: a connection is done once it is answered or closed. */
struct hold {
    struct pollfd *fds;
    struct buffer *in; /* with a request: the bytes of its answer so far */
    char *framed;      /* with a request: a whole response arrived */
    int n, counting, closed, answered, done;
};

/* With a request: once a whole response is in (or the close ends one without
 * framing), count it, and answered if it is "HTTP/1.1 200". The demo's
 * answers are small, so a connection buffers only its first response. */
static void hold_frame(struct hold *h, int i, int eof)
{
    struct reader r = {0};
    const char *p = buffer_data(&h->in[i]);
    int status;
    long long whole = response_len(&r, p, buffer_len(&h->in[i]), eof, &status);

    if (whole == MORE)
        return;
    h->framed[i] = 1;
    h->done++;
    h->answered += whole >= 12 && memcmp(p, "HTTP/1.1 200", 12) == 0;
    buffer_free(&h->in[i]);
}

/* fds[i] is readable: keep the bytes or drop them, or count the close. */
static void hold_read(struct hold *h, int i)
{
    char scratch[4096];
    ssize_t n = read(h->fds[i].fd, scratch, sizeof scratch);

    if (n > 0 && h->counting && !h->framed[i]) {
        if (buffer_append(&h->in[i], scratch, (size_t)n) == 0)
            hold_frame(h, i, 0);
    } else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        if (h->counting && !h->framed[i])
            hold_frame(h, i, 1); /* the close may end a body without framing */
        if (!h->framed[i])
            h->done++; /* closed unanswered: done as well */
        close(h->fds[i].fd);
        h->fds[i].fd = -1; /* poll() skips negative descriptors */
        h->closed++;
    }
}

/* Say we hold them, then hold them for seconds, or until SIGTERM/SIGINT or
 * until every connection is done (closed; with a request, or answered). */
static void hold_wait(struct hold *h, double seconds)
{
    struct sigaction sa = {.sa_handler = on_stop};
    int64_t deadline = clock_now_ms() + (int64_t)(seconds * 1000), left;
    sigset_t block, old;

    /* Blocked except inside ppoll(): a signal cannot slip in between the
     * check of stop_holding and the wait, and go unnoticed for 30 s. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("holding %d connections\n", h->n); /* from here on a test may signal us */
    fflush(stdout);
    while (!stop_holding && h->done < h->n && (left = deadline - clock_now_ms()) > 0) {
        struct timespec ts = {left / 1000, (left % 1000) * 1000000};

        if (ppoll(h->fds, (nfds_t)h->n, &ts, &old) < 0) {
            if (errno != EINTR)
                break;
            continue; /* revents are stale */
        }
        for (int i = 0; i < h->n; i++)
            if (h->fds[i].fd >= 0 && h->fds[i].revents)
                hold_read(h, i);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static int hold_main(const struct options *o, const struct buffer *payload)
{
    struct hold h = {.fds = calloc((size_t)o->hold, sizeof *h.fds),
                     .in = calloc((size_t)o->hold, sizeof *h.in),
                     .framed = calloc((size_t)o->hold, 1),
                     .counting = buffer_len(payload) > 0};
    int status = 0;

    if (!h.fds || !h.in || !h.framed)
        status = io_error("calloc");
    for (; h.n < o->hold && status == 0; h.n++) {
        int fd = net_connect(o->host, o->port);

        if (fd < 0) {
            fprintf(stderr, "httpc: connect %s:%d: %s (after opening %d connections)\n",
                    o->host, o->port, strerror(errno), h.n);
            status = 1;
            break;
        }
        h.fds[h.n] = (struct pollfd){.fd = fd, .events = POLLIN};
        if (net_write_all(fd, buffer_data(payload), buffer_len(payload)) < 0)
            status = io_error("send");
    }
    if (status == 0) {
        hold_wait(&h, o->hold_seconds);
        printf("%d closed by server\n", h.closed);
        if (h.counting)
            printf("%d answered 200\n", h.answered);
    }
    for (int i = 0; i < h.n; i++) {
        if (h.fds[i].fd >= 0)
            close(h.fds[i].fd);
        buffer_free(&h.in[i]);
    }
    free(h.fds);
    free(h.in);
    free(h.framed);
    return status;
}

int main(int argc, char **argv)
{
    struct options o = {.host = "127.0.0.1", .repeat = 1, .responses = -1,
                        .timeout_text = "10", .hold_text = "30"};
    enum args_status parsed = parse_options(argc, argv, &o);
    struct buffer payload;
    int status;

    if (parsed != ARGS_OK)
        return parsed == ARGS_HELP ? 0 : 2;
    signal(SIGPIPE, SIG_IGN); /* a closed peer is an error code, not a death */
    buffer_init(&payload);
    if (o.send && unescape(o.send, &payload) < 0) {
        fprintf(stderr, "httpc: --send: bad escape (known: \\r \\n \\t \\\\ \\0 \\xHH)\n%s",
                USAGE);
        status = 2;
    } else if (o.file && read_file(o.file, &payload) < 0) {
        status = io_error(o.file);
    } else {
        status = o.hold ? hold_main(&o, &payload) : client_main(&o, &payload);
    }
    fflush(stdout);
    buffer_free(&payload);
    return status;
}
