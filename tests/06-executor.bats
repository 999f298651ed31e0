#!/usr/bin/env bats
# tests/06-executor.bats - chapter 6's modules on their own: the thread
# pool (tests/unit/executor_test.c), and the counters chapter 6 added to
# chapter 3's IOLoop and chapter 4's TCPServer for /stats (their cases
# live in those chapters' unit tests, ioloop_test.c and tcpserver_test.c;
# they run here, with the chapter that uses them).

load helpers

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
