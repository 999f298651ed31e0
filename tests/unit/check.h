/* check.h - the smallest unit-test harness: named cases and CHECK macros.
 *
 *     static void test_append(void) { CHECK(buffer_len(&b) == 3); }
 *     static const struct check_case cases[] = {
 *         {"append", test_append}, {0}};
 *     int main(int argc, char **argv) { return check_main(argc, argv, cases); }
 *
 * `prog` runs every case, `prog NAME` runs one (bats runs one per @test), and
 * `prog --list` prints the names. A failed CHECK prints where and what, and
 * the program exits 1 after the case; every CHECK is counted.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                         \
    do {                                                                    \
        check_count++;                                                      \
        if (!(cond)) {                                                      \
            check_failures++;                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                 \
        }                                                                   \
    } while (0)

#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);       \
        check_count++;                                                        \
        if (check_a_ != check_b_) {                                           \
            check_failures++;                                                 \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);          \
        }                                                                     \
    } while (0)

/* Compare a (pointer, length) slice with a C string. */
#define CHECK_SLICE(ptr, len, str)                                            \
    do {                                                                      \
        check_count++;                                                        \
        if ((len) != strlen(str) || memcmp((ptr), (str), (len)) != 0) {       \
            check_failures++;                                                 \
            fprintf(stderr, "%s:%d: CHECK_SLICE failed: '%.*s' != '%s'\n",    \
                    __FILE__, __LINE__, (int)(len), (ptr), (str));            \
        }                                                                     \
    } while (0)

struct check_case {
    const char *name;
    void (*run)(void);
};

static int check_main(int argc, char **argv, const struct check_case *cases)
{
    int ran = 0;

    for (const struct check_case *c = cases; c->name; c++) {
        if (argc > 1 && strcmp(argv[1], "--list") == 0) {
            puts(c->name);
            continue;
        }
        if (argc > 1 && strcmp(argv[1], c->name) != 0)
            continue;
        c->run();
        ran++;
    }
    if (argc > 1 && strcmp(argv[1], "--list") == 0)
        return 0;
    if (ran == 0) {
        fprintf(stderr, "no case named '%s'\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    if (check_count == 0) {
        fprintf(stderr, "no CHECK ran: a test that checks nothing fails\n");
        return 1;
    }
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
