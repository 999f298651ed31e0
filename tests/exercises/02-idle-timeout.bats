#!/usr/bin/env bats
# tests/exercises/02-idle-timeout.bats - exercise 02-idle-timeout: close a
# connection idle for IDLE_TIMEOUT_MS (1 s). Runs against the binary in EX_BIN:
#
#     make check EX=02-idle-timeout         # your exercises/ folder
#     EX_BIN=build/solutions/02-idle-timeout/server bats tests/exercises/02-idle-timeout.bats

load ../helpers

EX_BIN="${EX_BIN:?set EX_BIN to the server under test}"
case "$EX_BIN" in /*) ;; *) EX_BIN="$TOP/$EX_BIN" ;; esac

setup() {
    SOCK=
    start_server "$EX_BIN"
}

teardown() {
    if [ -n "$SOCK" ]; then exec {SOCK}>&-; fi
    stop_server
}

# The "closed by server after S s" note of httpc --expect-close, in ms.
closed_after_ms() {
    local s
    s=$(printf '%s\n' "$output" | sed -n 's/^closed by server after \([0-9.]*\) s$/\1/p')
    [ -n "$s" ] && awk -v s="$s" 'BEGIN { printf "%d\n", s * 1000 }'
}

@test "idle: GET / still answers Hello, world" {
    run httpc_get /
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    [ "$(response_body)" = "Hello, world" ]
}

@test "idle: a connection that sends nothing is closed after the timeout (hints 1-2)" {
    run httpc --expect-close --timeout 5
    echo "$output"
    [ "$status" -eq 0 ] # 3: still open after 5 s
    # Closed by the timer, not at once: 1 s, give or take the loop's wake-up.
    [ "$(closed_after_ms)" -ge 500 ]
}

@test "idle: a keep-alive connection idle after its answer is closed (hint 3)" {
    run httpc --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n" --expect-close --timeout 5
    echo "$output"
    [ "$status" -eq 0 ] # 3: still open after 5 s
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    [ "$(closed_after_ms)" -ge 500 ]
}

@test "idle: a slow client sending a byte every 200 ms is answered, not cut off (hint 3)" {
    # 18 bytes: 3.4 s in all, far past the timeout, but never 1 s silent.
    run httpc --byte-delay 200 --send "GET / HTTP/1.0\r\n\r\n"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    [[ "$output" == *"Hello, world"* ]]
}

@test "idle: the clock restarts when an answer is sent: a request 0.5 s after a /sleep/0.8 is served (hint 3)" {
    # One keep-alive connection, by hand: httpc cannot pause between requests.
    exec {SOCK}<>"/dev/tcp/127.0.0.1/$PORT"
    printf 'GET /sleep/0.8 HTTP/1.1\r\nHost: t\r\n\r\n' >&"$SOCK"
    sleep 1.3 # the answer came at 0.8 s; the request arrived 1.3 s ago
    printf 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&"$SOCK" || true
    run timeout 5 cat <&"$SOCK"
    echo "$output"
    [[ "$output" == *"Slept 0.8 s"* ]]
    [[ "$output" == *"Hello, world"* ]] # missing: closed 1 s after the first request
}

@test "idle: /sleep/2 is not cut off: the server is busy, not the client (hint 4)" {
    run httpc_get /sleep/2
    [ "$status" -eq 0 ]
    [ "$(response_body)" = "Slept 2 s" ]
}
