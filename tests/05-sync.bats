#!/usr/bin/env bats
# tests/05-sync.bats - chapter 5's queue and locks: the unit cases of
# tests/unit/queues_test.c and locks_test.c, the 23 queue and lock
# scenarios of tests/tornado/semantics.py against Tornado 6.2's committed
# traces, and the two demos against theirs.

load helpers

SEM="$BUILD/tests/tornado/semantics_sync"
EXPECTED="$TOP/tests/tornado/expected"

# matches EXPECTED CMD...: CMD's stdout is EXPECTED's text (the diff if
# not), and its stderr is empty but for ASan's warning about swapcontext
# (under SAN=1 a leak or an error report fails here).
matches() {
    local expected=$1 err="$BATS_TEST_TMPDIR/stderr"
    shift
    diff -u "$expected" <("$@" 2>"$err") || return 1
    if grep -v "ASan doesn't fully support makecontext" "$err"; then
        echo "stderr of $*: see above"
        return 1
    fi
}

# Run every scenario named PREFIX* and diff each with its expected trace.
scenarios_match() {
    local name found=0 failed=0
    for name in $("$SEM" --list); do
        for prefix in "$@"; do
            [[ "$name" == "$prefix"* ]] || continue
            found=$((found + 1))
            if ! matches "$EXPECTED/semantics/$name.txt" "$SEM" "$name"; then
                echo "scenario $name differs from Tornado's trace"
                failed=1
            fi
        done
    done
    [ "$found" -gt 0 ] && [ "$failed" -eq 0 ]
}

# ---- tests/unit/queues_test.c ----

@test "ch05 queue: get_nowait on empty is ENODATA, put_nowait on full ENOBUFS, a negative maxsize EINVAL; the queue is unchanged" {
    unit queues_test nowait_errors
}

@test "ch05 queue: waiting getters get the items put, first come first served, and the queue stays empty" {
    unit queues_test getters_fifo
}

@test "ch05 queue: each get from a full queue admits the oldest waiting putter's item and resolves that putter" {
    unit queues_test putters_fifo
}

@test "ch05 queue: a getter past its deadline fails with ETIMEDOUT and the next item skips it" {
    unit queues_test get_timeout_is_skipped
}

@test "ch05 queue: a cancelled getter is skipped by the next put" {
    unit queues_test cancelled_getter_is_skipped
}

@test "ch05 queue: a putter past its deadline fails with ETIMEDOUT and its item is never added" {
    unit queues_test put_timeout_adds_nothing
}

@test "ch05 queue: join waits for a task_done per item, one too many is EINVAL, a join can time out" {
    unit queues_test task_done_and_join
}

@test "ch05 queue: an unbounded queue never waits and keeps FIFO order as its ring grows and wraps" {
    unit queues_test unbounded_grows_in_order
}

@test "ch05 queue: freeing it fails waiting getters, putters and joins with ECANCELED" {
    unit queues_test free_cancels_waiters
}

# ---- tests/unit/locks_test.c ----

@test "ch05 locks: a Condition wait past its deadline resolves false, not an error; a notified one true" {
    unit locks_test condition_timeout_is_false
}

@test "ch05 locks: notify(2) wakes the two oldest still waiting, skipping a timed-out one; notify_all the rest" {
    unit locks_test condition_notify_fifo
}

@test "ch05 locks: Event set wakes every waiter, clear makes waits wait again, a timed-out wait is ETIMEDOUT" {
    unit locks_test event_set_clear_timeout
}

@test "ch05 locks: Semaphore release hands the slot to the oldest waiter; a later acquire does not barge in" {
    unit locks_test semaphore_fifo_no_barging
}

@test "ch05 locks: a timed-out or cancelled acquire takes nothing from the semaphore" {
    unit locks_test semaphore_timeout_and_cancel_take_nothing
}

@test "ch05 locks: a negative semaphore and a bounded release past its value are EINVAL" {
    unit locks_test semaphore_errors
}

@test "ch05 locks: releasing an unlocked Lock is EPERM, acquiring a held one times out, holders take turns" {
    unit locks_test lock_errors_and_turns
}

@test "ch05 locks: freeing a condition, event, semaphore or lock fails its waiters with ECANCELED" {
    unit locks_test free_cancels_waiters
}

# ---- tests/tornado/semantics_sync.c against Tornado 6.2's traces ----

@test "ch05 Tornado's traces: the 13 queue scenarios" {
    scenarios_match queue_
}

@test "ch05 Tornado's traces: the condition scenarios" {
    scenarios_match condition_
}

@test "ch05 Tornado's traces: the event scenarios" {
    scenarios_match event_
}

@test "ch05 Tornado's traces: the semaphore and lock scenarios" {
    scenarios_match semaphore_ lock_
}

# ---- the demos against tests/tornado/queue_demo.py and condition_demo.py ----

@test "ch05 queue_demo prints what queue_demo.py prints, for every committed parameter set" {
    local f q n p c found=0
    for f in "$EXPECTED"/queue_Q*_N*_P*_C*.txt; do
        [[ "$(basename "$f")" =~ ^queue_Q([0-9]+)_N([0-9]+)_P([0-9]+)_C([0-9]+)\.txt$ ]]
        q=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} p=${BASH_REMATCH[3]} c=${BASH_REMATCH[4]}
        found=$((found + 1))
        matches "$f" "$BUILD/chapters/05-coroutines/queue_demo" --maxsize "$q" \
            --items "$n" --producers "$p" --consumers "$c"
    done
    [ "$found" -gt 0 ]
}

@test "ch05 queue_demo: bad arguments print the usage and exit 2" {
    local bad
    for bad in "--producers 0" "--consumers 0" "--maxsize -1" "--items x" "--frobs 3" "stray"; do
        # shellcheck disable=SC2086 # each case is several words
        run "$BUILD/chapters/05-coroutines/queue_demo" $bad
        [ "$status" -eq 2 ] || { echo "$bad: status $status"; false; }
        [[ "$output" == *usage:* ]] || { echo "$bad: $output"; false; }
    done
}

@test "ch05 condition_demo prints what condition_demo.py prints; an argument is a usage error" {
    matches "$EXPECTED/condition.txt" "$BUILD/chapters/05-coroutines/condition_demo"
    run "$BUILD/chapters/05-coroutines/condition_demo" --now
    [ "$status" -eq 2 ]
    [[ "$output" == *usage:* ]]
}
