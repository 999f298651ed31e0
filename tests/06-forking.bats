#!/usr/bin/env bats
# tests/06-forking.bats - chapter 6's server: forked workers under a
# supervising parent (process.c), the thread pool (executor.c) behind
# /blocking-sleep and /cpu, and the accept counters of /stats. Every test
# stops every process it started, and checks that none is left. (The demo
# app's routes are checked in demo-app.bats.)

load helpers

SERVER_06="$(chapter_server 06)"

# Every test, whatever it checked, ends with no worker left: a survivor
# is killed, and fails the test.
teardown() {
    stop_server
    local pid left=""
    for pid in $(started_pids); do
        running "$pid" && left+=" $pid"
    done
    [ -z "$left" ] && return 0
    sleep 1 # PDEATHSIG's SIGTERM may still be draining one
    for pid in $left; do
        running "$pid" || continue
        kill -KILL "$pid" 2>/dev/null || true
        echo "worker $pid was left running" >&2
        return 1
    done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Every worker pid the parent has logged starting ("started child T (pid N)").
started_pids() {
    [ -f "${SERVER_LOG:-}" ] || return 0
    sed -n 's/.*started child [0-9]* (pid \([0-9]*\)).*/\1/p' "$SERVER_LOG"
}

# The newest pid of task T.
task_pid() {
    sed -n "s/.*started child $1 (pid \([0-9]*\)).*/\1/p" "$SERVER_LOG" | tail -n 1
}

# The live children of the server's parent process.
children() { pgrep -P "$SERVER_PID" | sort; }

# Whether pid runs: a zombie (an orphan whose new parent, bats's shell
# perhaps, has not reaped it yet) has exited and does not count.
running() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# No worker the parent ever started, nor the parent (its pid in $1), is
# alive 1 s from now at the latest.
none_left() {
    local i pid alive
    for ((i = 0; i < 20; i++)); do
        alive=""
        for pid in "$@" $(started_pids); do
            running "$pid" && alive+=" $pid"
        done
        [ -z "$alive" ] && return 0
        sleep 0.05
    done
    echo "still alive:$alive" >&2
    return 1
}

# The server was told to stop already: it must exit 0, nothing from the
# sanitizers in its log (stop_clean, for a server that has gone).
exited_clean() {
    local status=0
    wait "$SERVER_PID" || status=$?
    SERVER_PID=
    [ "$status" -eq 0 ]
    ! grep -E "Sanitizer|runtime error" "$SERVER_LOG"
}

# The sum of one counter of the "stats:" lines the workers log at exit.
stats_sum() {
    grep -o "stats: .*" "$SERVER_LOG" |
        awk -v f="$1" '{ for (i = 2; i < NF; i++) if ($i == f) s += $(i + 1) } END { print s + 0 }'
}

@test "ch06 server: --procs 2 prints its ready line once both workers accept, and stops with 0, no process left" {
    start_server "$SERVER_06" --procs 2
    [ "$(grep -c "accepting (pid" "$SERVER_LOG")" -eq 2 ]
    [ "$(children | wc -l)" -eq 2 ]
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
    local parent=$SERVER_PID
    stop_clean
    none_left "$parent"
}

@test "ch06 server: --procs 0 starts one worker per CPU this process may use; SIGINT stops them all with 0" {
    local cpus
    cpus=$(nproc) # sched_getaffinity's count, as process_cpu_count's
    start_server "$SERVER_06" --procs 0
    [ "$(grep -c "accepting (pid" "$SERVER_LOG")" -eq "$cpus" ]
    [ "$(children | wc -l)" -eq "$cpus" ]
    local parent=$SERVER_PID
    kill -INT "$SERVER_PID"
    exited_clean
    none_left "$parent"
}

@test "ch06 server: two staggered /blocking-sleep/1 under --procs 2 are answered by two different pids, together" {
    start_server "$SERVER_06" --procs 2
    local t0=$(now_ms)
    httpc_get /blocking-sleep/1 >"$BATS_TEST_TMPDIR/a" &
    local a=$!
    sleep 0.2 # the first worker is inside its sleep: the other accepts
    httpc_get /blocking-sleep/1 >"$BATS_TEST_TMPDIR/b"
    wait "$a"
    local ms=$(($(now_ms) - t0))
    local pa pb
    pa=$(grep -o "pid [0-9]*" "$BATS_TEST_TMPDIR/a")
    pb=$(grep -o "pid [0-9]*" "$BATS_TEST_TMPDIR/b")
    echo "$pa, $pb, ${ms} ms"
    [ -n "$pa" ] && [ -n "$pb" ] && [ "$pa" != "$pb" ]
    [ "$ms" -lt 1900 ] # one process would take 2 s
    stop_clean
}

@test "ch06 server: /cpu/100 stalls a / in one process, not under --procs 2" {
    local procs slow
    for procs in 1 2; do
        start_server "$SERVER_06" --procs "$procs"
        slow="$BATS_TEST_TMPDIR/slow.$procs"
        httpc_get /cpu/100 >"$slow" &
        local bg=$!
        sleep 0.2
        run httpc_get /
        [ "$(response_body)" = "Hello, world" ]
        if [ "$procs" = 1 ]; then [ -s "$slow" ]; else [ ! -s "$slow" ]; fi
        wait "$bg"
        stop_clean
    done
}

@test "ch06 supervision: a worker killed with SIGKILL is restarted with the same task id, and the new one serves" {
    start_server "$SERVER_06" --procs 2
    local old other new
    old=$(task_pid 0)
    other=$(task_pid 1)
    kill -KILL "$old"
    wait_for_line "$SERVER_LOG" "child 0 exited with signal 9"
    wait_for_line "$SERVER_LOG" "worker 0 accepting \(pid [0-9]+\)"
    for ((i = 0; i < 100; i++)); do
        new=$(task_pid 0)
        [ "$new" != "$old" ] && grep -q "worker 0 accepting (pid $new)" "$SERVER_LOG" && break
        sleep 0.05
    done
    [ "$new" != "$old" ]
    kill -STOP "$other" # only the new task 0 can accept now
    run httpc --timeout 5 --send "GET /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    kill -CONT "$other"
    [[ "$(response_body)" == "task 0 pid $new "* ]]
    local parent=$SERVER_PID
    stop_clean
    none_left "$parent"
}

@test "ch06 supervision: a worker that exits 0 is not restarted; when all have, the parent exits 0" {
    start_server "$SERVER_06" --procs 2 --exit-after 1
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
    wait_for_line "$SERVER_LOG" "child [01] exited normally"
    sleep 0.3
    [ "$(children | wc -l)" -eq 1 ]
    [ "$(grep -c "started child" "$SERVER_LOG")" -eq 2 ]
    run httpc_get /
    [ "$(response_body)" = "Hello, world" ]
    wait_for_line "$SERVER_LOG" "every child has exited"
    local i
    for ((i = 0; i < 40; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    local parent=$SERVER_PID
    exited_clean
    [ "$(grep -c "started child" "$SERVER_LOG")" -eq 2 ]
    none_left "$parent"
}

@test "ch06 supervision: more restarts than --max-restarts: the parent stops the rest and exits 1" {
    start_server "$SERVER_06" --procs 2 --max-restarts 1
    local parent=$SERVER_PID first
    first=$(task_pid 0)
    kill -KILL "$first"
    wait_for_line "$SERVER_LOG" "worker 0 accepting \(pid [0-9]+\)"
    for ((i = 0; i < 100; i++)); do [ "$(task_pid 0)" != "$first" ] && break; sleep 0.05; done
    kill -KILL "$(task_pid 1)"
    wait_for_line "$SERVER_LOG" "too many child restarts \(1\), giving up"
    local status=0
    wait "$SERVER_PID" || status=$?
    SERVER_PID=
    [ "$status" -eq 1 ]
    none_left "$parent"
}

@test "ch06 supervision: SIGTERM with 20 /sleep/1 in flight: every one answered 200, exit 0, no process left" {
    start_server "$SERVER_06" --procs 2
    local i pids=() parent=$SERVER_PID
    for ((i = 0; i < 20; i++)); do
        httpc_get /sleep/1 >"$BATS_TEST_TMPDIR/r$i" &
        pids+=($!)
    done
    sleep 0.4
    kill -TERM "$SERVER_PID"
    wait "${pids[@]}"
    [ "$(cat "$BATS_TEST_TMPDIR"/r* | grep -c '^Slept 1 s$')" -eq 20 ]
    exited_clean
    none_left "$parent"
}

@test "ch06 supervision: the parent killed with SIGKILL: no worker is left 1 s later" {
    start_server "$SERVER_06" --procs 2
    local parent=$SERVER_PID
    [ "$(children | wc -l)" -eq 2 ]
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    none_left "$parent"
}

@test "ch06 supervision: SIGHUP replaces every worker one by one; a client looping meanwhile is never refused" {
    start_server "$SERVER_06" --procs 2
    local before after failures=0 ok=0 i
    before=$(children | tr '\n' ' ')
    (
        for ((i = 0; i < 400; i++)); do
            if httpc --timeout 5 --send "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" | grep -q "Hello, world"; then
                echo ok
            else
                echo FAIL
            fi
            [ -e "$BATS_TEST_TMPDIR/done" ] && break
        done >"$BATS_TEST_TMPDIR/loop"
    ) &
    local loop=$!
    sleep 0.3
    kill -HUP "$SERVER_PID"
    wait_for_line "$SERVER_LOG" "every child replaced"
    sleep 0.3
    touch "$BATS_TEST_TMPDIR/done"
    wait "$loop"
    after=$(children | tr '\n' ' ')
    ok=$(grep -c '^ok$' "$BATS_TEST_TMPDIR/loop")
    failures=$(grep -c '^FAIL$' "$BATS_TEST_TMPDIR/loop" || true)
    echo "before: $before after: $after ok: $ok failed: $failures"
    [ "$failures" -eq 0 ]
    [ "$ok" -gt 10 ]
    for i in $before; do [[ " $after " != *" $i "* ]]; done
    [ "$(grep -c "started child" "$SERVER_LOG")" -eq 4 ]
    local parent=$SERVER_PID
    stop_clean
    none_left "$parent"
}

# ---- the thread pool ----

# Seconds (in ms) for N concurrent GETs of PATH.
concurrent_ms() {
    local n=$1 path=$2 i pids=() t0
    t0=$(now_ms)
    for ((i = 0; i < n; i++)); do
        httpc_get "$path" >"$BATS_TEST_TMPDIR/c$i" &
        pids+=($!)
    done
    wait "${pids[@]}"
    echo $(($(now_ms) - t0))
}

@test "ch06 executor: 20 concurrent /blocking-sleep/0.2: one at a time inline (~4 s), together with --threads 30" {
    local inline pooled
    start_server "$SERVER_06"
    inline=$(concurrent_ms 20 /blocking-sleep/0.2)
    [ "$(cat "$BATS_TEST_TMPDIR"/c* | grep -c '^Slept 0.2 s (blocking')" -eq 20 ]
    stop_clean
    start_server "$SERVER_06" --threads 30
    pooled=$(concurrent_ms 20 /blocking-sleep/0.2)
    [ "$(cat "$BATS_TEST_TMPDIR"/c* | grep -c '^Slept 0.2 s (blocking')" -eq 20 ]
    stop_clean
    echo "inline ${inline} ms, --threads 30 ${pooled} ms"
    echo "inline $((20000 / inline)) req/s, pooled $((20000 / pooled)) req/s" >&3
    [ "$inline" -ge 3800 ]
    [ "$pooled" -lt 2000 ]
}

@test "ch06 executor: two /cpu/N on --threads 2 take about the time of one (no GIL), on two cores" {
    [ "$(nproc)" -ge 2 ] || skip "one CPU: nothing runs in parallel"
    start_server "$SERVER_06" --threads 2
    local one two try best=0
    # The best of three: the two cores are shared with whatever else runs.
    for try in 1 2 3; do
        one=$(concurrent_ms 1 /cpu/50)
        two=$(concurrent_ms 2 /cpu/50)
        echo "one ${one} ms, two ${two} ms" >&3
        [ "$two" -lt $((one * 17 / 10)) ] && best=1 && break
    done
    stop_clean
    [ "$best" -eq 1 ]
}

@test "ch06 executor: a full queue answers 503 at once (--threads 1 --queue 1)" {
    start_server "$SERVER_06" --threads 1 --queue 1
    httpc_get /blocking-sleep/1 >"$BATS_TEST_TMPDIR/a" &
    local a=$!
    sleep 0.2
    httpc_get /blocking-sleep/1 >"$BATS_TEST_TMPDIR/b" &
    local b=$!
    sleep 0.2
    run httpc_get /blocking-sleep/1
    [[ "${lines[0]}" == "HTTP/1.1 503 Service Unavailable"* ]]
    wait "$a" "$b"
    grep -q "Slept 1 s" "$BATS_TEST_TMPDIR/a"
    grep -q "Slept 1 s" "$BATS_TEST_TMPDIR/b"
    stop_clean
}

# ---- the accept counters ----

# ROUNDS (default 1) of 400 connections at once against 4 workers started
# with the arguments given; sets WASTED, WAKEUPS, ACCEPTED from the
# workers' exit lines, and prints the figures for the book.
accept_run() {
    local round rounds=${ROUNDS:-1}
    start_server "$SERVER_06" --procs 4 "$@"
    for ((round = 0; round < rounds; round++)); do
        run httpc --hold 400 --hold-seconds 10 --send "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        [[ "$output" == *"400 answered 200"* ]]
    done
    stop_clean
    WASTED=$(stats_sum wasted) WAKEUPS=$(stats_sum wakeups) ACCEPTED=$(stats_sum accepted)
    echo "${*:-shared}: accepted $ACCEPTED, wake-ups $WAKEUPS, wasted $WASTED," \
         "switches $(stats_sum switches); per worker:" \
         "$(grep -o 'accepted [0-9]*' "$SERVER_LOG" | awk '{ print $2 }' | tr '\n' ' ')" >&3
    [ "$ACCEPTED" -eq $((400 * rounds)) ]
}

@test "ch06 accept: one shared socket, 4 workers, 3 x 400 connections: some wake-ups find nothing (EAGAIN)" {
    # The herd is mostly hidden: epoll checks the listener again before it
    # reports it, so most losers sleep on inside epoll_wait (their wake-ups
    # show as context switches). The ones that lose the race after it are
    # counted as wasted: 1200 connections usually make dozens, but not
    # always one, so a run that shows none is tried again, twice.
    local try
    for try in 1 2 3; do
        ROUNDS=3 accept_run
        [ "$WASTED" -gt 0 ] && break
    done
    [ "$WASTED" -gt 0 ]
    [ "$(stats_sum eagain)" -gt 0 ]
}

@test "ch06 accept: --exclusive: few wasted wake-ups" {
    accept_run --exclusive
    [ "$WASTED" -le $((WAKEUPS / 4 + 2)) ]
}

@test "ch06 accept: --reuseport: a socket per worker, no wasted wake-up" {
    accept_run --reuseport
    [ "$WASTED" -eq 0 ]
}

@test "ch06 watchdog: --blocking-threshold 0.1: a 300 ms blocking handler is reported once, with a backtrace; a 300 ms /sleep is not" {
    start_server "$SERVER_06" --blocking-threshold 0.1
    run httpc_get /sleep/0.3
    [ "$(response_body)" = "Slept 0.3 s" ]
    sleep 0.2
    [ "$(grep -c "the loop has been held" "$SERVER_LOG")" -eq 0 ]
    run httpc_get /blocking-sleep/0.3
    [[ "$(response_body)" == "Slept 0.3 s (blocking, pid $SERVER_PID)" ]]
    sleep 0.2
    cat "$SERVER_LOG"
    [ "$(grep -c "the loop has been held for 0\.[0-9]* s (threshold 0.1 s)" "$SERVER_LOG")" -eq 1 ]
    [ "$(grep -c "the loop's thread is here:" "$SERVER_LOG")" -eq 1 ]
    grep -q "nanosleep" "$SERVER_LOG"
    stop_clean
    run "$SERVER_06" --blocking-threshold 0
    [ "$status" -eq 2 ]
    run "$SERVER_06" --blocking-threshold soon
    [ "$status" -eq 2 ]
}

@test "ch06 server: /stats names the worker and its counters; bad arguments exit 2" {
    start_server "$SERVER_06"
    run httpc_get /stats
    [[ "$(response_body)" =~ ^task\ -1\ pid\ $SERVER_PID\ requests\ 1\ wakeups\ 1\ wasted\ 0\ accepted\ 1\ eagain\ [0-9]+\ switches\ [0-9]+\ busy\ [0-9.]+$ ]]
    stop_clean
    run "$SERVER_06" --reuseport --exclusive
    [ "$status" -eq 2 ]
    run "$SERVER_06" --procs -1
    [ "$status" -eq 2 ]
    run "$SERVER_06" --threads x
    [ "$status" -eq 2 ]
}
