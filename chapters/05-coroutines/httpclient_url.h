/* httpclient_url.h - the parts of an http:// URL the client needs, and a
 * Location resolved against the URL it came from (RFC 3986 sections 3
 * and 5). Tornado: urllib.parse.urlsplit and urljoin, as simple_httpclient
 * uses them. Private to httpclient*.c.
 *
 *     struct httpclient_url u;
 *     const char *why;
 *     if (httpclient_url_parse("http://[::1]:8080/a?b#c", &u, &why) < 0)
 *         ... why: "Unsupported URL scheme" (or NULL: ENOMEM) ...
 *     // u.host "::1", u.port 8080, u.authority "[::1]:8080", u.target "/a?b"
 *     httpclient_url_free(&u);
 */
#ifndef CH05_HTTPCLIENT_URL_H
#define CH05_HTTPCLIENT_URL_H

struct httpclient_url {
    char *host;      /* without brackets: what connect() needs */
    int port;        /* 80 unless given */
    char *authority; /* as written, for the Host header: "host[:port]" */
    char *target;    /* "/path?query", never empty, no fragment */
};

/* Split url. 0; or -1 with *why, a 599 reason (https, another scheme, no
 * host, a bad port, spaces), or with *why NULL and errno ENOMEM. */
int httpclient_url_parse(const char *url, struct httpclient_url *u,
                         const char **why);

void httpclient_url_free(struct httpclient_url *u);

/* ref (a Location) resolved against base, a URL that parsed: a new
 * string (the caller frees it), or NULL (ENOMEM). */
char *httpclient_url_join(const char *base, const char *ref);

#endif
