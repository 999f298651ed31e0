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
    local sent="yes"
    exec {SOCK}<>"/dev/tcp/127.0.0.1/$PORT"
    printf 'GET /sleep/0.8 HTTP/1.1\r\nHost: t\r\n\r\n' >&"$SOCK"
    sleep 1.3 # the answer came at 0.8 s; the request arrived 1.3 s ago
    # From a subshell that ignores SIGPIPE: if the server has closed the
    # connection, the write fails there, and this test says so.
    (trap '' PIPE; printf 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&"$SOCK") 2>/dev/null ||
        sent="no: the server had closed the connection"
    run timeout 5 cat <&"$SOCK"
    echo "expected, on one keep-alive connection: 'Slept 0.8 s' (GET /sleep/0.8), then"
    echo "'Hello, world' (a GET / sent 0.5 s after that answer, 1.3 s after the first request)"
    echo "the second request sent: $sent"
    echo "what came instead:"
    printf '%s\n' "$output" | sed 's/^/    /'
    [[ "$output" == *"Slept 0.8 s"* ]]
    # Missing: the server closed 1 s after the first request arrived, not
    # 1 s after its answer was sent (hint 3: restart the clock in conn_flush).
    [[ "$output" == *"Hello, world"* ]]
}

@test "idle: a client slow to read its answers is not idle: 100000 pipelined answers, read after 2 s, all arrive (hint 4)" {
    # The answers (about 10 MB) overfill the socket buffers, so the server
    # sits in CONN_WRITING, waiting for this client to read, for 2 s. No
    # --rcvbuf here: a receive buffer smaller than loopback's 64 KB segments
    # makes the kernel drop some, and the retransmission backoff (over 1 s)
    # then holds up our requests while the server, rightly, counts idle time.
    run httpc --read-delay 2000 --timeout 30 --status-only \
        --repeat 100000 --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    local answered
    answered=$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200 OK$')
    echo "expected 100000 answers, got $answered; httpc said: $(printf '%s\n' "$output" | grep -o 'httpc: .*' | head -n 1)"
    [ "$answered" -eq 100000 ] # fewer: closed while writing, as if idle
}

@test "idle: /sleep/2 is not cut off: the server is busy, not the client (hint 4)" {
    run httpc_get /sleep/2
    [ "$status" -eq 0 ]
    [ "$(response_body)" = "Slept 2 s" ]
}
