#!/usr/bin/env bats
# tests/05-server.bats - chapter 5: coroutine streams (tests/unit/
# gen_stream_test.c), coroutine handlers (gen_web.c) and the chapter's
# demo server under load. (The demo app's routes are checked per backend
# in demo-app.bats.)

load helpers

# ---- tests/unit/gen_stream_test.c ----

@test "ch05 gen_stream: read_until, write and read_bytes wait in a coroutine and return 0" {
    unit gen_stream_test read_until_write_read_bytes
}

@test "ch05 gen_stream: read_bytes waits while its bytes come a piece at a time" {
    unit gen_stream_test read_bytes_in_pieces
}

@test "ch05 gen_stream: a read on a stream the peer closed is ECONNRESET, the next EPIPE, never a hang" {
    unit gen_stream_test closed_stream_is_an_error
}

@test "ch05 gen_stream: a write to a closed stream is an error, never a hang" {
    unit gen_stream_test write_to_a_closed_stream_is_an_error
}

@test "ch05 gen_stream: a cancelled read returns ECANCELED, closes the stream, and its late callback touches nothing freed" {
    unit gen_stream_test cancelled_read_returns_ecanceled
}

@test "ch05 gen_stream: a stream freed under a waiting read fails it with EPIPE and leaks nothing" {
    unit gen_stream_test freed_stream_fails_the_read
}

@test "ch05 gen_stream: outside a coroutine every call is EPERM" {
    unit gen_stream_test outside_a_coroutine_is_eperm
}

# ---- coroutine handlers (gen_web.c), through tests/unit/gen_web_test.c's
# routes and the chapter's demo server ----

GENWEB="$BUILD/tests/unit/gen_web_test"
SERVER_05="$(chapter_server 05)"

teardown() {
    [ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
    stop_server
}

@test "ch05 gen_web: unit: draining with no coroutine handler running returns at once" {
    unit gen_web_test drain_with_none
}

@test "ch05 gen_web: a coroutine that returns an error answers 500 through the class's write_error, logged" {
    start_server "$GENWEB"
    run httpc_get /fail
    [[ "${lines[0]}" == "HTTP/1.1 500 Internal Server Error"* ]]
    [ "$(response_body)" = "write_error 500" ]
    [[ "$output" != *"never sent"* ]]
    grep -q "uncaught failure in FailHandler for GET /fail .*: the coroutine returned: Input/output error" "$SERVER_LOG"
    stop_clean
}

@test "ch05 gen_web: a coroutine that finishes its handler itself (send_error 418) is not finished twice" {
    start_server "$GENWEB"
    run httpc --repeat 2 --send "GET /teapot HTTP/1.1\r\nHost: t\r\n\r\n"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c "^HTTP/1.1 418 I'm a teapot")" -eq 2 ]
    stop_clean
}

@test "ch05 gen_web: the class's own state is at gen_web_state, and a handler that waits ten times finishes" {
    start_server "$GENWEB"
    run httpc_get /nap
    [ "$(response_body)" = "10 naps" ]
    stop_clean
}

@test "ch05 gen_web: a client gone mid-wait cancels the coroutine (ECANCELED); no crash, the next requests are served, nothing leaks" {
    start_server "$GENWEB"
    run httpc --send "GET /nap HTTP/1.1\r\nHost: t\r\n\r\n" --responses 0 --hold-seconds 0.25
    wait_for_line "$SERVER_LOG" "nap cancelled after [0-9]+ naps: Operation canceled"
    run httpc --send "GET /nap HTTP/1.1\r\nHost: t\r\n\r\n" --responses 0 --reset
    run httpc_get /nap
    [ "$(response_body)" = "10 naps" ]
    [ "$(grep -c "nap cancelled" "$SERVER_LOG")" -eq 2 ]
    stop_clean
}

@test "ch05 gen_web: a class with stream_request_body reads its body in the coroutine as it comes (200,000 bytes: 4 pieces); without it, whole (1)" {
    start_server "$GENWEB"
    head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/body"
    run curl -sS --data-binary @"$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PORT/pieces"
    [ "$output" = "4 pieces, 200000 bytes" ]
    run curl -sS --data-binary @"$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PORT/whole"
    [ "$output" = "1 pieces, 200000 bytes" ]
    run curl -sS -X POST "http://127.0.0.1:$PORT/pieces"
    [ "$output" = "0 pieces, 0 bytes" ]
    stop_clean
}

@test "ch05 gen_web: a client gone mid-body ends the coroutine (its read: ECONNRESET, then the cancel), quietly; the next request is served, nothing leaks" {
    start_server "$GENWEB"
    run httpc --send "POST /pieces HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nsome" --responses 0 --hold-seconds 0.25
    wait_for_line "$SERVER_LOG" "pieces: the read failed after 0: Operation canceled"
    ! grep -qE "uncaught failure|never retrieved" "$SERVER_LOG"
    run curl -sS -d 'x' "http://127.0.0.1:$PORT/pieces"
    [ "$output" = "1 pieces, 1 bytes" ]
    stop_clean
}

@test "ch05 server: POST /echo reads its body in the coroutine: 0, 1, 64 KiB and 10 MB, by length and chunked, byte-identical" {
    start_server "$SERVER_05"
    local n f want
    for n in 0 1 65536 10000000; do
        f="$BATS_TEST_TMPDIR/body.$n"
        head -c "$n" /dev/urandom >"$f"
        want=$(md5sum <"$f")
        [ "$(curl -sS --data-binary @"$f" "http://127.0.0.1:$PORT/echo" | md5sum)" = "$want" ]
        [ "$(curl -sS -H 'Transfer-Encoding: chunked' --data-binary @"$f" "http://127.0.0.1:$PORT/echo" | md5sum)" = "$want" ]
    done
    stop_clean
}

@test "ch05 server: POST /echo with Expect: 100-continue gets its 100 when the coroutine first reads; a malformed chunk gets 400" {
    start_server "$SERVER_05"
    run httpc --send "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 100 Continue"* ]]
    [[ "$output" == *"HTTP/1.1 200 OK"* ]]
    [ "$(response_body | tail -n 1)" = "hello" ]
    run httpc --send "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n" --expect-close
    [[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
    stop_clean
}

@test "ch05 server: SIGTERM with /sleep/100 handlers waiting cancels them, drains, and exits 0 (ASan: no leak)" {
    start_server "$SERVER_05"
    local i
    for ((i = 0; i < 3; i++)); do
        httpc_get /sleep/100 >/dev/null &
    done
    sleep 0.3
    stop_clean
}

@test "ch05 server: /sleep/N's bad arguments finish from inside the coroutine: 404 and 400" {
    start_server "$SERVER_05"
    run httpc_get /sleep/1.2345
    [[ "${lines[0]}" == "HTTP/1.1 404"* ]]
    run httpc_get /sleep/3601
    [[ "${lines[0]}" == "HTTP/1.1 400"* ]]
    run httpc_get /cpu/10001
    [[ "${lines[0]}" == "HTTP/1.1 400"* ]]
    stop_clean
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

@test "ch05 server: 10,000 concurrent /sleep/1, each a coroutine, are all answered within a few seconds" {
    raise_nofile 10100 || skip "the descriptor limit cannot reach 10100 (hard: $(ulimit -Hn))"
    start_server "$SERVER_05"
    local t0=$(now_ms)
    run httpc --hold 10000 --hold-seconds 20 --send "GET /sleep/1 HTTP/1.1\r\nHost: t\r\n\r\n"
    local ms=$(($(now_ms) - t0))
    echo "$output"
    echo "elapsed ${ms} ms"
    [ "$status" -eq 0 ]
    [[ "$output" == *"10000 answered 200"* ]]
    # Loose: it proves the coroutines overlap (one at a time: 10,000 s).
    [ "$ms" -lt 15000 ]
}
