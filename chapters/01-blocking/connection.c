/* connection.c - one request, one answer, with blocking calls throughout. */
#include "connection.h"

#include "buffer.h"
#include "demo.h"
#include "http_parse.h"
#include "http_response.h"
#include "log.h"
#include "net.h"
#include "server.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bound every blocking recv() and send() on fd: past the timeout they fail
 * with EAGAIN instead of waiting for ever. */
static void connection_set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = CONNECTION_TIMEOUT_SECONDS};

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Read until in holds a whole request head. Returns HTTP_PARSE_DONE,
 * HTTP_PARSE_INVALID (answer parser->status), or HTTP_PARSE_INCOMPLETE when
 * the client closed, timed out or failed before finishing it. */
static enum http_parse_status connection_read_head(
    int fd, struct buffer *in, struct http_head_parser *parser,
    struct http_request_head *head)
{
    size_t used;

    for (;;) {
        enum http_parse_status st = http_parse_head(
            parser, buffer_data(in), buffer_len(in), head, &used);
        if (st != HTTP_PARSE_INCOMPLETE)
            return st;
        if (buffer_reserve(in, 4096) < 0)
            return HTTP_PARSE_INCOMPLETE;
        /* Blocks until bytes arrive, the client closes (0), or the
         * timeout passes (-1, EAGAIN). */
        ssize_t n = recv(fd, buffer_tail(in), buffer_space(in), 0);
        if (n < 0 && errno == EINTR && !server_stop_requested())
            continue;
        if (n <= 0) {
            if (n < 0 && errno != EINTR) /* EINTR here: we are stopping */
                log_warn("fd %d: %s while reading the request", fd,
                         errno == EAGAIN ? "timeout" : "error");
            return HTTP_PARSE_INCOMPLETE;
        }
        buffer_commit(in, (size_t)n);
    }
}

/* Sleep for ms milliseconds, the blocking way: nothing else happens. */
static void connection_sleep_ms(int64_t ms)
{
    struct timespec left = {.tv_sec = ms / 1000,
                            .tv_nsec = (ms % 1000) * 1000000};

    while (nanosleep(&left, &left) < 0 && errno == EINTR &&
           !server_stop_requested())
        ;
}

/* Shut our side, then read and drop what the client still sends until it
 * closes, for at most a second. A plain close() with unread bytes queued
 * (the rest of a head we refused, a body we do not read) makes the kernel
 * send a reset, and the client may lose the answer before reading it. */
static void connection_linger(int fd)
{
    struct timeval tv = {.tv_sec = 1};
    char scratch[4096];

    shutdown(fd, SHUT_WR);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (recv(fd, scratch, sizeof scratch, 0) > 0)
        ;
}

void connection_serve(int fd)
{
    struct http_head_parser parser;
    struct http_request_head head;
    struct demo_request req;
    struct buffer in, out;
    int unread_input = 1; /* until we know the request had no body */

    buffer_init(&in);
    buffer_init(&out);
    http_head_parser_init(&parser);
    connection_set_timeouts(fd);

    switch (connection_read_head(fd, &in, &parser, &head)) {
    case HTTP_PARSE_INCOMPLETE:
        goto done; /* the client went away: nobody to answer */
    case HTTP_PARSE_INVALID:
        http_format_error(&out, parser.status);
        break;
    case HTTP_PARSE_DONE:
        demo_route(&head, &req);
        unread_input = head.chunked || head.content_length > 0;
        req.flags &= ~HTTP_KEEP_ALIVE; /* one request per connection */
        if (req.route == DEMO_SLEEP)
            connection_sleep_ms(req.sleep_ms);
        demo_respond(&out, &req);
        break;
    }
    if (net_write_all(fd, buffer_data(&out), buffer_len(&out)) < 0)
        log_warn("fd %d: could not send the answer: %s", fd, strerror(errno));
    else if (unread_input)
        connection_linger(fd);
done:
    buffer_free(&in);
    buffer_free(&out);
    close(fd);
}
