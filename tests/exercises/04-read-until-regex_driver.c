/* 04-read-until-regex_driver.c - the checks of exercise 04-read-until-regex:
 * runs a folder's iostream_read_until_regex() on chapter 4's IOStream over
 * socketpairs and chapter 3's IOLoop. Built as
 * build/{exercises,solutions}/04-read-until-regex/server; run with a case
 * name (tests/exercises/04-read-until-regex.bats runs one per @test).
 *
 * The link wraps regcomp() and regfree() (-Wl,--wrap, in exercises.mk), so
 * the driver counts them: a regex that outlives its read shows without
 * AddressSanitizer, as "1 alive". Under SAN=1 LeakSanitizer also reports
 * it at exit. regexec() is wrapped too, for ASan's sake (see below).
 * Callbacks note what they saw ("read:18 close"), and a case compares the
 * whole sequence, with tests/unit/iostream_test.c's harness
 * (tests/unit/stream_harness.h). */
#include "stream_harness.h" /* notes, on_read, stream_pair, once, feed... */

#include "read_regex.h"

#include <dlfcn.h>
#include <regex.h>
#include <signal.h>

/* ---- counting regexes: the linker sends read_regex.c's calls here ---- */

int __real_regcomp(regex_t *re, const char *pattern, int flags);
void __real_regfree(regex_t *re);
int __wrap_regcomp(regex_t *re, const char *pattern, int flags);
void __wrap_regfree(regex_t *re);

static int compiled, freed;
static int failures_before; /* check_failures when the case began */

int __wrap_regcomp(regex_t *re, const char *pattern, int flags)
{
    int rc = __real_regcomp(re, pattern, flags);

    compiled += rc == 0; /* a failed regcomp() leaves nothing to free */
    return rc;
}

void __wrap_regfree(regex_t *re)
{
    freed++;
    __real_regfree(re);
    /* POSIX lets regfree() change errno (free() may, in older libcs): make
     * sure it does, so that a caller who needs errno afterwards must have
     * kept it (hint 4). */
    errno = EDOM;
}

/* libasan's regexec() interceptor (gcc 12) checks strlen(string) + 1
 * bytes, even with REG_STARTEND: a buffer with no NUL after its bytes is
 * then a "heap-buffer-overflow" that glibc never makes. Under ASan, read
 * the range regexec() was really given from instrumented code (a real
 * overrun is still reported, with both stacks), then call libc's
 * regexec() itself, past the interceptor. */
int __real_regexec(const regex_t *re, const char *string, size_t nmatch,
                   regmatch_t pmatch[], int eflags);
int __wrap_regexec(const regex_t *re, const char *string, size_t nmatch,
                   regmatch_t pmatch[], int eflags);

int __wrap_regexec(const regex_t *re, const char *string, size_t nmatch,
                   regmatch_t pmatch[], int eflags)
{
#ifdef __SANITIZE_ADDRESS__
    typedef int regexec_fn(const regex_t *, const char *, size_t,
                           regmatch_t[], int);
    static regexec_fn *libc_regexec;
    size_t len = (eflags & REG_STARTEND) && pmatch
                     ? (size_t)pmatch[0].rm_eo
                     : strlen(string) + 1;
    volatile char sink;

    for (size_t i = 0; i < len; i++)
        sink = string[i];
    (void)sink;
    if (!libc_regexec) {
        void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
        libc_regexec = libc ? (regexec_fn *)dlsym(libc, "regexec") : NULL;
    }
    if (libc_regexec)
        return libc_regexec(re, string, nmatch, pmatch, eflags);
#endif
    return __real_regexec(re, string, nmatch, pmatch, eflags);
}

/* n regexes compiled and not yet freed: those of the pending reads. Not
 * checked after an earlier failure of the case, which may have left a read
 * pending (a missed match) and would only repeat itself here. */
#define CHECK_ALIVE(n)                                                       \
    do {                                                                     \
        if (check_failures > failures_before)                                \
            break;                                                           \
        if (compiled - freed != (n))                                         \
            fprintf(stderr,                                                  \
                    "regexes compiled: %d, freed: %d; %d alive, not %d "     \
                    "(hint 4)\n",                                            \
                    compiled, freed, compiled - freed, (n));                 \
        CHECK_EQ(compiled - freed, (n));                                     \
    } while (0)

/* ---- loops, pairs, peers (and stream_harness.h's) ---- */

/* The default backend; the regex counts restart with each case's loop. */
static struct ioloop *setup(void)
{
    struct ioloop *loop = harness_loop(NULL);

    compiled = freed = 0;
    failures_before = check_failures;
    return loop;
}

#define WAIT_SECONDS 3.0

/* Iterate until the callbacks have noted n things. A missed match waits
 * for ever: after a few seconds, say so (and which hint helps) and fail. */
static const char *hint = "hints 2-3";

static int wait_notes(struct ioloop *loop, int n)
{
    double until = now() + WAIT_SECONDS;

    while (nnotes < n && now() < until)
        once(loop);
    if (nnotes < n)
        fprintf(stderr,
                "waited %.0f s for callback %d, in vain: was a match "
                "missed? (%s) What came: '%s'\n",
                WAIT_SECONDS, n, hint, notes);
    CHECK(nnotes >= n);
    return nnotes >= n;
}

/* Iterate until the stream has read all that was sent, and looked at it. */
static void settle(struct ioloop *loop, struct iostream *s)
{
    double until = now() + WAIT_SECONDS;

    while (unread(iostream_fd(s)) != 0 && now() < until)
        once(loop);
    once(loop);
}

/* Read n more bytes with read_bytes, and check they are want. */
static void check_rest(struct ioloop *loop, struct iostream *s,
                       const char *want)
{
    int n = nnotes;

    CHECK_EQ(iostream_read_bytes(s, strlen(want), on_read, NULL), 0);
    if (wait_notes(loop, n + 1))
        CHECK_SLICE(got, got_len, want);
}

/* ---- the cases ---- */

static void test_one_read(void)
{
    static const char head[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 1024, on_read, NULL),
             0);
    CHECK_ALIVE(1);
    send_str(peer, head);
    if (wait_notes(loop, 1)) {
        CHECK_NOTES("read:27");
        CHECK_SLICE(got, got_len, head);
    }
    CHECK_ALIVE(0);
    /* An alternation: the leftmost match ends the read, at its end. */
    CHECK_EQ(iostream_read_until_regex(s, "END|STOP", 0, on_read, NULL), 0);
    send_str(peer, "xxSTOPyyEND");
    if (wait_notes(loop, 2))
        CHECK_SLICE(got, got_len, "xxSTOP");
    CHECK_ALIVE(0);
    check_rest(loop, s, "yyEND");
    teardown(loop, s, peer);
}

/* "GET / HTTP/1.1\r\n" now, "\r\nBODY" later: the match straddles them.
 * Then "\r\n\r" and "\n": split inside the match itself. */
static void test_split_across_writes(void)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    hint = "hint 3: where to search";
    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 0, on_read, NULL), 0);
    send_str(peer, "GET / HTTP/1.1\r\n");
    settle(loop, s);
    CHECK_NOTES(""); /* one line ending is not a match */
    send_str(peer, "\r\nBODY");
    if (!wait_notes(loop, 1))
        goto out;
    CHECK_SLICE(got, got_len, "GET / HTTP/1.1\r\n\r\n");
    check_rest(loop, s, "BODY");

    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 0, on_read, NULL), 0);
    send_str(peer, "Host: x\r\n\r");
    settle(loop, s);
    CHECK_EQ(nnotes, 2);
    send_str(peer, "\n");
    if (wait_notes(loop, 3))
        CHECK_SLICE(got, got_len, "Host: x\r\n\r\n");
out:
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
}

/* A match that ends just before, straddles, or starts exactly at a read
 * boundary: the peer sends `boundary` bytes, the stream reads them all,
 * then the rest arrives. 4096 is the stream's first read; 65536, where
 * its doubling buffer is full. 0 if the match was missed. */
static int boundary_case(size_t boundary, size_t start)
{
    struct ioloop *loop = setup();
    int peer, ok;
    struct iostream *s = stream_pair(loop, &peer);
    size_t len = start + 4 + 2;
    char *data = malloc(len);

    memset(data, 'a', start);
    memcpy(data + start, "\r\n\r\nXY", 6);
    hint = "hint 3: where to search";
    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 1 << 20, on_read,
                                       NULL),
             0);
    send_bytes(peer, data, boundary);
    settle(loop, s);
    CHECK_EQ(nnotes, start + 4 <= boundary); /* only if it all came */
    send_bytes(peer, data + boundary, len - boundary);
    ok = wait_notes(loop, 1);
    if (!ok)
        fprintf(stderr, "missed: \\r\\n\\r\\n at %zu..%zu, the first read "
                        "ending at %zu\n", start, start + 4, boundary);
    else if (got_len != start + 4 || memcmp(got, data, got_len) != 0)
        fprintf(stderr, "\\r\\n\\r\\n at %zu: read %zu bytes, not %zu\n",
                start, got_len, start + 4);
    CHECK(ok && got_len == start + 4 && memcmp(got, data, got_len) == 0);
    if (ok)
        check_rest(loop, s, "XY");
    free(data);
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
    return ok;
}

static void test_match_at_boundary(void)
{
    static const size_t boundaries[] = {4096, 65536};

    for (size_t b = 0; b < 2; b++)
        for (size_t start = boundaries[b] - 4; start <= boundaries[b]; start++)
            if (!boundary_case(boundaries[b], start))
                return; /* one miss says enough, and each takes seconds */
}

/* The next read, started from inside a read callback. */
static void on_read_then_regex(struct iostream *s, int status,
                               const char *data, size_t len, void *arg)
{
    on_read(s, status, data, len, NULL);
    if (status == 0)
        CHECK_EQ(iostream_read_until_regex(s, arg, 0, on_read, NULL), 0);
}

/* Three things in one write: two reads end at their matches, and what
 * follows the second stays for a read_bytes. */
static void test_data_after_match(void)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    CHECK_EQ(iostream_read_until_regex(s, "\n\n", 0, on_read_then_regex,
                                       "[0-9]+;"),
             0);
    send_str(peer, "first\n\nsecond 42; rest");
    if (wait_notes(loop, 2)) {
        CHECK_NOTES("read:7 read:10");
        CHECK_SLICE(got, got_len, "second 42;");
        check_rest(loop, s, " rest");
    }
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
}

/* Tornado's own pattern for the end of an HTTP head, every spelling of
 * it, and a lone line ending that is not one. */
static void test_crlf_variants(void)
{
    static const char *const want[] = {"line\r\nmore\n\n", "x\r\n\n",
                                       "y\n\r\n", "z\r\n\r\n"};
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    send_str(peer, "line\r\nmore\n\nx\r\n\ny\n\r\nz\r\n\r\ntail");
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 100, on_read,
                                           NULL),
                 0);
        if (!wait_notes(loop, i + 1))
            break;
        CHECK_SLICE(got, got_len, want[i]);
    }
    if (nnotes == 4)
        check_rest(loop, s, "tail");
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
}

/* The buffer is bytes, not a string: a NUL before the match must not end
 * the search. */
static void test_nul_before_match(void)
{
    static const char data[] = "ab\0cd\r\n\r\nrest";
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    hint = "hint 2: bytes, not a string";
    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 0, on_read, NULL), 0);
    send_bytes(peer, data, sizeof data - 1);
    if (wait_notes(loop, 1)) {
        CHECK_EQ(got_len, 9);
        CHECK(got_len == 9 && memcmp(got, data, 9) == 0);
        check_rest(loop, s, "rest");
    }
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
}

static void max_bytes_case(const char *text, size_t max, const char *want)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);
    int closes = strstr(want, "EMSGSIZE") != NULL;

    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", max, on_read, NULL),
             0);
    send_str(peer, text);
    if (wait_notes(loop, closes ? 2 : 1)) {
        if (strcmp(notes, want) != 0)
            fprintf(stderr, "'%s' with max_bytes %zu:\n", text, max);
        CHECK_NOTES(want);
    }
    CHECK_EQ(iostream_closed(s), closes);
    if (closes)
        CHECK_EQ(iostream_error(s), EMSGSIZE);
    CHECK_ALIVE(0);
    teardown(loop, s, peer);
}

static void test_max_bytes_exceeded(void)
{
    max_bytes_case("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 16,
                   "read:-1:EMSGSIZE close");
    max_bytes_case("0123456789\r\n\r\n", 12, "read:-1:EMSGSIZE close");
    max_bytes_case("0123456789\n\n", 12, "read:12"); /* ends at max_bytes */
}

/* Patterns that do not compile, and patterns that match the empty string
 * (the first three, then the last three): -1 and EINVAL, nothing left
 * compiled, and the stream reads on as if nothing had happened. */
static void test_bad_pattern(void)
{
    static const char *const bad[] = {"a[", "(ab", "x{2", "x*", "", "(a|b)*"};
    struct ioloop *loop = setup();
    int peer, pending = 0;
    struct iostream *s = stream_pair(loop, &peer);

    for (size_t i = 0; i < sizeof bad / sizeof *bad && !pending; i++) {
        errno = 0;
        int rc = iostream_read_until_regex(s, bad[i], 0, on_read, NULL);
        if (rc != -1 || errno != EINVAL)
            fprintf(stderr, "pattern \"%s\": %d, %s, not -1, EINVAL "
                            "(hint 1)\n",
                    bad[i], rc,
                    rc == 0 ? "a read pending" : strerrorname_np(errno));
        CHECK(rc == -1 && errno == EINVAL);
        pending = rc == 0; /* then the rest would be EBUSY */
        CHECK_ALIVE(pending);
    }
    if (!pending) {
        /* The stream still reads. */
        CHECK_EQ(iostream_read_until_regex(s, "\n\n", 0, on_read, NULL), 0);
        send_str(peer, "ok\n\n");
        if (wait_notes(loop, 1))
            CHECK_SLICE(got, got_len, "ok\n\n");
    }
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
}

/* The end of the buffer is not the end of the stream: `$` must not match
 * at the end of what has arrived so far (REG_NOTEOL), or "end$" ends the
 * read at "the end" before the line's newline comes. Without REG_NEWLINE,
 * `$` matches only at the end of the string, which a stream never has. */
static void test_dollar_is_not_the_end(void)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    hint = "hint 2: REG_NOTEOL";
    CHECK_EQ(iostream_read_until_regex(s, "end$|\n", 0, on_read, NULL), 0);
    send_str(peer, "the end");
    settle(loop, s); /* read, and searched: no match yet */
    if (nnotes > 0)
        fprintf(stderr, "the read ended at '%.*s', before the newline: "
                "did $ match at the end of the buffer? (hint 2: "
                "REG_NOTEOL)\n", (int)got_len, got);
    CHECK_EQ(nnotes, 0);
    send_str(peer, "\nrest");
    if (nnotes == 0 && wait_notes(loop, 1))
        CHECK_SLICE(got, got_len, "the end\n");
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
}

/* A read the stream refuses (EBUSY, EPIPE) never started: its regex is
 * freed before iostream_read_until_regex() returns. */
static void test_busy_and_closed(void)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    CHECK_EQ(iostream_read_until_regex(s, "\n\n", 0, on_read, NULL), 0);
    errno = 0;
    CHECK_EQ(iostream_read_until_regex(s, "END", 0, on_read, NULL), -1);
    if (errno != EBUSY)
        fprintf(stderr, "errno is %d (%s), not EBUSY: was it kept across "
                "regfree()? (hint 4)\n", errno, strerror(errno));
    CHECK_EQ(errno, EBUSY);
    CHECK_ALIVE(1); /* the pending read's */
    iostream_close(s);
    if (wait_notes(loop, 2))
        CHECK_NOTES("read:-1:ECONNRESET close");
    CHECK_ALIVE(0);
    errno = 0;
    CHECK_EQ(iostream_read_until_regex(s, "END", 0, on_read, NULL), -1);
    if (errno != EPIPE)
        fprintf(stderr, "errno is %d (%s), not EPIPE: was it kept across "
                "regfree()? (hint 4)\n", errno, strerror(errno));
    CHECK_EQ(errno, EPIPE);
    CHECK_ALIVE(0);
    teardown(loop, s, peer);
}

/* Closed with the read pending, by us or by the peer: the callback gets
 * ECONNRESET, the close callback follows, and the regex is freed. */
static void test_close_while_reading(void)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 0, on_read, NULL), 0);
    send_str(peer, "partial");
    settle(loop, s);
    iostream_close(s);
    if (wait_notes(loop, 2))
        CHECK_NOTES("read:-1:ECONNRESET close");
    CHECK_ALIVE(0);
    teardown(loop, s, peer);

    loop = setup();
    s = stream_pair(loop, &peer);
    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 0, on_read, NULL), 0);
    send_str(peer, "GET / HTTP/1.1\r\n");
    close(peer); /* mid-head */
    if (wait_notes(loop, 2))
        CHECK_NOTES("read:-1:ECONNRESET close");
    CHECK_ALIVE(0);
    teardown(loop, s, -1);
}

static void on_read_free(struct iostream *s, int status, const char *data,
                         size_t len, void *arg)
{
    on_read(s, status, data, len, arg);
    iostream_free(s);
}

/* Freed with the read pending, no callback runs: nothing else will free
 * the regex. And a callback may free its stream. */
static void test_free_while_reading(void)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);

    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 0, on_read, NULL), 0);
    send_str(peer, "partial");
    settle(loop, s);
    iostream_free(s);
    once(loop);
    CHECK_NOTES(""); /* iostream_free() runs no callback */
    CHECK_ALIVE(0);
    close(peer);

    s = stream_pair(loop, &peer);
    CHECK_EQ(iostream_read_until_regex(s, "\n\n", 0, on_read_free, NULL), 0);
    send_str(peer, "bye\n\n");
    if (wait_notes(loop, 1))
        CHECK_NOTES("read:5");
    CHECK_ALIVE(0);
    close(peer);
    ioloop_free(loop);
}

/* A 100 KB line that arrives 1000 bytes at a time: about a hundred reads,
 * each searching the whole buffer again (hint 3). That costs ~5 MB of
 * searching, a few milliseconds; a search that is itself quadratic, or
 * anything slower, takes far longer. */
static void test_long_line(void)
{
    struct ioloop *loop = setup();
    int peer;
    struct iostream *s = stream_pair(loop, &peer);
    size_t len = 100 * 1000 + 4;
    char *line = malloc(len);
    struct feeder f = {.fd = peer, .data = line, .len = len, .piece = 1000};
    double t0 = now(), took;

    memset(line, 'a', len - 4);
    memcpy(line + len - 4, "\r\n\r\n", 4);
    CHECK(net_set_nonblocking(peer) == 0);
    CHECK_EQ(iostream_read_until_regex(s, "\r?\n\r?\n", 0, on_read, NULL), 0);
    ioloop_add_callback(loop, feed, &f);
    if (wait_notes(loop, 1)) {
        took = now() - t0;
        printf("100 KB in 1000-byte pieces: %.3f s\n", took);
        CHECK(took < WAIT_SECONDS);
        CHECK_EQ(got_len, len);
        CHECK(got_len == len && memcmp(got, line, len) == 0);
    }
    free(line);
    teardown(loop, s, peer);
    CHECK_ALIVE(0);
}

static const struct check_case cases[] = {
    {"one_read", test_one_read},
    {"split_across_writes", test_split_across_writes},
    {"match_at_boundary", test_match_at_boundary},
    {"data_after_match", test_data_after_match},
    {"crlf_variants", test_crlf_variants},
    {"nul_before_match", test_nul_before_match},
    {"dollar_is_not_the_end", test_dollar_is_not_the_end},
    {"max_bytes_exceeded", test_max_bytes_exceeded},
    {"bad_pattern", test_bad_pattern},
    {"busy_and_closed", test_busy_and_closed},
    {"close_while_reading", test_close_while_reading},
    {"free_while_reading", test_free_while_reading},
    {"long_line", test_long_line},
    {0}};

/* A backstop: each wait above gives up after a few seconds by itself. */
static void on_alarm(int sig)
{
    static const char msg[] = "timed out after 30 s\n";

    (void)sig;
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(1);
}

int main(int argc, char **argv)
{
    int status;

    signal(SIGALRM, on_alarm);
    alarm(30);
    status = check_main(argc, argv, cases);
    free(got);
    return status;
}
