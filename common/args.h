/* args.h - command-line options from a table, with one usage message.
 *
 *     const char *host = "127.0.0.1";
 *     int port = 8888, verbose = 0;
 *     const struct args_option options[] = {
 *         {"--host", ARGS_STRING, &host, "HOST", "address to listen on"},
 *         {"--port", ARGS_INT, &port, "PORT", "0 picks a free port", 0, 65535},
 *         {"--verbose", ARGS_FLAG, &verbose, NULL, "log every request"},
 *         {0}};
 *     int status = args_parse(argc, argv, "a demo server", options);
 *     if (status != ARGS_OK) return status == ARGS_HELP ? 0 : 2;
 *
 * Options are "--name VALUE" or "--name=VALUE"; a name may list a short
 * spelling first, "-X, --method", and "-X VALUE" then works too. --help
 * prints the usage to stdout. Any mistake (unknown option, missing or malformed value, a number
 * out of range, a stray argument) prints what was wrong and the usage to
 * stderr: by convention the program then exits with status 2.
 */
#ifndef COMMON_ARGS_H
#define COMMON_ARGS_H

enum args_type {
    ARGS_STRING, /* value: const char ** */
    ARGS_INT,    /* value: int *, checked against [min, max] */
    ARGS_FLAG,   /* value: int *, set to 1; takes no argument */
    ARGS_CHOICE, /* value: const char **, one of choices (NULL-terminated) */
    ARGS_LIST,   /* value: struct args_list *; each use appends one string */
};

/* What a repeatable option collected, in order (no allocation: a program
 * that needs more than ARGS_LIST_MAX is told so, as a usage error). */
#define ARGS_LIST_MAX 32
struct args_list {
    const char *items[ARGS_LIST_MAX + 1]; /* NULL after the last */
    int n;
};

struct args_option {
    const char *name;
    enum args_type type;
    void *value;
    const char *metavar;
    const char *help;
    long min, max;
    const char *const *choices;
};

enum args_status { ARGS_OK = 0, ARGS_HELP = 1, ARGS_ERROR = -1 };

/* Parse argv[1..] against options (ended by an entry with name == NULL). */
enum args_status args_parse(int argc, char **argv, const char *summary,
                            const struct args_option *options);

/* The same for a program that takes operands after its options
 * ("fetch -H 'A: b' URL..."): the first argument that is no option (or
 * everything after "--") starts them, at argv[*first]; operands, as
 * "URL...", names them in the usage, and at least one is required. */
enum args_status args_parse_operands(int argc, char **argv,
                                     const char *summary,
                                     const struct args_option *options,
                                     const char *operands, int *first);

#endif
