#!/usr/bin/env bats
# tests/exercises/05-semaphore.bats - exercise 05-semaphore: Tornado's
# Semaphore and BoundedSemaphore on chapter 5's waiters. EX_BIN is the test
# driver (tests/exercises/05-semaphore_driver.c) linked with a folder's
# sema.c:
#
#     make check EX=05-semaphore            # your exercises/ folder
#     EX_BIN=build/solutions/05-semaphore/server bats tests/exercises/05-semaphore.bats

load ../helpers
load driver # EX_BIN, and driver CASE

@test "semaphore: Semaphore(2) gives two slots at once and the third acquire waits (hint 1)" {
    driver counts
}

@test "semaphore: a negative initial value is EINVAL (hint 4)" {
    driver negative
}

@test "semaphore: release hands the slot to the oldest waiter, and a later acquire cannot barge in (hint 2)" {
    driver fifo_no_barging
}

@test "semaphore: an acquire that times out fails with ETIMEDOUT and takes nothing (hint 3)" {
    driver timeout_takes_nothing
}

@test "semaphore: a cancelled acquire takes nothing (hint 3)" {
    driver cancel_takes_nothing
}

@test "semaphore: BoundedSemaphore released past its initial value is EINVAL (hint 4)" {
    driver bounded
}

@test "semaphore: freeing it fails the waiters with ECANCELED (hint 1)" {
    driver free_with_waiters
}

@test "semaphore: three coroutine workers take turns as in Tornado's semaphore_handoff trace (hint 2)" {
    driver handoff
    # stderr is in $output too: the driver's count, and ASan's warning under SAN=1.
    diff <(printf '%s\n' "$output" | grep -vE '^[0-9]* checks, |^==[0-9]+==') \
        "$TOP/tests/tornado/expected/semantics/semaphore_handoff.txt"
}
