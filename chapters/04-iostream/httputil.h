/* httputil.h - the small HTTP parsers and formatters the web layer uses:
 * percent-decoding, query strings and form bodies, Cookie headers, and
 * HTTP dates. Tornado's tornado.httputil (parse_qs_bytes, parse_cookie,
 * format_timestamp) and tornado.escape (url_unescape).
 *
 *     struct httputil_pairs args = {0};
 *     if (httputil_parse_qs("a=1&b=x+y%21", 12, &args) < 0) ...;  // ENOMEM
 *     httputil_pairs_get(&args, "b", 0);                       // "x y!"
 *     httputil_pairs_free(&args);
 *
 *     char date[HTTP_DATE_SIZE];                 // common/http_response.h
 *     http_format_date(st.st_mtime, date);       // "Sun, 06 Nov 1994 ..."
 *     time_t since;
 *     if (httputil_parse_date(header, &since) == 0 && st.st_mtime <= since)
 *         ... 304 ...
 *
 * Every string these return or store is malloc'd and NUL-terminated; a
 * list of pairs owns its names and values.
 */
#ifndef CH04_HTTPUTIL_H
#define CH04_HTTPUTIL_H

#include <stddef.h>
#include <time.h>

/* ---- a list of name=value pairs (arguments, cookies, headers) ---- */

struct httputil_pair {
    char *name, *value;
};

/* In the order added; duplicates kept ({0} is the empty list). */
struct httputil_pairs {
    struct httputil_pair *v;
    size_t n, cap;
};

/* Append a pair, taking ownership of name and value (both malloc'd; on
 * failure both are freed). A NULL in either (a strdup that failed) is
 * ENOMEM, so calls can be nested: pairs_add(p, strdup(a), strdup(b)). */
int httputil_pairs_add(struct httputil_pairs *p, char *name, char *value);

/* The value of the last pair called name (Tornado's get_argument returns
 * the last), compared case-insensitively if nocase; NULL if none. */
const char *httputil_pairs_get(const struct httputil_pairs *p,
                               const char *name, int nocase);

/* Remove every pair called name, case-insensitively (header names). */
void httputil_pairs_remove(struct httputil_pairs *p, const char *name);

/* Free every pair; the list is then empty and reusable. */
void httputil_pairs_free(struct httputil_pairs *p);

/* ---- decoding ---- */

/* A malloc'd, NUL-terminated copy of s[0..n) with each %XX decoded once
 * (a malformed escape stays as it is, as Python's unquote leaves it), and
 * '+' as a space if plus (queries and forms; not paths). A %00 becomes a
 * NUL that ends the C string early: callers to whom that matters check
 * the raw text. NULL (ENOMEM). Tornado: escape.url_unescape. */
char *httputil_url_unescape(const char *s, size_t n, int plus);

/* Parse "a=1&b=x+y" (a query string, or an
 * application/x-www-form-urlencoded body) into out, decoded. A field
 * without '=' gets the empty value, as with keep_blank_values. 0, or -1
 * (ENOMEM; the pairs parsed so far stay in out). Tornado:
 * httputil.parse_qs_bytes. */
int httputil_parse_qs(const char *s, size_t n, struct httputil_pairs *out);

/* Parse one Cookie header, "a=1; b=\"two\"", into out: names and values
 * trimmed of spaces and tabs, a value's double quotes removed, fields
 * without '=' or with an empty name skipped. 0, or -1 (ENOMEM). Tornado:
 * httputil.parse_cookie. */
int httputil_parse_cookie(const char *header, struct httputil_pairs *out);

/* ---- dates (RFC 9110 section 5.6.7) ---- */

/* Formatting one, http_format_date(), is common/http_response.h's: the
 * Date header of every chapter's responses needs it too. */

/* Parse an HTTP date in any of the three forms a recipient must accept:
 * IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
 * ("Sun Nov  6 08:49:37 1994"). 0 and *out, or -1 (EINVAL) for anything
 * else, trailing bytes included. Tornado: email.utils.parsedate, in
 * StaticFileHandler.should_return_304. */
int httputil_parse_date(const char *s, time_t *out);

#endif
