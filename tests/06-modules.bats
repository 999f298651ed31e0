#!/usr/bin/env bats
# tests/06-modules.bats - chapter 6's modules on their own: process_fork
# (tests/unit/process_test.c, a scenario per run), the thread pool
# (tests/unit/executor_test.c), the counters chapter 6 added to
# chapter 3's IOLoop and chapter 4's TCPServer for /stats (their cases
# live in those chapters' unit tests, ioloop_test.c and tcpserver_test.c;
# they run here, with the chapter that uses them).

load helpers

PROCESS_TEST="$BUILD/tests/unit/process_test"

@test "ch06 process: unforked, the task id is -1" {
    run "$PROCESS_TEST" unforked
    [ "$status" -eq 0 ]
    [ "$output" = "-1" ]
}

@test "ch06 process: process_fork(3) returns task ids 0, 1, 2 in the children, each reseeded; all exit 0, so the parent exits 0" {
    run "$PROCESS_TEST" tasks
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -o '^task [0-9]' | sort | tr '\n' ' ')" = "task 0 task 1 task 2 " ]
    # Without srandom in each child, all three would draw the parent's
    # first random() (1804289383, glibc's unseeded value).
    [ "$(printf '%s\n' "$output" | grep '^task' | awk '{ print $4 }' | sort -u | wc -l)" -eq 3 ]
    [[ "$output" != *"random 1804289383"* ]]
    [[ "$output" == *"every child has exited"* ]]
}

@test "ch06 process: a child that exits non-zero is restarted with its task id; exit 0 is not restarted" {
    run "$PROCESS_TEST" restart "$BATS_TEST_TMPDIR"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c '^task 1 started')" -eq 2 ]
    [ "$(printf '%s\n' "$output" | grep -c '^task 0 started')" -eq 1 ]
    [[ "$output" == *"child 1 exited with status 3"* ]]
}

@test "ch06 process: past max_restarts (2) the parent gives up and exits 1" {
    run "$PROCESS_TEST" give_up
    [ "$status" -eq 1 ]
    [[ "$output" == *"too many child restarts (2), giving up"* ]]
    # 2 first runs + 2 restarts; the third failure gives up, and the last
    # restarted child may fail before its SIGTERM comes or be stopped.
    local runs
    runs=$(printf '%s\n' "$output" | grep -c '^task [01] failing')
    [ "$runs" -ge 3 ] && [ "$runs" -le 4 ]
}

@test "ch06 executor: a job runs on a worker thread and its future is resolved on the loop's thread; an error fails it" {
    unit executor_test results_on_the_loop_thread
}

@test "ch06 executor: a job cancelled before a worker takes it never runs (ECANCELED); a running one refuses the cancel" {
    unit executor_test cancel_before_start
}

@test "ch06 executor: shutdown waits for the running jobs, whose results are delivered on the next turn" {
    unit executor_test shutdown_waits
}

@test "ch06 executor: shutdown cancels the jobs still queued" {
    unit executor_test shutdown_cancels_the_queued
}

@test "ch06 executor: a full queue refuses a job at once with EAGAIN" {
    unit executor_test full_queue
}

@test "ch06 executor: executor_run awaits a job from a coroutine" {
    unit executor_test run_in_a_coroutine
}

@test "ch06 executor: two CPU-bound jobs on two threads take about the time of one (no GIL)" {
    [ "$(nproc)" -ge 2 ] || skip "one CPU: nothing runs in parallel"
    unit executor_test threads_run_in_parallel
}

@test "ch06 hooks: ioloop_get_stats splits the loop's time into waiting in poll and running callbacks" {
    unit ioloop_test stats_split_poll_and_work
}

@test "ch06 hooks: tcpserver_get_stats counts wake-ups, accepts and EAGAINs; one process wastes none" {
    unit tcpserver_test stats
}

@test "ch06 hooks: a server with tcpserver_set_exclusive (EPOLLEXCLUSIVE) accepts and counts the same" {
    unit tcpserver_test stats_exclusive
}

# ---- process_fork against Tornado 6.2's fork_processes ----
# tests/tornado/fork_demo.py runs process_test's scenarios on Tornado; its
# traces are committed in tests/tornado/expected/fork/.

FORK_DEMO="$TOP/tests/tornado/fork_demo.py"
FORK_EXPECTED="$TOP/tests/tornado/expected/fork"

# The C side's trace of a scenario, in fork_demo.py's form: the task
# lines sorted (give_up: none, their number varies), then the exit status.
c_trace() {
    local out status=0
    out=$("$PROCESS_TEST" "$@" 2>/dev/null) || status=$?
    [ "$1" = give_up ] || printf '%s\n' "$out" | grep '^task' | sed 's/ random .*//' | sort
    echo "exit $status"
}

@test "ch06 process: Tornado 6.2's fork_processes still gives the committed traces" {
    /usr/bin/python3 -c 'import tornado' 2>/dev/null || skip "python3-tornado not installed"
    local s
    for s in tasks give_up; do
        diff <(/usr/bin/python3 "$FORK_DEMO" "$s") "$FORK_EXPECTED/$s.txt"
    done
    diff <(/usr/bin/python3 "$FORK_DEMO" restart "$BATS_TEST_TMPDIR") "$FORK_EXPECTED/restart.txt"
}

@test "ch06 process: process_fork's traces are Tornado's: task ids, a non-zero exit restarted, exit 0 final, giving up" {
    local s
    for s in tasks give_up; do
        diff <(c_trace "$s") "$FORK_EXPECTED/$s.txt"
    done
    diff <(c_trace restart "$BATS_TEST_TMPDIR") "$FORK_EXPECTED/restart.txt"
}
