/* read_regex.c - read_until_regex on chapter 4's read_until_match, with a
 * POSIX regex as the matcher. A first try: it finds the end of a short
 * head that arrives in one piece, and it is wrong in more than one way.
 * exercises/04-read-until-regex/README.md says what to make of it. */
#include "read_regex.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* One read: its regex, and the caller's callback to pass the bytes on to. */
struct regex_read {
    regex_t re;
    iostream_read_fn *callback;
    void *arg;
};

/* regexec() wants a C string, so search a NUL-terminated copy. The bytes
 * before `from` were searched already and held no match: copy only the
 * new ones. */
static size_t regex_match(const char *data, size_t len, size_t from,
                          void *match_arg)
{
    struct regex_read *r = match_arg;
    char *text = strndup(data + from, len - from);
    regmatch_t m[1];
    size_t end = 0;

    if (text && regexec(&r->re, text, 1, m, 0) == 0)
        end = from + (size_t)m[0].rm_eo;
    free(text);
    return end;
}

/* The read is over: pass its outcome on, then free its regex. */
static void regex_done(struct iostream *s, int status, const char *data,
                       size_t len, void *arg)
{
    struct regex_read *r = arg;

    r->callback(s, status, data, len, r->arg);
    regfree(&r->re);
    free(r);
}

int iostream_read_until_regex(struct iostream *s, const char *pattern,
                              size_t max_bytes, iostream_read_fn *callback,
                              void *arg)
{
    struct regex_read *r = malloc(sizeof *r);

    if (!r)
        return -1;
    if (regcomp(&r->re, pattern, REG_EXTENDED) != 0) {
        free(r);
        errno = EINVAL;
        return -1;
    }
    r->callback = callback;
    r->arg = arg;
    return iostream_read_until_match(s, regex_match, NULL, r, 0, max_bytes,
                                     regex_done, r);
}
