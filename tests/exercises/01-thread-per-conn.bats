#!/usr/bin/env bats
# tests/exercises/01-thread-per-conn.bats - exercise 01-thread-per-conn: a
# detached thread per connection. Runs against the binary in EX_BIN:
#
#     make check EX=01-thread-per-conn      # your exercises/ folder
#     EX_BIN=build/solutions/01-thread-per-conn/server bats tests/exercises/01-thread-per-conn.bats

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
}

# A field of /proc/SERVER_PID/status, such as Threads or VmSize (in kB).
proc_status() {
    awk -v f="$1:" '$1 == f { print $2 }' "/proc/$SERVER_PID/status"
}

# bg_get PATH FILE: GET PATH in the background, the answer into FILE; BG_PID
# is the client itself (not a subshell), so teardown can stop it.
bg_get() {
    "$HTTPC" --port "$PORT" --send "GET $1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" \
        >"$2" 2>&1 &
    BG_PID=$!
}

@test "thread: GET / still answers Hello, world" {
    run httpc_get /
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
    [ "$(response_body)" = "Hello, world" ]
}

@test "thread: /pid answers the server's own pid: threads share the process" {
    run httpc_get /pid
    [ "$(response_body)" = "$SERVER_PID" ]
}

@test "thread: a /sleep/1 does not hold up a concurrent / (hint 1)" {
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

@test "thread: 50 concurrent /sleep/0.5 are all answered (hint 1)" {
    local i pids=()
    for ((i = 0; i < 50; i++)); do
        "$HTTPC" --port "$PORT" --timeout 3 --send "GET /sleep/0.5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" \
            >"$BATS_TEST_TMPDIR/r$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true # one at a time would take 25 s: most time out
    local answered
    answered=$(cat "$BATS_TEST_TMPDIR"/r* | grep -c '^Slept 0.5 s$')
    echo "$answered of 50 answered within 3 s"
    [ "$answered" -eq 50 ]
}

@test "thread: finished threads free their stacks: 40 requests do not grow the server (hint 2)" {
    local i before after
    httpc_get / >/dev/null
    before=$(proc_status VmSize)
    for ((i = 0; i < 40; i++)); do
        httpc_get / >/dev/null
    done
    sleep 0.1 # the last thread may still be on its way out
    after=$(proc_status VmSize)
    echo "VmSize: ${before} kB before, ${after} kB after; threads: $(proc_status Threads)"
    # A thread that is neither joined nor detached keeps its 8 MiB stack:
    # 40 of them would add 320 MiB.
    [ $((after - before)) -lt $((100 * 1024)) ]
}

@test "thread: when pthread_create() fails, the client sees a close, not a hang, and the server goes on (hint 3)" {
    [[ "$EX_BIN" != */san/* ]] || skip "ulimit -v and AddressSanitizer's shadow memory do not mix"
    # Restart the server with room in its address space (ulimit -v) for
    # about two thread stacks more than it has: the third thread's stack
    # cannot be mapped, and pthread_create() returns EAGAIN.
    local stack_kb i statuses=() pids=()
    stack_kb=$(ulimit -s)
    [ "$stack_kb" != unlimited ] || stack_kb=2048 # glibc's default then
    local limit_kb=$(($(proc_status VmSize) + 2 * stack_kb + 4096))
    stop_server
    printf '#!/bin/sh\nulimit -v %s && exec "%s" "$@"\n' "$limit_kb" "$EX_BIN" >"$BATS_TEST_TMPDIR/limited"
    chmod +x "$BATS_TEST_TMPDIR/limited"
    start_server "$BATS_TEST_TMPDIR/limited"
    for ((i = 0; i < 6; i++)); do
        "$HTTPC" --port "$PORT" --timeout 4 --send "GET /sleep/1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" \
            >"$BATS_TEST_TMPDIR/r$i" 2>&1 &
        pids+=($!)
    done
    for ((i = 0; i < 6; i++)); do
        wait "${pids[$i]}" && statuses+=(0) || statuses+=($?)
    done
    grep -q pthread_create "$SERVER_LOG" ||
        skip "pthread_create() did not fail under ulimit -v $limit_kb"
    echo "httpc's exit statuses: ${statuses[*]} (0 answered, 4 closed by the server, 3 hung until the timeout)"
    cat "$BATS_TEST_TMPDIR"/r* | grep '^httpc:' || true
    [[ " ${statuses[*]} " != *" 3 "* ]] # a hang: the failed client's fd was never closed
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
}

@test "thread: SIGTERM stops the server with status 0 while a thread still serves (hint 4)" {
    bg_get /sleep/2 /dev/null
    sleep 0.3
    stop_server
    [ "$SERVER_STATUS" -eq 0 ]
}
