#!/usr/bin/env bats
# tests/02-select.bats - what is particular to chapter 2's select() loop.
# (The demo app's routes are checked for every chapter in demo-app.bats.)

load helpers

teardown() {
    [ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
    stop_server
}

# The server's user+system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

@test "ch02: descriptors beyond FD_SETSIZE are refused with a log line, not corruption" {
    ulimit -n 2048 2>/dev/null || skip "cannot raise the descriptor limit to 2048"
    start_server "$(chapter_server 02)"
    httpc --hold 1100 --hold-seconds 3 >"$BATS_TEST_TMPDIR/holder" &
    HOLDER=$!
    wait_for_line "$BATS_TEST_TMPDIR/holder" holding
    run httpc_get / # its descriptor on the server is >= 1024 too
    [ "$status" -eq 4 ] # closed without an answer
    wait "$HOLDER"
    HOLDER=
    run httpc_get / # the held connections are gone: served again
    [ "$(response_body)" = "Hello, world" ]
    grep -q "FD_SETSIZE (1024): select() cannot watch it; closing" "$SERVER_LOG"
    # About 80 of the 1100 got a descriptor >= 1024 and were closed.
    local closed
    closed=$(sed -n 's/^\([0-9]*\) closed by server$/\1/p' "$BATS_TEST_TMPDIR/holder")
    [ "$closed" -gt 50 ] && [ "$closed" -lt 1100 ]
}

@test "ch02: out of descriptors, accept pauses instead of spinning, then recovers" {
    SERVER_NOFILE=32 start_server "$(chapter_server 02)"
    httpc --hold 40 --hold-seconds 2 >"$BATS_TEST_TMPDIR/holder" &
    HOLDER=$!
    wait_for_line "$BATS_TEST_TMPDIR/holder" holding
    local before=$(cpu_ticks)
    sleep 1
    # A loop retrying accept() would burn ~100 ticks in this second.
    [ $(($(cpu_ticks) - before)) -lt 30 ]
    grep -q "accept: Too many open files" "$SERVER_LOG"
    wait "$HOLDER"
    HOLDER=
    sleep 1.2 # the pause ends; the queued connections are accepted
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
}

@test "ch02: a client that reads nothing for a second still gets all 60,000 answers" {
    start_server "$(chapter_server 02)"
    run httpc --status-only --read-delay 1000 --repeat 60000 --timeout 30 \
        --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200 OK$')" -eq 60000 ]
}

@test "ch02: conn: a full socket makes writes partial, and the rest follows" {
    unit conn_test partial_writes
}

@test "ch02: conn: pipelined requests are answered in order, one at a time" {
    unit conn_test pipelined_in_order
}

@test "ch02: conn: /sleep sets a deadline and answers only when it passes" {
    unit conn_test sleep_deadline
}

@test "ch02: conn: a closing connection lingers until the client's EOF" {
    unit conn_test lingering_close
}
