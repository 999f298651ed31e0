/* static.h - a handler class that serves the files under a directory.
 * Tornado's tornado.web.StaticFileHandler (path=root), callback style.
 *
 *     static const struct web_static_args assets = {.root = "./public"};
 *     static const struct web_route routes[] = {
 *         {"/static/(.*)", &web_static_file_handler, &assets},
 *         {0}};
 *
 *     GET /static/css/site.css  ->  200, ./public/css/site.css, text/css
 *
 * The route's one capture group is the path within the root, which the
 * framework has percent-decoded once (and only once: "%252e" names a file
 * called "%2e"). What is answered, as Tornado answers it:
 *   - 403 for a path outside the root: ".." segments that climb out, an
 *     absolute path, a symlink whose target lies outside (we resolve with
 *     realpath and check the prefix, root + "/"; Tornado only normalises
 *     the text and so follows such links), and a %00 anywhere in the
 *     request's path; 403 also for the root itself, a directory (Tornado's
 *     default without default_filename), anything not a regular file, or
 *     a file we may not read; 404 for a path that does not exist.
 *   - GET and HEAD: Content-Type by extension (application/octet-stream
 *     when unknown; text types with "; charset=UTF-8"), Content-Length,
 *     Last-Modified, and an ETag from the size and mtime (nginx's kind,
 *     not Tornado's hash of the content, which costs a read of the file).
 *   - 304 with no body when If-None-Match names the ETag (or is "*"); or,
 *     when there is no If-None-Match, when If-Modified-Since is not older
 *     than the file's mtime in whole seconds. A date we cannot parse is
 *     ignored.
 *   - The body goes out WEB_STATIC_CHUNK_SIZE bytes at a time: read a
 *     chunk, flush, read the next once it has reached the kernel. A file
 *     of any size costs one chunk of memory per request, and a slow
 *     client only slows its own download. The Content-Length is set
 *     first, so no chunked encoding is needed.
 *
 * Not here (Tornado has them): default_filename, Cache-Control for
 * versioned URLs (?v=), static_url(). Range requests are an exercise
 * (exercises/04-byte-ranges).
 *
 * The file is read with blocking pread(): a page-cache miss stalls the
 * loop for one disk read per chunk, as in Tornado; chapter 6's thread pool
 * is the cure.
 */
#ifndef CH04_STATIC_H
#define CH04_STATIC_H

#include "web.h"

#define WEB_STATIC_CHUNK_SIZE (64 * 1024) /* Tornado's CHUNK_SIZE */

/* The route's init_args. root is borrowed: it must outlive the
 * application; it need not be absolute, and is resolved per request. */
struct web_static_args {
    const char *root;
};

extern const struct web_handler_class web_static_file_handler;

/* The Content-Type for a file name, by its extension (case-insensitive):
 * a static string. Tornado: StaticFileHandler.get_content_type. */
const char *web_static_content_type(const char *name);

#endif
