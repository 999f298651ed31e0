/* static_test.c - what chapter 4's StaticFileHandler stands on: httputil.c's
 * parsers and date formats, the content types (unit cases), and with
 * --port a server whose /length/... handlers set a Content-Length and then
 * keep to it, write past it or fall short of it (tests/04-static.bats). */
#include "check.h"
#include "test_server.h" /* main(): the --port server, or the unit cases */

#include "http_response.h"
#include "httputil.h"
#include "static.h"
#include "web.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the server: /length/KIND ---- */

/* The length is 10. exact: 5 bytes, a flush, 5 more: Content-Length 10
 * and no chunks. over: a write of 11 is refused with EMSGSIZE, then 10
 * go. short: 5 bytes and finish: the client sees 5 of 10, then a close. */
static void length_get(struct web_handler *h)
{
    const char *kind = web_path_arg(h, 0);

    web_set_header(h, "Content-Type", "text/plain");
    if (web_set_content_length(h, 10) < 0) {
        web_fail(h, "web_set_content_length: %s", strerror(errno));
        return;
    }
    if (strcmp(kind, "exact") == 0) {
        web_write(h, "01234", 5);
        web_flush(h);
        web_write(h, "56789", 5);
    } else if (strcmp(kind, "over") == 0) {
        int rc = web_write(h, "0123456789X", 11);
        web_printf(h, "%2d %-7s", rc, rc < 0 && errno == EMSGSIZE ? "ok" : "wrong");
    } else {
        web_write(h, "01234", 5);
    }
}

static const struct web_handler_class length_class = {"LengthHandler",
                                                      .get = length_get};

static const struct web_route routes[] = {
    {"/length/(exact|over|short)", &length_class, NULL}, {0}};

/* ---- unit cases ---- */

/* %XX decoded once, a malformed escape kept, '+' a space only if asked. */
static void test_url_unescape(void)
{
    char *s = httputil_url_unescape("%41%2f+%zz%4", 12, 0);

    CHECK(s && strcmp(s, "A/+%zz%4") == 0);
    free(s);
    s = httputil_url_unescape("%41%2f+%zz%4", 12, 1);
    CHECK(s && strcmp(s, "A/ %zz%4") == 0);
    free(s);
    s = httputil_url_unescape("%252e%2E", 8, 0); /* once: %25 is '%' */
    CHECK(s && strcmp(s, "%2e.") == 0);
    free(s);
}

/* Fields split on '&', decoded; no '=' is the empty value; the last of
 * a name wins; empty fields skipped. */
static void test_parse_qs(void)
{
    struct httputil_pairs p = {0};

    CHECK_EQ(httputil_parse_qs("a=1&b=x+y%21&c&&a=2", 19, &p), 0);
    CHECK_EQ(p.n, 4);
    CHECK(strcmp(httputil_pairs_get(&p, "a", 0), "2") == 0);
    CHECK(strcmp(httputil_pairs_get(&p, "b", 0), "x y!") == 0);
    CHECK(strcmp(httputil_pairs_get(&p, "c", 0), "") == 0);
    CHECK(httputil_pairs_get(&p, "A", 0) == NULL);
    CHECK(strcmp(httputil_pairs_get(&p, "A", 1), "2") == 0);
    httputil_pairs_remove(&p, "A"); /* case-insensitive, every one */
    CHECK_EQ(p.n, 2);
    CHECK(httputil_pairs_get(&p, "a", 0) == NULL);
    httputil_pairs_free(&p);
    CHECK_EQ(p.n, 0);
}

/* Trimmed names and values, quotes removed, fields without '=' or a
 * name skipped. */
static void test_parse_cookie(void)
{
    struct httputil_pairs p = {0};

    CHECK_EQ(httputil_parse_cookie(" a=1 ; c=\"v 2\";bad; =x;d=", &p), 0);
    CHECK_EQ(p.n, 3);
    CHECK(strcmp(httputil_pairs_get(&p, "a", 0), "1") == 0);
    CHECK(strcmp(httputil_pairs_get(&p, "c", 0), "v 2") == 0);
    CHECK(strcmp(httputil_pairs_get(&p, "d", 0), "") == 0);
    httputil_pairs_free(&p);
}

/* RFC 9110's example date, in its three forms; anything else refused. */
static void test_dates(void)
{
    char out[HTTP_DATE_SIZE];
    time_t t = 0;

    http_format_date(784111777, out);
    CHECK(strcmp(out, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
    CHECK_EQ(httputil_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
    CHECK_EQ(t, 784111777);
    t = 0;
    CHECK_EQ(httputil_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
    CHECK_EQ(t, 784111777);
    t = 0;
    CHECK_EQ(httputil_parse_date("Sun Nov  6 08:49:37 1994", &t), 0);
    CHECK_EQ(t, 784111777);
    http_format_date(0, out);
    CHECK(strcmp(out, "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
    errno = 0;
    CHECK_EQ(httputil_parse_date("yesterday", &t), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(httputil_parse_date("Sun, 06 Nov 1994 08:49:37 GMT junk", &t),
             -1);
    CHECK_EQ(httputil_parse_date("Sun, 06 Nov 1994 08:49:37", &t), -1);
    CHECK_EQ(httputil_parse_date("Sun, 32 Nov 1994 08:49:37 GMT", &t), -1);
    CHECK_EQ(httputil_parse_date("", &t), -1);
}

/* By the last extension of the last path segment, case-insensitively. */
static void test_content_types(void)
{
    CHECK(strcmp(web_static_content_type("a/index.HTML"),
                 "text/html; charset=UTF-8") == 0);
    CHECK(strcmp(web_static_content_type("site.css"),
                 "text/css; charset=UTF-8") == 0);
    CHECK(strcmp(web_static_content_type("x.png"), "image/png") == 0);
    CHECK(strcmp(web_static_content_type("x.tar.gz"), "application/gzip") ==
          0);
    CHECK(strcmp(web_static_content_type("d.json/README"),
                 "application/octet-stream") == 0);
    CHECK(strcmp(web_static_content_type("x."), "application/octet-stream") ==
          0);
    CHECK(strcmp(web_static_content_type(""), "application/octet-stream") ==
          0);
}

static const struct check_case cases[] = {
    {"url_unescape", test_url_unescape},
    {"parse_qs", test_parse_qs},
    {"parse_cookie", test_parse_cookie},
    {"dates", test_dates},
    {"content_types", test_content_types},
    {0}};

int main(int argc, char **argv)
{
    return test_server_main(argc, argv, "static_test",
                            "chapter 4's fixed Content-Length, for the tests",
                            routes, cases);
}
