/* condition_demo.c - one coroutine waits on a Condition, another notifies
 * it: the material's example; prints exactly what
 * tests/tornado/condition_demo.py prints. The waiter's wake-up, which
 * condition_notify() only schedules, runs after the notifier has printed
 * its second line. */
#include "gen.h"
#include "locks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct condition *condition;

static void line(const char *text)
{
    puts(text);
    fflush(stdout);
}

static int waiter(void *arg, void **result)
{
    struct future *f;
    int err;

    (void)arg, (void)result;
    line("I'll wait right here");
    if (!(f = condition_wait(condition, 0)))
        return errno;
    err = gen_await(f, NULL);
    future_unref(f);
    if (!err)
        line("Received notification now doing my things");
    return err;
}

static int notifier(void *arg, void **result)
{
    (void)arg, (void)result;
    line("About to notify");
    condition_notify(condition, 1);
    line("Done notifying");
    return 0;
}

/* Wait for waiter() and notifier() in parallel. */
static int runner(void *arg, void **result)
{
    struct ioloop *loop = gen_loop();
    struct future *both[2], *all;
    int err;

    (void)arg, (void)result;
    both[0] = gen_spawn(loop, "waiter", waiter, NULL);
    both[1] = gen_spawn(loop, "notifier", notifier, NULL);
    all = gen_multi(loop, both, 2);
    err = gen_await(all, NULL);
    future_unref(all);
    future_unref(both[0]);
    future_unref(both[1]);
    return err;
}

int main(int argc, char **argv)
{
    struct ioloop *loop;
    int err;

    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: condition_demo (it takes no arguments)\n");
        return 2;
    }
    if (!(loop = ioloop_new(NULL)) || !(condition = condition_new(loop))) {
        perror("condition_demo");
        return 1;
    }
    err = gen_run_sync(loop, runner, NULL, 0, NULL);
    condition_free(condition);
    ioloop_free(loop);
    if (err) {
        fprintf(stderr, "condition_demo: %s\n", strerror(err));
        return 1;
    }
    return 0;
}
