/* httprequest.c - a request's fields, made from its head (xheaders
 * included), in the request's own copy of it. Tornado:
 * httputil.HTTPServerRequest and httpserver._HTTPRequestContext. */
#include "httprequest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the request: its fields from its head ---- */

/* The parser leaves names, values, method and target as pointers into
 * our copy, each followed by a byte the parse is done with (':', SP, CR,
 * LF or OWS): a NUL there makes each one a C string, for free. */
static void nul_after(char *text, const char *p, size_t len)
{
    text[(p - text) + (ptrdiff_t)len] = '\0';
}

static void terminate_strings(char *text, struct http_request_head *h)
{
    nul_after(text, h->method, h->method_len);
    nul_after(text, h->target, h->target_len);
    for (size_t i = 0; i < h->nheaders; i++) {
        nul_after(text, h->headers[i].name, h->headers[i].name_len);
        nul_after(text, h->headers[i].value, h->headers[i].value_len);
    }
}

/* The last element of a comma-separated list, OWS trimmed. */
static void last_item(const char *value, const char **item, size_t *len)
{
    const char *start = strrchr(value, ',');
    const char *end = value + strlen(value);

    start = start ? start + 1 : value;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *item = start;
    *len = (size_t)(end - start);
}

/* Whether text[0..len) is an IPv4 or IPv6 address (Tornado:
 * netutil.is_valid_ip). */
static int is_ip(const char *text, size_t len)
{
    char copy[INET6_ADDRSTRLEN];
    struct in6_addr addr;

    if (len == 0 || len >= sizeof copy)
        return 0;
    memcpy(copy, text, len);
    copy[len] = '\0';
    return inet_pton(AF_INET, copy, &addr) == 1 ||
           inet_pton(AF_INET6, copy, &addr) == 1;
}

/* Behind a proxy: the client's address and scheme as the proxy says.
 * Tornado: _HTTPRequestContext._apply_xheaders. The last address of
 * X-Forwarded-For is the one our proxy added; X-Real-Ip wins over it;
 * anything that is not an address is ignored. */
static void apply_xheaders(struct http_request *req)
{
    const struct http_request_head *h = &req->head;
    const char *ip = NULL, *proto;
    size_t ip_len = 0, proto_len;
    const char *v;

    for (size_t i = 0; i < h->nheaders; i++) /* the last such header */
        if (strcasecmp(h->headers[i].name, "X-Forwarded-For") == 0)
            last_item(h->headers[i].value, &ip, &ip_len);
    if ((v = http_request_header(req, "X-Real-Ip"))) {
        ip = v;
        ip_len = strlen(v);
    }
    if (ip && is_ip(ip, ip_len)) {
        memcpy(req->remote_ip, ip, ip_len);
        req->remote_ip[ip_len] = '\0';
    }
    if (!(v = http_request_header(req, "X-Scheme")) &&
        !(v = http_request_header(req, "X-Forwarded-Proto")))
        return;
    last_item(v, &proto, &proto_len);
    if (proto_len == 4 && memcmp(proto, "http", 4) == 0)
        req->protocol = "http";
    else if (proto_len == 5 && memcmp(proto, "https", 5) == 0)
        req->protocol = "https";
}

/* Fill the request's fields from its parsed head, in text: the head's
 * len bytes, a NUL, then room for the path. */
static void fill_request(struct http_request *req, size_t len,
                         const char *peer_ip, int xheaders)
{
    char *path = req->text + len + 1;
    const char *query;
    size_t ip_len;

    terminate_strings(req->text, &req->head);
    req->method = req->head.method;
    req->uri = req->head.target;
    req->version = req->head.version;
    query = strchr(req->uri, '?');
    req->query = query ? query + 1 : "";
    memcpy(path, req->uri, query ? (size_t)(query - req->uri)
                                 : req->head.target_len);
    path[query ? query - req->uri : (ptrdiff_t)req->head.target_len] = '\0';
    req->path = path;
    ip_len = strnlen(peer_ip, sizeof req->remote_ip - 1);
    memcpy(req->remote_ip, peer_ip, ip_len);
    req->remote_ip[ip_len] = '\0';
    req->protocol = "http";
    req->data = NULL;
    http_request_stream_body(req, NULL, NULL);
    buffer_consume(&req->body, buffer_len(&req->body));
    if (xheaders)
        apply_xheaders(req);
}

/* The copy has room for the path after it, as its own C string. */
int http_request_parse(struct http_request *req, const char *head,
                       size_t len, size_t max_header_size,
                       const char *peer_ip, int xheaders)
{
    struct http_head_parser parser;
    size_t need = 2 * len + 2, used;
    enum http_parse_status rc;

    if (need > req->text_cap) {
        char *text = realloc(req->text, need);
        if (!text)
            return 500;
        req->text = text;
        req->text_cap = need;
    }
    memcpy(req->text, head, len);
    req->text[len] = '\0';
    http_head_parser_init(&parser);
    parser.max_head_size = max_header_size;
    rc = http_parse_head(&parser, req->text, len, &req->head, &used);
    if (rc == HTTP_PARSE_INVALID)
        return parser.status;
    /* The parser also ends a head at a bare-LF blank line: one that ends
     * before our CRLFCRLF leaves bytes we cannot give back to the stream. */
    if (rc != HTTP_PARSE_DONE || used != len)
        return 400;
    fill_request(req, len, peer_ip, xheaders);
    return 0;
}

const char *http_request_header(const struct http_request *req,
                                const char *name)
{
    const struct http_header *h = http_find_header(&req->head, name);

    return h ? h->value : NULL; /* NUL-terminated in a request */
}

/* ---- a streamed body ---- */

int http_request_read_body(struct http_request *req,
                           http_request_body_fn *fn, void *arg)
{
    if (req->body_fn) {
        errno = EBUSY;
        return -1;
    }
    if (!req->read_more) {
        errno = ENODATA;
        return -1;
    }
    req->body_fn = fn;
    req->body_arg = arg;
    if (req->read_more(req->conn) < 0) {
        req->body_fn = NULL;
        return -1;
    }
    return 0;
}

void http_request_stream_body(struct http_request *req,
                              int (*read_more)(void *conn), void *conn)
{
    req->read_more = read_more;
    req->conn = conn;
    req->body_streamed = read_more != NULL;
}

void http_request_body_read(struct http_request *req, int status)
{
    http_request_body_fn *fn = req->body_fn;

    req->body_fn = NULL; /* first: fn may read again */
    if (fn)
        fn(req, status, req->body_arg);
}

/* A small request's head fits in this: a bigger copy is not kept. */
#define HTTP_REQUEST_KEPT_TEXT 4096

void http_request_trim(struct http_request *req)
{
    if (req->text_cap > HTTP_REQUEST_KEPT_TEXT) {
        free(req->text);
        req->text = NULL;
        req->text_cap = 0;
    }
    /* A body refused half-way (413, 400) may still be here: emptying a
     * buffer frees it if it grew past 4 KiB (common/buffer.c). */
    buffer_consume(&req->body, buffer_len(&req->body));
}

void http_request_free(struct http_request *req)
{
    buffer_free(&req->body);
    free(req->text);
}
