/* gen_web_test.c - chapter 5's coroutine handlers (gen_web.c): a server
 * of test-only routes for tests/05-server.bats (an error returned is a
 * 500 through write_error; a body that finishes h itself; a client gone
 * mid-wait; a body read streamed or whole), and a unit case. */
#include "gen.h"
#include "gen_web.h"
#include "test_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Waits, then fails: the 500 comes through the class's write_error. */
static int fail_get(struct web_handler *h)
{
    int err = gen_sleep(0.01);

    web_write_str(h, "never sent\n"); /* web_send_error throws it away */
    return err ? err : EIO;
}

static void fail_write_error(struct web_handler *h, int status)
{
    web_printf(h, "write_error %d\n", status);
}

/* Finishes h itself from the coroutine, then returns 0: h is gone. */
static int teapot_get(struct web_handler *h)
{
    int err = gen_moment();

    if (err)
        return err;
    web_send_error(h, 418);
    return 0;
}

/* Counts its sleeps: the class's own state, at gen_web_state(). */
struct nap_state {
    int naps;
};

static int nap_get(struct web_handler *h)
{
    struct nap_state *st = gen_web_state(h);
    int err;

    for (st->naps = 0; st->naps < 10; st->naps++)
        if ((err = gen_sleep(0.1))) {
            log_info("nap cancelled after %d naps: %s", st->naps,
                     strerror(err));
            return err;
        }
    web_printf(h, "%d naps\n", st->naps);
    return 0;
}

/* Reads the body with gen_web_read_body and says in how many pieces it
 * came: streamed (/pieces) a piece per 64 KiB, whole (/whole) one. */
static int pieces_post(struct web_handler *h)
{
    struct buffer body;
    int err, pieces = 0;

    buffer_init(&body);
    while (!(err = gen_web_read_body(h, &body)))
        pieces++;
    if (err == ENODATA)
        web_printf(h, "%d pieces, %zu bytes\n", pieces, buffer_len(&body));
    else
        log_info("pieces: the read failed after %d: %s", pieces,
                 strerror(err));
    buffer_free(&body);
    return err == ENODATA ? 0 : err;
}

static const struct gen_web_class fail_class = {
    .base = {.name = "FailHandler", .get = gen_web_get,
             .write_error = fail_write_error, GEN_WEB_BASE(0)},
    .get = fail_get};
static const struct gen_web_class teapot_class = {
    .base = {.name = "TeapotHandler", .get = gen_web_get, GEN_WEB_BASE(0)},
    .get = teapot_get};
static const struct gen_web_class nap_class = {
    .base = {.name = "NapHandler", .get = gen_web_get,
             GEN_WEB_BASE(sizeof(struct nap_state))},
    .get = nap_get};

static const struct gen_web_class pieces_class = {
    .base = {.name = "PiecesHandler", .post = gen_web_post, GEN_WEB_BASE(0),
             .stream_request_body = 1},
    .post = pieces_post};
static const struct gen_web_class whole_class = {
    .base = {.name = "WholeHandler", .post = gen_web_post, GEN_WEB_BASE(0)},
    .post = pieces_post};

static const struct web_route routes[] = {
    {"/pieces", &pieces_class.base, NULL},
    {"/whole", &whole_class.base, NULL},
    {"/fail", &fail_class.base, NULL},
    {"/teapot", &teapot_class.base, NULL},
    {"/nap", &nap_class.base, NULL},
    {0}};

/* With none running, draining returns at once. */
static void drain_with_none(void)
{
    struct ioloop *l = ioloop_new(NULL);

    CHECK_EQ(gen_web_running(), 0);
    CHECK_EQ(gen_web_drain(l, 10), 0);
    ioloop_free(l);
}

static const struct check_case cases[] = {
    {"drain_with_none", drain_with_none}, {0}};

int main(int argc, char **argv)
{
    return test_server_main(argc, argv, "gen_web_test",
                            "chapter 5's coroutine handlers, for the tests",
                            routes, cases);
}
