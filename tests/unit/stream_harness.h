/* stream_harness.h - what a test of chapter 4's IOStream needs around it:
 * a notes recorder for callbacks, a stream on a socketpair, one iteration
 * of the loop at a time, and a peer that sends. Used by
 * tests/unit/iostream_test.c and tests/exercises/04-read-until-regex_driver.c
 * (built with -Itests/unit); test-only, so its functions are static, and
 * each includer gets its own copy of the state.
 *
 *     static struct ioloop *setup(void) { return harness_loop(NULL); }
 *
 *     struct ioloop *loop = setup();
 *     int peer;
 *     struct iostream *s = stream_pair(loop, &peer);
 *     iostream_read_until(s, "\r\n\r\n", 0, on_read, NULL);
 *     send_str(peer, "GET / HTTP/1.1\r\n\r\n");
 *     while (nnotes < 1)
 *         once(loop);
 *     CHECK_NOTES("read:18");
 *     teardown(loop, s, peer);
 *
 * Callbacks write what they saw into notes ("read:18 close"), and a case
 * compares the whole sequence. Every function here is used by both files:
 * one that only a single file wants stays in that file (a static function
 * left unused would be a warning). */
#ifndef TESTS_STREAM_HARNESS_H
#define TESTS_STREAM_HARNESS_H

#include "check.h"
#include "iostream.h"

#include "net.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- what callbacks saw ---- */

static char notes[4096];
static int nnotes;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    size_t used = strlen(notes);
    va_list ap;

    if (used && used < sizeof notes - 1)
        notes[used++] = ' ';
    va_start(ap, fmt);
    vsnprintf(notes + used, sizeof notes - used, fmt, ap);
    va_end(ap);
    nnotes++;
}

#define CHECK_NOTES(want) CHECK_SLICE(notes, strlen(notes), want)

/* The bytes of the last successful read; main() frees got at the end. */
static char *got;
static size_t got_len, got_cap;

static void keep(const char *data, size_t len)
{
    if (len > got_cap) {
        got = realloc(got, len);
        got_cap = len;
        if (!got)
            abort();
    }
    memcpy(got, data, len);
    got_len = len;
}

static void on_read(struct iostream *s, int status, const char *data,
                    size_t len, void *arg)
{
    (void)s, (void)arg;
    if (status < 0) {
        note("read:-1:%s", strerrorname_np(errno));
        return;
    }
    keep(data, len);
    note("read:%zu", len);
}

static void on_close(struct iostream *s, void *arg)
{
    (void)s, (void)arg;
    note("close");
}

/* ---- loops, pairs, peers ---- */

/* A new loop on backend (NULL: the default), with the notes and the last
 * read cleared: the start of each file's setup(). */
static struct ioloop *harness_loop(const char *backend)
{
    struct ioloop *loop = ioloop_new(backend);

    if (!loop) {
        perror("ioloop_new");
        exit(1);
    }
    notes[0] = 0;
    nnotes = 0;
    got_len = 0;
    return loop;
}

/* A stream on one end of a socketpair; *peer is the other (blocking). */
static struct iostream *stream_pair(struct ioloop *loop, int *peer)
{
    int sv[2];
    struct iostream *s;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
        !(s = iostream_new(loop, sv[0]))) {
        perror("stream_pair");
        exit(1);
    }
    iostream_set_close_callback(s, on_close, NULL);
    *peer = sv[1];
    return s;
}

static void teardown(struct ioloop *loop, struct iostream *s, int peer)
{
    iostream_free(s);
    if (peer >= 0)
        close(peer);
    ioloop_free(loop);
}

static int stop_loop(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

/* One iteration of the loop, without waiting in poll (it is stopping). */
static void once(struct ioloop *loop)
{
    ioloop_add_callback(loop, stop_loop, NULL);
    ioloop_start(loop);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes waiting in the kernel for the reader of fd. */
static int unread(int fd)
{
    int n = -1;

    ioctl(fd, FIONREAD, &n);
    return n;
}

static void send_bytes(int fd, const char *data, size_t len)
{
    CHECK(net_write_all(fd, data, len) == 0);
}

static void send_str(int fd, const char *str)
{
    send_bytes(fd, str, strlen(str));
}

/* Feeds the peer end from a loop callback: `bulk` bytes as fast as the
 * socket takes them, then `piece` bytes per iteration (0: one byte). */
struct feeder {
    int fd; /* non-blocking */
    const char *data;
    size_t len, bulk, piece, off;
};

static int feed(struct ioloop *loop, void *arg)
{
    struct feeder *f = arg;
    size_t n = f->off < f->bulk ? f->bulk - f->off
               : f->piece       ? f->piece
                                : 1;
    ssize_t w;

    if (n > f->len - f->off)
        n = f->len - f->off;
    w = write(f->fd, f->data + f->off, n);
    if (w > 0)
        f->off += (size_t)w;
    else if (w < 0 && errno != EAGAIN)
        return -1;
    if (f->off < f->len)
        ioloop_add_callback(loop, feed, f);
    return 0;
}

#endif
