/* static.c - StaticFileHandler: find the file under the root without
 * letting any path escape it, answer 304 when the client's copy is
 * current, and send the file a chunk at a time. Tornado:
 * web.StaticFileHandler.
 *
 * Exercise 04-byte-ranges: this is chapters/04-iostream/static.c as it
 * is. Add Range requests (206, Content-Range, 416): README.md says what,
 * and where. */
#include "static.h"

#include "http_response.h"
#include "httputil.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* One request's state (web_state, zeroed): the open file and how much of
 * it is still to send. */
struct static_state {
    int fd;
    int fd_open;        /* fd is ours to close: a zeroed fd would be stdin */
    struct stat st;
    uint64_t offset;    /* the next byte of the file to send */
    uint64_t remaining; /* bytes still to send from there */
    char *chunk;        /* WEB_STATIC_CHUNK_SIZE bytes, while streaming */
};

/* ---- Content-Type ---- */

/* The common types, as Python's mimetypes names them; text types get a
 * charset (Tornado sends the bare type; a browser then guesses). */
static const struct {
    const char *ext, *type;
} content_types[] = {
    {"html", "text/html; charset=UTF-8"},
    {"htm", "text/html; charset=UTF-8"},
    {"css", "text/css; charset=UTF-8"},
    {"js", "text/javascript; charset=UTF-8"},
    {"mjs", "text/javascript; charset=UTF-8"},
    {"txt", "text/plain; charset=UTF-8"},
    {"md", "text/markdown; charset=UTF-8"},
    {"csv", "text/csv; charset=UTF-8"},
    {"xml", "text/xml; charset=UTF-8"},
    {"json", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/vnd.microsoft.icon"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"}, /* Tornado's choice for any .gz (RFC 6713) */
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"mp4", "video/mp4"},
};

const char *web_static_content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash + 1 : name, '.');

    if (dot)
        for (size_t i = 0; i < sizeof content_types / sizeof *content_types;
             i++)
            if (strcasecmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}

/* ---- finding the file (Tornado: get_absolute_path and
 * validate_absolute_path) ---- */

/* Whether the raw request path holds a %00: decoded, that NUL would cut
 * the name short, and the file opened would not be the one asked for. */
static int has_encoded_nul(const char *raw)
{
    for (const char *p = raw; (p = strchr(p, '%')); p++)
        if (p[1] == '0' && p[2] == '0')
            return 1;
    return 0;
}

/* Whether rel, read as text the way Tornado reads it
 * (os.path.abspath(os.path.join(root, rel))), stays inside the root: it
 * is not absolute, and no ".." climbs above where it started. This
 * answers 403 even for a target that does not exist. */
static int stays_inside(const char *rel)
{
    int depth = 0;

    if (rel[0] == '/')
        return 0;
    for (const char *s = rel; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (--depth < 0)
                return 0;
        } else if (n > 0 && !(n == 1 && s[0] == '.')) {
            depth++;
        }
        s += n + (s[n] == '/');
    }
    return 1;
}

/* Whether a failed realpath() or open() means there is no such file
 * (404); what we may not or cannot serve (EACCES, ELOOP...) is 403. */
static int missing(int err)
{
    return err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG;
}

/* Whether path (resolved) lies strictly under root (resolved): it starts
 * with root + "/". The root itself does not count: it is a directory. */
static int under(const char *path, const char *root)
{
    size_t n = strcmp(root, "/") == 0 ? 0 : strlen(root);

    return strncmp(path, root, n) == 0 && path[n] == '/' && path[n + 1];
}

/* Log why the request is refused (Tornado's HTTPError log_message), for
 * a 403. The path as sent, still encoded: a decoded one could hold a
 * newline and forge a log line. */
static int forbidden(struct web_handler *h, const char *why)
{
    log_warn("static file %s: %s", web_request(h)->path, why);
    return 403;
}

/* Resolve root/rel with every symlink followed, check that it is still
 * under the root, and open it into st. 0, or the status to answer. */
static int open_under_root(struct web_handler *h, const char *root,
                           const char *rel, struct static_state *st)
{
    char root_real[PATH_MAX], file_real[PATH_MAX], *joined;
    int fd, err;

    if (!realpath(root, root_real)) {
        log_error("static root %s: %s", root, strerror(errno));
        return 404;
    }
    if (asprintf(&joined, "%s/%s", root_real, rel) < 0)
        return 500;
    err = realpath(joined, file_real) ? 0 : errno;
    free(joined);
    if (err)
        return missing(err) ? 404 : forbidden(h, strerror(err));
    if (!under(file_real, root_real)) /* a symlink out, or the root */
        return forbidden(h, "not in root static directory");
    /* O_NOFOLLOW: a symlink swapped in since realpath is refused (a
     * directory above it could still be swapped: openat2's RESOLVE_BENEATH
     * closes that race). O_NONBLOCK: opening a FIFO must not wait for a
     * writer; for a regular file it changes nothing. */
    fd = open(file_real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return missing(errno) ? 404 : forbidden(h, strerror(errno));
    st->fd = fd;
    st->fd_open = 1; /* closed by on_finish, whatever happens next */
    if (fstat(fd, &st->st) < 0 || !S_ISREG(st->st.st_mode))
        return forbidden(h, "not a file"); /* a directory, a FIFO... */
    return 0;
}

/* Find and open the file the request names. 0, or the status to answer. */
static int find_file(struct web_handler *h, const char *rel,
                     struct static_state *st)
{
    const struct web_static_args *args = web_init_args(h);

    if (has_encoded_nul(web_request(h)->path))
        return forbidden(h, "a %00 in the path");
    if (!stays_inside(rel))
        return forbidden(h, "not in root static directory");
    return open_under_root(h, args->root, rel, st);
}

/* ---- validators: ETag, Last-Modified, 304 ---- */

/* From the size and the mtime to the nanosecond, as nginx makes its own
 * (Tornado hashes the content, which means reading all of it). */
static void format_etag(const struct stat *st, char *out, size_t size)
{
    snprintf(out, size, "\"%llx.%lx-%llx\"", (unsigned long long)st->st_mtime,
             (unsigned long)st->st_mtim.tv_nsec,
             (unsigned long long)st->st_size);
}

/* Whether an If-None-Match list ("a", W/"b") names etag, comparing
 * weakly (W/ ignored), or is "*". Tornado: check_etag_header. */
static int etag_matches(const char *list, const char *etag)
{
    size_t len = strlen(etag);
    const char *s = list;

    while (*(s += strspn(s, " \t,"))) {
        const char *close;
        if (*s == '*')
            return 1;
        if (strncmp(s, "W/", 2) == 0)
            s += 2;
        if (*s != '"') {
            s += strcspn(s, ","); /* not an entity tag: skip it */
            continue;
        }
        if (!(close = strchr(s + 1, '"')))
            return 0;
        if ((size_t)(close + 1 - s) == len && memcmp(s, etag, len) == 0)
            return 1;
        s = close + 1;
    }
    return 0;
}

/* Whether the client's copy is current. If-None-Match, when sent, decides
 * alone; else If-Modified-Since, if it parses, against the mtime in whole
 * seconds (what Last-Modified can say). Tornado: should_return_304. */
static int not_modified(struct web_handler *h, const struct stat *st,
                        const char *etag)
{
    const struct http_request *req = web_request(h);
    const char *inm = http_request_header(req, "If-None-Match");
    const char *ims = http_request_header(req, "If-Modified-Since");
    time_t since;

    if (inm && *inm)
        return etag_matches(inm, etag);
    return ims && httputil_parse_date(ims, &since) == 0 &&
           st->st_mtime <= since;
}

/* Content-Type, Last-Modified, ETag. 0, or -1 (ENOMEM). Tornado:
 * set_headers. */
static int set_file_headers(struct web_handler *h, const char *rel,
                            const struct stat *st, char *etag, size_t size)
{
    char date[HTTP_DATE_SIZE];

    http_format_date(st->st_mtime, date);
    format_etag(st, etag, size);
    if (web_set_header(h, "Content-Type", web_static_content_type(rel)) < 0 ||
        web_set_header(h, "ETag", etag) < 0 ||
        (*date && web_set_header(h, "Last-Modified", date) < 0))
        return -1;
    return 0;
}

/* ---- sending the body, a chunk at a time ---- */

static void send_chunk(struct web_handler *h);

/* The last chunk has reached the kernel: read the next. A failure means
 * the client has gone; finishing frees everything. */
static void on_chunk_sent(struct web_handler *h, int status)
{
    if (status < 0) {
        web_finish(h);
        return;
    }
    send_chunk(h);
}

/* Read the next chunk and flush it; the last one leaves with finish. A
 * file that shrank under us finishes short, and the server then closes
 * the connection, since its Content-Length promised more. */
static void send_chunk(struct web_handler *h)
{
    struct static_state *st = web_state(h);
    size_t want = st->remaining < WEB_STATIC_CHUNK_SIZE
                      ? (size_t)st->remaining
                      : WEB_STATIC_CHUNK_SIZE;
    ssize_t n;

    do
        n = pread(st->fd, st->chunk, want, (off_t)st->offset);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        log_error("%s: %s", web_request(h)->path,
                  n < 0 ? strerror(errno) : "file shrank while sent");
        web_finish(h);
        return;
    }
    st->offset += (uint64_t)n;
    st->remaining -= (uint64_t)n;
    if (web_write(h, st->chunk, (size_t)n) < 0 || st->remaining == 0 ||
        web_flush_then(h, on_chunk_sent) < 0)
        web_finish(h);
}

/* Send st->remaining bytes of the file from st->offset. */
static void send_body(struct web_handler *h, struct static_state *st)
{
    if (st->remaining == 0)
        return; /* finished when the method returns */
    if (!(st->chunk = malloc(WEB_STATIC_CHUNK_SIZE))) {
        web_fail(h, "no memory for a chunk");
        return;
    }
    web_async(h); /* from here send_chunk finishes */
    send_chunk(h);
}

/* ---- the handler ---- */

/* GET and HEAD (which the framework sends here too). Tornado:
 * StaticFileHandler.get(path, include_body). */
static void static_get(struct web_handler *h)
{
    struct static_state *st = web_state(h);
    const char *rel = web_path_arg(h, 0) ? web_path_arg(h, 0) : "";
    int status = find_file(h, rel, st);
    char etag[64];

    if (status != 0) {
        web_send_error(h, status);
        return;
    }
    if (set_file_headers(h, rel, &st->st, etag, sizeof etag) < 0) {
        web_fail(h, "headers: %s", strerror(errno));
        return;
    }
    if (not_modified(h, &st->st, etag)) {
        web_set_status(h, 304);
        return;
    }
    /* The whole file. A Range header would narrow these two, and answer
     * 206 (exercises/04-byte-ranges). */
    st->offset = 0;
    st->remaining = (uint64_t)st->st.st_size;
    if (web_set_content_length(h, st->remaining) < 0) {
        web_fail(h, "Content-Length: %s", strerror(errno));
        return;
    }
    if (strcmp(web_request(h)->method, "HEAD") == 0)
        return; /* the headers a GET would get, and no body */
    send_body(h, st);
}

/* The client went, or the server is stopping, with a flush pending:
 * nobody will read the rest. */
static void static_on_connection_close(struct web_handler *h)
{
    web_finish(h);
}

static void static_on_finish(struct web_handler *h)
{
    struct static_state *st = web_state(h);

    if (st->fd_open)
        close(st->fd);
    st->fd_open = 0;
    free(st->chunk);
    st->chunk = NULL;
}

const struct web_handler_class web_static_file_handler = {
    .name = "StaticFileHandler",
    .get = static_get,
    .on_finish = static_on_finish,
    .state_size = sizeof(struct static_state),
    .on_connection_close = static_on_connection_close};
