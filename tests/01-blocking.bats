#!/usr/bin/env bats
# tests/01-blocking.bats - what is particular to chapter 1's blocking server.
# (The demo app's routes are checked for every chapter in demo-app.bats.)

load helpers

setup() { start_server "$(chapter_server 01)"; }
teardown() {
    [ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
    stop_server
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

@test "ch01: a client that connects and sends nothing holds up everyone else" {
    httpc --hold 1 --hold-seconds 1 >"$BATS_TEST_TMPDIR/holder" &
    HOLDER=$!
    wait_for_line "$BATS_TEST_TMPDIR/holder" holding
    local t0=$(now_ms)
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
    # Answered only once the silent client gave up, about a second later.
    [ $(($(now_ms) - t0)) -ge 700 ]
}

@test "ch01: five concurrent /sleep/0.3 are answered one after another" {
    local i t0=$(now_ms) pids=()
    for i in 1 2 3 4 5; do
        httpc_get /sleep/0.3 >"$BATS_TEST_TMPDIR/r$i" &
        pids+=($!)
    done
    wait "${pids[@]}"
    [ "$(cat "$BATS_TEST_TMPDIR"/r* | grep -c '^Slept 0.3 s$')" -eq 5 ]
    [ $(($(now_ms) - t0)) -ge 1500 ] # 5 x 0.3 s: they queued
}

@test "ch01: a second server on a port in use fails with a clear message" {
    run "$(chapter_server 01)" --port "$PORT"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot listen on 127.0.0.1:$PORT: Address already in use"* ]]
}
