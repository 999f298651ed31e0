/* fetch.c - chapter 5's HTTP client on the command line: every URL
 * fetched at once on one loop, one status line each, in argument order.
 * Tornado: python -m tornado.httpclient URL, for many URLs at a time.
 *
 *     $ fetch http://127.0.0.1:8888/ http://127.0.0.1:1/
 *     200 OK http://127.0.0.1:8888/ 13 bytes
 *     599 Connection refused http://127.0.0.1:1/ 0 bytes
 *
 * Exit status 0 if every URL got an answer (a code below 599, 404 too),
 * 1 if any did not, 2 for bad arguments. */
#include "future.h"
#include "gen.h"
#include "httpclient.h"
#include "ioloop.h"

#include "args.h"
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fetch_options {
    const char *method, *data, *output;
    struct buffer body_file; /* -d @FILE: the file's bytes */
    struct args_list headers;
    int verbose, body, stats, no_pool, max_clients, max_redirects;
    int timeout_ms, connect_timeout_ms, no_redirects, max_body;
};

/* What main hands the coroutine. */
struct fetch_run {
    struct httpclient *client;
    const struct fetch_options *o;
    char **urls;
    int n;
};

static void fetch_print(const struct fetch_options *o, const char *url,
                        const struct httpclient_response *r)
{
    printf("%d %s %s %zu bytes\n", r->code, r->reason, url,
           buffer_len(&r->body));
    if (o->verbose) {
        if (strcmp(r->effective_url, url) != 0)
            printf("  effective_url %s\n", r->effective_url);
        printf("  request_time %.3f\n", r->request_time);
        for (size_t i = 0; i < r->nheaders; i++)
            printf("  %s: %s\n", r->headers[i].name, r->headers[i].value);
    }
    if (o->body && buffer_len(&r->body)) /* an empty buffer's data is NULL */
        fwrite(buffer_data(&r->body), 1, buffer_len(&r->body), stdout);
}

/* -o FILE: every body, one after another, for a checksum. */
static int fetch_save(const char *path, const struct httpclient_response *r,
                      int first)
{
    FILE *out = fopen(path, first ? "wb" : "ab");
    size_t n = buffer_len(&r->body);
    int ok = out && (n == 0 || fwrite(buffer_data(&r->body), 1, n, out) == n);

    if (out && fclose(out) != 0)
        ok = 0;
    if (!ok)
        log_error_errno(path);
    return ok ? 0 : -1;
}

/* -d @FILE: the body is the file's bytes (as curl's -d @FILE, but
 * exactly, newlines and all). */
static int fetch_load(const char *path, struct buffer *out)
{
    FILE *in = fopen(path, "rb");
    size_t n = 1;

    while (in && n > 0 && buffer_reserve(out, 65536) == 0) {
        n = fread(buffer_tail(out), 1, buffer_space(out), in);
        buffer_commit(out, n);
    }
    if (!in || ferror(in) || n > 0) {
        if (in)
            fclose(in);
        return -1;
    }
    fclose(in);
    return 0;
}

static struct future *fetch_one(struct fetch_run *run, const char *url)
{
    const struct fetch_options *o = run->o;
    struct httpclient_request req = HTTPCLIENT_REQUEST_INIT;

    req.url = url;
    req.method = o->method ? o->method : o->data ? "POST" : "GET";
    req.headers = o->headers.items;
    if (o->data && o->data[0] == '@') {
        req.body = buffer_data(&o->body_file);
        req.body_len = buffer_len(&o->body_file);
    } else {
        req.body = o->data;
        req.body_len = o->data ? strlen(o->data) : 0;
    }
    req.max_body_size = (size_t)o->max_body;
    req.request_timeout = o->timeout_ms / 1000.0;
    req.connect_timeout = o->connect_timeout_ms / 1000.0;
    req.follow_redirects = !o->no_redirects;
    req.max_redirects = o->max_redirects;
    return httpclient_fetch(run->client, &req);
}

/* Start them all, then wait for each in turn: they run at once, and the
 * lines still come out in argument order. */
static int fetch_all(void *arg, void **result)
{
    struct fetch_run *run = arg;
    struct future **futures = calloc((size_t)run->n, sizeof *futures);
    intptr_t failed = 0;

    if (!futures)
        return ENOMEM;
    for (int i = 0; i < run->n; i++)
        futures[i] = fetch_one(run, run->urls[i]); /* NULL: no memory */
    for (int i = 0; i < run->n; i++) {
        struct httpclient_response *r;
        if (!futures[i]) {
            printf("error %s %s\n", strerror(ENOMEM), run->urls[i]);
            failed = 1;
            continue;
        }
        int err = gen_await(futures[i], (void **)&r);
        if (err) {
            printf("error %s %s\n", strerror(err), run->urls[i]);
            failed = 1;
        } else {
            fetch_print(run->o, run->urls[i], r);
            failed |= r->code >= 599;
            if (run->o->output && fetch_save(run->o->output, r, i == 0) < 0)
                failed = 1;
            httpclient_response_free(r);
        }
        future_unref(futures[i]);
    }
    free(futures);
    *result = (void *)failed;
    return 0;
}

static void fetch_print_stats(const struct httpclient *client)
{
    struct httpclient_stats s = httpclient_stats(client);

    printf("stats: %lu requests, %lu connections opened, %lu reused, "
           "%lu retried, %lu queued\n",
           s.requests, s.connections, s.reused, s.retries, s.queued);
}

static int fetch_stop(struct ioloop *loop, void *arg)
{
    (void)arg;
    ioloop_stop(loop);
    return 0;
}

/* Run the callbacks queued now, no more. */
static void fetch_one_turn(struct ioloop *loop)
{
    if (ioloop_add_callback(loop, fetch_stop, NULL) == 0)
        ioloop_start(loop);
}

int main(int argc, char **argv)
{
    struct fetch_options o = {.max_clients = HTTPCLIENT_DEFAULT_MAX_CLIENTS,
                              .max_redirects = HTTPCLIENT_DEFAULT_MAX_REDIRECTS};
    const struct args_option options[] = {
        {"-X, --method", ARGS_STRING, &o.method, "METHOD",
         "the request method (default GET, or POST with --data)", 0, 0, NULL},
        {"-d, --data", ARGS_STRING, &o.data, "BODY",
         "send BODY, or the bytes of FILE for @FILE", 0, 0, NULL},
        {"-o, --output", ARGS_STRING, &o.output, "FILE",
         "write every body to FILE, in argument order", 0, 0, NULL},
        {"--max-body", ARGS_INT, &o.max_body, "BYTES",
         "a longer body is a 599 (default 100 MiB)", 0, 2000000000, NULL},
        {"-H, --header", ARGS_LIST, &o.headers, "'NAME: VALUE'",
         "add a header line (repeatable)", 0, 0, NULL},
        {"-v, --verbose", ARGS_FLAG, &o.verbose, NULL,
         "print each response's headers, time and effective URL", 0, 0, NULL},
        {"--body", ARGS_FLAG, &o.body, NULL, "print each body after its line",
         0, 0, NULL},
        {"--stats", ARGS_FLAG, &o.stats, NULL,
         "print the client's counts (connections opened, reused) at the end",
         0, 0, NULL},
        {"--no-keepalive", ARGS_FLAG, &o.no_pool, NULL,
         "a connection per request, closed after it (as Tornado's)",
         0, 0, NULL},
        {"--no-redirects", ARGS_FLAG, &o.no_redirects, NULL,
         "return a 3xx as it is", 0, 0, NULL},
        {"--max-redirects", ARGS_INT, &o.max_redirects, "N",
         "redirects followed at most (default 5)", 0, 100, NULL},
        {"--max-clients", ARGS_INT, &o.max_clients, "N",
         "requests in flight at most (default 10)", 1, 10000, NULL},
        {"--timeout", ARGS_INT, &o.timeout_ms, "MS",
         "request timeout (default 20000)", 0, 3600000, NULL},
        {"--connect-timeout", ARGS_INT, &o.connect_timeout_ms, "MS",
         "connect timeout (default 20000)", 0, 3600000, NULL},
        {0}};
    struct httpclient_options copts = {0};
    struct fetch_run run = {.o = &o};
    struct ioloop *loop;
    void *failed = NULL;
    int first, err;

    switch (args_parse_operands(argc, argv,
                                "Fetch every URL at once and print a line "
                                "for each: CODE REASON URL N bytes.",
                                options, "URL...", &first)) {
    case ARGS_HELP: return 0;
    case ARGS_ERROR: return 2;
    case ARGS_OK: break;
    }
    log_setup("fetch");
    buffer_init(&o.body_file);
    if (o.data && o.data[0] == '@' && fetch_load(o.data + 1, &o.body_file))
        die("cannot read %s", o.data + 1);
    copts.max_clients = o.max_clients;
    copts.max_idle_per_host = o.no_pool ? HTTPCLIENT_NO_POOL : 0;
    if (!(loop = ioloop_new(NULL)) ||
        !(run.client = httpclient_new(loop, &copts)))
        die("cannot create the client");
    run.urls = argv + first;
    run.n = argc - first;
    err = gen_run_sync(loop, fetch_all, &run, 0, &failed);
    if (err)
        log_error("fetch: %s", strerror(err));
    if (o.stats)
        fetch_print_stats(run.client);
    httpclient_free(run.client);
    fetch_one_turn(loop); /* what httpclient_free() left to the loop */
    ioloop_free(loop);
    buffer_free(&o.body_file);
    return err || failed ? 1 : 0;
}
