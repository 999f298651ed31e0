/* http_parse_test.c - unit tests of common/http_parse.c, one case per rule. */
#include "check.h"
#include "http_parse.h"

#include <stdarg.h>
#include <stdint.h>

static struct http_head_parser parser;
static struct http_request_head head;
static size_t used;

#define GET11 "GET / HTTP/1.1\r\nHost: a\r\n"

/* Parse buf[0..len) with a fresh parser. */
static enum http_parse_status parse_n(const char *buf, size_t len)
{
    http_head_parser_init(&parser);
    return http_parse_head(&parser, buf, len, &head, &used);
}

static enum http_parse_status parse(const char *s)
{
    return parse_n(s, strlen(s));
}

/* The request is rejected with this status. */
#define CHECK_REJECTS(request, code)                  \
    do {                                              \
        CHECK_EQ(parse(request), HTTP_PARSE_INVALID); \
        CHECK_EQ(parser.status, code);                \
    } while (0)

/* The whole request is one complete head. */
#define CHECK_ACCEPTS(request)                     \
    do {                                           \
        CHECK_EQ(parse(request), HTTP_PARSE_DONE); \
        CHECK_EQ(used, strlen(request));           \
    } while (0)

/* A request head built with printf-style pieces, for the size tests. */
static char big[2 * HTTP_MAX_HEAD_SIZE];
static size_t big_len;

static void big_add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    big_len += vsnprintf(big + big_len, sizeof big - big_len, fmt, ap);
    va_end(ap);
}

/* GET11, then a padding header making the whole head exactly size bytes. */
static void big_head_of_size(size_t size)
{
    big_len = 0;
    big_add(GET11 "X: ");
    size_t pad = size - big_len - strlen("\r\n\r\n");
    memset(big + big_len, 'a', pad);
    big_len += pad;
    big_add("\r\n\r\n");
}

static void test_init_defaults(void)
{
    parser.status = 7;
    parser.scanned = 7;
    http_head_parser_init(&parser);
    CHECK_EQ(parser.max_head_size, HTTP_MAX_HEAD_SIZE);
    CHECK_EQ(parser.max_headers, HTTP_MAX_HEADERS);
    CHECK_EQ(parser.status, 0);
    CHECK_EQ(parser.scanned, 0);
}

static void test_simple_get(void)
{
    CHECK_ACCEPTS("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    CHECK_SLICE(head.method, head.method_len, "GET");
    CHECK_SLICE(head.target, head.target_len, "/a?b=1");
    CHECK_EQ(head.version, 11);
    CHECK_EQ(head.nheaders, 1);
    CHECK_SLICE(head.headers[0].name, head.headers[0].name_len, "Host");
    CHECK_SLICE(head.headers[0].value, head.headers[0].value_len,
                "example.com");
    CHECK_EQ(head.content_length, -1);
    CHECK_EQ(head.chunked, 0);
    CHECK_EQ(head.keep_alive, 1);
}

static void test_values_trimmed(void)
{
    CHECK_ACCEPTS(GET11 "A:  \t x y \t \r\nB:\r\nC:\t\r\nD:z\r\n\r\n");
    CHECK_EQ(head.nheaders, 5);
    CHECK_SLICE(head.headers[1].value, head.headers[1].value_len, "x y");
    CHECK_SLICE(head.headers[2].value, head.headers[2].value_len, "");
    CHECK_SLICE(head.headers[3].value, head.headers[3].value_len, "");
    CHECK_SLICE(head.headers[4].value, head.headers[4].value_len, "z");
}

static void test_htab_inside_value_kept(void)
{
    CHECK_ACCEPTS(GET11 "A: x\ty\r\n\r\n");
    CHECK_SLICE(head.headers[1].value, head.headers[1].value_len, "x\ty");
}

/* No prefix of a valid head is mistaken for a whole head or an error. */
static void check_every_prefix_incomplete(const char *request)
{
    size_t n = strlen(request), early = 0;

    for (size_t len = 0; len < n; len++)
        early += parse_n(request, len) != HTTP_PARSE_INCOMPLETE;
    CHECK_EQ(early, 0);
    CHECK_EQ(parse_n(request, n), HTTP_PARSE_DONE);
}

static void test_every_prefix_incomplete(void)
{
    check_every_prefix_incomplete(GET11 "Content-Length: 3\r\nX: y\r\n\r\n");
    check_every_prefix_incomplete("\r\n\nGET / HTTP/1.0\nA: b\n\n");
    check_every_prefix_incomplete("GET / HTTP/1.1\r\nHost: a\n\r\n");
    check_every_prefix_incomplete("GET / HTTP/1.1\nHost: a\r\n\n");
}

/* The same parser, fed one more byte per call, as a slow client sends. */
static void test_byte_at_a_time(void)
{
    const char *request = "\r\nPOST /p HTTP/1.1\r\nHost: h\r\n"
                          "Content-Length: 12\r\nConnection: close\r\n\r\n";
    size_t n = strlen(request), early = 0, unscanned = 0;

    http_head_parser_init(&parser);
    for (size_t len = 1; len < n; len++) {
        early += http_parse_head(&parser, request, len, &head, &used) !=
                 HTTP_PARSE_INCOMPLETE;
        unscanned += parser.scanned != len; /* each byte searched once */
    }
    CHECK_EQ(early, 0);
    CHECK_EQ(unscanned, 0);
    CHECK_EQ(http_parse_head(&parser, request, n, &head, &used),
             HTTP_PARSE_DONE);
    CHECK_EQ(used, n);
    CHECK_EQ(parser.scanned, 0);
    CHECK_SLICE(head.method, head.method_len, "POST");
    CHECK_SLICE(head.target, head.target_len, "/p");
    CHECK_EQ(head.nheaders, 3);
    CHECK_EQ(head.content_length, 12);
    CHECK_EQ(head.keep_alive, 0);
}

static void test_pipelined_heads(void)
{
    const char *two = GET11 "\r\nGET /second HTTP/1.1\r\nHost: b\r\n\r\n";

    CHECK_EQ(parse(two), HTTP_PARSE_DONE);
    CHECK_EQ(used, strlen(GET11 "\r\n"));
    CHECK_SLICE(head.target, head.target_len, "/");
    const char *rest = two + used;
    CHECK_EQ(http_parse_head(&parser, rest, strlen(rest), &head, &used),
             HTTP_PARSE_DONE);
    CHECK_EQ(used, strlen(rest));
    CHECK_SLICE(head.target, head.target_len, "/second");
    CHECK_SLICE(head.headers[0].value, head.headers[0].value_len, "b");
}

static void test_leading_blank_lines(void)
{
    CHECK_ACCEPTS("\r\n\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_SLICE(head.method, head.method_len, "GET");
    CHECK_SLICE(head.target, head.target_len, "/x");
    CHECK_EQ(parse("\r\n\r\n\n"), HTTP_PARSE_INCOMPLETE);
}

static void test_bare_lf(void)
{
    CHECK_ACCEPTS("GET / HTTP/1.1\nHost: a\nB: c\n\n");
    CHECK_EQ(head.nheaders, 2);
    CHECK_SLICE(head.headers[1].value, head.headers[1].value_len, "c");
    CHECK_ACCEPTS(GET11 "\n");
    CHECK_ACCEPTS("GET / HTTP/1.1\nHost: a\n\r\n");
}

static void test_bare_cr(void)
{
    CHECK_REJECTS("GET / HTTP/1.1\rHost: a\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A: b\rc\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A: b\r\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "\r\r\n\r\n", 400);
    CHECK_REJECTS("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

static void test_request_line_two_spaces(void)
{
    CHECK_REJECTS("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

static void test_request_line_missing_parts(void)
{
    CHECK_REJECTS("GET /\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / \r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET \r\nHost: a\r\n\r\n", 400);
}

static void test_version_syntax(void)
{
    CHECK_REJECTS("GET / http/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/11.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1,1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/x.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP//.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1./\r\nHost: a\r\n\r\n", 400);
}

static void test_version_unsupported(void)
{
    CHECK_REJECTS("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
    CHECK_REJECTS("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505);
    CHECK_REJECTS("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505);
}

static void test_http10_accepted(void)
{
    CHECK_ACCEPTS("GET / HTTP/1.0\r\n\r\n");
    CHECK_EQ(head.version, 10);
    CHECK_EQ(head.nheaders, 0);
}

static void test_method_token(void)
{
    CHECK_REJECTS(" / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GE\x80T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_ACCEPTS("M-SEARCH! * HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_SLICE(head.method, head.method_len, "M-SEARCH!");
    CHECK_SLICE(head.target, head.target_len, "*");
}

static void test_target_visible_ascii(void)
{
    CHECK_REJECTS("GET /a\x01z HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET /a z HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET /a\tz HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET /a\x7fz HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_REJECTS("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    CHECK_ACCEPTS("GET /~!$&'()*+,;=:@%20 HTTP/1.1\r\nHost: a\r\n\r\n");
}

static void test_space_before_colon(void)
{
    CHECK_REJECTS(GET11 "A : b\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A\t: b\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
}

static void test_missing_colon(void)
{
    CHECK_REJECTS(GET11 "Ab\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A b\r\n\r\n", 400);
}

static void test_empty_or_bad_name(void)
{
    CHECK_REJECTS(GET11 ": b\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A(b: c\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A\x80: c\r\n\r\n", 400);
    static const char nul[] = GET11 "A\0: c\r\n\r\n";
    CHECK_EQ(parse_n(nul, sizeof nul - 1), HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 400);
}

static void test_obs_fold(void)
{
    CHECK_REJECTS(GET11 "A: b\r\n c\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A: b\r\n\tc\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400);
}

static void test_control_in_value(void)
{
    static const char nul[] = GET11 "A: b\0c\r\n\r\n";

    CHECK_EQ(parse_n(nul, sizeof nul - 1), HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 400);
    CHECK_REJECTS(GET11 "A: b\x01\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A: b\x1b[0m\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "A: b\x7f\r\n\r\n", 400);
}

static void test_obs_text_in_value(void)
{
    CHECK_ACCEPTS(GET11 "A: caf\xc3\xa9 \x80\xff\r\n\r\n");
    CHECK_SLICE(head.headers[1].value, head.headers[1].value_len,
                "caf\xc3\xa9 \x80\xff");
}

/* A head with Host and then n - 1 more fields. */
static void big_head_with_fields(size_t n)
{
    big_len = 0;
    big_add(GET11);
    for (size_t i = 1; i < n; i++)
        big_add("X-%zu: v\r\n", i);
    big_add("\r\n");
}

static void test_header_count_limit(void)
{
    big_head_with_fields(HTTP_MAX_HEADERS);
    CHECK_EQ(parse_n(big, big_len), HTTP_PARSE_DONE);
    CHECK_EQ(head.nheaders, HTTP_MAX_HEADERS);
    CHECK_SLICE(head.headers[99].name, head.headers[99].name_len, "X-99");
    big_head_with_fields(HTTP_MAX_HEADERS + 1);
    CHECK_EQ(parse_n(big, big_len), HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
}

static void test_lowered_max_headers(void)
{
    big_head_with_fields(3);
    http_head_parser_init(&parser);
    parser.max_headers = 3;
    CHECK_EQ(http_parse_head(&parser, big, big_len, &head, &used),
             HTTP_PARSE_DONE);
    parser.max_headers = 2;
    CHECK_EQ(http_parse_head(&parser, big, big_len, &head, &used),
             HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
}

/* A larger max_headers than the array holds is capped, not overrun. */
static void test_max_headers_capped(void)
{
    big_head_with_fields(HTTP_MAX_HEADERS + 1);
    http_head_parser_init(&parser);
    parser.max_headers = 1000;
    CHECK_EQ(http_parse_head(&parser, big, big_len, &head, &used),
             HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
}

static void test_head_size_at_limit(void)
{
    big_head_of_size(HTTP_MAX_HEAD_SIZE);
    CHECK_EQ(big_len, HTTP_MAX_HEAD_SIZE);
    CHECK_EQ(parse_n(big, big_len), HTTP_PARSE_DONE);
    CHECK_EQ(used, HTTP_MAX_HEAD_SIZE);
    CHECK_EQ(head.headers[1].value_len,
             HTTP_MAX_HEAD_SIZE - strlen(GET11 "X: \r\n\r\n"));
}

static void test_head_size_over_limit(void)
{
    big_head_of_size(HTTP_MAX_HEAD_SIZE + 1);
    CHECK_EQ(parse_n(big, big_len), HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
    /* Leading blank lines count: they are bytes the server had to hold. */
    big_head_of_size(HTTP_MAX_HEAD_SIZE - 1);
    memmove(big + 2, big, big_len);
    memcpy(big, "\r\n", 2);
    CHECK_EQ(parse_n(big, big_len + 2), HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
}

/* Without its end in sight, a head is refused as soon as the buffer holds
 * more than the limit, not left to grow. */
static void test_head_size_over_limit_incomplete(void)
{
    big_head_of_size(HTTP_MAX_HEAD_SIZE + 10);
    CHECK_EQ(parse_n(big, HTTP_MAX_HEAD_SIZE), HTTP_PARSE_INCOMPLETE);
    CHECK_EQ(parse_n(big, HTTP_MAX_HEAD_SIZE + 1), HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
    memset(big, '\n', HTTP_MAX_HEAD_SIZE + 1); /* only blank lines */
    CHECK_EQ(parse_n(big, HTTP_MAX_HEAD_SIZE + 1), HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
}

static void test_lowered_max_head_size(void)
{
    const char *request = GET11 "\r\n";
    size_t n = strlen(request);

    http_head_parser_init(&parser);
    parser.max_head_size = n;
    CHECK_EQ(http_parse_head(&parser, request, n, &head, &used),
             HTTP_PARSE_DONE);
    parser.max_head_size = n - 1;
    CHECK_EQ(http_parse_head(&parser, request, n, &head, &used),
             HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
    CHECK_EQ(http_parse_head(&parser, request, n - 1, &head, &used),
             HTTP_PARSE_INCOMPLETE);
    http_head_parser_init(&parser);
    parser.max_head_size = 5;
    CHECK_EQ(http_parse_head(&parser, "GET / ", 6, &head, &used),
             HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 431);
}

static void test_host_missing_in_http11(void)
{
    CHECK_REJECTS("GET / HTTP/1.1\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1.1\r\nHostname: a\r\n\r\n", 400);
}

static void test_host_duplicate(void)
{
    CHECK_REJECTS(GET11 "Host: b\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "HOST: a\r\n\r\n", 400);
    CHECK_REJECTS("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400);
}

static void test_host_optional_in_http10(void)
{
    CHECK_ACCEPTS("GET / HTTP/1.0\r\nA: b\r\n\r\n");
    CHECK_ACCEPTS("GET / HTTP/1.0\r\nHost: a\r\n\r\n");
    CHECK_ACCEPTS("GET / HTTP/1.1\r\nhOsT: a\r\n\r\n");
}

static void test_content_length(void)
{
    CHECK_ACCEPTS(GET11 "Content-Length: 42\r\n\r\n");
    CHECK_EQ(head.content_length, 42);
    CHECK_ACCEPTS(GET11 "content-length:0\r\n\r\n");
    CHECK_EQ(head.content_length, 0);
    CHECK_ACCEPTS(GET11 "Content-Length: 007\r\n\r\n");
    CHECK_EQ(head.content_length, 7);
}

static void test_content_length_equal_list(void)
{
    CHECK_ACCEPTS(GET11 "Content-Length: 5, 5\r\n\r\n");
    CHECK_EQ(head.content_length, 5);
    CHECK_ACCEPTS(GET11 "Content-Length: 5,5 ,\t5\r\n\r\n");
    CHECK_EQ(head.content_length, 5);
}

static void test_content_length_differing_list(void)
{
    CHECK_REJECTS(GET11 "Content-Length: 5, 6\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: 5, 05x\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: 5,\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: ,5\r\n\r\n", 400);
}

static void test_content_length_headers_agree(void)
{
    CHECK_ACCEPTS(GET11 "Content-Length: 3\r\nContent-Length: 3\r\n\r\n");
    CHECK_EQ(head.content_length, 3);
    CHECK_REJECTS(GET11 "Content-Length: 3\r\nContent-Length: 4\r\n\r\n",
                  400);
    CHECK_REJECTS(GET11 "Content-Length: 0\r\nContent-Length: 00x\r\n\r\n",
                  400);
}

static void test_content_length_not_digits(void)
{
    CHECK_REJECTS(GET11 "Content-Length: abc\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: -1\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: +1\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: 1 2\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: 0x10\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length:\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length:  \r\n\r\n", 400);
}

static void test_content_length_overflow(void)
{
    CHECK_ACCEPTS(GET11 "Content-Length: 9223372036854775807\r\n\r\n");
    CHECK_EQ(head.content_length, INT64_MAX);
    CHECK_REJECTS(GET11 "Content-Length: 9223372036854775808\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Content-Length: 99999999999999999999\r\n\r\n", 400);
}

static void test_chunked(void)
{
    CHECK_ACCEPTS("POST / HTTP/1.1\r\nHost: a\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n");
    CHECK_EQ(head.chunked, 1);
    CHECK_EQ(head.content_length, -1);
    CHECK_ACCEPTS(GET11 "Transfer-Encoding: , chunked ,\r\n\r\n");
    CHECK_EQ(head.chunked, 1);
}

static void test_chunked_case_insensitive(void)
{
    CHECK_ACCEPTS(GET11 "transfer-encoding: Chunked\r\n\r\n");
    CHECK_EQ(head.chunked, 1);
    CHECK_ACCEPTS(GET11 "TRANSFER-ENCODING: CHUNKED\r\n\r\n");
    CHECK_EQ(head.chunked, 1);
}

static void test_chunked_with_content_length(void)
{
    CHECK_REJECTS(GET11 "Transfer-Encoding: chunked\r\n"
                        "Content-Length: 5\r\n\r\n",
                  400);
    CHECK_REJECTS(GET11 "Content-Length: 5\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n",
                  400);
}

static void test_transfer_encoding_in_http10(void)
{
    CHECK_REJECTS("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                  400);
}

static void test_transfer_coding_unsupported(void)
{
    CHECK_REJECTS(GET11 "Transfer-Encoding: gzip, chunked\r\n\r\n", 501);
    CHECK_REJECTS(GET11 "Transfer-Encoding: gzip\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n",
                  501);
}

static void test_chunked_not_last(void)
{
    CHECK_REJECTS(GET11 "Transfer-Encoding: chunked, gzip\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Transfer-Encoding: gzip\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Transfer-Encoding: chunked\r\n"
                        "Transfer-Encoding: gzip\r\n\r\n",
                  400);
    CHECK_REJECTS(GET11 "Transfer-Encoding:\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Transfer-Encoding: chunkedx\r\n\r\n", 400);
}

static void test_chunked_twice(void)
{
    CHECK_REJECTS(GET11 "Transfer-Encoding: chunked, chunked\r\n\r\n", 400);
    CHECK_REJECTS(GET11 "Transfer-Encoding: chunked\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n",
                  400);
}

static void test_keep_alive_http11(void)
{
    CHECK_ACCEPTS(GET11 "\r\n");
    CHECK_EQ(head.keep_alive, 1);
    CHECK_ACCEPTS(GET11 "Connection: close\r\n\r\n");
    CHECK_EQ(head.keep_alive, 0);
    CHECK_ACCEPTS(GET11 "connection: Upgrade, CLOSE\r\n\r\n");
    CHECK_EQ(head.keep_alive, 0);
    CHECK_ACCEPTS(GET11 "Connection: closed\r\n\r\n");
    CHECK_EQ(head.keep_alive, 1);
}

static void test_keep_alive_http10(void)
{
    CHECK_ACCEPTS("GET / HTTP/1.0\r\n\r\n");
    CHECK_EQ(head.keep_alive, 0);
    CHECK_ACCEPTS("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    CHECK_EQ(head.keep_alive, 1);
    CHECK_ACCEPTS("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
                  "Connection: close\r\n\r\n");
    CHECK_EQ(head.keep_alive, 0);
}

static void test_keep_alive_token_list(void)
{
    CHECK_ACCEPTS("GET / HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\n\r\n");
    CHECK_EQ(head.keep_alive, 1);
    CHECK_ACCEPTS("GET / HTTP/1.0\r\nConnection: Upgrade,keep-alive\r\n\r\n");
    CHECK_EQ(head.keep_alive, 1);
    CHECK_ACCEPTS("GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n");
    CHECK_EQ(head.keep_alive, 0);
}

static void test_find_header(void)
{
    CHECK_ACCEPTS(GET11 "X-Thing: 1\r\nx-thing: 2\r\n\r\n");
    const struct http_header *h = http_find_header(&head, "X-THING");
    CHECK(h != NULL);
    CHECK(h == &head.headers[1]); /* the first of the two */
    CHECK(http_find_header(&head, "host") == &head.headers[0]);
    CHECK(http_find_header(&head, "X-Thin") == NULL);
    CHECK(http_find_header(&head, "X-Things") == NULL);
    CHECK(http_find_header(&head, "") == NULL);
}

static int has(const char *value, const char *token)
{
    return http_value_has_token(value, strlen(value), token);
}

static void test_value_has_token(void)
{
    CHECK(has("close", "close"));
    CHECK(has("Keep-Alive", "keep-alive"));
    CHECK(has("a, b ,\tc", "b"));
    CHECK(has("a, b ,\tc", "c"));
    CHECK(has(",,a,,", "a"));
    CHECK(!has("keep-alive-ish", "keep-alive"));
    CHECK(!has("xkeep-alive", "keep-alive"));
    CHECK(!has("keep alive", "keep-alive"));
    CHECK(!has("", "close"));
    CHECK(!has(" , ", "close"));
    CHECK(http_value_has_token("close, x", 4, "close") == 0);
    CHECK(http_value_has_token("close, x", 5, "close") == 1);
}

static void test_reusable_after_invalid(void)
{
    const char *bad = "GET  / HTTP/1.1\r\nHost: a\r\n\r\n";
    const char *good = GET11 "\r\n";

    http_head_parser_init(&parser);
    CHECK_EQ(http_parse_head(&parser, bad, 9, &head, &used),
             HTTP_PARSE_INCOMPLETE);
    CHECK_EQ(parser.scanned, 9);
    CHECK_EQ(http_parse_head(&parser, bad, strlen(bad), &head, &used),
             HTTP_PARSE_INVALID);
    CHECK_EQ(parser.status, 400);
    CHECK_EQ(parser.scanned, 0);
    CHECK_EQ(http_parse_head(&parser, good, strlen(good), &head, &used),
             HTTP_PARSE_DONE);
    CHECK_EQ(used, strlen(good));
    CHECK_EQ(parser.status, 0);
    CHECK_SLICE(head.method, head.method_len, "GET");
}

/* Handed a shorter buffer than it has already searched (the caller dropped
 * the old one without parsing it), the parser searches the new one afresh
 * rather than reading past its end. */
static void test_shorter_buffer_restarts_search(void)
{
    const char *slow = "GET /slow HTTP/1.1\r\nHost: a\r\n";
    const char *good = GET11 "\r\n";

    http_head_parser_init(&parser);
    CHECK_EQ(http_parse_head(&parser, slow, strlen(slow), &head, &used),
             HTTP_PARSE_INCOMPLETE);
    CHECK_EQ(http_parse_head(&parser, good, strlen(good), &head, &used),
             HTTP_PARSE_DONE);
    CHECK_EQ(used, strlen(good));
}

/* ---- response heads ---- */

static struct http_response_head rhead;

static enum http_parse_status parse_response(const char *s)
{
    http_head_parser_init(&parser);
    return http_parse_response_head(&parser, s, strlen(s), &rhead, &used);
}

static void test_response_simple(void)
{
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n"
                    "X-A:  b \r\n\r\nbody";

    CHECK_EQ(parse_response(r), HTTP_PARSE_DONE);
    CHECK_EQ(used, strlen(r) - 4);
    CHECK_EQ(rhead.version, 11);
    CHECK_EQ(rhead.code, 200);
    CHECK_SLICE(rhead.reason, rhead.reason_len, "OK");
    CHECK_EQ(rhead.content_length, 13);
    CHECK_EQ(rhead.chunked, 0);
    CHECK_EQ(rhead.keep_alive, 1);
    const struct http_header *h = http_find_field(rhead.headers,
                                                  rhead.nheaders, "x-a");
    CHECK(h != NULL);
    if (h)
        CHECK_SLICE(h->value, h->value_len, "b");
}

static void test_response_reason_forms(void)
{
    CHECK_EQ(parse_response("HTTP/1.1 404 Not Found\r\n\r\n"),
             HTTP_PARSE_DONE);
    CHECK_SLICE(rhead.reason, rhead.reason_len, "Not Found");
    CHECK_EQ(parse_response("HTTP/1.1 204 \r\n\r\n"), HTTP_PARSE_DONE);
    CHECK_EQ(rhead.reason_len, 0);
    CHECK_EQ(parse_response("HTTP/1.0 200\r\n\r\n"), HTTP_PARSE_DONE);
    CHECK_EQ(rhead.reason_len, 0);
    CHECK_EQ(rhead.keep_alive, 0); /* 1.0 without keep-alive */
    CHECK_EQ(parse_response("HTTP/1.1 200 OK\nConnection: close\n\n"),
             HTTP_PARSE_DONE); /* bare LF, as for requests */
    CHECK_EQ(rhead.keep_alive, 0);
}

static void test_response_incomplete(void)
{
    const char *r = "HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
    size_t n = strlen(r);

    for (size_t i = 0; i < n; i++) {
        http_head_parser_init(&parser);
        CHECK_EQ(http_parse_response_head(&parser, r, i, &rhead, &used),
                 HTTP_PARSE_INCOMPLETE);
    }
}

static void test_response_chunked(void)
{
    CHECK_EQ(parse_response("HTTP/1.1 200 OK\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n"),
             HTTP_PARSE_DONE);
    CHECK_EQ(rhead.chunked, 1);
    CHECK_EQ(rhead.content_length, -1);
}

#define CHECK_RESPONSE_REJECTS(text, code)                   \
    do {                                                     \
        CHECK_EQ(parse_response(text), HTTP_PARSE_INVALID);  \
        CHECK_EQ(parser.status, code);                       \
    } while (0)

static void test_response_bad_status_line(void)
{
    CHECK_RESPONSE_REJECTS("HTTP/1.1  200 OK\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 20 OK\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 2000 OK\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 099 Low\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 abc OK\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("http/1.1 200 OK\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/2.0 200 OK\r\n\r\n", 505);
    CHECK_RESPONSE_REJECTS("garbage\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("\r\nHTTP/1.1 200 OK\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 O\x01K\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 O\rK\r\n\r\n", 400);
}

static void test_response_bad_fields(void)
{
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 OK\r\nA : b\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                           "Content-Length: 2\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                           400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n", 400);
    CHECK_RESPONSE_REJECTS("HTTP/1.1 200 OK\r\n"
                           "Transfer-Encoding: gzip, chunked\r\n\r\n", 501);
}

static const struct check_case cases[] = {
    {"init_defaults", test_init_defaults},
    {"simple_get", test_simple_get},
    {"values_trimmed", test_values_trimmed},
    {"htab_inside_value_kept", test_htab_inside_value_kept},
    {"every_prefix_incomplete", test_every_prefix_incomplete},
    {"byte_at_a_time", test_byte_at_a_time},
    {"pipelined_heads", test_pipelined_heads},
    {"leading_blank_lines", test_leading_blank_lines},
    {"bare_lf", test_bare_lf},
    {"bare_cr", test_bare_cr},
    {"request_line_two_spaces", test_request_line_two_spaces},
    {"request_line_missing_parts", test_request_line_missing_parts},
    {"version_syntax", test_version_syntax},
    {"version_unsupported", test_version_unsupported},
    {"http10_accepted", test_http10_accepted},
    {"method_token", test_method_token},
    {"target_visible_ascii", test_target_visible_ascii},
    {"space_before_colon", test_space_before_colon},
    {"missing_colon", test_missing_colon},
    {"empty_or_bad_name", test_empty_or_bad_name},
    {"obs_fold", test_obs_fold},
    {"control_in_value", test_control_in_value},
    {"obs_text_in_value", test_obs_text_in_value},
    {"header_count_limit", test_header_count_limit},
    {"lowered_max_headers", test_lowered_max_headers},
    {"max_headers_capped", test_max_headers_capped},
    {"head_size_at_limit", test_head_size_at_limit},
    {"head_size_over_limit", test_head_size_over_limit},
    {"head_size_over_limit_incomplete", test_head_size_over_limit_incomplete},
    {"lowered_max_head_size", test_lowered_max_head_size},
    {"host_missing_in_http11", test_host_missing_in_http11},
    {"host_duplicate", test_host_duplicate},
    {"host_optional_in_http10", test_host_optional_in_http10},
    {"content_length", test_content_length},
    {"content_length_equal_list", test_content_length_equal_list},
    {"content_length_differing_list", test_content_length_differing_list},
    {"content_length_headers_agree", test_content_length_headers_agree},
    {"content_length_not_digits", test_content_length_not_digits},
    {"content_length_overflow", test_content_length_overflow},
    {"chunked", test_chunked},
    {"chunked_case_insensitive", test_chunked_case_insensitive},
    {"chunked_with_content_length", test_chunked_with_content_length},
    {"transfer_encoding_in_http10", test_transfer_encoding_in_http10},
    {"transfer_coding_unsupported", test_transfer_coding_unsupported},
    {"chunked_not_last", test_chunked_not_last},
    {"chunked_twice", test_chunked_twice},
    {"keep_alive_http11", test_keep_alive_http11},
    {"keep_alive_http10", test_keep_alive_http10},
    {"keep_alive_token_list", test_keep_alive_token_list},
    {"find_header", test_find_header},
    {"value_has_token", test_value_has_token},
    {"reusable_after_invalid", test_reusable_after_invalid},
    {"shorter_buffer_restarts_search", test_shorter_buffer_restarts_search},
    {"response_simple", test_response_simple},
    {"response_reason_forms", test_response_reason_forms},
    {"response_incomplete", test_response_incomplete},
    {"response_chunked", test_response_chunked},
    {"response_bad_status_line", test_response_bad_status_line},
    {"response_bad_fields", test_response_bad_fields},
    {0}};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
