/* httpclient_response.c - the client's responses: made from a parsed
 * head or for a 599, looked up, freed. Tornado: HTTPResponse. */
#include "httpclient_response.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *httpclient_response_header(const struct httpclient_response *r,
                                       const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void httpclient_response_free(struct httpclient_response *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->reason);
    free(r->effective_url);
    buffer_free(&r->body);
    free(r);
}

struct httpclient_response *httpclient_response_599(const char *why)
{
    struct httpclient_response *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->code = 599;
    buffer_init(&r->body);
    if (!(r->reason = strdup(why))) {
        free(r);
        return NULL;
    }
    return r;
}

/* The response's own copies of the code, reason and header fields. */
struct httpclient_response *
httpclient_response_from_head(const struct http_response_head *head)
{
    struct httpclient_response *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->code = head->code;
    buffer_init(&r->body);
    r->reason = strndup(head->reason, head->reason_len);
    r->headers = calloc(head->nheaders ? head->nheaders : 1,
                        sizeof *r->headers);
    if (!r->reason || !r->headers) {
        httpclient_response_free(r);
        return NULL;
    }
    for (size_t i = 0; i < head->nheaders; i++, r->nheaders++) {
        const struct http_header *h = &head->headers[i];
        r->headers[i].name = strndup(h->name, h->name_len);
        r->headers[i].value = strndup(h->value, h->value_len);
        if (!r->headers[i].name || !r->headers[i].value) {
            r->nheaders++; /* so that free sees this one's half */
            httpclient_response_free(r);
            return NULL;
        }
    }
    return r;
}
