/* queue_demo.c - producers and consumers on a bounded queue: the
 * material's example, generalised; prints exactly what
 * tests/tornado/queue_demo.py prints for the same options.
 *
 *     queue_demo --maxsize Q --items N --producers P --consumers C
 *
 * N items are split among the producers, and N gets among the consumers,
 * as evenly as possible, the lower-numbered ones taking the remainder.
 * With P > 1 producer p's items are "p-i"; with C > 1 a consumer prints
 * "consumer K got: X". An item is a string a producer allocates and the
 * consumer that gets it frees: ownership travels through the queue. */
#include "args.h"
#include "gen.h"
#include "queues.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct queue *q;

struct worker {
    int name;  /* 1, 2, ...; 0 when it is the only one */
    int count; /* items to make, or gets to do */
};

/* total split into parts shares, the first ones taking the remainder. */
static int share(int total, int parts, int k)
{
    return total / parts + (k < total % parts ? 1 : 0);
}

static void line(const char *prefix, const char *item)
{
    printf("%s%s\n", prefix, item);
    fflush(stdout);
}

static int consumer(void *arg, void **result)
{
    struct worker *w = arg;
    char prefix[32] = "got: ";

    (void)result;
    if (w->name)
        snprintf(prefix, sizeof prefix, "consumer %d got: ", w->name);
    for (int i = 0; i < w->count; i++) {
        void *item;
        struct future *f = queue_get(q, 0);
        int err = f ? gen_await(f, &item) : errno;
        future_unref(f);
        if (err)
            return err;
        line(prefix, item);
        free(item);
        queue_task_done(q);
    }
    return 0;
}

static int producer(void *arg, void **result)
{
    struct worker *w = arg;

    (void)result;
    for (int i = 0; i < w->count; i++) {
        char *item;
        struct future *f;
        int err;
        if ((w->name ? asprintf(&item, "%d-%d", w->name, i)
                     : asprintf(&item, "%d", i)) < 0)
            return ENOMEM;
        line("putting ", item);
        f = queue_put(q, item, 0);
        err = f ? gen_await(f, NULL) : errno;
        future_unref(f);
        if (err) {
            free(item); /* never put: still ours */
            return err;
        }
    }
    return 0;
}

/* Tornado's spawn_callback: the task is made in a callback of its own, so
 * it starts one loop turn later than a task made here and now. */
static int spawn_consumer(struct ioloop *loop, void *arg)
{
    future_unref(gen_spawn(loop, "consumer", consumer, arg));
    return 0;
}

struct options {
    int maxsize, items, producers, consumers;
    struct worker *consumers_, *producers_;
};

static int run(void *arg, void **result)
{
    struct options *o = arg;
    struct ioloop *loop = gen_loop();
    struct future **tasks, *all;
    int err;

    (void)result;
    if (!(q = queue_new(loop, o->maxsize)))
        return errno;
    for (int k = 0; k < o->consumers; k++)
        ioloop_add_callback(loop, spawn_consumer, &o->consumers_[k]);
    if (!(tasks = calloc((size_t)o->producers, sizeof *tasks)))
        return ENOMEM;
    for (int p = 0; p < o->producers; p++)
        tasks[p] = gen_spawn(loop, "producer", producer, &o->producers_[p]);
    all = gen_multi(loop, tasks, (size_t)o->producers);
    err = gen_await(all, NULL);
    future_unref(all);
    for (int p = 0; p < o->producers; p++)
        future_unref(tasks[p]);
    free(tasks);
    if (!err) {
        struct future *j = queue_join(q, 0);
        err = gen_await(j, NULL);
        future_unref(j);
    }
    return err;
}

int main(int argc, char **argv)
{
    struct options o = {.maxsize = 1, .items = 5, .producers = 1,
                        .consumers = 1};
    const struct args_option table[] = {
        {"--maxsize", ARGS_INT, &o.maxsize, "Q", "queue size (0: unbounded)",
         0, 1000000, NULL},
        {"--items", ARGS_INT, &o.items, "N", "items in all", 0, 1000000,
         NULL},
        {"--producers", ARGS_INT, &o.producers, "P", "producers", 1, 1000, NULL},
        {"--consumers", ARGS_INT, &o.consumers, "C", "consumers", 1, 1000, NULL},
        {0}};
    enum args_status status = args_parse(
        argc, argv, "producers and consumers on a bounded queue", table);
    struct ioloop *loop;
    int err;

    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    o.consumers_ = calloc((size_t)o.consumers, sizeof *o.consumers_);
    o.producers_ = calloc((size_t)o.producers, sizeof *o.producers_);
    if (!o.consumers_ || !o.producers_ || !(loop = ioloop_new(NULL))) {
        perror("queue_demo");
        return 1;
    }
    for (int k = 0; k < o.consumers; k++)
        o.consumers_[k] = (struct worker){o.consumers > 1 ? k + 1 : 0,
                                          share(o.items, o.consumers, k)};
    for (int p = 0; p < o.producers; p++)
        o.producers_[p] = (struct worker){o.producers > 1 ? p + 1 : 0,
                                          share(o.items, o.producers, p)};
    err = gen_run_sync(loop, run, &o, 0, NULL);
    queue_free(q);
    ioloop_free(loop);
    free(o.consumers_);
    free(o.producers_);
    if (err) {
        fprintf(stderr, "queue_demo: %s\n", strerror(err));
        return 1;
    }
    return 0;
}
