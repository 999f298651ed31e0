#!/usr/bin/env bats
# tests/exercises/04-byte-ranges.bats - exercise 04-byte-ranges: Range
# requests for the static file handler (206, Content-Range, 416, ignored
# ranges). Runs against the server in EX_BIN, started with --static:
#
#     make check EX=04-byte-ranges          # your exercises/ folder
#     EX_BIN=build/solutions/04-byte-ranges/server bats tests/exercises/04-byte-ranges.bats

load ../helpers

EX_BIN="${EX_BIN:?set EX_BIN to the server under test}"
case "$EX_BIN" in /*) ;; *) EX_BIN="$TOP/$EX_BIN" ;; esac

# digits.txt is "0123456789" (10 bytes, no newline): byte i is the digit i.
setup() {
    ROOT="$BATS_TEST_TMPDIR/root"
    mkdir -p "$ROOT"
    printf '0123456789' >"$ROOT/digits.txt"
    echo "secret" >"$BATS_TEST_TMPDIR/secret.txt"
    touch -d '2020-01-02 03:04:05 UTC' "$ROOT/digits.txt"
    start_server "$EX_BIN" --static "$ROOT"
}

teardown() {
    stop_server
    ! grep -E "Sanitizer|runtime error" "$SERVER_LOG"
}

# range SPEC [PATH]: GET PATH (digits.txt) with "Range: SPEC".
range() {
    run httpc --send "GET /static/${2:-digits.txt} HTTP/1.1\r\nHost: x\r\nRange: $1\r\n\r\n"
}

# The value of response header $1 in $output ('' if absent).
header() {
    printf '%s\n' "$output" | sed -n "1,/^\r\{0,1\}$/s/^$1: \(.*\)\r$/\1/ip" | head -n 1
}

status_line() { printf '%s\n' "$output" | head -n 1 | tr -d '\r'; }

# expect_206 FIRST LAST BODY: a 206 for bytes FIRST-LAST of digits.txt.
expect_206() {
    echo "$output"
    [ "$(status_line)" = "HTTP/1.1 206 Partial Content" ]
    [ "$(header Content-Range)" = "bytes $1-$2/10" ]
    [ "$(header Content-Length)" = $(($2 - $1 + 1)) ]
    [ "$(response_body)" = "$3" ]
}

# expect_full: the whole file, 200, as if there had been no Range.
expect_full() {
    echo "$output"
    [ "$(status_line)" = "HTTP/1.1 200 OK" ]
    [ -z "$(header Content-Range)" ]
    [ "$(header Content-Length)" = 10 ]
    [ "$(response_body)" = "0123456789" ]
}

@test "ranges: a GET without Range is the whole file, and says Accept-Ranges: bytes (hint 1)" {
    run httpc --send 'GET /static/digits.txt HTTP/1.1\r\nHost: x\r\n\r\n'
    expect_full
    [ "$(header Accept-Ranges)" = "bytes" ]
}

@test "ranges: bytes=2-5 is 206, Content-Range: bytes 2-5/10, the 4 bytes 2345 (hints 2, 4)" {
    range bytes=2-5
    expect_206 2 5 2345
    range bytes=0-0
    expect_206 0 0 0
    range bytes=9-9
    expect_206 9 9 9
}

@test "ranges: the unit is case-insensitive, and spaces around the numbers are fine (hint 2)" {
    local spec
    for spec in Bytes=2-5 BYTES=2-5 'bytes=2 - 5' 'bytes= 2-5' 'bytes =2-5'; do
        range "$spec"
        echo "$spec: expected 206 bytes 2-5/10"
        expect_206 2 5 2345
    done
}

@test "ranges: bytes=7- is from byte 7 to the end (hints 2, 4)" {
    range bytes=7-
    expect_206 7 9 789
}

@test "ranges: bytes=-3 is the last 3 bytes; a suffix longer than the file is all of it, 200 (hints 2, 3)" {
    range bytes=-3
    expect_206 7 9 789
    range bytes=-50
    expect_full
}

@test "ranges: a last byte past the end is cut to the end (hint 3)" {
    range bytes=4-1000
    expect_206 4 9 456789
}

@test "ranges: a range starting at or past the end, ending before its start, or -0 is 416 with bytes */SIZE, text/plain (hint 3)" {
    local spec
    for spec in bytes=10- bytes=10-20 bytes=5000-5001 bytes=5-2 bytes=-0; do
        range "$spec"
        echo "$spec: $(status_line)"
        [ "$(status_line)" = "HTTP/1.1 416 Range Not Satisfiable" ]
        [ "$(header Content-Range)" = "bytes */10" ]
        [ "$(header Content-Length)" = 0 ]
        [[ "$output" != *0123* ]]
    done
    # Tornado's 416 is text/plain, whatever the file is.
    printf '<p>hi</p>' >"$ROOT/page.html"
    range bytes=100- page.html
    echo "page.html, bytes=100-: $(status_line), Content-Type: $(header Content-Type)"
    [ "$(status_line)" = "HTTP/1.1 416 Range Not Satisfiable" ]
    [ "$(header Content-Range)" = "bytes */9" ]
    [[ "$(header Content-Type)" == text/plain* ]]
}

# Numbers past 2^63 (where a signed off_t wraps) and 2^64 (where uint64_t
# does). Tornado's are Python ints, with no limit: such a number is only
# large, and the answers below are what StaticFileHandler gives them. A
# parser that multiplies before it checks reads 18446744073709551618 as 2.
@test "ranges: a first byte past 2^63 or 2^64 is past the end: 416, never wrapped round to a small one (hints 2, 3)" {
    local spec
    for spec in bytes=18446744073709551618-5 bytes=18446744073709551616- \
        bytes=18446744073709551615- bytes=18446744073709551617-18446744073709551620 \
        bytes=9223372036854775808- bytes=9223372036854775807-9 \
        bytes=9223372036854775809-9223372036854775810 \
        bytes=99999999999999999999- bytes=36893488147419103234-36893488147419103237; do
        range "$spec"
        echo "$spec: expected 416, got: $(status_line), Content-Range: $(header Content-Range)"
        [ "$(status_line)" = "HTTP/1.1 416 Range Not Satisfiable" ]
        [ "$(header Content-Range)" = "bytes */10" ]
        [[ "$output" != *0123* ]]
    done
}

@test "ranges: a last byte past 2^63 or 2^64 is cut to the end, as any last byte past it (hints 2, 3)" {
    local spec
    for spec in bytes=2-9223372036854775807 bytes=2-9223372036854775808 \
        bytes=2-18446744073709551615 bytes=2-18446744073709551616 \
        bytes=2-18446744073709551618 bytes=2-99999999999999999999; do
        range "$spec"
        echo "$spec: expected 206 bytes 2-9/10"
        expect_206 2 9 23456789
    done
    for spec in bytes=0-18446744073709551615 bytes=0-18446744073709551616; do
        range "$spec"
        echo "$spec: expected the whole file, 200"
        expect_full
    done
}

@test "ranges: a suffix past 2^63 or 2^64 is the whole file, 200, as any suffix longer than the file (hints 2, 3)" {
    local spec
    for spec in bytes=-9223372036854775807 bytes=-9223372036854775808 \
        bytes=-18446744073709551615 bytes=-18446744073709551616 \
        bytes=-18446744073709551617 bytes=-18446744073709551625 \
        bytes=-99999999999999999999; do
        range "$spec"
        echo "$spec: expected the whole file, 200"
        expect_full
    done
}

@test "ranges: bad syntax, another unit, several ranges: ignored, the whole file with 200 (hint 2)" {
    local spec
    for spec in bytes=abc bytes=1-x items=0-5 bytes= bytes=- bytes=1-2,5-6 'bytes=0-0, -1' bytes=2--5 'bytes 2-5' \
        bytes=99999999999999999999x- bytes=2-99999999999999999999x; do
        range "$spec"
        echo "$spec"
        expect_full
    done
}

@test "ranges: a range that is the whole file is a 200, as Tornado answers it (hint 4)" {
    range bytes=0-
    expect_full
    range bytes=0-9
    expect_full
}

@test "ranges: HEAD with a range: the 206's headers, no body (hint 4)" {
    run httpc --no-body --send 'HEAD /static/digits.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-5\r\n\r\n'
    [ "$(status_line)" = "HTTP/1.1 206 Partial Content" ]
    [ "$(header Content-Range)" = "bytes 2-5/10" ]
    [ "$(header Content-Length)" = 4 ]
    [[ "$output" != *2345* ]]
}

@test "ranges: 3 MB out of the middle of a 6 MB file arrive intact, in chunks, and the connection goes on (hints 4, 5)" {
    head -c 6000000 /dev/urandom >"$ROOT/big.bin"
    run httpc --send 'GET /static/big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=1000001-4000000\r\n\r\nGET /static/digits.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-1\r\n\r\n' --responses 2 --status-only
    [ "$status" -eq 0 ]
    [ "$(grep -c '^HTTP/1.1 206' <<<"$output")" -eq 2 ]
    httpc --send 'GET /static/big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=1000001-4000000\r\n\r\n' >"$BATS_TEST_TMPDIR/out"
    grep -q $'^Content-Range: bytes 1000001-4000000/6000000\r$' "$BATS_TEST_TMPDIR/out"
    grep -q $'^Content-Length: 3000000\r$' "$BATS_TEST_TMPDIR/out"
    [ "$(tail -c 3000000 "$BATS_TEST_TMPDIR/out" | cksum)" = "$(tail -c +1000002 "$ROOT/big.bin" | head -c 3000000 | cksum)" ]
}

@test "ranges: what was there still holds: 304 before the range, 404, 403 outside the root" {
    run httpc --send 'GET /static/digits.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Thu, 02 Jan 2020 03:04:05 GMT\r\nRange: bytes=2-5\r\n\r\n'
    [ "$(status_line)" = "HTTP/1.1 304 Not Modified" ]
    range bytes=0-1 nope.txt
    [ "$(status_line)" = "HTTP/1.1 404 Not Found" ]
    range bytes=0-1 ../secret.txt
    [ "$(status_line)" = "HTTP/1.1 403 Forbidden" ]
    [[ "$output" != *secret* ]]
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
}
