#!/usr/bin/env bats
# tests/exercises/01-fork-per-conn.bats - exercise 01-fork-per-conn: a child
# process per connection. Runs against the binary in EX_BIN:
#
#     make check EX=01-fork-per-conn        # your exercises/ folder
#     EX_BIN=build/solutions/01-fork-per-conn/server bats tests/exercises/01-fork-per-conn.bats

load ../helpers

EX_BIN="${EX_BIN:?set EX_BIN to the server under test}"
case "$EX_BIN" in /*) ;; *) EX_BIN="$TOP/$EX_BIN" ;; esac

setup() {
    BG_PID=
    start_server "$EX_BIN"
}

teardown() {
    if [ -n "$BG_PID" ]; then
        kill -TERM "$BG_PID" 2>/dev/null || true
        wait "$BG_PID" 2>/dev/null || true
    fi
    stop_server
    # A child that went back to the accept loop (hint 1) never exits: stop
    # every copy of the server left in this suite's process group, or they
    # would outlive it (and bats would wait for them).
    local pid exe pgid
    exe=$(readlink -f "$EX_BIN")
    pgid=$(ps -o pgid= -p $$ | tr -d ' ')
    for pid in $(pgrep -g "$pgid"); do
        [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$exe" ] || kill -KILL "$pid" 2>/dev/null || true
    done
}

# How many children of the server have exited and not been reaped (state Z
# in /proc/PID/stat, whose fields after "pid (comm) " are: state ppid ...).
zombies() {
    local stat line n=0
    for stat in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$stat" || continue
        set -- ${line##*) }
        [ "$1" = Z ] && [ "$2" = "$SERVER_PID" ] && n=$((n + 1))
    done
    echo "$n"
}

# The server's children, in any state, as pids on one line.
children() {
    local stat line pids=()
    for stat in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$stat" || continue
        set -- ${line##*) }
        [ "$2" = "$SERVER_PID" ] && pids+=("${stat//[^0-9]/}")
    done
    echo "${pids[*]}"
}

# bg_get PATH FILE: GET PATH in the background, the answer into FILE; BG_PID
# is the client itself (not a subshell), so teardown can stop it.
bg_get() {
    "$HTTPC" --port "$PORT" --send "GET $1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" \
        >"$2" 2>&1 &
    BG_PID=$!
}

@test "fork: GET / still answers Hello, world" {
    run httpc_get /
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    [ "$(response_body)" = "Hello, world" ]
}

@test "fork: /pid answers a child's pid, not the server's (hint 1)" {
    run httpc_get /pid
    [ "$status" -eq 0 ]
    local pid
    pid=$(response_body)
    [[ "$pid" =~ ^[0-9]+$ ]]
    echo "server $SERVER_PID answered $pid"
    [ "$pid" != "$SERVER_PID" ]
}

@test "fork: a /sleep/1 does not hold up a concurrent / (hint 1)" {
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

@test "fork: the connection closes after its answer: the parent closed its copy (hint 2)" {
    run httpc --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n" --expect-close --timeout 5
    echo "$output"
    [ "$status" -eq 0 ] # 3: the server never closed (a copy of the fd is still open)
    [[ "$output" == *"Hello, world"* ]]
}

@test "fork: after 20 requests no zombie child is left (hint 3)" {
    local i n
    for ((i = 0; i < 20; i++)); do
        httpc_get / >/dev/null
    done
    for ((i = 0; i < 40; i++)); do # the last child may still be exiting
        n=$(zombies)
        [ "$n" -eq 0 ] && break
        sleep 0.05
    done
    echo "$n zombie children of $SERVER_PID"
    [ "$n" -eq 0 ]
    run httpc_get / # SIGCHLD interrupted nothing fatal
    [ "$(response_body)" = "Hello, world" ]
}

@test "fork: each child exits when its client is served: none goes back to the accept loop (hint 1)" {
    local i left
    for ((i = 0; i < 5; i++)); do
        httpc_get / >/dev/null
    done
    for ((i = 0; i < 40; i++)); do # the last child may still be exiting
        left=$(children)
        [ -z "$left" ] && break
        sleep 0.05
    done
    echo "children of $SERVER_PID still there after 5 requests: ${left:-none}"
    # A child that returns instead of calling _exit(0) runs the accept loop
    # itself: stop such children here, or they would outlive the test.
    [ -z "$left" ]
}

@test "fork: 20 children that exit at once are all reaped: one SIGCHLD may stand for several (hint 3)" {
    local i n pids=()
    for ((i = 0; i < 20; i++)); do
        "$HTTPC" --port "$PORT" --timeout 5 --send "GET /sleep/0.5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" \
            >"$BATS_TEST_TMPDIR/r$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    [ "$(cat "$BATS_TEST_TMPDIR"/r* | grep -c '^Slept 0.5 s$')" -eq 20 ]
    for ((i = 0; i < 40; i++)); do
        n=$(zombies)
        [ "$n" -eq 0 ] && break
        sleep 0.05
    done
    echo "expected no zombie child; $n left (reap in a loop: while (waitpid(-1, NULL, WNOHANG) > 0))"
    [ "$n" -eq 0 ]
}

@test "fork: SIGTERM stops the server with status 0 (hint 4)" {
    run httpc_get /
    stop_server
    [ "$SERVER_STATUS" -eq 0 ]
}

@test "fork: after SIGTERM the port is closed, while a child finishes its /sleep/1 (hint 2)" {
    local slow="$BATS_TEST_TMPDIR/slow"
    bg_get /sleep/1 "$slow"
    sleep 0.2
    stop_server
    [ "$SERVER_STATUS" -eq 0 ]
    run httpc --timeout 2 --send "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    echo "$output"
    [ "$status" -eq 1 ] # refused; anything else: a child still holds the listener
    [[ "$output" == *"Connection refused"* ]]
    wait "$BG_PID"
    BG_PID=
    grep -q "Slept 1 s" "$slow"
}
