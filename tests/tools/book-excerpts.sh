#!/usr/bin/env bash
# book-excerpts.sh - check that every C excerpt in the book is quoted
# verbatim from the file it names, so the book cannot drift from the code.
#
#   tests/tools/book-excerpts.sh [BOOK.md]
#
# An excerpt is a ```c block whose previous line is a marker naming its
# source, relative to the repository root:
#
#   <!-- excerpt: chapters/02-select/server.c -->
#   ```c
#   static void serve_forever(int listen_fd, const sigset_t *wait_mask)
#   {
#       ...
#   }
#   ```
#
# A line holding only "..." (and optional whitespace) is an elision. The
# pieces between elisions must each appear in the file as contiguous lines,
# byte for byte, and in the book's order. Blocks in other languages (sh,
# console, mermaid) are not excerpts. Every failure is printed as
# "BOOK:LINE: FILE: ..." with the first book line that does not match; the
# exit status is then 1. On success: "N excerpts match the source".
set -u

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BOOK="${1:-$ROOT/BOOK.md}"

if [ ! -r "$BOOK" ]; then
    echo "book-excerpts: cannot read $BOOK" >&2
    exit 2
fi

exec awk -v root="$ROOT" -v book="$BOOK" '
function fail(line, msg) {
    printf "%s:%d: %s\n", book, line, msg
    failures++
}

function is_elision(s) {
    return s ~ /^[ \t]*\.\.\.[ \t]*$/
}

# Load a source file into src[path, 1..n]; returns n, or -1 if unreadable.
function load(path,    n, line, rc) {
    if (path in nlines)
        return nlines[path]
    n = 0
    while ((rc = (getline line < (root "/" path))) > 0)
        src[path, ++n] = line
    close(root "/" path)
    nlines[path] = (rc < 0) ? -1 : n
    return nlines[path]
}

# How many lines of the piece blk[a..b] match the file from line k on.
function run_length(path, k, a, b, n,    i) {
    for (i = a; i <= b && k + i - a <= n; i++)
        if (src[path, k + i - a] != blk[i])
            break
    return i - a
}

# Find the piece blk[a..b] in the file at line >= from. Returns the file
# line just past the match, or 0 (then bad is the book index of the first
# line no placement could match).
function find_piece(path, n, a, b, from,    k, len, best) {
    best = 0
    for (k = from; k <= n; k++) {
        len = run_length(path, k, a, b, n)
        if (len == b - a + 1)
            return k + len
        if (len > best)
            best = len
    }
    bad = a + best
    return 0
}

function check_block(    n, i, a, pos, pieces) {
    excerpts++
    if (path == "" || path ~ /^\// || path ~ /(^|\/)\.\.(\/|$)/) {
        fail(start, "excerpt marker names no file under the repository: \"" path "\"")
        return
    }
    n = load(path)
    if (n < 0) {
        fail(start, path ": no such file")
        return
    }
    pos = 1
    pieces = 0
    i = 1
    while (i <= nblk) {
        if (is_elision(blk[i])) {
            i++
            continue
        }
        a = i
        while (i <= nblk && !is_elision(blk[i]))
            i++
        pieces++
        pos = find_piece(path, n, a, i - 1, pos)
        if (!pos) {
            fail(bookline[bad], path ": this line does not match (in order, contiguously): " blk[bad])
            return
        }
    }
    if (!pieces)
        fail(start, path ": the excerpt is empty")
}

BEGIN { excerpts = 0; failures = 0; fence = 0; marker = 0 }

{
    sub(/\r$/, "")
}

fence == 2 {                      # inside an excerpt
    if ($0 ~ /^```[ \t]*$/) {
        check_block()
        fence = 0
    } else {
        blk[++nblk] = $0
        bookline[nblk] = NR
    }
    next
}

fence == 1 {                      # inside some other fenced block
    if ($0 ~ /^```[ \t]*$/)
        fence = 0
    next
}

/^```c[ \t]*$/ {
    if (marker && marker_line == NR - 1) {
        path = marker_path
    } else {
        path = ""
        fail(NR, "a ```c block without an excerpt marker on the line before it")
        excerpts++
        fence = 1                 # skip it
        marker = 0
        next
    }
    marker = 0
    fence = 2
    nblk = 0
    start = NR
    next
}

/^```/ {
    if (marker && marker_line == NR - 1)
        fail(marker_line, "an excerpt marker must be followed by a ```c block")
    marker = 0
    fence = 1
    next
}

{
    if (marker && marker_line == NR - 1)
        fail(marker_line, "an excerpt marker must be followed by a ```c block")
    marker = 0
}

/^<!-- excerpt: .* -->[ \t]*$/ {
    marker_path = $0
    sub(/^<!-- excerpt: */, "", marker_path)
    sub(/ *-->[ \t]*$/, "", marker_path)
    marker = 1
    marker_line = NR
}

END {
    if (fence == 2) {
        fail(start, "the excerpt is never closed")
    }
    if (failures) {
        printf "%d failure(s) in %d excerpts\n", failures, excerpts
        exit 1
    }
    printf "%d excerpts match the source\n", excerpts
}
' "$BOOK"
