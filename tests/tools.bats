#!/usr/bin/env bats
# tests/tools.bats - the test tools themselves: httpc, the raw HTTP client every
# suite uses, checked against peer, a scripted listener that records what
# arrives and answers canned bytes (tests/tools/peer.c).

load helpers
bats_require_minimum_version 1.5.0

PEER="$BUILD/tests/tools/peer"
GET='GET / HTTP/1.1\r\nHost: x\r\n\r\n'

setup() {
    T="$BATS_TEST_TMPDIR"
    BG_PID=
}

teardown() {
    if [ -n "$BG_PID" ]; then
        kill -TERM "$BG_PID" 2>/dev/null
        wait "$BG_PID" 2>/dev/null
    fi
    stop_server
}

# reply TEXT: write the printf-format TEXT to $T/reply, byte for byte.
reply() {
    printf "$1" >"$T/reply"
}

# wait_log PATTERN: wait up to 5 s for the peer's stderr to match PATTERN.
wait_log() {
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q -- "$1" "$SERVER_LOG" && return 0
        sleep 0.05
    done
    echo "peer log never matched '$1':" >&2
    cat "$SERVER_LOG" >&2
    return 1
}

# wait_file FILE PATTERN: wait up to 5 s for FILE to match PATTERN.
wait_file() {
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# stop_server inside a test body (not teardown): its final `kill -KILL` of
# the already stopped server fails, which would abort the test under set -e.
stop_peer() {
    stop_server || true
}

# A port nobody listens on: bind one, then let it go.
free_port() {
    start_server "$PEER"
    stop_peer
}

@test "tools: httpc rejects an unknown option with the usage and status 2" {
    run --separate-stderr "$HTTPC" --port 80 --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown argument '--bogus'"* ]]
    [[ "$stderr" == *usage* ]]
    [ -z "$output" ]
}

@test "tools: httpc without --port is a usage error" {
    run --separate-stderr "$HTTPC" --send 'x'
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--port is required"* ]]
    [[ "$stderr" == *usage* ]]
}

@test "tools: httpc rejects bad values: timeout, escape, --send with --file" {
    run --separate-stderr "$HTTPC" --port 80 --timeout soon
    [ "$status" -eq 2 ]
    [[ "$stderr" == *usage* ]]
    run --separate-stderr "$HTTPC" --port 80 --send 'a\qb'
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"bad escape"* ]]
    run --separate-stderr "$HTTPC" --port 80 --send 'a\x4'
    [ "$status" -eq 2 ]
    run --separate-stderr "$HTTPC" --port 80 --send x --file /dev/null
    [ "$status" -eq 2 ]
    run --separate-stderr "$HTTPC" --port 0
    [ "$status" -eq 2 ]
}

@test "tools: httpc --help prints the usage and exits 0" {
    run "$HTTPC" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *usage* ]]
}

@test "tools: httpc reports a refused connection with status 1" {
    free_port
    run --separate-stderr "$HTTPC" --port "$PORT" --send "$GET"
    [ "$status" -eq 1 ]
    [ "$stderr" = "httpc: connect 127.0.0.1:$PORT: Connection refused" ]
}

@test "tools: httpc --send interprets \\r \\n \\t \\\\ \\0 \\xHH" {
    start_server "$PEER" --record "$T/got"
    run httpc --send 'A\r\n\t\\\x41\x7f\xFF\0Z' --responses 0
    [ "$status" -eq 0 ]
    wait_log "eof, 10 bytes"
    [ "$(od -An -tx1 "$T/got" | xargs)" = "41 0d 0a 09 5c 41 7f ff 00 5a" ]
}

@test "tools: httpc --file sends the file's bytes exactly, --repeat times" {
    printf 'P\0Q\r\n\\x41' >"$T/body"
    cat "$T/body" "$T/body" "$T/body" >"$T/want"
    start_server "$PEER" --record "$T/got"
    run httpc --file "$T/body" --repeat 3 --responses 0
    [ "$status" -eq 0 ]
    wait_log "eof, 27 bytes"
    cmp "$T/want" "$T/got"
}

@test "tools: httpc prints a Content-Length response byte for byte" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-A: b\r\n\r\nHello\0world!'
    start_server "$PEER" --reply "$T/reply"
    httpc --send "$GET" >"$T/out"
    cmp "$T/reply" "$T/out"
}

@test "tools: httpc finds the end of a chunked body and prints it raw" {
    # The peer keeps the connection open: only the framing can end the read.
    reply 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nHello\r\n'
    printf '1A\r\n%026d\r\n0\r\nX-Trailer: t\r\n\r\n' 0 >>"$T/reply"
    start_server "$PEER" --reply "$T/reply"
    httpc --send "$GET" --timeout 5 >"$T/out"
    cmp "$T/reply" "$T/out"
}

@test "tools: httpc reads a body without framing until the server closes" {
    reply 'HTTP/1.0 200 OK\r\nServer: peer\r\n\r\nthe body ends at the close'
    start_server "$PEER" --reply "$T/reply" --close
    httpc --send "$GET" >"$T/out"
    cmp "$T/reply" "$T/out"
}

@test "tools: httpc prints 1xx without counting it; 204 and 304 have no body" {
    reply 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'
    printf 'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n' >>"$T/reply"
    printf 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' >>"$T/reply"
    start_server "$PEER" --reply "$T/reply"
    run httpc --send "$GET" --responses 3 --status-only --timeout 5
    [ "$status" -eq 0 ]
    [ "${lines[*]}" = "HTTP/1.1 100 Continue HTTP/1.1 204 No Content HTTP/1.1 304 Not Modified HTTP/1.1 200 OK" ]
}

@test "tools: httpc --no-body reads answers to HEAD without waiting for a body" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'
    start_server "$PEER" --reply "$T/reply"
    run httpc --send 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' --repeat 2 --no-body --timeout 5
    [ "$status" -eq 0 ]
    [ "$(grep -c 'HTTP/1.1 200 OK' <<<"$output")" -eq 2 ]
    run httpc --send 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' --timeout 0.5
    [ "$status" -eq 3 ]
}

@test "tools: httpc pipelines 20000 requests without deadlock (--status-only)" {
    # 20 MB of answers: far more than the socket buffers hold, so httpc must
    # read while it is still sending (the peer blocks writing otherwise).
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'
    head -c 1000 /dev/zero >>"$T/reply"
    start_server "$PEER" --reply "$T/reply"
    httpc --send "$GET" --repeat 20000 --status-only --timeout 60 >"$T/out"
    [ "$(wc -l <"$T/out")" -eq 20000 ]
    [ "$(sort -u "$T/out")" = "HTTP/1.1 200 OK" ]
}

@test "tools: httpc --byte-delay sends one byte at a time" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    start_server "$PEER" --reply "$T/reply" --record "$T/got"
    run httpc --send 'GET / HTTP/1.1\r\n\r\n' --byte-delay 10
    [ "$status" -eq 0 ]
    [[ "$output" == *ok ]]
    wait_log "eof, 18 bytes"
    # Each byte is its own segment, so the peer needed many reads.
    [[ "$(cat "$SERVER_LOG")" =~ 18\ bytes\ in\ ([0-9]+)\ reads ]]
    [ "${BASH_REMATCH[1]}" -ge 10 ]
}

@test "tools: httpc times out against a silent server with status 3" {
    start_server "$PEER"
    run --separate-stderr httpc --send "$GET" --repeat 2 --timeout 0.5
    [ "$status" -eq 3 ]
    [[ "$stderr" == "httpc: timeout after 0."*" s: 0 of 2 responses, sent 54 of 54 bytes" ]]
}

@test "tools: httpc exits 4 when the server closes mid-response" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'
    start_server "$PEER" --reply "$T/reply" --close
    run --separate-stderr httpc --send "$GET"
    [ "$status" -eq 4 ]
    [[ "$output" == *short ]]
    [ "$stderr" = "httpc: connection closed after 0 of 1 responses" ]
}

@test "tools: httpc exits 4 when the server closes without answering" {
    start_server "$PEER" --close
    run --separate-stderr httpc --send "$GET" --repeat 2
    [ "$status" -eq 4 ]
    [ "$stderr" = "httpc: connection closed after 0 of 2 responses" ]
}

@test "tools: httpc --expect-close waits for the close and prints extra bytes" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'
    start_server "$PEER" --reply "$T/reply" --close
    run --separate-stderr httpc --send "$GET" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == *okEXTRA ]]
    [[ "$stderr" =~ ^closed\ by\ server\ after\ [0-9]+\.[0-9][0-9]\ s$ ]]
}

@test "tools: httpc --expect-close exits 3 if the server keeps the connection" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    start_server "$PEER" --reply "$T/reply"
    run --separate-stderr httpc --send "$GET" --expect-close --timeout 0.5
    [ "$status" -eq 3 ]
    [[ "$output" == *ok ]]
    [[ "$stderr" == *"did not close the connection"* ]]
}

@test "tools: httpc --reset closes with a TCP reset" {
    start_server "$PEER"
    run httpc --send 'partial' --responses 0 --reset
    [ "$status" -eq 0 ]
    wait_log "connection closed: reset"
}

@test "tools: httpc --hold holds N connections for --hold-seconds" {
    start_server "$PEER"
    run httpc --hold 5 --hold-seconds 0.3
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "holding 5 connections" ]
    [ "${lines[1]}" = "0 closed by server" ]
}

@test "tools: httpc --hold counts the connections the server closes" {
    start_server "$PEER"
    # "$HTTPC" itself, not the httpc function: BG_PID must be the tool's PID.
    "$HTTPC" --port "$PORT" --hold 3 --hold-seconds 20 --send 'x' >"$T/hold" 2>&1 &
    BG_PID=$!
    wait_file "$T/hold" "holding 3 connections"
    stop_peer
    wait "$BG_PID"
    BG_PID=
    [ "$(sed -n 2p "$T/hold")" = "3 closed by server" ]
}

@test "tools: httpc --hold stops on SIGTERM with status 0" {
    start_server "$PEER"
    "$HTTPC" --port "$PORT" --hold 2 --hold-seconds 20 >"$T/hold" 2>&1 &
    BG_PID=$!
    wait_file "$T/hold" "holding 2 connections"
    kill -TERM "$BG_PID"
    wait "$BG_PID"
    BG_PID=
    [ "$(sed -n 2p "$T/hold")" = "0 closed by server" ]
}

@test "tools: httpc --hold reports a failed connect with status 1" {
    free_port
    run --separate-stderr "$HTTPC" --port "$PORT" --hold 3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"Connection refused (after opening 0 connections)" ]]
}

@test "tools: httpc --hold with --send counts the 200 answers and ends when all are in" {
    start_server "$(chapter_server 02)"
    local start=$SECONDS
    run httpc --hold 20 --hold-seconds 20 --send 'GET /sleep/0.3 HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "${lines[*]}" = "holding 20 connections 0 closed by server 20 answered 200" ]
    # Answered on a kept-alive connection, so nothing closes: the count ends it.
    [ $((SECONDS - start)) -lt 10 ]
    run httpc --hold 3 --hold-seconds 20 --send 'GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "${lines[*]}" = "holding 3 connections 0 closed by server 0 answered 200" ]
    run httpc --hold 3 --hold-seconds 20 --send 'NONSENSE\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "${lines[2]}" = "0 answered 200" ]
}
