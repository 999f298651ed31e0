#!/usr/bin/env bats
# tests/05-tornado.bats - chapter 5 against Tornado 6.2: each C scenario of
# tests/tornado/semantics_*.c prints the same trace as semantics.py's
# scenario of the same name, committed in tests/tornado/expected/semantics/
# (tests/tornado/README.md). Without python3-tornado only the live
# regeneration is skipped; the comparisons still run.

load helpers

TORNADO="$TOP/tests/tornado"
GEN="$BUILD/tests/tornado/semantics_gen"

# same PROGRAM NAME...: each scenario exits 0 and its stdout (the log lines
# are there too, through trace.h's sink) is its expected trace; every
# mismatch is shown as a diff before failing. Stderr is shown only on a
# failure: under SAN=1 ASan warns there about swapcontext.
same() {
    local prog=$1 name bad=0
    shift
    for name in "$@"; do
        local want="$TORNADO/expected/semantics/$name.txt"
        if [ ! -f "$want" ]; then
            echo "$name: no $want"
            bad=1
            continue
        fi
        local out="$BATS_TEST_TMPDIR/$name.out" err="$BATS_TEST_TMPDIR/$name.err"
        if ! "$prog" "$name" >"$out" 2>"$err"; then
            echo "$name: exit status $?; stderr:"
            cat "$err"
            bad=1
        fi
        diff -u --label "Tornado: $name" --label "C: $name" "$want" "$out" ||
            bad=1
    done
    return $bad
}

# The scenarios of semantics.py, read from its source (no Python needed):
# each "@scenario" line is followed by the def that names it.
python_scenarios() {
    grep -A1 '^@scenario' "$TORNADO/semantics.py" |
        sed -n 's/^\(async \)\{0,1\}def \([a-z0-9_]*\)(.*/\2/p'
}

# ---- each scenario of semantics_gen, by group ----

@test "ch05 tornado: future_callbacks_order: done-callbacks run in the order added, after set_result returns" { same "$GEN" future_callbacks_order; }
@test "ch05 tornado: future_callback_on_done: on a done future, future_add_done_callback runs the callback at once" { same "$GEN" future_callback_on_done; }
@test "ch05 tornado: future_await_done: awaiting a done future returns without a loop turn" { same "$GEN" future_await_done; }
@test "ch05 tornado: future_await_pending: the awaiter wakes after the resolving callback returns" { same "$GEN" future_await_pending; }
@test "ch05 tornado: future_set_exception: await gives the error, future_error returns it, the callback runs" { same "$GEN" future_set_exception; }
@test "ch05 tornado: future_cancel: cancel works on a pending future only; awaiting it is cancelled" { same "$GEN" future_cancel; }
@test "ch05 tornado: future_invalid_state: reading a pending future and setting a done one are InvalidStateError" { same "$GEN" future_invalid_state; }
@test "ch05 tornado: future_cancel_awaiter: a cancelled awaited future is CancelledError in its awaiter, which can go on" { same "$GEN" future_cancel_awaiter; }
@test "ch05 tornado: task_cancel: cancelling a task cancels its current await; finally runs; the task is cancelled" { same "$GEN" task_cancel; }

@test "ch05 tornado: callback_order: add_callback is FIFO; one added from a callback runs after those queued" { same "$GEN" callback_order; }
@test "ch05 tornado: timeout_order: call_later in deadline order, remove_timeout cancels, call_later(0) waits for the loop" { same "$GEN" timeout_order; }
@test "ch05 tornado: spawn_callback_start: a spawn_callback coroutine starts after a plain callback added after it" { same "$GEN" spawn_callback_start; }
@test "ch05 tornado: coroutine_lazy_start: a coroutine's task starts on the next iteration" { same "$GEN" coroutine_lazy_start; }
@test "ch05 tornado: coroutine_return_error: a coroutine's value or error reaches its awaiter" { same "$GEN" coroutine_return_error; }
@test "ch05 tornado: sleep_order: sleepers wake in deadline order" { same "$GEN" sleep_order; }
@test "ch05 tornado: moment_pingpong: gen.moment interleaves two coroutines; a @gen.coroutine runs at once to its first yield" { same "$GEN" moment_pingpong; }

@test "ch05 tornado: multi_results_order: multi's results in list order, whatever the finishing order" { same "$GEN" multi_results_order; }
@test "ch05 tornado: multi_error: multi waits for all; the first error in list order wins, later ones logged" { same "$GEN" multi_error; }
@test "ch05 tornado: multi_quiet_error: a quiet losing error is not logged" { same "$GEN" multi_quiet_error; }

@test "ch05 tornado: with_timeout_expires: TimeoutError at the deadline, the wrapped task runs on to its result" { same "$GEN" with_timeout_expires; }
@test "ch05 tornado: with_timeout_in_time: a future done before the deadline gives its result" { same "$GEN" with_timeout_in_time; }
@test "ch05 tornado: with_timeout_late_error: an error after the timeout is logged" { same "$GEN" with_timeout_late_error; }

@test "ch05 tornado: run_sync_timeout: past its timeout run_sync cancels the coroutine, waits for it, then TimeoutError" { same "$GEN" run_sync_timeout; }
@test "ch05 tornado: run_sync_result: run_sync gives the value or the error; a function that never waits gives None" { same "$GEN" run_sync_result; }

# ---- all of them, and the lists ----

@test "ch05 tornado: every scenario semantics_gen --list names prints its committed Tornado trace" {
    run "$GEN" --list
    [ "$status" -eq 0 ] && [ -n "$output" ]
    # shellcheck disable=SC2086 # the names are words
    same "$GEN" $output
}

@test "ch05 tornado: semantics_gen's scenarios are all semantics.py's, and each has its @test in this file" {
    local name bad=0 py
    py=$(python_scenarios)
    for name in $("$GEN" --list); do
        grep -qx "$name" <<<"$py" || { echo "$name: not a semantics.py scenario"; bad=1; }
        grep -q "same \"\$GEN\" $name;" "$BATS_TEST_FILENAME" ||
            { echo "$name: no @test of its own here"; bad=1; }
    done
    [ $bad -eq 0 ]
}

@test "ch05 tornado: every semantics.py scenario has a committed trace and a C twin in some tests/tornado/semantics_*.c" {
    [ -x "$BUILD/tests/tornado/semantics_sync" ] ||
        skip "semantics_sync (queue/condition/event/semaphore/lock scenarios) is not written yet"
    local name prog bad=0 c_names=""
    for prog in "$BUILD"/tests/tornado/semantics_*; do
        [ -x "$prog" ] && [ "${prog%.o}" = "$prog" ] || continue
        c_names+=$("$prog" --list)$'\n'
    done
    for name in $(python_scenarios); do
        [ -f "$TORNADO/expected/semantics/$name.txt" ] || { echo "$name: no committed trace"; bad=1; }
        grep -qx "$name" <<<"$c_names" || { echo "$name: no C twin"; bad=1; }
    done
    [ $bad -eq 0 ]
}

@test "Tornado 6.2 still prints the committed traces" {
    run "$TORNADO/check.sh"
    [ "$status" -eq 3 ] && skip "python3-tornado not installed"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}
