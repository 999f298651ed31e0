#!/usr/bin/env bats
# tests/exercises/05-with-timeout.bats - exercise 05-with-timeout:
# gen.with_timeout written from scratch on futures and the loop's timeouts.
# EX_BIN is the test driver (tests/exercises/05-with-timeout_driver.c)
# linked with a folder's with_timeout.c:
#
#     make check EX=05-with-timeout           # your exercises/ folder
#     EX_BIN=build/solutions/05-with-timeout/server bats tests/exercises/05-with-timeout.bats

load ../helpers
load driver # EX_BIN, and driver CASE

@test "with_timeout: a result or an error before the deadline passes through (hint 1)" {
    driver result_passes
}

@test "with_timeout: a future done already passes through, with its timer gone (hint 2)" {
    driver done_already
}

@test "with_timeout: fails with ETIMEDOUT at the deadline (hint 1)" {
    driver times_out
}

@test "with_timeout: the timeout does not cancel the wrapped future, whose result is still readable (hint 1)" {
    driver not_cancelled
}

@test "with_timeout: the future first removes the timer from the loop (hint 2)" {
    driver timer_removed
}

@test "with_timeout: an error after the timeout is logged once (hint 3)" {
    driver late_error_logged
}

@test "with_timeout: a success or a cancel after the timeout logs nothing (hint 3)" {
    driver late_success_quiet
}

@test "with_timeout: the caller may drop its references at once (hint 4)" {
    driver references
}

@test "with_timeout: a thousand with_timeouts leave no memory behind (hint 4)" {
    driver no_leak
}
