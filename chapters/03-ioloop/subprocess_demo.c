/* subprocess_demo.c - chapter 3: start several commands at once on one
 * IOLoop, each with a timeout, and report each one as it finishes. The
 * classic Tornado recipe (Subprocess + add_timeout), on subprocess.c. */
#include "ioloop.h"
#include "subprocess.h"

#include "args.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SUMMARY[] =
    "Chapter 3: run commands at once on the IOLoop, each with a timeout.\n"
    "    subprocess [options] -- 'CMD ARG...' ['CMD ARG...' ...]\n"
    "Each command is one argument, split on spaces (no shell). With none,\n"
    "the four examples: 'sleep 5' 'echo hello' 'no-such-command'\n"
    "'cat /no/such/file'.";
static const char USAGE[] =
    "usage: subprocess [--timeout S] [--backend epoll|select] [-- CMD...]\n";
static char *examples[] = {"sleep 5", "echo hello", "no-such-command",
                           "cat /no/such/file"};

static struct ioloop *loop;
static int running; /* started and not reported yet */

/* Split line on spaces into a NULL-terminated argv, in one allocation:
 * the pointers, then a copy of the line they point into. */
static char **split_words(const char *line)
{
    size_t len = strlen(line), max = (len + 1) / 2 + 1, n = 0;
    char **words = malloc(max * sizeof *words + len + 1);
    char *save;

    if (!words)
        return NULL;
    char *copy = memcpy((char *)(words + max), line, len + 1);
    for (char *w = strtok_r(copy, " ", &save); w;
         w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    words[n] = NULL;
    return words;
}

/* "(empty)", the one line, or for longer output its line count and last
 * line: the end of 200,000 lines shows that none were lost. */
static void print_output(const char *name, const struct buffer *b)
{
    const char *data = buffer_data(b);
    size_t len = buffer_len(b), lines = 1, last = 0;

    if (len == 0) {
        printf("  %s: (empty)\n", name);
        return;
    }
    if (data[len - 1] == '\n')
        len--;
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n')
            lines++, last = i + 1;
    if (lines == 1)
        printf("  %s: %.*s\n", name, (int)len, data);
    else
        printf("  %s: %zu lines, last: %.*s\n", name, lines, (int)(len - last),
               data + last);
}

/* subprocess_done_fn: one block per command, in the order they finish. */
static void on_done(struct subprocess *p, const struct subprocess_result *r,
                    void *arg)
{
    printf("[%s] ", (const char *)arg);
    if (r->timed_out)
        printf("timed out after %.2f s: ", r->elapsed);
    if (r->exited)
        printf("exit status %d", r->status);
    else if (r->signaled)
        printf("killed by signal %d", r->signal);
    else
        printf("ended, status unknown");
    if (!r->timed_out)
        printf(" after %.2f s", r->elapsed);
    printf("\n");
    print_output("stdout", &r->out);
    print_output("stderr", &r->err);
    fflush(stdout);
    subprocess_free(p);
    if (--running == 0)
        ioloop_stop(loop);
}

int main(int argc, char **argv)
{
    static const char *const backends[] = {"epoll", "select", NULL};
    const char *backend = "epoll", *timeout_text = "3";
    const struct args_option options[] = {
        {"--timeout", ARGS_STRING, &timeout_text, "S",
         "kill a command after S seconds (default 3; 0: never)", 0, 0, NULL},
        {"--backend", ARGS_CHOICE, &backend, "epoll|select",
         "the poller (default epoll)", 0, 0, backends},
        {0}};
    int nopts = argc, ncmds = 4;
    char **cmds = examples, ***words, *end;
    double timeout;

    for (int i = 1; i < argc && nopts == argc; i++)
        if (strcmp(argv[i], "--") == 0)
            nopts = i; /* options before it, commands after it */
    enum args_status status = args_parse(nopts, argv, SUMMARY, options);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 2;
    timeout = strtod(timeout_text, &end);
    if (end == timeout_text || *end || !isfinite(timeout) || timeout < 0) {
        fprintf(stderr, "--timeout: expected seconds >= 0, got '%s'\n%s",
                timeout_text, USAGE);
        return 2;
    }
    if (argc - nopts > 1)
        cmds = argv + nopts + 1, ncmds = argc - nopts - 1;
    for (int i = 0; i < ncmds; i++)
        if (cmds[i][strspn(cmds[i], " ")] == '\0') {
            fprintf(stderr, "an empty command\n%s", USAGE);
            return 2;
        }
    if (!(words = calloc((size_t)ncmds, sizeof *words)))
        die("out of memory");
    for (int i = 0; i < ncmds; i++)
        if (!(words[i] = split_words(cmds[i])))
            die("out of memory");
    log_setup("subprocess");
    if (!(loop = ioloop_new(backend)))
        die("cannot create the %s loop", backend);

    /* Start them all; one that cannot start is reported at once. */
    for (int i = 0; i < ncmds; i++) {
        if (subprocess_start(loop, words[i], timeout, on_done, cmds[i])) {
            running++;
        } else {
            printf("[%s] could not start: %s\n", cmds[i], strerror(errno));
            fflush(stdout);
        }
    }
    if (running > 0)
        ioloop_start(loop); /* until the last on_done stops it */
    ioloop_free(loop);
    for (int i = 0; i < ncmds; i++)
        free(words[i]);
    free(words);
    return 0;
}
