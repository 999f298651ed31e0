/* httpclient_url.c - split an http:// URL; resolve a Location against
 * it (RFC 3986 sections 3, 5.2). Tornado: urlsplit, urljoin. */
#include "httpclient_url.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void httpclient_url_free(struct httpclient_url *u)
{
    free(u->host);
    free(u->authority);
    free(u->target);
    *u = (struct httpclient_url){0};
}

/* The length of "scheme:" at the start of s (RFC 3986 section 3.1), or 0
 * if s does not start with a scheme. */
static size_t url_scheme_len(const char *s)
{
    size_t i = 0;

    if (!isalpha((unsigned char)s[0]))
        return 0;
    while (s[i] && (isalnum((unsigned char)s[i]) || strchr("+-.", s[i])))
        i++;
    return s[i] == ':' ? i + 1 : 0;
}

/* host[:port] or [v6][:port] into u->host and u->port; -1 if malformed. */
static int url_parse_authority(const char *a, size_t len,
                               struct httpclient_url *u)
{
    const char *host = a, *colon;
    size_t host_len;
    long port = 80;

    if (len > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', len);
        if (!close)
            return -1;
        host = a + 1;
        host_len = (size_t)(close - host);
        colon = close + 1 < a + len ? close + 1 : NULL;
        if (colon && *colon != ':')
            return -1;
    } else {
        colon = memchr(a, ':', len);
        host_len = colon ? (size_t)(colon - a) : len;
    }
    if (colon) {
        char digits[8];
        size_t n = len - (size_t)(colon + 1 - a);
        char *end;
        if (n == 0 || n >= sizeof digits)
            return -1;
        memcpy(digits, colon + 1, n);
        digits[n] = '\0';
        port = strtol(digits, &end, 10);
        if (*end || !isdigit((unsigned char)digits[0]) || port < 1 ||
            port > 65535)
            return -1;
    }
    if (host_len == 0 || memchr(host, '@', host_len))
        return -1; /* no host, or userinfo, which we do not send */
    u->port = (int)port;
    u->host = strndup(host, host_len);
    return 0;
}

int httpclient_url_parse(const char *url, struct httpclient_url *u,
                         const char **why)
{
    const char *authority, *path;
    size_t path_len;

    *u = (struct httpclient_url){0};
    *why = "Bad URL";
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            return -1; /* a space or a control character: not one URL */
    if (strncasecmp(url, "https://", 8) == 0) {
        *why = "https is not supported: TLS needs a library this book "
               "does not use";
        return -1;
    }
    if (strncasecmp(url, "http://", 7) != 0) {
        *why = "Unsupported URL scheme";
        return -1;
    }
    authority = url + 7;
    path = authority + strcspn(authority, "/?#");
    if (url_parse_authority(authority, (size_t)(path - authority), u) < 0)
        return -1;
    path_len = strcspn(path, "#"); /* the fragment stays with the client */
    if (u->host)
        u->authority = strndup(authority, (size_t)(path - authority));
    if (u->authority && (u->target = malloc(path_len + 2)))
        snprintf(u->target, path_len + 2, "%s%.*s",
                 path[0] == '/' ? "" : "/", (int)path_len, path);
    if (!u->target) {
        httpclient_url_free(u);
        *why = NULL;
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* ---- urljoin ---- */

/* Remove "." and ".." segments from the path at the start of s, up to
 * its query, in place (RFC 3986 section 5.2.4): "/a/b/../c" is "/a/c". */
static void url_remove_dots(char *s)
{
    size_t end = strcspn(s, "?"), in = 0, out = 0;
    char *query = s + end;

    while (in < end) {
        size_t seg = in + 1 + strcspn(s + in + 1, "/?");
        size_t n = seg - in; /* "/name" */
        if (seg > end)
            seg = end, n = end - in;
        if (n == 2 && s[in + 1] == '.') {
            if (seg == end)
                s[out++] = '/';
        } else if (n == 3 && s[in + 1] == '.' && s[in + 2] == '.') {
            while (out > 0 && s[--out] != '/')
                ;
            if (seg == end)
                s[out++] = '/';
        } else {
            memmove(s + out, s + in, n);
            out += n;
        }
        in = seg;
    }
    if (out == 0)
        s[out++] = '/';
    memmove(s + out, query, strlen(query) + 1);
}

/* base's "scheme://authority", then its path up to path_end (0: none),
 * then ref, with the dots of the result's path removed. */
static char *url_compose(const char *base, size_t path_end, const char *ref)
{
    size_t scheme = url_scheme_len(base);
    size_t authority = scheme + 2 + strcspn(base + scheme + 2, "/?#");
    size_t n = (path_end > authority ? path_end : authority) + strlen(ref);
    char *url = malloc(n + 2);

    if (!url)
        return NULL;
    memcpy(url, base, authority);
    n = authority;
    if (path_end > authority) {
        memcpy(url + n, base + authority, path_end - authority);
        n = path_end;
    } else if (ref[0] != '/' && ref[0] != '?') {
        url[n++] = '/';
    }
    strcpy(url + n, ref);
    if (url[authority] == '/')
        url_remove_dots(url + authority);
    return url;
}

char *httpclient_url_join(const char *base, const char *ref)
{
    size_t scheme = url_scheme_len(base);
    size_t authority = scheme + 2 + strcspn(base + scheme + 2, "/?#");
    size_t path_end = authority + strcspn(base + authority, "?#");
    char joined_scheme[16];

    if (url_scheme_len(ref))
        return strdup(ref); /* absolute */
    if (ref[0] == '/' && ref[1] == '/') { /* network-path: the scheme */
        if (scheme >= sizeof joined_scheme)
            return NULL;
        snprintf(joined_scheme, sizeof joined_scheme, "%.*s", (int)scheme,
                 base);
        char *url = malloc(scheme + strlen(ref) + 1);
        if (url)
            sprintf(url, "%s%s", joined_scheme, ref);
        return url;
    }
    if (ref[0] == '\0' || ref[0] == '#') /* the same document */
        return strndup(base, authority + strcspn(base + authority, "#"));
    if (ref[0] == '/')
        return url_compose(base, 0, ref);
    if (ref[0] == '?')
        return url_compose(base, path_end, ref);
    /* A relative path: beside the base's last segment. */
    while (path_end > authority && base[path_end - 1] != '/')
        path_end--;
    return url_compose(base, path_end, ref);
}
