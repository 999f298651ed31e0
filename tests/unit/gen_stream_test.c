/* gen_stream_test.c - chapter 5's coroutine streams (gen_stream.c) over
 * socketpairs: read_until, read_bytes and write that wait in a coroutine;
 * a closed stream is an error, never a hang; a cancelled read returns
 * ECANCELED and its late callback touches nothing of the coroutine's. */
#include "check.h"
#include "gen.h"
#include "gen_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct ioloop *loop;
static struct iostream *stream;
static int peer = -1;

static void setup(void)
{
    int sv[2];

    alarm(10);
    loop = ioloop_new(NULL);
    if (!loop || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
        !(stream = iostream_new(loop, sv[0]))) {
        perror("setup");
        exit(1);
    }
    peer = sv[1];
}

static void teardown(void)
{
    iostream_free(stream);
    stream = NULL;
    if (peer >= 0)
        close(peer);
    peer = -1;
    ioloop_free(loop);
}

/* Send from the peer; -1 once the stream's end is closed (no SIGPIPE). */
static int peer_send(const char *s)
{
    return send(peer, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s) ? 0
                                                                       : -1;
}

static int stop_cb(struct ioloop *l, void *arg)
{
    (void)arg;
    ioloop_stop(l);
    return 0;
}

/* Run the loop for about seconds. */
static void run_for(double seconds)
{
    ioloop_call_later(loop, seconds, stop_cb, NULL);
    ioloop_start(loop);
}

/* ---- the coroutines ---- */

struct echo {
    struct buffer got;
    int read_error, write_error;
};

/* A line in, the same line out, then four bytes. */
static int echo_line(void *arg, void **result)
{
    struct echo *e = arg;

    *result = NULL;
    if ((e->read_error = gen_stream_read_until(stream, "\r\n", 100, &e->got)))
        return e->read_error;
    e->write_error = gen_stream_write(stream, buffer_data(&e->got),
                                      buffer_len(&e->got));
    if (e->write_error)
        return e->write_error;
    return gen_stream_read_bytes(stream, 4, &e->got);
}

static void read_until_write_read_bytes(void)
{
    struct echo e = {0};
    char back[64] = {0};

    setup();
    buffer_init(&e.got);
    peer_send("hello, stream\r\nab"); /* before: the buffer satisfies it */
    peer_send("cdEXTRA");
    CHECK_EQ(gen_run_sync(loop, echo_line, &e, 5, NULL), 0);
    CHECK_EQ(e.read_error, 0);
    CHECK_EQ(e.write_error, 0);
    CHECK_SLICE(buffer_data(&e.got), buffer_len(&e.got),
                "hello, stream\r\nabcd");
    CHECK_EQ(read(peer, back, sizeof back - 1), 15);
    CHECK(strcmp(back, "hello, stream\r\n") == 0);
    buffer_free(&e.got);
    teardown();
}

struct reader {
    struct buffer got;
    size_t n;      /* read_bytes, or 0: read_until "\n" */
    int error;
    int returned;
};

static int read_one(void *arg, void **result)
{
    struct reader *r = arg;

    *result = NULL;
    r->error = r->n ? gen_stream_read_bytes(stream, r->n, &r->got)
                    : gen_stream_read_until(stream, "\n", 0, &r->got);
    r->returned = 1;
    return r->error;
}

/* The bytes come a piece at a time while the coroutine waits. */
static int send_piece(struct ioloop *l, void *arg)
{
    (void)l;
    peer_send(arg);
    return 0;
}

static void read_bytes_in_pieces(void)
{
    struct reader r = {.n = 6};

    setup();
    buffer_init(&r.got);
    ioloop_call_later(loop, 0.01, send_piece, "ab");
    ioloop_call_later(loop, 0.02, send_piece, "cd");
    ioloop_call_later(loop, 0.03, send_piece, "efgh");
    CHECK_EQ(gen_run_sync(loop, read_one, &r, 5, NULL), 0);
    CHECK_SLICE(buffer_data(&r.got), buffer_len(&r.got), "abcdef");
    buffer_free(&r.got);
    teardown();
}

/* The peer goes: the waiting read fails (ECONNRESET); the next call, on
 * a stream now closed, fails at once (EPIPE). No hang either way. */
static void closed_stream_is_an_error(void)
{
    struct reader r = {0};

    setup();
    buffer_init(&r.got);
    peer_send("no newline");
    close(peer);
    peer = -1;
    CHECK_EQ(gen_run_sync(loop, read_one, &r, 5, NULL), ECONNRESET);
    CHECK_EQ(buffer_len(&r.got), 0);
    CHECK(iostream_closed(stream));
    r.n = 3;
    CHECK_EQ(gen_run_sync(loop, read_one, &r, 5, NULL), EPIPE);
    buffer_free(&r.got);
    teardown();
}

static int write_one(void *arg, void **result)
{
    (void)arg;
    *result = NULL;
    return gen_stream_write(stream, "hello", 5);
}

/* Closed by us first: EPIPE at once. Closed by the peer: the send fails
 * (EPIPE, or ECONNRESET) and so does the write, once it is tried. */
static void write_to_a_closed_stream_is_an_error(void)
{
    int err;

    setup();
    close(peer);
    peer = -1;
    err = gen_run_sync(loop, write_one, NULL, 5, NULL);
    CHECK(err == EPIPE || err == ECONNRESET);
    CHECK(iostream_closed(stream));
    CHECK_EQ(gen_run_sync(loop, write_one, NULL, 5, NULL), EPIPE);
    teardown();
}

/* Cancelled while it waits: ECANCELED, the stream is closed, and the
 * read's buffer (here freed as soon as the coroutine returns, as a stack
 * buffer would be) is never written: ASan would see it. */
static void cancelled_read_returns_ecanceled(void)
{
    struct reader *r = calloc(1, sizeof *r);
    struct future *f;

    setup();
    buffer_init(&r->got);
    f = gen_spawn(loop, "reader", read_one, r);
    run_for(0.05); /* it waits in read_until now */
    CHECK_EQ(r->returned, 0);
    CHECK_EQ(future_cancel(f), 1);
    run_for(0.05);
    CHECK_EQ(r->returned, 1);
    CHECK_EQ(r->error, ECANCELED);
    CHECK(future_done(f));
    CHECK_EQ(future_error(f), ECANCELED);
    CHECK(iostream_closed(stream));
    buffer_free(&r->got);
    free(r); /* the coroutine's buffer is gone */
    CHECK_EQ(peer_send("late bytes\n"), -1); /* closed: EPIPE */
    run_for(0.05); /* nothing reads them: the stream is closed */
    future_unref(f);
    teardown();
}

/* The stream freed under a waiting read: the coroutine gets EPIPE, and
 * the read's record is released (ASan's leak check would say so). */
static int free_stream(struct ioloop *l, void *arg)
{
    (void)l;
    (void)arg;
    iostream_free(stream);
    stream = NULL;
    return 0;
}

static void freed_stream_fails_the_read(void)
{
    struct reader r = {.n = 10};

    setup();
    buffer_init(&r.got);
    ioloop_call_later(loop, 0.02, free_stream, NULL);
    CHECK_EQ(gen_run_sync(loop, read_one, &r, 5, NULL), EPIPE);
    CHECK_EQ(r.returned, 1);
    buffer_free(&r.got);
    teardown();
}

static void outside_a_coroutine_is_eperm(void)
{
    struct buffer b;

    setup();
    buffer_init(&b);
    CHECK_EQ(gen_stream_read_until(stream, "\n", 0, &b), EPERM);
    CHECK_EQ(gen_stream_read_bytes(stream, 1, &b), EPERM);
    CHECK_EQ(gen_stream_write(stream, "x", 1), EPERM);
    CHECK_EQ(gen_stream_read_until(stream, "", 0, &b), EINVAL);
    teardown();
}

static const struct check_case cases[] = {
    {"read_until_write_read_bytes", read_until_write_read_bytes},
    {"read_bytes_in_pieces", read_bytes_in_pieces},
    {"closed_stream_is_an_error", closed_stream_is_an_error},
    {"write_to_a_closed_stream_is_an_error",
     write_to_a_closed_stream_is_an_error},
    {"cancelled_read_returns_ecanceled", cancelled_read_returns_ecanceled},
    {"freed_stream_fails_the_read", freed_stream_fails_the_read},
    {"outside_a_coroutine_is_eperm", outside_a_coroutine_is_eperm},
    {0},
};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
