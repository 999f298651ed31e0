#!/usr/bin/env bats
# tests/04-static.bats - chapter 4's StaticFileHandler (static.c) through the
# demo server run with --static on a fresh directory; the httputil.c helpers
# and the fixed Content-Length it relies on (tests/unit/static_test.c).

load helpers

DEMO="$BUILD/chapters/04-iostream/server"
ST="$BUILD/tests/unit/static_test"
SECRET="TOPSECRET-7f3a9c" # what no request may ever read

# The served tree: $ROOT, with a secret beside it (not under it).
make_tree() {
    ROOT="$BATS_TEST_TMPDIR/root"
    mkdir -p "$ROOT/sub" "$ROOT/empty-dir"
    echo "$SECRET" >"$BATS_TEST_TMPDIR/secret.txt"
    printf '<h1>hello</h1>\n' >"$ROOT/index.html"
    printf 'body { color: red }\n' >"$ROOT/sub/site.css"
    printf '{"a": 1}\n' >"$ROOT/data.json"
    printf '\x89PNG\r\n' >"$ROOT/logo.PNG"
    printf 'no extension\n' >"$ROOT/README"
    : >"$ROOT/empty.txt"
    ln -s ../secret.txt "$ROOT/leak"          # a file link out of the root
    ln -s .. "$ROOT/up"                       # a directory link out
    ln -s "$BATS_TEST_TMPDIR" "$ROOT/abs"     # an absolute link out
    ln -s index.html "$ROOT/alias.html"       # a link that stays inside
    touch -d '2020-01-02 03:04:05 UTC' "$ROOT/index.html"
}

setup() {
    make_tree
}

teardown() {
    [ -z "${SERVER_PID:-}" ] || stop_clean
}

# get PATH [HEADER-LINES]: one GET, its whole response in $output.
get() {
    run httpc --send "GET $1 HTTP/1.1\r\nHost: x\r\n${2:-}\r\n"
}

# The value of response header $1 in $output ('' if absent).
header() {
    printf '%s\n' "$output" | sed -n "1,/^\r\{0,1\}$/s/^$1: \(.*\)\r$/\1/ip" | head -n 1
}

status_line() { printf '%s\n' "$output" | head -n 1 | tr -d '\r'; }

@test "ch04 static: unit: percent-decoding once, query strings, cookies, pairs (httputil)" {
    unit static_test url_unescape
    unit static_test parse_qs
    unit static_test parse_cookie
}

@test "ch04 static: unit: HTTP dates formatted as IMF-fixdate, parsed in all three RFC 9110 forms, junk refused" {
    unit static_test dates
}

@test "ch04 static: unit: Content-Type by the last extension, case-insensitive, octet-stream otherwise" {
    unit static_test content_types
}

@test "ch04 static: a file: its bytes, Content-Type by extension, Content-Length, Last-Modified, ETag" {
    start_server "$DEMO" --static "$ROOT"
    get /static/index.html
    [ "$(status_line)" = "HTTP/1.1 200 OK" ]
    [ "$(response_body)" = "<h1>hello</h1>" ]
    [ "$(header Content-Type)" = "text/html; charset=UTF-8" ]
    [ "$(header Content-Length)" = 15 ]
    [ "$(header Last-Modified)" = "Thu, 02 Jan 2020 03:04:05 GMT" ]
    [[ "$(header ETag)" == '"'*'"' ]]
    [ -z "$(header Transfer-Encoding)" ]
    get /static/sub/site.css
    [ "$(header Content-Type)" = "text/css; charset=UTF-8" ]
    [ "$(response_body)" = "body { color: red }" ]
    get /static/data.json
    [ "$(header Content-Type)" = "application/json" ]
    get /static/logo.PNG
    [ "$(header Content-Type)" = "image/png" ]
    [ "$(header Content-Length)" = 6 ]
    get /static/README
    [ "$(header Content-Type)" = "application/octet-stream" ]
    get /static/empty.txt
    [ "$(status_line)" = "HTTP/1.1 200 OK" ]
    [ "$(header Content-Length)" = 0 ]
    get /static/alias.html # a symlink that stays in the root is fine
    [ "$(response_body)" = "<h1>hello</h1>" ]
    get /static/sub/../index.html
    [ "$(response_body)" = "<h1>hello</h1>" ]
}

@test "ch04 static: HEAD: GET's headers and Content-Length, no body, and the connection goes on" {
    head -c 3000000 /dev/urandom >"$ROOT/big.bin"
    start_server "$DEMO" --static "$ROOT"
    get /static/index.html
    local get_headers
    get_headers=$(printf '%s\n' "$output" | sed -n '/^Content-\|^ETag\|^Last-Mod/p')
    run httpc --no-body --repeat 2 --send 'HEAD /static/index.html HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sed -n '/^Content-\|^ETag\|^Last-Mod/p' | head -n 4)" = "$get_headers" ]
    [ "$(grep -c '^HTTP/1.1 200 OK' <<<"$output")" -eq 2 ]
    [[ "$output" != *"hello"* ]]
    run httpc --no-body --repeat 2 --send 'HEAD /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "$(grep -c $'^Content-Length: 3000000\r$' <<<"$output")" -eq 2 ]
    [ "${#output}" -lt 2000 ]
}

@test "ch04 static: If-Modified-Since equal or later is 304 without a body; earlier is 200; a bad date is ignored" {
    start_server "$DEMO" --static "$ROOT"
    get /static/index.html 'If-Modified-Since: Thu, 02 Jan 2020 03:04:05 GMT\r\n'
    [ "$(status_line)" = "HTTP/1.1 304 Not Modified" ]
    [ -z "$(response_body)" ]
    [ -z "$(header Content-Type)" ] && [ -z "$(header Content-Length)" ]
    [ "$(header Last-Modified)" = "Thu, 02 Jan 2020 03:04:05 GMT" ]
    get /static/index.html 'If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT\r\n'
    [ "$(status_line)" = "HTTP/1.1 304 Not Modified" ]
    get /static/index.html 'If-Modified-Since: Thursday, 02-Jan-20 03:04:05 GMT\r\n'
    [ "$(status_line)" = "HTTP/1.1 304 Not Modified" ]
    get /static/index.html 'If-Modified-Since: Thu, 02 Jan 2020 03:04:04 GMT\r\n'
    [ "$(status_line)" = "HTTP/1.1 200 OK" ]
    [ "$(response_body)" = "<h1>hello</h1>" ]
    get /static/index.html 'If-Modified-Since: not a date\r\n'
    [ "$(status_line)" = "HTTP/1.1 200 OK" ]
    [ "$(response_body)" = "<h1>hello</h1>" ]
    # 304s keep the connection: the next request on it is answered.
    run httpc --repeat 3 --send 'GET /static/index.html HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Thu, 02 Jan 2020 03:04:05 GMT\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "$(grep -c '^HTTP/1.1 304' <<<"$output")" -eq 3 ]
}

@test "ch04 static: If-None-Match with the ETag (or *, or weak) is 304 and wins over If-Modified-Since" {
    start_server "$DEMO" --static "$ROOT"
    get /static/index.html
    local etag
    etag=$(header ETag)
    [ -n "$etag" ]
    get /static/index.html "If-None-Match: $etag\r\n"
    [ "$(status_line)" = "HTTP/1.1 304 Not Modified" ]
    get /static/index.html "If-None-Match: \"other\", W/$etag\r\n"
    [ "$(status_line)" = "HTTP/1.1 304 Not Modified" ]
    get /static/index.html 'If-None-Match: *\r\n'
    [ "$(status_line)" = "HTTP/1.1 304 Not Modified" ]
    # A different tag: 200, even though the date alone would be 304.
    get /static/index.html 'If-None-Match: "other"\r\nIf-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT\r\n'
    [ "$(status_line)" = "HTTP/1.1 200 OK" ]
    [ "$(response_body)" = "<h1>hello</h1>" ]
    # The file changes: its tag does too.
    printf '<h1>changed</h1>\n' >"$ROOT/index.html"
    get /static/index.html "If-None-Match: $etag\r\n"
    [ "$(status_line)" = "HTTP/1.1 200 OK" ]
    [ "$(response_body)" = "<h1>changed</h1>" ]
}

@test "ch04 static: a 12 MB file arrives intact with its Content-Length, not chunked, also to a slow reader and over HTTP/1.0" {
    head -c 12000000 /dev/urandom >"$ROOT/big.bin"
    start_server "$DEMO" --static "$ROOT"
    httpc --send 'GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n' >"$BATS_TEST_TMPDIR/out"
    grep -q $'^Content-Length: 12000000\r$' "$BATS_TEST_TMPDIR/out"
    ! grep -q '^Transfer-Encoding' "$BATS_TEST_TMPDIR/out"
    [ "$(tail -c 12000000 "$BATS_TEST_TMPDIR/out" | cksum)" = "$(cksum <"$ROOT/big.bin")" ]
    # A client that reads nothing for a while: the server waits for each
    # chunk to drain before reading the next, and then goes on.
    httpc --read-delay 500 --timeout 30 \
        --send 'GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n' >"$BATS_TEST_TMPDIR/slow"
    [ "$(tail -c 12000000 "$BATS_TEST_TMPDIR/slow" | cksum)" = "$(cksum <"$ROOT/big.bin")" ]
    # HTTP/1.0: still a Content-Length (no chunked encoding there).
    httpc --send 'GET /static/big.bin HTTP/1.0\r\n\r\n' --expect-close >"$BATS_TEST_TMPDIR/old"
    grep -q $'^Content-Length: 12000000\r$' "$BATS_TEST_TMPDIR/old"
    [ "$(tail -c 12000000 "$BATS_TEST_TMPDIR/old" | cksum)" = "$(cksum <"$ROOT/big.bin")" ]
    # Keep-alive after a large file: the next request on the connection.
    run httpc --send 'GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /static/index.html HTTP/1.1\r\nHost: x\r\n\r\n' --responses 2
    [ "$status" -eq 0 ]
    [[ "$output" == *"<h1>hello</h1>" ]]
}

# The server's peak resident memory (VmHWM), in kB.
peak_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status"; }

@test "ch04 static: sending a 64 MB file, twice at once, costs the server no more than a few MB" {
    [ -r /proc/self/status ] || skip "no /proc"
    head -c 64000000 /dev/zero >"$ROOT/huge.bin"
    # Under ASan, freed chunks wait in a quarantine (256 MB by default):
    # keep it small so that it does not count as our memory.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4" \
        start_server "$DEMO" --static "$ROOT"
    get /static/index.html # warm up: the loop, the first connection
    local before after
    before=$(peak_kb)
    httpc --send 'GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n' >"$BATS_TEST_TMPDIR/a" &
    local bg=$!
    httpc --read-delay 500 --timeout 30 --send 'GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n' | tail -c 64000000 | cksum >"$BATS_TEST_TMPDIR/b"
    wait "$bg"
    after=$(peak_kb)
    [ "$(tail -c 64000000 "$BATS_TEST_TMPDIR/a" | cksum)" = "$(cksum <"$ROOT/huge.bin")" ]
    [ "$(cat "$BATS_TEST_TMPDIR/b")" = "$(cksum <"$ROOT/huge.bin")" ]
    echo "peak before $before kB, after $after kB"
    [ $((after - before)) -lt 16384 ] # reading it whole would be 62500+
}

@test "ch04 static: clients that vanish mid-download (closed, reset), and a stop with one pending: no crash, no leak, still serving" {
    head -c 64000000 /dev/zero >"$ROOT/huge.bin"
    start_server "$DEMO" --static "$ROOT"
    run httpc --rcvbuf 4096 --timeout 0.2 --send 'GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 3 ]
    run httpc --rcvbuf 4096 --timeout 0.2 --reset --send 'GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 3 ]
    get /static/index.html
    [ "$(response_body)" = "<h1>hello</h1>" ]
    # A download stalled on a client that does not read, then SIGTERM: the
    # handler hears of the close and finishes; the exit is clean.
    httpc --rcvbuf 4096 --read-delay 20000 --timeout 20 \
        --send 'GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n' >/dev/null 2>&1 &
    local client=$!
    sleep 0.3
    stop_clean
    kill "$client" 2>/dev/null || true
    wait "$client" || true
}

@test "ch04 static: a missing file is 404; a directory, the root itself and a FIFO are 403 (without hanging)" {
    mkfifo "$ROOT/pipe"
    start_server "$DEMO" --static "$ROOT"
    get /static/nope.html
    [ "$(status_line)" = "HTTP/1.1 404 Not Found" ]
    get /static/sub/nope/deeper
    [ "$(status_line)" = "HTTP/1.1 404 Not Found" ]
    get /static/index.html/more # a file used as a directory
    [ "$(status_line)" = "HTTP/1.1 404 Not Found" ]
    for p in /static/sub /static/sub/ /static/empty-dir /static/ /static/. /static/pipe; do
        run httpc --timeout 5 --send "GET $p HTTP/1.1\r\nHost: x\r\n\r\n"
        echo "$p: $(status_line)"
        [ "$(status_line)" = "HTTP/1.1 403 Forbidden" ]
    done
    grep -q "static file /static/sub: not a file" "$SERVER_LOG"
}

@test "ch04 static: an unreadable file is 403" {
    [ "$(id -u)" -ne 0 ] || skip "root reads every file"
    printf 'hidden\n' >"$ROOT/locked.txt"
    chmod 000 "$ROOT/locked.txt"
    start_server "$DEMO" --static "$ROOT"
    get /static/locked.txt
    [ "$(status_line)" = "HTTP/1.1 403 Forbidden" ]
    [[ "$output" != *hidden* ]]
}

@test "ch04 static: no path escapes the root: .., encoded, double-encoded, absolute, backslash, %00, symlinks out: 403 or 404, never the secret" {
    start_server "$DEMO" --static "$ROOT"
    local abs="$BATS_TEST_TMPDIR/secret.txt" p n=0
    local attempts=(
        "/static/../secret.txt"
        "/static/%2e%2e/secret.txt"
        "/static/%2E%2E/secret.txt"
        "/static/..%2fsecret.txt"
        "/static/%2e%2e%2fsecret.txt"
        "/static/.%2e/secret.txt"
        "/static/sub/../../secret.txt"
        "/static/sub/%2e%2e/%2e%2e/secret.txt"
        "/static/./sub/../../secret.txt"
        "/static/%252e%252e/secret.txt"
        "/static/%252e%252e%252fsecret.txt"
        "/static/%25252e%25252e/secret.txt"
        "/static/$abs"
        "/static/%2f${abs#/}"
        "/static/..\\\\secret.txt"
        "/static/..%5csecret.txt"
        "/static/%2e%2e%5csecret.txt"
        "/static/index.html%00/../../secret.txt"
        "/static/..%00/secret.txt"
        "/static/leak"
        "/static/up/secret.txt"
        "/static/abs/secret.txt"
        "/static/sub/../leak"
        "/static/up"
    )
    for p in "${attempts[@]}"; do
        run httpc --send "GET $p HTTP/1.1\r\nHost: x\r\n\r\n"
        echo "$p -> $(status_line)"
        [[ "$(status_line)" =~ ^HTTP/1.1\ (403|404)\  ]]
        [[ "$output" != *"$SECRET"* ]]
        n=$((n + 1))
    done
    [ "$n" -ge 20 ]
    # The ones that name the secret's real place are 403, as in Tornado.
    for p in "/static/../secret.txt" "/static/%2e%2e/secret.txt" \
        "/static/sub/../../secret.txt" "/static/$abs" "/static/leak" \
        "/static/up/secret.txt" "/static/abs/secret.txt"; do
        run httpc --send "GET $p HTTP/1.1\r\nHost: x\r\n\r\n"
        [ "$(status_line)" = "HTTP/1.1 403 Forbidden" ]
    done
    grep -q "static file /static/leak: not in root static directory" "$SERVER_LOG"
    # The secret is there to be read: only the root keeps it out.
    [ "$(cat "$abs")" = "$SECRET" ]
}

@test "ch04 static: without --static there is no /static/ route (404); --static on a non-directory is a usage error" {
    start_server "$DEMO"
    get /static/index.html
    [ "$(status_line)" = "HTTP/1.1 404 Not Found" ]
    [[ "$output" != *hello* ]]
    stop_clean
    run "$DEMO" --port 0 --static "$ROOT/index.html"
    [ "$status" -eq 2 ]
    [[ "$output" == *"not a directory"* ]]
}

@test "ch04 static: a set Content-Length: kept when flushed in pieces, a write past it refused, a short body closes the connection" {
    start_server "$ST"
    run httpc --send 'GET /length/exact HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 0 ]
    [[ "$output" == *$'Content-Length: 10\r'* ]]
    [[ "$output" != *"Transfer-Encoding"* ]]
    [ "$(response_body)" = "0123456789" ]
    run httpc --send 'GET /length/over HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$(response_body)" = "-1 ok     " ]
    run httpc --send 'GET /length/short HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 4 ] # closed before the response was complete
    [[ "$output" == *$'Content-Length: 10\r'* ]]
    [[ "$output" == *$'Connection: close\r\n\r\n01234'* ]]
    [[ "$output" != *"012345"* ]]
}
