/* args.c - table-driven parsing of --name VALUE options. */
#include "args.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void args_usage(FILE *out, const char *program, const char *summary,
                       const struct args_option *options, const char *operands)
{
    fprintf(out, "usage: %s [options]%s%s\n%s\n\noptions:\n", program,
            operands ? " " : "", operands ? operands : "", summary);
    for (const struct args_option *o = options; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        fprintf(out, "  %-24s %s\n", left, o->help);
    }
    fprintf(out, "  %-24s %s\n", "--help", "show this message and exit");
}

/* Whether name[0..len) is one of spelling's: "--port", or "-X, --method"
 * for either "-X" or "--method". */
static int args_spelled(const char *spelling, const char *name, size_t len)
{
    const char *comma = strstr(spelling, ", ");

    if (comma && (size_t)(comma - spelling) == len &&
        strncmp(spelling, name, len) == 0)
        return 1;
    spelling = comma ? comma + 2 : spelling;
    return strlen(spelling) == len && strncmp(spelling, name, len) == 0;
}

static const struct args_option *args_find(const struct args_option *options,
                                           const char *name, size_t len)
{
    for (const struct args_option *o = options; o->name; o++)
        if (args_spelled(o->name, name, len))
            return o;
    return NULL;
}

static int args_set_int(const struct args_option *o, const char *text)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(text, &end, 10);
    if (errno || end == text || *end || n < o->min || n > o->max) {
        fprintf(stderr, "%s: expected a whole number from %ld to %ld, got '%s'\n",
                o->name, o->min, o->max, text);
        return -1;
    }
    *(int *)o->value = (int)n;
    return 0;
}

static int args_set_choice(const struct args_option *o, const char *text)
{
    for (const char *const *c = o->choices; *c; c++)
        if (strcmp(*c, text) == 0) {
            *(const char **)o->value = *c;
            return 0;
        }
    fprintf(stderr, "%s: '%s' is not one of:", o->name, text);
    for (const char *const *c = o->choices; *c; c++)
        fprintf(stderr, " %s", *c);
    fputc('\n', stderr);
    return -1;
}

static int args_set(const struct args_option *o, const char *text)
{
    switch (o->type) {
    case ARGS_STRING:
        if (!*text) {
            fprintf(stderr, "%s: expected a value\n", o->name);
            return -1;
        }
        *(const char **)o->value = text;
        return 0;
    case ARGS_INT:
        return args_set_int(o, text);
    case ARGS_CHOICE:
        return args_set_choice(o, text);
    case ARGS_FLAG:
        *(int *)o->value = 1;
        return 0;
    case ARGS_LIST: {
        struct args_list *l = o->value;
        if (l->n == ARGS_LIST_MAX) {
            fprintf(stderr, "%s: at most %d times\n", o->name, ARGS_LIST_MAX);
            return -1;
        }
        l->items[l->n++] = text;
        l->items[l->n] = NULL;
        return 0;
    }
    }
    return -1;
}

/* Handle argv[*i]; advances *i past a separate value. 0, 1 for --help, -1. */
static int args_one(int argc, char **argv, int *i,
                    const struct args_option *options)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct args_option *o;

    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
        return 1;
    o = arg[0] == '-' ? args_find(options, arg, len) : NULL;
    if (!o) {
        fprintf(stderr, "unknown argument '%s'\n", arg);
        return -1;
    }
    if (o->type == ARGS_FLAG) {
        if (eq) {
            fprintf(stderr, "%s takes no value\n", o->name);
            return -1;
        }
        return args_set(o, "");
    }
    if (eq)
        return args_set(o, eq + 1);
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s needs a value\n", o->name);
        return -1;
    }
    return args_set(o, argv[++*i]);
}

/* Whether argv[i] ends the options: an operand, or "--". */
static int args_operands_start(const char *arg)
{
    return arg[0] != '-' || strcmp(arg, "-") == 0 || strcmp(arg, "--") == 0;
}

static enum args_status args_parse_from(int argc, char **argv,
                                        const char *summary,
                                        const struct args_option *options,
                                        const char *operands, int *first)
{
    const char *program = argc > 0 ? argv[0] : "server";
    int i;

    for (i = 1; i < argc; i++) {
        if (operands && args_operands_start(argv[i])) {
            i += strcmp(argv[i], "--") == 0;
            break;
        }
        int r = args_one(argc, argv, &i, options);
        if (r == 1) {
            args_usage(stdout, program, summary, options, operands);
            return ARGS_HELP;
        }
        if (r < 0) {
            args_usage(stderr, program, summary, options, operands);
            return ARGS_ERROR;
        }
    }
    if (operands && i >= argc) {
        fprintf(stderr, "expected %s\n", operands);
        args_usage(stderr, program, summary, options, operands);
        return ARGS_ERROR;
    }
    if (first)
        *first = i;
    return ARGS_OK;
}

enum args_status args_parse(int argc, char **argv, const char *summary,
                            const struct args_option *options)
{
    return args_parse_from(argc, argv, summary, options, NULL, NULL);
}

enum args_status args_parse_operands(int argc, char **argv,
                                     const char *summary,
                                     const struct args_option *options,
                                     const char *operands, int *first)
{
    return args_parse_from(argc, argv, summary, options, operands, first);
}
