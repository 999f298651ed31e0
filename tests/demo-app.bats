#!/usr/bin/env bats
# tests/demo-app.bats - the demo app's behaviour, run against every chapter's
# server: DEMO_CHAPTER=02 bats tests/demo-app.bats. The table below says what
# each chapter is expected to do where chapters differ.

load helpers

CH="${DEMO_CHAPTER:?set DEMO_CHAPTER=NN}"
case "${CH}" in
01) OVERLAPS=no  KEEP_ALIVE=no ;;   # one connection, one request at a time
*)  OVERLAPS=yes KEEP_ALIVE=yes ;;  # an event loop from chapter 2 on
esac
CPU_STALLS=yes                       # one thread runs everything until ch06
# Chapter 4's HTTP server reads request bodies: a body no longer forces a
# close, and POST /echo exists.
case "${CH}" in
0[123]) READS_BODIES=no ;;
*)      READS_BODIES=yes ;;
esac
# Chapter 5 answers every route from a coroutine handler (gen_web.c): the
# same answers as chapter 4's, so the same expectations (overlapping
# /sleep, keep-alive and pipelining, /echo), on both backends.
case "${CH}" in
05) OVERLAPS=yes KEEP_ALIVE=yes READS_BODIES=yes ;;
esac
# Chapter 6's server is chapter 5's routes in one process by default
# (--procs 1, --threads 0), so /cpu still stalls it; under --procs 2 it
# does not, and /pid names one of the workers (tests/06-forking.bats).
case "${CH}" in
06) OVERLAPS=yes KEEP_ALIVE=yes READS_BODIES=yes CPU_STALLS=yes ;;
esac

# From chapter 3 on, DEMO_BACKEND picks the IOLoop's poller.
BACKEND="${DEMO_BACKEND:-default}"
SERVER_ARGS=()
[ "$BACKEND" = default ] || SERVER_ARGS=(--backend "$BACKEND")
[ "$BACKEND" = default ] || CH="$CH, $BACKEND"

setup() { start_server "$(chapter_server "${CH%%,*}")" "${SERVER_ARGS[@]}"; }
teardown() { stop_server; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

@test "demo app (ch$CH): GET / answers 200 Hello, world" {
    run httpc_get /
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    [ "$(response_body)" = "Hello, world" ]
}

@test "demo app (ch$CH): curl, a real client, gets Hello, world" {
    command -v curl >/dev/null || skip "curl not installed"
    run curl -s --max-time 5 "http://127.0.0.1:$PORT/"
    [ "$status" -eq 0 ]
    [ "$output" = "Hello, world" ]
}

@test "demo app (ch$CH): HEAD / sends GET's headers and no body" {
    run httpc --no-body --send "HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == *"Content-Length: 13"* ]]
    [[ "$output" != *"Hello"* ]]
}

@test "demo app (ch$CH): /pid answers the serving process id" {
    run httpc_get /pid
    [ "$(response_body)" = "$SERVER_PID" ]
}

@test "demo app (ch$CH): /sleep/0.5 answers after at least half a second" {
    local t0=$(now_ms)
    run httpc_get /sleep/0.5
    [ "$(response_body)" = "Slept 0.5 s" ]
    [ $(($(now_ms) - t0)) -ge 500 ]
}

@test "demo app (ch$CH): /cpu/1 answers after its work" {
    run httpc_get /cpu/1
    [[ "$(response_body)" == "Worked 1 units ("*")" ]]
}

@test "demo app (ch$CH): an unknown path is 404" {
    run httpc_get /nowhere
    [[ "${lines[0]}" == "HTTP/1.1 404 Not Found"* ]]
}

@test "demo app (ch$CH): POST to a known path is 405 with Allow" {
    run httpc --send "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
    [[ "${lines[0]}" == "HTTP/1.1 405 Method Not Allowed"* ]]
    [[ "$output" == *"Allow: GET, HEAD"* ]]
}

@test "demo app (ch$CH): a request with a body is answered, then closed (expected: $([ $READS_BODIES = yes ] && echo no || echo yes))" {
    if [ "$READS_BODIES" = yes ]; then
        # The body is read, so the connection goes on: a second request.
        run httpc --repeat 2 --send "POST /pid HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
        [ "$status" -eq 0 ]
        [ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 405')" -eq 2 ]
        [[ "$output" != *"Connection: close"* ]]
        return
    fi
    run httpc --send "POST /pid HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" --expect-close
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 405"* ]]
    [[ "$output" == *"Connection: close"* ]]
}

@test "demo app (ch$CH): POST /echo answers the body, twice on one connection (expected: $READS_BODIES)" {
    [ "$READS_BODIES" = yes ] || skip "chapter $CH has no /echo: it does not read bodies"
    run httpc --repeat 2 --send "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 12\r\n\r\nhello, echo\n"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200 OK')" -eq 2 ]
    [ "$(printf '%s\n' "$output" | grep -c '^hello, echo')" -eq 2 ]
}

@test "demo app (ch$CH): /sleep beyond an hour is 400" {
    run httpc_get /sleep/3601
    [[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
}

@test "demo app (ch$CH): a malformed request line is 400, then closed" {
    run httpc --send "GET  / HTTP/1.1\r\nHost: t\r\n\r\n" --expect-close
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
    [[ "$output" == *"Connection: close"* ]]
}

@test "demo app (ch$CH): whitespace before a header's colon is 400" {
    run httpc --send "GET / HTTP/1.1\r\nHost : t\r\n\r\n" --expect-close
    [[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
}

@test "demo app (ch$CH): a folded header line is 400" {
    run httpc --send "GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  2\r\n\r\n" --expect-close
    [[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
}

@test "demo app (ch$CH): HTTP/1.1 without Host is 400" {
    run httpc --send "GET / HTTP/1.1\r\n\r\n" --expect-close
    [[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
}

@test "demo app (ch$CH): HTTP/2.0 in a request line is 505" {
    run httpc --send "GET / HTTP/2.0\r\nHost: t\r\n\r\n" --expect-close
    [[ "${lines[0]}" == "HTTP/1.1 505 HTTP Version Not Supported"* ]]
}

@test "demo app (ch$CH): a 70 KB header is 431, then closed" {
    local big
    big=$(head -c 70000 /dev/zero | tr '\0' a)
    printf 'GET / HTTP/1.1\r\nHost: t\r\nX-Big: %s\r\n\r\n' "$big" >"$BATS_TEST_TMPDIR/big"
    run httpc --file "$BATS_TEST_TMPDIR/big" --expect-close
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 431 Request Header Fields Too Large"* ]]
}

@test "demo app (ch$CH): a request sent a byte at a time is answered" {
    run httpc --byte-delay 2 --send "GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    [ "$status" -eq 0 ]
    [ "$(response_body)" = "$SERVER_PID" ]
}

@test "demo app (ch$CH): HTTP/1.0 without keep-alive is answered and closed" {
    run httpc --send "GET / HTTP/1.0\r\n\r\n" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == *"Connection: close"* ]]
    [[ "$output" == *"Hello, world"* ]]
}

@test "demo app (ch$CH): keep-alive: two requests on one connection (expected: $KEEP_ALIVE)" {
    run httpc --status-only --repeat 2 --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    if [ "$KEEP_ALIVE" = yes ]; then
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
    else
        [ "$status" -eq 4 ] # closed after the first answer
        [ "${lines[0]}" = "HTTP/1.1 200 OK" ]
    fi
}

@test "demo app (ch$CH): 2000 pipelined requests are all answered (expected: $KEEP_ALIVE)" {
    [ "$KEEP_ALIVE" = yes ] || skip "chapter $CH answers one request per connection"
    run httpc --status-only --repeat 2000 --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200 OK$')" -eq 2000 ]
}

@test "demo app (ch$CH): a /sleep/1 holds up a concurrent / (expected: $([ $OVERLAPS = yes ] && echo no || echo yes))" {
    local slow="$BATS_TEST_TMPDIR/slow"
    httpc_get /sleep/1 >"$slow" &
    local bg=$!
    sleep 0.2
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
    if [ "$OVERLAPS" = yes ]; then
        [ ! -s "$slow" ] # / came back while /sleep/1 was still waiting
    else
        [ -s "$slow" ] # / waited until /sleep/1 had its answer
    fi
    wait "$bg"
    grep -q "Slept 1 s" "$slow"
}

@test "demo app (ch$CH): /cpu work holds up a concurrent / (expected: $CPU_STALLS)" {
    local slow="$BATS_TEST_TMPDIR/slow"
    httpc_get /cpu/100 >"$slow" &
    local bg=$!
    sleep 0.2
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
    if [ "$CPU_STALLS" = yes ]; then [ -s "$slow" ]; else [ ! -s "$slow" ]; fi
    wait "$bg"
}

@test "demo app (ch$CH): 100 concurrent /sleep/0.5 are all answered (expected: $OVERLAPS)" {
    [ "$OVERLAPS" = yes ] || skip "chapter $CH would take 50 s: one at a time"
    local i pids=()
    for ((i = 0; i < 100; i++)); do
        httpc_get /sleep/0.5 >"$BATS_TEST_TMPDIR/r$i" &
        pids+=($!)
    done
    wait "${pids[@]}"
    [ "$(cat "$BATS_TEST_TMPDIR"/r* | grep -c '^Slept 0.5 s$')" -eq 100 ]
}

@test "demo app (ch$CH): a client that leaves mid-request costs only its connection" {
    run httpc --send "GET / HTTP/1.1\r\nHost: t\r\nX-Partial" --responses 0
    [ "$status" -eq 0 ]
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
}

@test "demo app (ch$CH): a client that resets before its answer costs only its connection" {
    run httpc --send "GET /sleep/0.2 HTTP/1.1\r\nHost: t\r\n\r\n" --responses 0 --reset
    [ "$status" -eq 0 ]
    sleep 0.4 # the server now writes to a reset socket: EPIPE, not SIGPIPE
    run httpc_get /pid
    [ "$(response_body)" = "$SERVER_PID" ]
}

@test "demo app (ch$CH): SIGTERM stops the server with status 0" {
    run httpc_get /
    stop_server
    [ "$SERVER_STATUS" -eq 0 ]
}

@test "demo app (ch$CH): bad arguments print the usage and exit 2" {
    local bin
    bin=$(chapter_server "${CH%%,*}")
    run "$bin" --port nope
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage:"* ]]
    run "$bin" --bogus
    [ "$status" -eq 2 ]
    run "$bin" --port 70000
    [ "$status" -eq 2 ]
    run "$bin" stray
    [ "$status" -eq 2 ]
    run "$bin" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"--port PORT"* ]]
}
