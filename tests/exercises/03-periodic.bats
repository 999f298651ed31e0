#!/usr/bin/env bats
# tests/exercises/03-periodic.bats - exercise 03-periodic: Tornado's
# PeriodicCallback on chapter 3's IOLoop. EX_BIN is the test driver
# (tests/exercises/03-periodic_driver.c) linked with a folder's periodic.c:
#
#     make check EX=03-periodic             # your exercises/ folder
#     EX_BIN=build/solutions/03-periodic/server bats tests/exercises/03-periodic.bats

load ../helpers
load driver # EX_BIN, and driver CASE

@test "periodic: runs about once per interval, the first run one interval after start (hint 1)" {
    driver runs_every_interval
}

@test "periodic: runs missed while the loop was blocked are skipped, not made up in a burst (hint 2)" {
    driver skips_missed_runs
}

@test "periodic: the schedule is start + k * interval and does not drift with a slow callback (hints 1-2)" {
    driver no_drift
}

@test "periodic: periodic_stop() inside the callback stops it; it starts again afterwards (hint 3)" {
    driver stop_in_callback
}

@test "periodic: periodic_stop() then periodic_start() inside the callback: one schedule, not two (hint 3)" {
    driver stop_start_in_callback
}

@test "periodic: stop then start resumes one interval later, and a second start does not double the rate (hint 3)" {
    driver restart
}

@test "periodic: periodic_free() while running cancels its timeout: no more runs, no use after free (hint 4)" {
    driver free_while_running
}
