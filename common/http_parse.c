/* http_parse.c - a strict, zero-copy parser for HTTP/1.1 request heads. */
#include "http_parse.h"

#include <string.h>

#define STATUS_BAD_REQUEST 400
#define STATUS_TOO_LARGE 431 /* Request Header Fields Too Large, RFC 6585 */
#define STATUS_NOT_IMPLEMENTED 501
#define STATUS_BAD_VERSION 505

/* The end-of-head search looks up to two bytes either side of a LF, so a
 * resumed search starts this far before where the last one stopped. */
#define SCAN_OVERLAP 3

/* ---- characters (RFC 9110 section 5.6.2, RFC 5234 appendix B.1) ---- */

static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* CTL minus HTAB: never allowed in a field value (RFC 9110 section 5.5).
 * Bytes 0x80-0xFF are obs-text, which a recipient must still accept. */
static int is_forbidden_in_value(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7F;
}

static int ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive compare that ignores the locale: field names and
 * tokens are ASCII whatever LC_CTYPE says. */
static int ascii_case_equal(const char *a, size_t alen, const char *b,
                            size_t blen)
{
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int header_is(const struct http_header *h, const char *name)
{
    return ascii_case_equal(h->name, h->name_len, name, strlen(name));
}

static size_t span_tchars(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && is_tchar((unsigned char)s[n]))
        n++;
    return n;
}

static void trim_ows(const char **s, size_t *len)
{
    while (*len > 0 && is_ows((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_ows((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

/* The next comma-separated element of s[0..len) from *pos, OWS trimmed
 * (RFC 9110 section 5.6.1); it may be empty. 0 once the list is done. */
static int list_next(const char *s, size_t len, size_t *pos,
                     const char **item, size_t *item_len)
{
    if (*pos > len)
        return 0;
    const char *start = s + *pos;
    size_t left = len - *pos;
    const char *comma = left ? memchr(start, ',', left) : NULL;
    size_t n = comma ? (size_t)(comma - start) : left;

    *pos += n + 1;
    trim_ows(&start, &n);
    *item = start;
    *item_len = n;
    return 1;
}

int http_value_has_token(const char *value, size_t len, const char *token)
{
    const char *item;
    size_t item_len, pos = 0;

    while (list_next(value, len, &pos, &item, &item_len))
        if (ascii_case_equal(item, item_len, token, strlen(token)))
            return 1;
    return 0;
}

const struct http_header *http_find_header(const struct http_request_head *h,
                                           const char *name)
{
    return http_find_field(h->headers, h->nheaders, name);
}

/* ---- finding the end of the head ---- */

/* Empty lines (CRLF or LF) that may precede the request line (RFC 9112
 * section 2.2): some clients send an extra CRLF after a POST body. */
static size_t blank_prefix(const char *buf, size_t len)
{
    size_t n = 0;

    for (;;) {
        if (n < len && buf[n] == '\n')
            n += 1;
        else if (n + 1 < len && buf[n] == '\r' && buf[n + 1] == '\n')
            n += 2;
        else
            return n;
    }
}

/* Whether the line ended by the LF at buf[i] holds anything: only then can
 * the empty line after it end the head, so blank lines before the request
 * line never do. */
static int line_has_content(const char *buf, size_t i)
{
    if (i == 0 || buf[i - 1] == '\n')
        return 0;
    if (buf[i - 1] == '\r')
        return i >= 2 && buf[i - 2] != '\n';
    return 1;
}

/* The length of the empty line starting at buf[i], or 0 if none is there
 * yet. A bare LF ends a line as well as CRLF does (RFC 9112 section 2.2). */
static size_t empty_line_at(const char *buf, size_t len, size_t i)
{
    if (i < len && buf[i] == '\n')
        return 1;
    if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
        return 2;
    return 0;
}

/* The size of the head in buf[0..len), ending with its empty line, or 0
 * while the empty line has not arrived. Resumes where the last call
 * stopped, so each byte is searched about once however it arrives. */
static size_t find_head_end(struct http_head_parser *p, const char *buf,
                            size_t len)
{
    size_t i = p->scanned > SCAN_OVERLAP && p->scanned <= len
                   ? p->scanned - SCAN_OVERLAP
                   : 0;

    while (i < len) {
        const char *lf = memchr(buf + i, '\n', len - i);
        if (!lf)
            break;
        i = (size_t)(lf - buf);
        size_t empty = empty_line_at(buf, len, i + 1);
        if (empty && line_has_content(buf, i))
            return i + 1 + empty;
        i++;
    }
    p->scanned = len;
    return 0;
}

/* ---- parsing the lines ---- */

/* Where header lines go: a request head's array or a response head's. */
struct http_fields {
    struct http_header *headers;
    size_t *n;
    size_t max;
};

/* Parses a start line into its head; 0 or the status to reject with. */
typedef int first_line_fn(const char *line, size_t len, void *head);

/* The line starting at buf[*pos] without its CRLF or LF, and moves *pos
 * past it; end is where the head ends, so a LF is always found. */
static const char *next_line(const char *buf, size_t end, size_t *pos,
                             size_t *line_len)
{
    const char *line = buf + *pos;
    const char *lf = memchr(line, '\n', end - *pos);
    size_t n = (size_t)(lf - line);

    *pos += n + 1;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    *line_len = n;
    return line;
}

/* "HTTP/" DIGIT "." DIGIT (RFC 9112 section 2.3) as 10, 11, 20...; -1 if
 * the text is not a version at all. */
static int parse_version(const char *s, size_t len)
{
    if (len != 8 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.')
        return -1;
    if (s[5] < '0' || s[5] > '9' || s[7] < '0' || s[7] > '9')
        return -1;
    return (s[5] - '0') * 10 + (s[7] - '0');
}

/* method SP request-target SP HTTP-version (RFC 9112 section 3), with
 * exactly one SP each: splitting on runs of spaces is how two servers come
 * to read one request line two ways. */
static int parse_request_line(const char *line, size_t len, void *arg)
{
    struct http_request_head *head = arg;
    size_t method_len = span_tchars(line, len);
    if (method_len == 0 || method_len == len || line[method_len] != ' ')
        return STATUS_BAD_REQUEST;

    const char *target = line + method_len + 1;
    size_t left = len - method_len - 1, target_len = 0;
    while (target_len < left && (unsigned char)target[target_len] > 0x20 &&
           (unsigned char)target[target_len] < 0x7F)
        target_len++; /* visible ASCII only: a target has no raw spaces */
    if (target_len == 0 || target_len == left || target[target_len] != ' ')
        return STATUS_BAD_REQUEST;

    int version = parse_version(target + target_len + 1, left - target_len - 1);
    if (version < 0)
        return STATUS_BAD_REQUEST;
    if (version != 10 && version != 11)
        return STATUS_BAD_VERSION;
    head->method = line;
    head->method_len = method_len;
    head->target = target;
    head->target_len = target_len;
    head->version = version;
    return 0;
}

/* field-name ":" OWS field-value OWS (RFC 9112 section 5). No space may
 * come before the colon (section 5.1) and no line may start with one, as
 * obs-fold did (section 5.2): both are 400. */
static int parse_header_line(const char *line, size_t len,
                             struct http_fields *f)
{
    size_t name_len = span_tchars(line, len);
    if (name_len == 0 || name_len == len || line[name_len] != ':')
        return STATUS_BAD_REQUEST; /* obs-fold, empty name, SP, no colon */

    const char *value = line + name_len + 1;
    size_t value_len = len - name_len - 1;
    trim_ows(&value, &value_len);
    for (size_t i = 0; i < value_len; i++)
        if (is_forbidden_in_value((unsigned char)value[i]))
            return STATUS_BAD_REQUEST;

    if (*f->n == f->max)
        return STATUS_TOO_LARGE;
    f->headers[(*f->n)++] = (struct http_header){
        .name = line, .name_len = name_len,
        .value = value, .value_len = value_len};
    return 0;
}

/* The start line (given to first_line) and header lines of
 * buf[start..end): a request's and a response's differ only in the
 * first. */
static int parse_lines(const char *buf, size_t start, size_t end,
                       first_line_fn *first_line, void *head,
                       struct http_fields *f)
{
    size_t pos = start, len;
    int first = 1;

    for (;;) {
        const char *line = next_line(buf, end, &pos, &len);
        /* A CR not ending a line is read as a line end by some parsers and
         * as data by others: reject it (RFC 9112 section 2.2). */
        if (memchr(line, '\r', len))
            return STATUS_BAD_REQUEST;
        if (len == 0) /* the empty line, which find_head_end put last */
            return 0;
        int status = first ? first_line(line, len, head)
                           : parse_header_line(line, len, f);
        if (status)
            return status;
        first = 0;
    }
}

/* ---- what the headers mean ---- */

/* HTTP/1.1 needs exactly one Host; no request may carry two (RFC 9112
 * section 3.2). */
static int check_host(const struct http_request_head *head)
{
    size_t hosts = 0;

    for (size_t i = 0; i < head->nheaders; i++)
        hosts += header_is(&head->headers[i], "host");
    if (hosts > 1 || (hosts == 0 && head->version == 11))
        return STATUS_BAD_REQUEST;
    return 0;
}

/* 1*DIGIT as a number, or -1 if empty, not digits, or past INT64_MAX. */
static int64_t parse_digits(const char *s, size_t len)
{
    int64_t n = 0;

    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        int digit = s[i] - '0';
        if (n > (INT64_MAX - digit) / 10)
            return -1;
        n = n * 10 + digit;
    }
    return n;
}

/* One Content-Length value: digits, or a list of identical ones ("5, 5",
 * which a proxy may make by merging; RFC 9110 section 8.6); -1 otherwise. */
static int64_t content_length_value(const char *value, size_t len)
{
    const char *item;
    size_t item_len, pos = 0;
    int64_t length = -1;

    while (list_next(value, len, &pos, &item, &item_len)) {
        int64_t n = parse_digits(item, item_len);
        if (n < 0 || (length >= 0 && n != length))
            return -1;
        length = n;
    }
    return length;
}

/* A message's framing, from its headers, the same for requests and
 * responses: Content-Length, chunked, and whether the connection stays. */
struct http_framing {
    const struct http_header *headers;
    size_t n;
    int version;
    int64_t content_length;
    int chunked;
    int keep_alive;
};

/* Sets content_length from every Content-Length header, which must all
 * agree: two lengths is how a request gets smuggled (section 6.3). */
static int parse_content_length(struct http_framing *m)
{
    m->content_length = -1;
    for (size_t i = 0; i < m->n; i++) {
        const struct http_header *h = &m->headers[i];
        if (!header_is(h, "content-length"))
            continue;
        int64_t n = content_length_value(h->value, h->value_len);
        if (n < 0 || (m->content_length >= 0 && n != m->content_length))
            return STATUS_BAD_REQUEST;
        m->content_length = n;
    }
    return 0;
}

struct transfer_codings {
    size_t count;   /* non-empty codings over every Transfer-Encoding */
    size_t chunked; /* how many of them are "chunked" */
    int last_is_chunked;
};

static void count_codings(const struct http_header *h,
                          struct transfer_codings *tc)
{
    const char *item;
    size_t item_len, pos = 0;

    while (list_next(h->value, h->value_len, &pos, &item, &item_len)) {
        if (item_len == 0)
            continue; /* empty list elements are ignored (RFC 9110 5.6.1) */
        tc->count++;
        tc->last_is_chunked = ascii_case_equal(item, item_len, "chunked", 7);
        tc->chunked += tc->last_is_chunked;
    }
}

/* Transfer-Encoding (RFC 9112 section 6.1): without a final "chunked" the
 * body's end is unknowable, 400; this server decodes no other coding, 501.
 * With Content-Length, or in HTTP/1.0, it is a smuggling attempt, 400. */
static int parse_transfer_encoding(struct http_framing *m)
{
    struct transfer_codings tc = {0};
    int present = 0;

    m->chunked = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct http_header *h = &m->headers[i];
        if (header_is(h, "transfer-encoding")) {
            present = 1;
            count_codings(h, &tc);
        }
    }
    if (!present)
        return 0;
    if (m->version == 10 || m->content_length >= 0)
        return STATUS_BAD_REQUEST;
    if (tc.count == 0 || !tc.last_is_chunked || tc.chunked > 1)
        return STATUS_BAD_REQUEST;
    if (tc.count > 1)
        return STATUS_NOT_IMPLEMENTED;
    m->chunked = 1;
    return 0;
}

/* HTTP/1.1 keeps the connection unless told "close"; HTTP/1.0 closes it
 * unless asked "keep-alive" (RFC 9112 section 9.3). */
static void set_keep_alive(struct http_framing *m)
{
    int close = 0, keep = 0;

    for (size_t i = 0; i < m->n; i++) {
        const struct http_header *h = &m->headers[i];
        if (!header_is(h, "connection"))
            continue;
        close |= http_value_has_token(h->value, h->value_len, "close");
        keep |= http_value_has_token(h->value, h->value_len, "keep-alive");
    }
    m->keep_alive = !close && (m->version == 11 || keep);
}

/* Content-Length, Transfer-Encoding and Connection: 0 or a status. */
static int parse_framing(struct http_framing *m)
{
    int status;

    if ((status = parse_content_length(m)) ||
        (status = parse_transfer_encoding(m)))
        return status;
    set_keep_alive(m);
    return 0;
}

/* Parse a head's framing (either kind of head) into its fields. */
static int frame_head(const struct http_header *headers, size_t n,
                      int version, int64_t *content_length, int *chunked,
                      int *keep_alive)
{
    struct http_framing m = {.headers = headers, .n = n, .version = version};
    int status = parse_framing(&m);

    *content_length = m.content_length;
    *chunked = m.chunked;
    *keep_alive = m.keep_alive;
    return status;
}

/* ---- the entry points ---- */

void http_head_parser_init(struct http_head_parser *p)
{
    p->max_head_size = HTTP_MAX_HEAD_SIZE;
    p->max_headers = HTTP_MAX_HEADERS;
    p->status = 0;
    p->scanned = 0;
}

static size_t max_headers_of(const struct http_head_parser *p)
{
    return p->max_headers < HTTP_MAX_HEADERS ? p->max_headers
                                             : HTTP_MAX_HEADERS;
}

static int parse_complete_head(const struct http_head_parser *p,
                               const char *buf, size_t end,
                               struct http_request_head *head)
{
    struct http_fields f = {head->headers, &head->nheaders, max_headers_of(p)};
    int status;

    if (end > p->max_head_size)
        return STATUS_TOO_LARGE;
    head->nheaders = 0;
    head->chunked = 0;
    head->keep_alive = 0;
    head->content_length = -1;
    if ((status = parse_lines(buf, blank_prefix(buf, end), end,
                              parse_request_line, head, &f)) ||
        (status = check_host(head)))
        return status;
    return frame_head(head->headers, head->nheaders, head->version,
                      &head->content_length, &head->chunked,
                      &head->keep_alive);
}

/* Parses a complete head of end bytes into head; 0 or a status. */
typedef int complete_head_fn(const struct http_head_parser *p,
                             const char *buf, size_t end, void *head);

/* What both entry points do: find the end, then parse the whole head. */
static enum http_parse_status parse_head_with(struct http_head_parser *p,
                                              const char *buf, size_t len,
                                              complete_head_fn *complete,
                                              void *head, size_t *consumed)
{
    size_t end = find_head_end(p, buf, len);
    int status;

    *consumed = 0;
    if (end == 0) {
        if (len <= p->max_head_size)
            return HTTP_PARSE_INCOMPLETE;
        status = STATUS_TOO_LARGE; /* too big whenever it ends */
    } else {
        status = complete(p, buf, end, head);
    }
    p->scanned = 0; /* ready for the next head */
    if (status) {
        p->status = status;
        return HTTP_PARSE_INVALID;
    }
    p->status = 0;
    *consumed = end;
    return HTTP_PARSE_DONE;
}

static int complete_request(const struct http_head_parser *p,
                            const char *buf, size_t end, void *head)
{
    return parse_complete_head(p, buf, end, head);
}

enum http_parse_status http_parse_head(struct http_head_parser *p,
                                       const char *buf, size_t len,
                                       struct http_request_head *head,
                                       size_t *consumed)
{
    return parse_head_with(p, buf, len, complete_request, head, consumed);
}

/* ---- response heads (a client's side) ---- */

/* HTTP-version SP 3DIGIT SP reason-phrase (RFC 9112 section 4). The
 * reason may be empty, and so may its SP be missing ("HTTP/1.1 200"), as
 * RFC 9112 asks a client to accept; the reason holds no control
 * character but HTAB. */
static int parse_status_line(const char *line, size_t len, void *arg)
{
    struct http_response_head *head = arg;
    int version = len >= 8 ? parse_version(line, 8) : -1;

    if (version < 0 || len < 12 || line[8] != ' ')
        return STATUS_BAD_REQUEST;
    if (version != 10 && version != 11)
        return STATUS_BAD_VERSION;
    for (size_t i = 9; i < 12; i++)
        if (line[i] < '0' || line[i] > '9')
            return STATUS_BAD_REQUEST;
    if (len > 12 && line[12] != ' ')
        return STATUS_BAD_REQUEST; /* "HTTP/1.1 2000" */
    head->reason = len > 12 ? line + 13 : line + 12;
    head->reason_len = len > 12 ? len - 13 : 0;
    for (size_t i = 0; i < head->reason_len; i++)
        if (is_forbidden_in_value((unsigned char)head->reason[i]))
            return STATUS_BAD_REQUEST;
    head->version = version;
    head->code = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
                 (line[11] - '0');
    return head->code < 100 ? STATUS_BAD_REQUEST : 0;
}

static int complete_response(const struct http_head_parser *p,
                             const char *buf, size_t end, void *arg)
{
    struct http_response_head *head = arg;
    struct http_fields f = {head->headers, &head->nheaders, max_headers_of(p)};
    int status;

    if (end > p->max_head_size)
        return STATUS_TOO_LARGE;
    head->nheaders = 0;
    /* No blank lines before a status line: a server that sends one is
     * out of step with its own responses. */
    if (blank_prefix(buf, end) != 0)
        return STATUS_BAD_REQUEST;
    if ((status = parse_lines(buf, 0, end, parse_status_line, head, &f)))
        return status;
    return frame_head(head->headers, head->nheaders, head->version,
                      &head->content_length, &head->chunked,
                      &head->keep_alive);
}

enum http_parse_status http_parse_response_head(struct http_head_parser *p,
                                                const char *buf, size_t len,
                                                struct http_response_head *head,
                                                size_t *consumed)
{
    return parse_head_with(p, buf, len, complete_response, head, consumed);
}

const struct http_header *http_find_field(const struct http_header *headers,
                                          size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (header_is(&headers[i], name))
            return &headers[i];
    return NULL;
}
