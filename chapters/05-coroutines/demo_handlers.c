/* demo_handlers.c - the demo app's routes as coroutine handlers (gen_web.c):
 * chapter 5's server serves them, and chapter 6's links them beside its
 * own. */
#include "demo_handlers.h"

#include "gen.h"
#include "gen_web.h"
#include "web.h"

#include "demo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void text_plain(struct web_handler *h)
{
    web_set_header(h, "Content-Type", "text/plain");
}

static int hello_get(struct web_handler *h)
{
    text_plain(h);
    return web_write_str(h, "Hello, world\n") < 0 ? errno : 0;
}

static int pid_get(struct web_handler *h)
{
    text_plain(h);
    return web_printf(h, "%d\n", (int)getpid()) < 0 ? errno : 0;
}

/* The work holds the loop, coroutine or not: a coroutine only gives the
 * loop back where it waits. */
static int cpu_get(struct web_handler *h)
{
    char *end;
    long units;

    errno = 0;
    units = strtol(web_path_arg(h, 0), &end, 10);
    if (errno || *end || units > DEMO_MAX_CPU_UNITS)
        return web_send_error(h, 400), 0; /* h is finished and freed */
    text_plain(h);
    web_printf(h, "Worked %ld units (%016llx)\n", units,
               (unsigned long long)demo_burn_cpu(units));
    return 0;
}

/* POST /echo: the body is read in the coroutine as it arrives, a piece
 * at a time (the class streams its body: see echo_handler), and written
 * to the answer, which leaves whole, with its length, at the return. */
static int echo_post(struct web_handler *h)
{
    struct buffer piece;
    int err;

    web_set_header(h, "Content-Type", "application/octet-stream");
    buffer_init(&piece);
    while (!(err = gen_web_read_body(h, &piece))) {
        if (web_write(h, buffer_data(&piece), buffer_len(&piece)) < 0)
            err = errno;
        buffer_consume(&piece, buffer_len(&piece));
        if (err)
            break;
    }
    buffer_free(&piece);
    if (err == EMSGSIZE || err == EBADMSG)
        return web_send_error(h, err == EMSGSIZE ? 413 : 400), 0;
    return err == ENODATA ? 0 : err;
}

/* /sleep/N: one wait in the middle of the method. A client that goes
 * cancels the coroutine (gen_web.h): gen_sleep returns ECANCELED. */
static int sleep_get(struct web_handler *h)
{
    const char *arg = web_path_arg(h, 0);
    int64_t ms = demo_parse_ms(arg, strlen(arg));
    int err;

    if (ms < 0 || ms > DEMO_MAX_SLEEP_MS)
        return web_send_error(h, ms < 0 ? 404 : 400), 0;
    if ((err = gen_sleep((double)ms / 1000)))
        return err;
    text_plain(h);
    web_printf(h, "Slept %g s\n", (double)ms / 1000);
    return 0;
}

#define CLASS(NAME, METHOD, BODY)                                           \
    {.base = {.name = NAME, .METHOD = gen_web_##METHOD, GEN_WEB_BASE(0)},   \
     .METHOD = BODY}

const struct gen_web_class demo_hello_handler =
    CLASS("HelloHandler", get, hello_get);
const struct gen_web_class demo_pid_handler =
    CLASS("PidHandler", get, pid_get);
const struct gen_web_class demo_cpu_handler =
    CLASS("CpuHandler", get, cpu_get);
const struct gen_web_class demo_echo_handler = {
    .base = {.name = "EchoHandler", .post = gen_web_post, GEN_WEB_BASE(0),
             .stream_request_body = 1},
    .post = echo_post};
const struct gen_web_class demo_sleep_handler =
    CLASS("SleepHandler", get, sleep_get);

