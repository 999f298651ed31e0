#!/usr/bin/env bats
# tests/03-ioloop.bats - chapter 3: the IOLoop's unit tests (on both
# backends) and what the chapter's server does under load.
# (The demo app's routes are checked per backend in demo-app.bats.)

load helpers

SERVER_03="$(chapter_server 03)"

teardown() {
    [ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
    stop_server
}

# The server's user+system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

@test "ch03: 10,000 concurrent /sleep/1 on epoll are all answered within a few seconds" {
    raise_nofile 10100 || skip "the descriptor limit cannot reach 10100 (hard: $(ulimit -Hn))"
    start_server "$SERVER_03" --backend epoll
    local t0=$(now_ms)
    run httpc --hold 10000 --hold-seconds 20 --send "GET /sleep/1 HTTP/1.1\r\nHost: t\r\n\r\n"
    local ms=$(($(now_ms) - t0)) ticks=$(cpu_ticks)
    echo "$output"
    echo "elapsed ${ms} ms; server CPU ${ticks} ticks of 1/$(getconf CLK_TCK) s"
    [ "$status" -eq 0 ]
    [[ "$output" == *"10000 answered 200"* ]]
    # Loose bounds: they prove the sleeps overlap (serialised, they would
    # take 10,000 s) and that nobody polls in a busy loop, not speed.
    [ "$ms" -lt 15000 ]
    [ "$ticks" -lt $((5 * $(getconf CLK_TCK))) ]
}

@test "ch03: select backend refuses descriptors beyond FD_SETSIZE and keeps serving" {
    ulimit -n 2048 2>/dev/null || skip "cannot set the descriptor limit to 2048"
    start_server "$SERVER_03" --backend select
    run httpc --hold 1100 --hold-seconds 10 --send "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    echo "$output"
    [ "$status" -eq 0 ]
    # Every connection is answered or refused: about 80 got a descriptor
    # >= 1024, which select cannot watch, and were closed at once.
    local answered closed
    answered=$(sed -n 's/^\([0-9]*\) answered 200$/\1/p' <<<"$output")
    closed=$(sed -n 's/^\([0-9]*\) closed by server$/\1/p' <<<"$output")
    [ "$closed" -gt 50 ] && [ "$closed" -lt 200 ]
    [ $((answered + closed)) -eq 1100 ]
    grep -q "fd 10[0-9][0-9]: cannot watch it (Numerical result out of range); closing" \
        "$SERVER_LOG"
    run httpc_get / # the holder has gone: low descriptors again
    [ "$status" -eq 0 ]
    [ "$(response_body)" = "Hello, world" ]
    kill -0 "$SERVER_PID"
}

@test "ch03: a sleeping request costs no CPU (no busy loop while timers wait)" {
    raise_nofile 2100 || true
    start_server "$SERVER_03"
    httpc --hold 1000 --hold-seconds 10 --send "GET /sleep/2 HTTP/1.1\r\nHost: t\r\n\r\n" \
        >"$BATS_TEST_TMPDIR/holder" &
    HOLDER=$!
    wait_for_line "$BATS_TEST_TMPDIR/holder" holding
    sleep 0.3 # the last requests are read; now all 1000 sleep
    local before=$(cpu_ticks)
    sleep 1
    local used=$(($(cpu_ticks) - before))
    echo "server CPU over the sleeping second: $used ticks"
    # A loop polling with a zero timeout would burn ~100 ticks in a second.
    [ "$used" -lt 20 ]
    wait "$HOLDER"
    HOLDER=
    grep -q "^1000 answered 200$" "$BATS_TEST_TMPDIR/holder"
}

@test "ch03: SIGTERM while 100 requests sleep: a clean exit, status 0" {
    start_server "$SERVER_03"
    httpc --hold 100 --hold-seconds 20 --send "GET /sleep/10 HTTP/1.1\r\nHost: t\r\n\r\n" \
        >"$BATS_TEST_TMPDIR/holder" &
    HOLDER=$!
    wait_for_line "$BATS_TEST_TMPDIR/holder" holding
    sleep 0.2 # the requests are read: 100 timeouts pending
    stop_server
    # Under SAN=1 a leak would make the exit status non-zero as well.
    [ "$SERVER_STATUS" -eq 0 ]
    grep -q "stopping" "$SERVER_LOG"
    wait "$HOLDER" # every connection closed: the holder ends at once
    HOLDER=
    grep -q "^100 closed by server$" "$BATS_TEST_TMPDIR/holder"
    grep -q "^0 answered 200$" "$BATS_TEST_TMPDIR/holder"
}

# ---- unit tests: tests/unit/ioloop_test.c, tests/unit/timer_heap_test.c ----

@test "ch03: ioloop (epoll): timers fire in deadline order, ties in insertion order" {
    unit ioloop_test timers_in_order_epoll
}

@test "ch03: ioloop (select): timers fire in deadline order, ties in insertion order" {
    unit ioloop_test timers_in_order_select
}

@test "ch03: ioloop (epoll): a removed timeout never runs; removing it again, 0 or an invented handle is ENOENT" {
    unit ioloop_test remove_timeout_epoll
}

@test "ch03: ioloop (select): a removed timeout never runs; removing it again, 0 or an invented handle is ENOENT" {
    unit ioloop_test remove_timeout_select
}

@test "ch03: ioloop (epoll): a timeout removed by an earlier one due in the same iteration does not run" {
    unit ioloop_test timeout_removed_by_earlier_epoll
}

@test "ch03: ioloop (select): a timeout removed by an earlier one due in the same iteration does not run" {
    unit ioloop_test timeout_removed_by_earlier_select
}

@test "ch03: ioloop (epoll): a timeout re-added with a past deadline does not hold back the ones due" {
    unit ioloop_test past_deadline_does_not_delay_due_epoll
}

@test "ch03: ioloop (select): a timeout re-added with a past deadline does not hold back the ones due" {
    unit ioloop_test past_deadline_does_not_delay_due_select
}

@test "ch03: ioloop (epoll): callbacks run FIFO; one added by a callback runs after this iteration's I/O" {
    unit ioloop_test callbacks_fifo_next_iteration_epoll
}

@test "ch03: ioloop (select): callbacks run FIFO; one added by a callback runs after this iteration's I/O" {
    unit ioloop_test callbacks_fifo_next_iteration_select
}

@test "ch03: ioloop (epoll): a callback or timeout re-adding itself for ever does not starve I/O or timers" {
    unit ioloop_test self_adding_callback_no_starvation_epoll
}

@test "ch03: ioloop (select): a callback or timeout re-adding itself for ever does not starve I/O or timers" {
    unit ioloop_test self_adding_callback_no_starvation_select
}

@test "ch03: ioloop (epoll): a callback added from another thread wakes a loop blocked in poll" {
    unit ioloop_test callback_from_thread_wakes_loop_epoll
}

@test "ch03: ioloop (select): a callback added from another thread wakes a loop blocked in poll" {
    unit ioloop_test callback_from_thread_wakes_loop_select
}

@test "ch03: ioloop (epoll): callbacks from four threads at once: none lost, each thread's in order" {
    unit ioloop_test callbacks_from_many_threads_epoll
}

@test "ch03: ioloop (select): callbacks from four threads at once: none lost, each thread's in order" {
    unit ioloop_test callbacks_from_many_threads_select
}

@test "ch03: ioloop (epoll): ioloop_stop from another thread, and before start" {
    unit ioloop_test stop_from_thread_and_before_start_epoll
}

@test "ch03: ioloop (select): ioloop_stop from another thread, and before start" {
    unit ioloop_test stop_from_thread_and_before_start_select
}

@test "ch03: ioloop (epoll): a handler gets IOLOOP_READ, then IOLOOP_WRITE after update_handler" {
    unit ioloop_test handler_read_then_write_epoll
}

@test "ch03: ioloop (select): a handler gets IOLOOP_READ, then IOLOOP_WRITE after update_handler" {
    unit ioloop_test handler_read_then_write_select
}

@test "ch03: ioloop (epoll): a handler removed mid-batch: its stale event misses the reused descriptor" {
    unit ioloop_test remove_handler_drops_stale_event_epoll
}

@test "ch03: ioloop (select): a handler removed mid-batch: its stale event misses the reused descriptor" {
    unit ioloop_test remove_handler_drops_stale_event_select
}

@test "ch03: ioloop (epoll): bad handler calls fail with EBADF, EEXIST, ENOENT (ERANGE past FD_SETSIZE on select)" {
    unit ioloop_test handler_bad_input_epoll
}

@test "ch03: ioloop (select): bad handler calls fail with EBADF, EEXIST, ENOENT (ERANGE past FD_SETSIZE on select)" {
    unit ioloop_test handler_bad_input_select
}

@test "ch03: ioloop (epoll): a failing handler, callback or timeout is logged and the loop goes on" {
    unit ioloop_test failures_are_logged_epoll
}

@test "ch03: ioloop (select): a failing handler, callback or timeout is logged and the loop goes on" {
    unit ioloop_test failures_are_logged_select
}

@test "ch03: ioloop (epoll): ioloop_free drops pending callbacks, timeouts and handlers without leaks" {
    unit ioloop_test free_with_pending_epoll
}

@test "ch03: ioloop (select): ioloop_free drops pending callbacks, timeouts and handlers without leaks" {
    unit ioloop_test free_with_pending_select
}

@test "ch03: ioloop (epoll): before-poll hooks run once, in order, after the turn's callbacks and timeouts, and keep the loop awake" {
    unit ioloop_test before_poll_after_callbacks_and_timeouts_epoll
}

@test "ch03: ioloop (select): before-poll hooks run once, in order, after the turn's callbacks and timeouts, and keep the loop awake" {
    unit ioloop_test before_poll_after_callbacks_and_timeouts_select
}

@test "ch03: ioloop (epoll): a handler's hooks run before the next poll; a cancelled or freed one never runs" {
    unit ioloop_test before_poll_from_handler_epoll
}

@test "ch03: ioloop (select): a handler's hooks run before the next poll; a cancelled or freed one never runs" {
    unit ioloop_test before_poll_from_handler_select
}

@test "ch03: ioloop: an unknown backend is ENOENT; ioloop_free(NULL) is harmless" {
    unit ioloop_test new_and_free
}

@test "ch03: ioloop: ioloop_running is true only inside ioloop_start" {
    unit ioloop_test running_inside_start
}

@test "ch03: timer heap: pops in deadline order" {
    unit timer_heap_test push_pop_order
}

@test "ch03: timer heap: equal deadlines pop in insertion order" {
    unit timer_heap_test ties_in_insertion_order
}

@test "ch03: timer heap: pop_due respects now and the insertion limit" {
    unit timer_heap_test pop_due_respects_now_and_limit
}

@test "ch03: timer heap: removing the top, the middle or a leaf keeps the heap order" {
    unit timer_heap_test remove_top_middle_bottom
}

@test "ch03: timer heap: 10,000 random pushes, removes and pops agree with a reference model" {
    unit timer_heap_test remove_random_against_model
}

@test "ch03: timer heap: stale, zero and invented handles are ENOENT and touch nothing" {
    unit timer_heap_test remove_stale_handles
}

@test "ch03: timer heap: 100,000 push+remove cycles leave it empty, reusing a handful of slots" {
    unit timer_heap_test slots_reused
}

@test "ch03: timer heap: peek and pop_due on an empty heap" {
    unit timer_heap_test peek_on_empty
}
