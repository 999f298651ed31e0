/* httpclient_response.h - making the client's responses (httpclient.h
 * has the struct, the lookup and the free): from a parsed head, the
 * conn's; or a 599, the fetch's. Private to httpclient*.c.
 *
 *     struct httpclient_response *r = httpclient_response_from_head(&head);
 *     ... the body is appended to r->body as it comes ...
 *     httpclient_response_free(r);       // or it goes to the future
 */
#ifndef CH05_HTTPCLIENT_RESPONSE_H
#define CH05_HTTPCLIENT_RESPONSE_H

#include "httpclient.h"

#include "http_parse.h"

/* The code, reason and header fields copied from head, an empty body.
 * NULL (ENOMEM). */
struct httpclient_response *
httpclient_response_from_head(const struct http_response_head *head);

/* A 599: no answer, and why (copied). NULL (ENOMEM). */
struct httpclient_response *httpclient_response_599(const char *why);

#endif
