/* httputil.c - name=value lists, percent-decoding, query strings, Cookie
 * headers and HTTP dates for the web layer. Tornado: tornado.httputil and
 * escape.url_unescape. */
#include "httputil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- name=value pairs ---- */

int httputil_pairs_add(struct httputil_pairs *p, char *name, char *value)
{
    if (!name || !value)
        goto fail;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        struct httputil_pair *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            goto fail;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = (struct httputil_pair){name, value};
    return 0;
fail:
    free(name);
    free(value);
    errno = ENOMEM;
    return -1;
}

const char *httputil_pairs_get(const struct httputil_pairs *p,
                               const char *name, int nocase)
{
    for (size_t i = p->n; i-- > 0;)
        if ((nocase ? strcasecmp : strcmp)(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}

void httputil_pairs_remove(struct httputil_pairs *p, const char *name)
{
    size_t j = 0;

    for (size_t i = 0; i < p->n; i++) {
        if (strcasecmp(p->v[i].name, name) == 0) {
            free(p->v[i].name);
            free(p->v[i].value);
        } else {
            p->v[j++] = p->v[i];
        }
    }
    p->n = j;
}

void httputil_pairs_free(struct httputil_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].value);
    }
    free(p->v);
    *p = (struct httputil_pairs){0};
}

/* ---- decoding ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *httputil_url_unescape(const char *s, size_t n, int plus)
{
    char *out = malloc(n + 1), *o = out;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

int httputil_parse_qs(const char *s, size_t n, struct httputil_pairs *out)
{
    const char *end = s + n;

    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        const char *name_end = eq ? eq : stop;
        if (stop > s &&
            httputil_pairs_add(
                out, httputil_url_unescape(s, (size_t)(name_end - s), 1),
                eq ? httputil_url_unescape(eq + 1, (size_t)(stop - eq - 1), 1)
                   : strdup("")) < 0)
            return -1;
        s = stop + 1;
    }
    return 0;
}

/* s[0..*end) without its leading and trailing spaces and tabs. */
static const char *trim(const char *s, const char **end)
{
    while (s < *end && (*s == ' ' || *s == '\t'))
        s++;
    while (*end > s && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
        (*end)--;
    return s;
}

int httputil_parse_cookie(const char *s, struct httputil_pairs *out)
{
    const char *end = s + strlen(s);

    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *stop = semi ? semi : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (eq) {
            const char *name_end = eq, *vend = stop;
            const char *name = trim(s, &name_end);
            const char *value = trim(eq + 1, &vend);
            if (vend - value >= 2 && *value == '"' && vend[-1] == '"')
                value++, vend--;
            if (name_end > name &&
                httputil_pairs_add(out,
                                   strndup(name, (size_t)(name_end - name)),
                                   strndup(value, (size_t)(vend - value))) < 0)
                return -1;
        }
        s = stop + 1;
    }
    return 0;
}

/* ---- dates ---- */

int httputil_parse_date(const char *s, time_t *out)
{
    /* IMF-fixdate, then the two obsolete forms RFC 9110 still makes a
     * recipient accept. strptime's %a takes a full name too ("Sunday"). */
    static const char *const forms[] = {"%a, %d %b %Y %H:%M:%S GMT",
                                        "%a, %d-%b-%y %H:%M:%S GMT",
                                        "%a %b %e %H:%M:%S %Y"};

    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        struct tm tm = {0};
        const char *rest = strptime(s, forms[i], &tm);
        if (rest && *rest == '\0') {
            *out = timegm(&tm);
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}
