/* httpserver.c - the HTTP server around its connections; a request's
 * fields, made from its head (xheaders included); and its response: status
 * line, Date, framing (Content-Length, chunked, or until the close), in as
 * few send()s as the handler allows. Tornado: httpserver.HTTPServer and
 * _HTTPRequestContext, httputil.HTTPServerRequest, and HTTP1Connection's
 * write_headers, write and finish. */
#include "http1connection.h"

#include "http_response.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- the server ---- */

static void httpserver_on_stream(struct tcpserver *tcp, struct iostream *s,
                                 const char *peer, void *arg)
{
    (void)tcp;
    http1_connection_start(arg, s, peer);
}

static void fill_defaults(struct httpserver_options *o)
{
    if (o->max_body_size == 0)
        o->max_body_size = HTTPSERVER_DEFAULT_MAX_BODY_SIZE;
    if (o->max_header_size == 0)
        o->max_header_size = HTTPSERVER_DEFAULT_MAX_HEADER_SIZE;
    if (o->idle_timeout == 0)
        o->idle_timeout = HTTPSERVER_DEFAULT_TIMEOUT;
    if (o->body_timeout == 0)
        o->body_timeout = HTTPSERVER_DEFAULT_TIMEOUT;
}

struct httpserver *httpserver_new(struct ioloop *loop,
                                  const struct httpserver_options *options,
                                  httpserver_request_fn *on_request, void *arg)
{
    struct httpserver *srv;

    if (!on_request) {
        errno = EINVAL;
        return NULL;
    }
    if (!(srv = calloc(1, sizeof *srv)))
        return NULL;
    srv->loop = loop;
    srv->on_request = on_request;
    srv->arg = arg;
    if (options)
        srv->options = *options;
    fill_defaults(&srv->options);
    if (!(srv->tcp = tcpserver_new(loop, httpserver_on_stream, srv))) {
        free(srv);
        return NULL;
    }
    return srv;
}

void httpserver_free(struct httpserver *srv)
{
    if (!srv)
        return;
    tcpserver_free(srv->tcp);
    http1_connection_close_all(srv);
    free(srv);
}

int httpserver_listen(struct httpserver *srv, const char *host, int port)
{
    return tcpserver_listen(srv->tcp, host, port);
}

int httpserver_add_sockets(struct httpserver *srv, const int *fds, int n)
{
    return tcpserver_add_sockets(srv->tcp, fds, n);
}

int httpserver_port(const struct httpserver *srv)
{
    return tcpserver_port(srv->tcp);
}

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
    struct http_request *req = c->req;
    char *path = c->text + head_len + 1;
    const char *query;

    terminate_strings(c->text, &req->head);
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

/* The copy has room for the path after it, as its own C string. */
int http1_parse_request(struct http1_connection *c, const char *data,
                        size_t len)
{
    struct http_head_parser parser;
    size_t need = 2 * len + 2, used;
    enum http_parse_status rc;

    if (!c->req && !(c->req = calloc(1, sizeof *c->req)))
        return 500;
    if (need > c->text_cap) {
        char *text = realloc(c->text, need);
        if (!text)
            return 500;
        c->text = text;
        c->text_cap = need;
    }
    memcpy(c->text, data, len);
    c->text[len] = '\0';
    http_head_parser_init(&parser);
    parser.max_head_size = c->srv->options.max_header_size;
    rc = http_parse_head(&parser, c->text, len, &c->req->head, &used);
    if (rc == HTTP_PARSE_INVALID)
        return parser.status;
    /* The parser also ends a head at a bare-LF blank line: one that ends
     * before our CRLFCRLF leaves bytes we cannot give back to the stream. */
    if (rc != HTTP_PARSE_DONE || used != len)
        return 400;
    fill_request(c, len);
    return 0;
}

/* ---- formatting, without printf ---- */

/* The Date line. Formatting it costs more than the rest of a small
 * response and it changes once a second: each thread keeps the last. */
static const char *date_line(size_t *len)
{
    static _Thread_local char line[64];
    static _Thread_local size_t line_len;
    static _Thread_local time_t made_at = -1;
    time_t now = time(NULL); /* the vDSO: no system call */
    struct tm tm;

    if (now != made_at) {
        gmtime_r(&now, &tm);
        line_len = strftime(line, sizeof line,
                            "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        made_at = now;
    }
    *len = line_len;
    return line;
}

/* n in base 10 or 16 at out (room for 20 digits); returns the length. */
static size_t put_number(char *out, uint64_t n, unsigned base)
{
    char digits[20];
    size_t len = 0;

    do {
        digits[len++] = "0123456789abcdef"[n % base];
        n /= base;
    } while (n);
    for (size_t i = 0; i < len; i++)
        out[i] = digits[len - 1 - i];
    return len;
}

int http1_put_status(struct buffer *b, int status)
{
    const char *reason = http_reason(status);
    size_t reason_len = strlen(reason), date_len;
    const char *date = date_line(&date_len);
    char *p;

    if (buffer_reserve(b, 9 + 4 + reason_len + 2 + date_len) < 0)
        return -1;
    p = buffer_tail(b);
    memcpy(p, "HTTP/1.1 ", 9); /* our version, whatever the client's */
    p += 9;
    p += put_number(p, (uint64_t)status, 10);
    *p++ = ' ';
    memcpy(p, reason, reason_len);
    p += reason_len;
    memcpy(p, "\r\n", 2);
    memcpy(p + 2, date, date_len);
    buffer_commit(b, 9 + 4 + reason_len + 2 + date_len);
    return 0;
}

#define APPEND_LITERAL(b, s) buffer_append((b), (s), sizeof(s) - 1)

/* The framing headers and the blank line. streaming: a flush came before
 * finish, so the length is unknown: chunked in HTTP/1.1; in HTTP/1.0 the
 * close ends the body. */
static int put_framing(struct http1_connection *c, int streaming)
{
    char line[64];
    size_t n = 0;

    if (c->no_body) {
        /* 1xx, 204, 304: no body, so nothing to frame */
    } else if (!streaming) {
        memcpy(line, "Content-Length: ", 16);
        n = 16 + put_number(line + 16, c->body_count, 10);
        memcpy(line + n, "\r\n", 2);
        n += 2;
    } else if (c->req->version == 11) {
        memcpy(line, "Transfer-Encoding: chunked\r\n", 28);
        n = 28;
        c->chunked = 1;
    } else {
        c->keep_alive = 0;
    }
    if (buffer_append(&c->out, line, n) < 0)
        return -1;
    if (!c->keep_alive && APPEND_LITERAL(&c->out, "Connection: close\r\n") < 0)
        return -1;
    if (c->keep_alive && c->req->version == 10 &&
        APPEND_LITERAL(&c->out, "Connection: keep-alive\r\n") < 0)
        return -1;
    c->headers_sent = 1;
    return APPEND_LITERAL(&c->out, "\r\n");
}

/* Move the body written since the last flush behind the head, as a chunk
 * if chunked. */
static int put_body(struct http1_connection *c)
{
    size_t n = buffer_len(&c->body_out), k = 0;
    char size[24];

    if (n == 0)
        return 0;
    if (c->chunked) {
        k = put_number(size, n, 16);
        memcpy(size + k, "\r\n", 2);
        k += 2;
    }
    if (buffer_reserve(&c->out, k + n + 2) < 0)
        return -1;
    buffer_append(&c->out, size, k);
    buffer_append(&c->out, buffer_data(&c->body_out), n);
    if (c->chunked)
        buffer_append(&c->out, "\r\n", 2);
    buffer_consume(&c->body_out, n);
    return 0;
}

/* ---- the response ---- */

static int gone(const struct http1_connection *c)
{
    return !c->stream || iostream_closed(c->stream);
}

/* Memory ran out half-way through a response: it cannot be completed,
 * so the connection goes. */
static int fail_response(struct http1_connection *c)
{
    int saved = errno;

    buffer_consume(&c->out, buffer_len(&c->out));
    buffer_consume(&c->body_out, buffer_len(&c->body_out));
    if (c->stream)
        iostream_close(c->stream);
    errno = saved;
    return -1;
}

/* Queue everything in out; cb (may be NULL) when it has been sent. */
static int send_out(struct http1_connection *c, iostream_write_fn *cb)
{
    size_t n = buffer_len(&c->out);
    int rc = iostream_write(c->stream, n ? buffer_data(&c->out) : "", n, cb, c);

    buffer_consume(&c->out, n);
    return rc;
}

void http1_response_reset(struct http1_connection *c)
{
    c->started = c->headers_sent = c->chunked = c->no_body = 0;
    c->head_only = strcmp(c->req->method, "HEAD") == 0;
    c->keep_alive = c->req->head.keep_alive;
    c->body_count = 0;
    c->flush_fn = NULL;
    c->close_fn = NULL;
}

const char *http_request_header(const struct http_request *req,
                                const char *name)
{
    const struct http_header *h = http_find_header(&req->head, name);

    return h ? h->value : NULL; /* NUL-terminated in a request */
}

int http_request_start_response(struct http_request *req, int status,
                                const char *extra_headers)
{
    struct http1_connection *c = req->connection;

    if (!c->held || c->started || status < 100 || status > 999) {
        errno = EINVAL;
        return -1;
    }
    c->started = 1;
    c->no_body = status < 200 || status == 204 || status == 304;
    if (gone(c)) {
        errno = EPIPE;
        return -1;
    }
    if (http1_put_status(&c->out, status) < 0 ||
        (extra_headers &&
         buffer_append(&c->out, extra_headers, strlen(extra_headers)) < 0))
        return fail_response(c);
    return 0;
}

static int ensure_started(struct http_request *req)
{
    struct http1_connection *c = req->connection;

    if (!c->held) {
        errno = EINVAL;
        return -1;
    }
    if (!c->started && http_request_start_response(req, 200, NULL) < 0)
        return -1;
    if (gone(c)) {
        errno = EPIPE;
        return -1;
    }
    return 0;
}

int http_request_write(struct http_request *req, const void *data, size_t len)
{
    struct http1_connection *c = req->connection;

    if (ensure_started(req) < 0)
        return -1;
    c->body_count += len;
    if (c->no_body || c->head_only)
        return 0; /* counted (HEAD's Content-Length), not sent */
    if (buffer_append(&c->body_out, data, len) < 0)
        return fail_response(c);
    return 0;
}

/* A flush's bytes have left, or failed. */
static void on_flushed(struct iostream *s, int status, void *arg)
{
    struct http1_connection *c = arg;
    http_request_done_fn *fn = c->flush_fn;

    (void)s;
    c->flush_fn = NULL; /* NULL if finish came first: it cancelled it */
    if (fn)
        fn(c->req, status, c->flush_arg);
}

int http_request_flush(struct http_request *req,
                       http_request_done_fn *callback, void *arg)
{
    struct http1_connection *c = req->connection;

    if (ensure_started(req) < 0)
        return -1;
    if (callback && c->flush_fn) {
        errno = EBUSY;
        return -1;
    }
    if ((!c->headers_sent && put_framing(c, 1) < 0) || put_body(c) < 0)
        return fail_response(c);
    if (send_out(c, callback ? on_flushed : NULL) < 0)
        return fail_response(c);
    c->flush_fn = callback;
    c->flush_arg = arg;
    return 0;
}

int http_request_finish(struct http_request *req)
{
    struct http1_connection *c = req->connection;

    if (!c->held) {
        errno = EINVAL;
        return -1;
    }
    if (!c->started)
        http_request_start_response(req, 200, NULL);
    c->held = 0;
    c->flush_fn = NULL;
    c->close_fn = NULL;
    buffer_consume(&req->body, buffer_len(&req->body)); /* a big one goes */
    if (!c->stream) { /* closed while the handler held it: we were waited for */
        http1_connection_free(c);
        errno = EPIPE;
        return -1;
    }
    if (gone(c)) { /* closed; its close callback, on its way, frees c */
        fail_response(c);
        errno = EPIPE;
        return -1;
    }
    if ((!c->headers_sent && put_framing(c, 0) < 0) || put_body(c) < 0 ||
        (c->chunked && !c->head_only &&
         APPEND_LITERAL(&c->out, "0\r\n\r\n") < 0) ||
        send_out(c, NULL) < 0)
        return fail_response(c);
    http1_connection_finished(c);
    return 0;
}

void http_request_set_close_callback(struct http_request *req,
                                     http_request_close_fn *fn, void *arg)
{
    struct http1_connection *c = req->connection;

    c->close_fn = fn;
    c->close_arg = arg;
}

int http_request_closed(const struct http_request *req)
{
    return gone(req->connection);
}
