#!/usr/bin/env bats
# tests/exercises/02-poll-backend.bats - exercise 02-poll-backend: chapter 2's
# loop on poll(), past select()'s FD_SETSIZE. Runs against the binary in EX_BIN:
#
#     make check EX=02-poll-backend         # your exercises/ folder
#     EX_BIN=build/solutions/02-poll-backend/server bats tests/exercises/02-poll-backend.bats

load ../helpers

EX_BIN="${EX_BIN:?set EX_BIN to the server under test}"
case "$EX_BIN" in /*) ;; *) EX_BIN="$TOP/$EX_BIN" ;; esac

HOLD=1100 # connections held open: more than FD_SETSIZE (1024)

setup() {
    BG_PID=
    # The server inherits this shell's descriptor limit, so raise it before
    # starting the server: the usual soft limit of 1024 would stop accept()
    # with EMFILE near FD_SETSIZE, and the test would prove nothing.
    ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    start_server "$EX_BIN"
}

teardown() {
    if [ -n "$BG_PID" ]; then
        kill -TERM "$BG_PID" 2>/dev/null || true
        wait "$BG_PID" 2>/dev/null || true
    fi
    stop_server
}

# wait_file FILE PATTERN [SECONDS]: wait for FILE to match PATTERN.
wait_file() {
    local i
    for ((i = 0; i < ${3:-10} * 20; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# bg_get PATH FILE: GET PATH in the background, the answer into FILE; BG_PID
# is the client itself (not a subshell), so teardown can stop it.
bg_get() {
    "$HTTPC" --port "$PORT" --send "GET $1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" \
        >"$2" 2>&1 &
    BG_PID=$!
}

@test "poll: GET / still answers Hello, world" {
    run httpc_get /
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    [ "$(response_body)" = "Hello, world" ]
}

@test "poll: a /sleep/1 does not hold up a concurrent / (hint 3)" {
    local slow="$BATS_TEST_TMPDIR/slow"
    bg_get /sleep/1 "$slow"
    sleep 0.2
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
    [ ! -s "$slow" ] # / came back while /sleep/1 was still waiting
    wait "$BG_PID"
    BG_PID=
    grep -q "Slept 1 s" "$slow"
}

@test "poll: 2000 pipelined requests are all answered (hint 4)" {
    run httpc --status-only --repeat 2000 --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200 OK$')" -eq 2000 ]
}

@test "poll: with $HOLD connections open, a new one is answered and none was refused (hints 1, 2, 4)" {
    [ "$(ulimit -n)" -ge 2048 ] ||
        skip "cannot raise the descriptor limit (ulimit -Hn is $(ulimit -Hn))"
    local hold="$BATS_TEST_TMPDIR/hold"
    "$HTTPC" --port "$PORT" --hold "$HOLD" --hold-seconds 30 >"$hold" 2>&1 &
    BG_PID=$!
    wait_file "$hold" "^holding $HOLD connections" 20 || {
        cat "$hold"
        false
    }
    # This client's descriptor on the server is above $HOLD.
    run httpc --timeout 5 --send "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    echo "$output"
    grep -m 1 FD_SETSIZE "$SERVER_LOG" || true # the server refusing clients
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    kill -TERM "$BG_PID"
    wait "$BG_PID" || true
    BG_PID=
    cat "$hold"
    grep -q "^0 closed by server$" "$hold"
    [ -z "$(grep FD_SETSIZE "$SERVER_LOG")" ]
}

# The server's CPU time so far, in clock ticks (utime + stime, the 12th and
# 13th fields of /proc/PID/stat after "pid (comm) ").
cpu_ticks() {
    local line
    read -r line <"/proc/$SERVER_PID/stat"
    set -- ${line##*) }
    echo $((${12} + ${13}))
}

@test "poll: a sleeping connection whose client has reset does not make the loop spin (hint 2)" {
    local before after tck
    tck=$(getconf CLK_TCK)
    before=$(cpu_ticks)
    # The client gives up after 0.3 s and resets; the server sleeps on for
    # 1.7 s with nothing to read or write on that connection. An entry with
    # events 0 still gets POLLHUP and POLLERR: poll() would return at once,
    # again and again, until the deadline.
    run httpc --timeout 0.3 --reset --send "GET /sleep/2 HTTP/1.1\r\nHost: t\r\n\r\n"
    sleep 1.5
    after=$(cpu_ticks)
    echo "expected next to no CPU while the connection sleeps; the server used $(((after - before) * 1000 / tck)) ms in 1.8 s"
    [ $((after - before)) -lt $((tck * 6 / 10)) ]
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
}

@test "poll: SIGTERM stops the server with status 0 (hint 3)" {
    run httpc_get /
    stop_server
    [ "$SERVER_STATUS" -eq 0 ]
}
