/* http_parse.h - parse an HTTP/1.1 request head that may still be arriving.
 *
 *     struct http_head_parser parser;
 *     struct http_request_head head;
 *     size_t used;
 *
 *     http_head_parser_init(&parser);              // 64 KiB, 100 headers
 *     // after each read() appended bytes to buf[0..len):
 *     switch (http_parse_head(&parser, buf, len, &head, &used)) {
 *     case HTTP_PARSE_INCOMPLETE: break;           // read more, call again
 *     case HTTP_PARSE_DONE:       ...; break;      // head fills buf[0..used)
 *     case HTTP_PARSE_INVALID:    answer(parser.status); close(); break;
 *     }
 *
 * The parser copies nothing: names, values, method and target point into
 * buf, so they are valid while buf is unchanged. It keeps only how far it
 * has searched for the blank line ending the head, so a head that arrives a
 * byte at a time is scanned once, not once per byte.
 *
 * Strictness (RFC 9112), chosen where a lenient server opens the door to
 * request smuggling or to a proxy and this server reading one request two
 * ways:
 *   - lines end in CRLF; a bare LF is accepted as the end of a line (as
 *     Tornado does, and RFC 9112 section 2.2 allows), a bare CR is 400;
 *   - empty lines before the request line are skipped (section 2.2);
 *   - request line: token SP target SP HTTP/x.y, exactly one space each;
 *     a version other than 1.0 or 1.1 is 505;
 *   - whitespace between a field name and its colon is 400 (section 5.1);
 *   - obs-fold (a line starting with SP or HTAB) is 400 (section 5.2);
 *   - a field name must be a token, a value must hold no control character
 *     other than HTAB; both otherwise 400;
 *   - HTTP/1.1 needs exactly one Host header (section 3.2), else 400;
 *   - Content-Length must be digits (a list of equal values is accepted, as
 *     Tornado does); differing values, or both Content-Length and
 *     Transfer-Encoding, are 400 (section 6.3); a transfer coding other than
 *     a final "chunked" is 501, chunked not last is 400;
 *   - a head larger than max_head_size, or more than max_headers fields,
 *     is 431 (RFC 6585), detected as soon as the bytes show it.
 */
#ifndef COMMON_HTTP_PARSE_H
#define COMMON_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD_SIZE 65536 /* Tornado's max_header_size default */
#define HTTP_MAX_HEADERS 100

struct http_header {
    const char *name; /* not NUL-terminated: use the lengths */
    size_t name_len;
    const char *value; /* leading and trailing SP/HTAB removed */
    size_t value_len;
};

struct http_request_head {
    const char *method;
    size_t method_len;
    const char *target; /* as sent: "/path?query" */
    size_t target_len;
    int version;        /* 10 for HTTP/1.0, 11 for HTTP/1.1 */
    size_t nheaders;
    struct http_header headers[HTTP_MAX_HEADERS];
    int64_t content_length; /* -1 when the request has no Content-Length */
    int chunked;            /* 1 when Transfer-Encoding: chunked */
    int keep_alive; /* 1.1: unless "Connection: close"; 1.0: only if asked */
};

struct http_head_parser {
    size_t max_head_size; /* bytes, default HTTP_MAX_HEAD_SIZE */
    size_t max_headers;   /* fields, default and at most HTTP_MAX_HEADERS */
    int status;           /* after HTTP_PARSE_INVALID: 400, 431, 501 or 505 */
    size_t scanned;       /* private: bytes searched for the head's end */
};

enum http_parse_status {
    HTTP_PARSE_INVALID = -1,
    HTTP_PARSE_INCOMPLETE = 0,
    HTTP_PARSE_DONE = 1,
};

/* Set the default limits; change the fields afterwards to override them. */
void http_head_parser_init(struct http_head_parser *p);

/* Parse the head at the start of buf[0..len). buf must begin where the
 * previous head ended (the caller consumed *consumed bytes after DONE);
 * after DONE or INVALID the parser is ready for the next head. */
enum http_parse_status http_parse_head(struct http_head_parser *p,
                                       const char *buf, size_t len,
                                       struct http_request_head *head,
                                       size_t *consumed);

/* ---- response heads, for chapter 5's HTTP client ----
 *
 *     struct http_response_head rh;
 *     switch (http_parse_response_head(&parser, buf, len, &rh, &used)) ...
 *
 * The same parser and the same rules for the header lines, Content-Length
 * and Transfer-Encoding as a request's (a response with both is as
 * suspect), and for the status line (RFC 9112 section 4): "HTTP/1.0" or
 * "HTTP/1.1" (else 505), one SP, three digits from 100, then SP and a
 * reason without control characters; the reason may be empty and its SP
 * missing. No blank line may come before it. Every failure is INVALID,
 * with parser.status 400 (431, 501 or 505 as for requests) for the log:
 * to a client, any of them means a malformed response. keep_alive follows
 * the version and Connection as for requests. Whether a body follows, and
 * how it ends, is for the caller to decide from the request's method and
 * the code as well (RFC 9112 section 6.3): HEAD, 1xx, 204 and 304 have
 * none, and neither length nor chunked means "until the server closes". */
struct http_response_head {
    int version;        /* 10 or 11 */
    int code;           /* 100..999 */
    const char *reason; /* may be empty */
    size_t reason_len;
    size_t nheaders;
    struct http_header headers[HTTP_MAX_HEADERS];
    int64_t content_length; /* -1 without Content-Length */
    int chunked;
    int keep_alive;
};

enum http_parse_status http_parse_response_head(struct http_head_parser *p,
                                                const char *buf, size_t len,
                                                struct http_response_head *head,
                                                size_t *consumed);

/* The first of headers[0..n) named name (case-insensitively), or NULL. */
const struct http_header *http_find_field(const struct http_header *headers,
                                          size_t n, const char *name);

/* The first header named name (compared case-insensitively), or NULL. */
const struct http_header *http_find_header(const struct http_request_head *h,
                                           const char *name);

/* Whether a comma-separated header value lists token (case-insensitive),
 * as in "Connection: keep-alive, Upgrade". */
int http_value_has_token(const char *value, size_t len, const char *token);

#endif
