#!/usr/bin/env bats
# tests/exercises/03-poll-backend.bats - exercise 03-poll-backend: a poll(2)
# backend for chapter 3's IOLoop. EX_BIN is the test driver
# (tests/exercises/03-poll-backend_driver.c) linked with a folder's
# poller_poll.c:
#
#     make check EX=03-poll-backend         # your exercises/ folder
#     EX_BIN=build/solutions/03-poll-backend/server bats tests/exercises/03-poll-backend.bats

load ../helpers
load driver # EX_BIN, and driver CASE

@test "poll backend: a pipe's read handler fires when a byte arrives, and not before (hints 1, 2, 4)" {
    driver read_handler_fires
}

@test "poll backend: updating a handler to WRITE makes it fire; back to 0 silences it (hint 2)" {
    driver update_to_write
}

@test "poll backend: a hang-up is reported as IOLOOP_ERROR even with no interest (hints 2, 4)" {
    driver hangup_is_error
}

@test "poll backend: a removed descriptor is never reported again; removal moves the last entry (hint 3)" {
    driver remove_stops_events
}

@test "poll backend: errors as the other backends: EEXIST, ENOENT, EBADF for fd -1 and for a closed fd (hints 2-3)" {
    driver errors
}

@test "poll backend: with more descriptors ready than max, poll fills in max events and loses none (hint 4)" {
    driver poll_stops_at_max
}

@test "poll backend: timeouts, callbacks and a wake-up from another thread work on it (hint 4)" {
    driver timers_and_callbacks
}

@test "poll backend: 1000 pipes, descriptors past FD_SETSIZE: only the written one fires (hints 1, 4)" {
    run "$EX_BIN" beyond_fd_setsize
    echo "$output"
    case "$output" in *"skip: "*) skip "${output#*skip: }" ;; esac
    [ "$status" -eq 0 ]
}
