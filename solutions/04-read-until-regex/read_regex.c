/* read_regex.c - read_until_regex on chapter 4's read_until_match: a
 * compiled POSIX regex is the matcher's argument, and the stream owns it
 * for as long as the read lasts. The reference solution. */
#include "read_regex.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>

/* The whole buffer, every time: from is 0 (IOSTREAM_LOOKBACK_ALL), since
 * a regex match has no bounded length and may start anywhere. The buffer
 * is not a C string: no NUL ends it, and NULs may sit inside it.
 * REG_STARTEND (glibc and the BSDs) takes the range from pmatch[0]
 * instead of looking for a NUL, and the offsets it returns count from
 * data. regoff_t is an int in glibc: 2 GiB is the most it can search,
 * and the stream's buffer (100 MB by default) stays far below. */
static size_t regex_match(const char *data, size_t len, size_t from,
                          void *match_arg)
{
    regmatch_t m[1] = {{.rm_so = (regoff_t)from, .rm_eo = (regoff_t)len}};

    if (regexec(match_arg, data, 1, m, REG_STARTEND | REG_NOTEOL) != 0)
        return 0;
    return (size_t)m[0].rm_eo; /* the END of the match: the read's length */
}

/* The stream calls this once the read is over, however it ended. */
static void regex_free(void *match_arg)
{
    regfree(match_arg);
    free(match_arg);
}

int iostream_read_until_regex(struct iostream *s, const char *pattern,
                              size_t max_bytes, iostream_read_fn *callback,
                              void *arg)
{
    regex_t *re = malloc(sizeof *re);
    int rc, saved;

    if (!re)
        return -1;
    rc = pattern ? regcomp(re, pattern, REG_EXTENDED) : REG_BADPAT;
    if (rc != 0) { /* regcomp() freed what it had: no regfree() */
        free(re);
        errno = rc == REG_ESPACE ? ENOMEM : EINVAL;
        return -1;
    }
    /* A matcher's 0 means "no match yet": an empty match at the start
     * cannot be told apart, and the read would wait for nothing. */
    if (regexec(re, "", 0, NULL, REG_NOTEOL) == 0) {
        errno = EINVAL;
        goto fail;
    }
    if (iostream_read_until_match(s, regex_match, regex_free, re,
                                  IOSTREAM_LOOKBACK_ALL, max_bytes, callback,
                                  arg) == 0)
        return 0; /* the stream owns re now, and will free it */
fail: /* refused (EBUSY, EPIPE): re is still ours */
    saved = errno;
    regex_free(re);
    errno = saved;
    return -1;
}
