/* iostream.c - a buffered, non-blocking stream over a descriptor, on the
 * IOLoop: one read()/send() per event, callbacks run from the loop. */
#include "iostream.h"

#include "buffer.h"
#include "log.h"
#include "net.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How much room one read() gets: a page for a request head, up to 64 KiB
 * (Tornado's read_chunk_size) for a body of known length or for
 * read_until_close. */
#define IOSTREAM_READ_MIN 4096
#define IOSTREAM_READ_MAX 65536

enum read_kind { READ_NONE, READ_UNTIL, READ_BYTES, READ_UNTIL_CLOSE };

/* A write's callback, due once `at` bytes in all have been sent. */
struct write_mark {
    uint64_t at;
    iostream_write_fn *fn;
    void *arg;
};

struct iostream {
    struct ioloop *loop;
    int fd;                  /* -1 once closed */
    int error;               /* why it closed: 0 or an errno */
    unsigned read_kind : 2;  /* the pending read, or READ_NONE */
    unsigned close_ran : 1;  /* the close callback has run */
    unsigned running : 1;    /* inside its handler or its pump */
    unsigned delivering : 1; /* inside a read callback: in holds its bytes */
    unsigned freeing : 1;    /* freed while running: the frame frees it */
    unsigned not_socket : 1; /* send() said ENOTSOCK: write() instead */
    unsigned char delim_len;
    char delim[IOSTREAM_MAX_DELIMITER];
    iostream_match_fn *match; /* read_until_match: the matcher, else NULL */
    iostream_match_free_fn *match_free; /* releases match_arg, or NULL */
    void *match_arg;
    size_t lookback;          /* read_until_match: bytes to look back */
    struct buffer in, out;
    struct buffer marks;     /* a FIFO of struct write_mark, as bytes */
    uint64_t written;        /* bytes sent since the stream began */
    size_t max_buffer;
    size_t read_limit;       /* read_bytes: n; read_until: max_bytes or 0 */
    size_t scanned;          /* read_until: no match starts before this */
    iostream_read_fn *read_fn;
    void *read_arg;
    iostream_close_fn *close_fn;
    void *close_arg;
    ioloop_timeout pump;     /* the scheduled iostream_pump, or 0 */
    /* Queued on the loop while out holds bytes that no send() has tried
     * yet: written by a callback, they leave before the loop sleeps. */
    struct ioloop_hook send_hook;
};

static int iostream_is_closed(const struct iostream *s)
{
    return s->fd < 0;
}

static int iostream_pump(struct ioloop *loop, void *arg);
static int iostream_send_before_poll(struct ioloop *loop, void *arg);
static void iostream_handle_write(struct iostream *s);

/* ---- scheduling, interest, closing ---- */

/* Run iostream_pump on the next iteration, once however often asked. It is
 * a timeout due at once rather than ioloop_add_callback() because a timeout
 * can be cancelled: iostream_free() removes it, so the loop never holds a
 * pointer to a freed stream, and nothing leaks if the loop is freed first. */
static void iostream_schedule(struct iostream *s)
{
    if (s->pump || s->freeing)
        return;
    s->pump = ioloop_add_timeout(s->loop, 0, iostream_pump, s);
    if (!s->pump)
        log_error("iostream fd %d: cannot schedule callbacks: %s", s->fd,
                  strerror(errno));
}

/* Close the descriptor: the handler goes first, since epoll watches the
 * open file and the number may be reused as soon as it is closed. */
static void iostream_shut(struct iostream *s)
{
    ioloop_remove_handler(s->loop, s->fd);
    close(s->fd);
    s->fd = -1;
    ioloop_cancel_before_poll(&s->send_hook);
    buffer_free(&s->out); /* nothing more will be sent */
}

/* Close with a reason (0: EOF or a plain close). The pending callbacks get
 * their errors, then the close callback runs, all from the pump. */
static void iostream_close_with(struct iostream *s, int error)
{
    if (iostream_is_closed(s))
        return;
    /* A plain close in the frame that wrote: what it wrote has not been
     * tried yet (its send waits for the loop). One send() now, as outside
     * a frame the write itself would have made: a reply then a close must
     * not lose the reply. What the kernel refuses is dropped, as
     * Tornado's close() drops its write buffer. */
    if (error == 0 && ioloop_hook_queued(&s->send_hook))
        iostream_handle_write(s);
    if (iostream_is_closed(s)) /* that send() failed, and closed it */
        return;
    s->error = error;
    iostream_shut(s);
    iostream_schedule(s);
}

/* Which events to ask the loop for. READ while a read waits for bytes:
 * with the buffer empty, or after the buffer was looked at and fell short
 * (no pump is due to look). With no read pending, READ too while the
 * buffer is empty: a peer's close (FIN) shows only as a readable socket
 * and a read() of 0, and a stream nobody reads from must still notice it,
 * so that a handler waiting on a timer hears that its client has gone
 * (Tornado listens so too). What that read brings stays in the buffer,
 * and READ stops until a read wants it: that bounds what a client sending
 * ahead can make us hold. WRITE only while output is queued that a send()
 * could not take: output whose send waits for the loop (send_hook) needs
 * no event, and asking for one would cost two epoll_ctl()s. Inside the
 * handler or the pump this waits until the frame ends: the state is still
 * moving. */
static void iostream_update_interest(struct iostream *s)
{
    int events = 0;
    int reading = s->read_kind != READ_NONE;

    if (iostream_is_closed(s) || s->running)
        return;
    if (buffer_len(&s->in) == 0 || (reading && !s->pump))
        events |= IOLOOP_READ;
    if (buffer_len(&s->out) > 0 && !ioloop_hook_queued(&s->send_hook))
        events |= IOLOOP_WRITE; /* a send() was refused: wait for room */
    if (ioloop_update_handler(s->loop, s->fd, events) < 0)
        iostream_close_with(s, errno);
}

static void iostream_destroy(struct iostream *s)
{
    buffer_free(&s->in);
    buffer_free(&s->out);
    buffer_free(&s->marks);
    free(s);
}

/* ---- reading ---- */

/* Room for one read(): what a read_bytes still lacks, 64 KiB for
 * read_until_close, a page for a head (the buffer doubles as a head grows). */
static size_t iostream_read_size(const struct iostream *s)
{
    size_t have = buffer_len(&s->in), want = IOSTREAM_READ_MIN;

    if (s->read_kind == READ_BYTES && s->read_limit > have)
        want = s->read_limit - have;
    else if (s->read_kind == READ_UNTIL_CLOSE)
        want = IOSTREAM_READ_MAX;
    if (want < IOSTREAM_READ_MIN)
        want = IOSTREAM_READ_MIN;
    return want > IOSTREAM_READ_MAX ? IOSTREAM_READ_MAX : want;
}

/* One read() into the input buffer. The loop is level-triggered: bytes
 * left in the socket are reported again next iteration, so one read per
 * event is correct, keeps a fast sender from hogging the loop, and saves
 * the read() that would only have said EAGAIN. hangup: the loop reported
 * an error, and this read is how we learn EOF or the errno. */
static void iostream_handle_read(struct iostream *s, int hangup)
{
    size_t have = buffer_len(&s->in), room;
    ssize_t n;

    if (have >= s->max_buffer) {
        iostream_close_with(s, EMSGSIZE);
        return;
    }
    if (buffer_reserve(&s->in, iostream_read_size(s)) < 0) {
        iostream_close_with(s, errno);
        return;
    }
    room = buffer_space(&s->in);
    if (room > s->max_buffer - have)
        room = s->max_buffer - have;
    do
        n = read(s->fd, buffer_tail(&s->in), room);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        buffer_commit(&s->in, (size_t)n);
        return;
    }
    if (buffer_len(&s->in) == 0)
        buffer_free(&s->in); /* nothing came: hold no memory */
    if (n == 0)
        iostream_close_with(s, 0);
    else if (errno != EAGAIN && errno != EWOULDBLOCK)
        iostream_close_with(s, errno);
    else if (hangup) /* an error reported, nothing to read: don't spin */
        iostream_close_with(s, ECONNRESET);
}

/* read_until_match: the same idea with the caller's matcher, which looks
 * again at the last `lookback` bytes already searched: all of them for
 * IOSTREAM_LOOKBACK_ALL (SIZE_MAX), which no scanned count exceeds. */
static int iostream_find_match(struct iostream *s, size_t *len)
{
    size_t have = buffer_len(&s->in), max = s->read_limit;
    size_t from = s->scanned > s->lookback ? s->scanned - s->lookback : 0;
    size_t end = have > from ? s->match(buffer_data(&s->in), have, from,
                                        s->match_arg)
                             : 0;

    if (end) {
        *len = end;
        return max && end > max ? -1 : 1;
    }
    s->scanned = have;
    return max && have >= max ? -1 : 0;
}

/* Search only what arrived since the last look, starting delim_len - 1
 * bytes back for a delimiter split between two reads: a head that arrives
 * byte by byte costs O(n) in all, not O(n^2). 1 with *len set, 0 for not
 * yet, -1 if max_bytes makes it impossible. */
static int iostream_find_delimiter(struct iostream *s, size_t *len)
{
    size_t have = buffer_len(&s->in), dlen = s->delim_len;
    size_t max = s->read_limit;

    if (s->match)
        return iostream_find_match(s, len);
    if (have >= s->scanned + dlen) {
        const char *data = buffer_data(&s->in);
        const char *hit =
            memmem(data + s->scanned, have - s->scanned, s->delim, dlen);
        if (hit) {
            *len = (size_t)(hit - data) + dlen;
            return max && *len > max ? -1 : 1;
        }
        s->scanned = have - dlen + 1;
    }
    return max && have >= max ? -1 : 0;
}

/* Whether the buffer satisfies the pending read: 1 with *len, 0 for not
 * yet, -1 for never (max_bytes passed, or the buffer full and still short:
 * Tornado's UnsatisfiableReadError and StreamBufferFullError). */
static int iostream_find(struct iostream *s, size_t *len)
{
    int found = 0;

    if (s->read_kind == READ_UNTIL) {
        found = iostream_find_delimiter(s, len);
    } else if (s->read_kind == READ_BYTES) {
        found = buffer_len(&s->in) >= s->read_limit;
        *len = s->read_limit;
    } /* READ_UNTIL_CLOSE: only EOF ends it */
    if (found == 0 && buffer_len(&s->in) >= s->max_buffer)
        return -1;
    return found;
}

/* Hand the pending read its outcome, then consume its bytes: they stay put
 * during the callback, which may start the next read. If the buffer may
 * already hold that one, it is delivered from the pump on the next
 * iteration, not from here: a pipelining client neither grows the stack
 * nor holds the loop. -1 if the callback freed the stream. */
static int iostream_finish_read(struct iostream *s, int status, size_t len)
{
    iostream_read_fn *fn = s->read_fn;
    const char *data = s->in.data ? buffer_data(&s->in) : "";
    iostream_match_free_fn *release = s->match_free;
    void *match_arg = s->match_arg;

    s->read_kind = READ_NONE;
    s->read_fn = NULL;
    s->match_free = NULL; /* the callback may start the next read */
    if (status < 0)
        errno = s->error ? s->error : ECONNRESET;
    s->delivering = 1;
    fn(s, status, data, len, s->read_arg);
    s->delivering = 0;
    if (release) /* after the callback, which may look at match_arg */
        release(match_arg);
    if (s->freeing)
        return -1;
    buffer_consume(&s->in, len);
    if (buffer_len(&s->in) == 0)
        buffer_free(&s->in); /* idle costs nothing (buffer.c keeps 4 KiB) */
    else if (s->read_kind != READ_NONE)
        iostream_schedule(s);
    return 0;
}

/* Deliver the pending read if it can finish: from the buffer, or with an
 * error (a success for read_until_close) once the stream has closed. */
static int iostream_run_read(struct iostream *s)
{
    size_t len = 0;

    if (s->read_kind == READ_NONE)
        return 0;
    if (!iostream_is_closed(s)) {
        int found = iostream_find(s, &len);
        if (found == 0)
            return 0;
        if (found > 0)
            return iostream_finish_read(s, 0, len);
        iostream_close_with(s, EMSGSIZE);
    }
    if (s->read_kind == READ_UNTIL_CLOSE && s->error == 0)
        return iostream_finish_read(s, 0, buffer_len(&s->in));
    return iostream_finish_read(s, -1, 0);
}

/* ---- writing ---- */

static ssize_t iostream_send(struct iostream *s, const char *p, size_t n)
{
    if (!s->not_socket) {
        /* MSG_NOSIGNAL: a vanished peer is EPIPE, not a SIGPIPE that
         * kills the process whose owner forgot to ignore it. */
        ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL);
        if (w >= 0 || errno != ENOTSOCK)
            return w;
        s->not_socket = 1; /* a pipe or a tty */
    }
    return write(s->fd, p, n);
}

/* One send() of everything queued. A short count means the socket buffer
 * is full: another try now would only say EAGAIN, so we wait for WRITE. */
static void iostream_handle_write(struct iostream *s)
{
    ssize_t n;

    ioloop_cancel_before_poll(&s->send_hook); /* this one tries it all */
    do
        n = iostream_send(s, buffer_data(&s->out), buffer_len(&s->out));
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            iostream_close_with(s, errno); /* EPIPE, ECONNRESET */
        return;
    }
    s->written += (size_t)n;
    buffer_consume(&s->out, (size_t)n);
    if (buffer_len(&s->out) == 0)
        buffer_free(&s->out);
}

/* The oldest write callback, if it is due: its bytes are sent, or the
 * stream has closed and they never will be. */
static int iostream_mark_due(const struct iostream *s, struct write_mark *m)
{
    if (buffer_len(&s->marks) == 0)
        return 0;
    memcpy(m, buffer_data(&s->marks), sizeof *m);
    return iostream_is_closed(s) || m->at <= s->written;
}

/* Run the due write callbacks, oldest first. Only those queued on entry:
 * one that writes again and is due at once waits for the next iteration. */
static int iostream_run_writes(struct iostream *s)
{
    size_t n = buffer_len(&s->marks) / sizeof(struct write_mark);
    struct write_mark m;

    while (n-- > 0 && iostream_mark_due(s, &m)) {
        int status = m.at <= s->written ? 0 : -1;
        buffer_consume(&s->marks, sizeof m);
        if (buffer_len(&s->marks) == 0)
            buffer_free(&s->marks);
        if (status < 0)
            errno = s->error ? s->error : EPIPE;
        m.fn(s, status, m.arg);
        if (s->freeing)
            return -1;
    }
    return 0;
}

/* ---- the handler and the pump: where callbacks run ---- */

static int iostream_run_close(struct iostream *s)
{
    buffer_free(&s->in); /* no read can come now */
    if (s->close_ran || !s->close_fn)
        return 0;
    s->close_ran = 1;
    s->close_fn(s, s->close_arg);
    return s->freeing ? -1 : 0;
}

/* Run what is due, in order: write callbacks whose bytes are sent, the
 * read if the buffer satisfies it; once closed, every failure and then the
 * close callback. A callback may close the stream (so the closed part runs
 * again after them) or free it (-1: touch nothing more). */
static int iostream_run_callbacks(struct iostream *s)
{
    if (iostream_run_writes(s) < 0 || iostream_run_read(s) < 0)
        return -1;
    if (!iostream_is_closed(s))
        return 0;
    if (iostream_run_writes(s) < 0 || iostream_run_read(s) < 0)
        return -1;
    return iostream_run_close(s);
}

/* The handler and the pump never nest (the loop calls each from its top),
 * so one bit says a frame is running. iostream_free() inside it only marks
 * the stream; leaving the frame frees it. */
static void iostream_enter(struct iostream *s)
{
    assert(!s->running);
    s->running = 1;
}

/* Leave a frame: free the stream if a callback asked to, else tell the
 * loop what we now wait for (Tornado 1.0 recomputes its state so, at the
 * end of _handle_events). */
static void iostream_leave(struct iostream *s)
{
    s->running = 0;
    if (s->freeing)
        iostream_destroy(s);
    else
        iostream_update_interest(s);
}

/* The loop reports the descriptor: send what waits, read what came, then
 * run what is due. One send() and one read() at most, then back to the
 * loop. Tornado 1.0: IOStream._handle_events. */
static int iostream_handle_events(struct ioloop *loop, int fd, int events,
                                  void *arg)
{
    struct iostream *s = arg;

    (void)loop, (void)fd;
    iostream_enter(s);
    if ((events & (IOLOOP_WRITE | IOLOOP_ERROR)) && buffer_len(&s->out) > 0)
        iostream_handle_write(s);
    if (!iostream_is_closed(s) && (events & (IOLOOP_READ | IOLOOP_ERROR)))
        iostream_handle_read(s, events & IOLOOP_ERROR);
    iostream_run_callbacks(s); /* at once: no iteration lost */
    iostream_leave(s);
    return 0;
}

/* The deferred half: reads the buffer already satisfied, write callbacks
 * due inside iostream_write(), and everything a close fails. */
static int iostream_pump(struct ioloop *loop, void *arg)
{
    struct iostream *s = arg;

    (void)loop;
    s->pump = 0;
    iostream_enter(s);
    iostream_run_callbacks(s);
    iostream_leave(s);
    return 0;
}

/* The loop is about to sleep: what the stream's callbacks wrote leaves
 * now, in one send(), however many writes made it (Redis sends its
 * clients' replies so, from beforeSleep). A head and a body written
 * apart cost one system call. If the pump is about to deliver another
 * read from the buffer, this waits one more turn for it: whatever that
 * read's callback writes joins this send, so that answers to requests
 * that arrived together leave together, until the buffer runs dry or
 * the reader stops reading. */
static int iostream_send_before_poll(struct ioloop *loop, void *arg)
{
    struct iostream *s = arg;
    struct write_mark m;

    if (s->pump && s->read_kind != READ_NONE && buffer_len(&s->in) > 0) {
        ioloop_before_poll(loop, &s->send_hook);
        return 0;
    }
    iostream_handle_write(s);
    if (iostream_mark_due(s, &m)) /* its callback runs from the pump */
        iostream_schedule(s);
    iostream_update_interest(s);
    return 0;
}

/* ---- the API ---- */

struct iostream *iostream_new(struct ioloop *loop, int fd)
{
    struct iostream *s = NULL;

    if (net_set_nonblocking(fd) < 0 || !(s = calloc(1, sizeof *s)))
        goto fail;
    s->loop = loop;
    s->fd = fd;
    s->max_buffer = IOSTREAM_DEFAULT_MAX_BUFFER;
    ioloop_hook_init(&s->send_hook, iostream_send_before_poll, s);
    /* Registered at once, and idle: READ, to see the peer close. */
    if (ioloop_add_handler(loop, fd, IOLOOP_READ, iostream_handle_events,
                           s) < 0)
        goto fail;
    return s;
fail:;
    int saved = errno;
    free(s);
    if (fd >= 0)
        close(fd);
    errno = saved;
    return NULL;
}

void iostream_free(struct iostream *s)
{
    if (!s)
        return;
    if (!iostream_is_closed(s))
        iostream_shut(s);
    if (s->pump)
        ioloop_remove_timeout(s->loop, s->pump);
    s->pump = 0;
    if (s->match_free) /* a read_until_match that will never end */
        s->match_free(s->match_arg);
    s->match_free = NULL;
    s->freeing = 1;
    if (!s->running)
        iostream_destroy(s);
}

/* 0 if a read may start now, else -1 with errno. */
static int iostream_check_read(const struct iostream *s,
                               iostream_read_fn *fn)
{
    if (!fn)
        errno = EINVAL;
    else if (iostream_is_closed(s))
        errno = EPIPE;
    else if (s->read_kind != READ_NONE)
        errno = EBUSY;
    else
        return 0;
    return -1;
}

static int iostream_start_read(struct iostream *s, enum read_kind kind,
                               iostream_read_fn *fn, void *arg)
{
    s->read_kind = kind;
    s->read_fn = fn;
    s->read_arg = arg;
    s->scanned = 0;
    /* Bytes already here may satisfy it: the pump looks, next iteration.
     * Inside a read callback the bytes being delivered are still in the
     * buffer; the delivery looks once it has consumed them. */
    if (!s->delivering && buffer_len(&s->in) > 0)
        iostream_schedule(s);
    iostream_update_interest(s);
    return 0;
}

int iostream_read_until(struct iostream *s, const char *delimiter,
                        size_t max_bytes, iostream_read_fn *callback,
                        void *arg)
{
    size_t dlen = delimiter ? strlen(delimiter) : 0;

    if (iostream_check_read(s, callback) < 0)
        return -1;
    if (dlen == 0 || dlen > IOSTREAM_MAX_DELIMITER) {
        errno = EINVAL;
        return -1;
    }
    memcpy(s->delim, delimiter, dlen);
    s->delim_len = (unsigned char)dlen;
    s->match = NULL;
    s->read_limit = max_bytes;
    return iostream_start_read(s, READ_UNTIL, callback, arg);
}

int iostream_read_until_match(struct iostream *s, iostream_match_fn *match,
                              iostream_match_free_fn *match_free,
                              void *match_arg, size_t lookback,
                              size_t max_bytes, iostream_read_fn *callback,
                              void *arg)
{
    if (iostream_check_read(s, callback) < 0)
        return -1;
    if (!match) {
        errno = EINVAL;
        return -1;
    }
    s->match = match;
    s->match_free = match_free;
    s->match_arg = match_arg;
    s->lookback = lookback;
    s->read_limit = max_bytes;
    return iostream_start_read(s, READ_UNTIL, callback, arg);
}

int iostream_read_bytes(struct iostream *s, size_t n,
                        iostream_read_fn *callback, void *arg)
{
    if (iostream_check_read(s, callback) < 0)
        return -1;
    s->read_limit = n;
    if (n == 0) /* satisfied by nothing: still delivered next iteration */
        iostream_schedule(s);
    return iostream_start_read(s, READ_BYTES, callback, arg);
}

int iostream_read_until_close(struct iostream *s, iostream_read_fn *callback,
                              void *arg)
{
    if (iostream_check_read(s, callback) < 0)
        return -1;
    return iostream_start_read(s, READ_UNTIL_CLOSE, callback, arg);
}

int iostream_write(struct iostream *s, const void *data, size_t len,
                   iostream_write_fn *callback, void *arg)
{
    int was_idle = buffer_len(&s->out) == 0;
    struct write_mark m = {0};

    if (iostream_is_closed(s)) {
        errno = EPIPE;
        return -1;
    }
    /* Reserve both first, so that neither append can fail half-way. */
    if (buffer_reserve(&s->out, len) < 0 ||
        (callback && buffer_reserve(&s->marks, sizeof m) < 0))
        return -1;
    buffer_append(&s->out, data, len);
    if (callback) {
        m = (struct write_mark){s->written + buffer_len(&s->out), callback,
                                arg};
        buffer_append(&s->marks, &m, sizeof m);
    }
    /* Nothing was queued: try now, and a small response leaves in this
     * call; from inside one of the stream's own callbacks, just before the
     * loop sleeps (iostream_send_before_poll), with what else was written.
     * Otherwise a send is already due, or WRITE asked for: order is kept. */
    if (was_idle && len > 0 && s->running)
        ioloop_before_poll(s->loop, &s->send_hook);
    else if (was_idle && len > 0)
        iostream_handle_write(s);
    if (iostream_mark_due(s, &m)) /* its callback still waits a turn */
        iostream_schedule(s);
    iostream_update_interest(s);
    return 0;
}

void iostream_close(struct iostream *s)
{
    iostream_close_with(s, 0);
}

void iostream_set_close_callback(struct iostream *s, iostream_close_fn *fn,
                                 void *arg)
{
    s->close_fn = fn;
    s->close_arg = arg;
    if (iostream_is_closed(s) && !s->close_ran)
        iostream_schedule(s);
}

int iostream_closed(const struct iostream *s)
{
    return iostream_is_closed(s);
}

int iostream_on_drained(struct iostream *s, iostream_write_fn *callback,
                        void *arg)
{
    if (!callback) {
        errno = EINVAL;
        return -1;
    }
    return iostream_write(s, "", 0, callback, arg);
}

int iostream_error(const struct iostream *s)
{
    return s->error;
}

int iostream_fd(const struct iostream *s)
{
    return s->fd;
}

size_t iostream_write_pending(const struct iostream *s)
{
    return buffer_len(&s->out);
}

void iostream_set_max_buffer_size(struct iostream *s, size_t max)
{
    s->max_buffer = max;
}
