/* httprequest.c - a request's fields, made from its head (xheaders
 * included), in the exchange that carries it from its head to its finish,
 * taken from the server's spares and given back there. Tornado:
 * httputil.HTTPServerRequest and httpserver._HTTPRequestContext. */
#include "http1connection.h"

#include <arpa/inet.h>
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

/* Fill the request's fields from its parsed head. */
static void fill_request(struct http1_connection *c, size_t head_len)
{
    struct http1_exchange *x = c->x;
    struct http_request *req = &x->req;
    char *path = x->text + head_len + 1;
    const char *query;

    terminate_strings(x->text, &req->head);
    req->method = req->head.method;
    req->uri = req->head.target;
    req->version = req->head.version;
    query = strchr(req->uri, '?');
    req->query = query ? query + 1 : "";
    memcpy(path, req->uri, query ? (size_t)(query - req->uri)
                                 : req->head.target_len);
    path[query ? query - req->uri : (ptrdiff_t)req->head.target_len] = '\0';
    req->path = path;
    memcpy(req->remote_ip, c->peer_ip, sizeof req->remote_ip);
    req->protocol = "http";
    req->data = NULL;
    req->connection = c;
    buffer_consume(&req->body, buffer_len(&req->body));
    if (c->srv->options.xheaders)
        apply_xheaders(req);
}

/* A spare exchange, else a new one (zeroed: its buffers empty). */
static struct http1_exchange *exchange_take(struct httpserver *srv)
{
    struct http1_exchange *x = srv->spares;

    if (!x)
        return calloc(1, sizeof *x);
    srv->spares = x->next;
    srv->nspares--;
    return x;
}

static void exchange_free(struct http1_exchange *x)
{
    buffer_free(&x->req.body);
    buffer_free(&x->out);
    buffer_free(&x->body_out);
    free(x->text);
    free(x);
}

/* A few spares are enough: each one is in use only from a head to its
 * finish, and most handlers finish before returning. More are freed, and
 * so is a copy of a big head: a spare holds only what a small request
 * needs (its buffers keep at most 4 KiB each once emptied). */
#define HTTPSERVER_MAX_SPARES 16
#define HTTPSERVER_SPARE_TEXT 4096

void http1_exchange_give(struct http1_connection *c)
{
    struct http1_exchange *x = c->x;
    struct httpserver *srv = c->srv;

    c->x = NULL;
    if (!x)
        return;
    if (!srv || srv->nspares >= HTTPSERVER_MAX_SPARES) {
        exchange_free(x);
        return;
    }
    if (x->text_cap > HTTPSERVER_SPARE_TEXT) {
        free(x->text);
        x->text = NULL;
        x->text_cap = 0;
    }
    /* A body refused half-way (413, 400) is still here: emptying a
     * buffer frees it if it grew past 4 KiB (common/buffer.c). */
    buffer_consume(&x->req.body, buffer_len(&x->req.body));
    buffer_consume(&x->out, buffer_len(&x->out));
    buffer_consume(&x->body_out, buffer_len(&x->body_out));
    x->next = srv->spares;
    srv->spares = x;
    srv->nspares++;
}

void http1_exchange_free_spares(struct httpserver *srv)
{
    while (srv->spares) {
        struct http1_exchange *x = srv->spares;
        srv->spares = x->next;
        exchange_free(x);
    }
    srv->nspares = 0;
}

/* The copy has room for the path after it, as its own C string. */
int http1_parse_request(struct http1_connection *c, const char *data,
                        size_t len)
{
    struct http_head_parser parser;
    size_t need = 2 * len + 2, used;
    enum http_parse_status rc;
    struct http1_exchange *x = c->x;

    if (!x && !(x = c->x = exchange_take(c->srv)))
        return 500;
    if (need > x->text_cap) {
        char *text = realloc(x->text, need);
        if (!text)
            return 500;
        x->text = text;
        x->text_cap = need;
    }
    memcpy(x->text, data, len);
    x->text[len] = '\0';
    http_head_parser_init(&parser);
    parser.max_head_size = c->srv->options.max_header_size;
    rc = http_parse_head(&parser, x->text, len, &x->req.head, &used);
    if (rc == HTTP_PARSE_INVALID)
        return parser.status;
    /* The parser also ends a head at a bare-LF blank line: one that ends
     * before our CRLFCRLF leaves bytes we cannot give back to the stream. */
    if (rc != HTTP_PARSE_DONE || used != len)
        return 400;
    fill_request(c, len);
    return 0;
}

const char *http_request_header(const struct http_request *req,
                                const char *name)
{
    const struct http_header *h = http_find_header(&req->head, name);

    return h ? h->value : NULL; /* NUL-terminated in a request */
}
