#!/usr/bin/env bats
# tests/exercises/05-fast-switch.bats - exercise 05-fast-switch: a context
# switch written by hand, without swapcontext's system call. EX_BIN is the
# test driver (tests/exercises/05-fast-switch_driver.c) linked with a
# folder's fswitch.c:
#
#     make check EX=05-fast-switch           # your exercises/ folder
#     EX_BIN=build/solutions/05-fast-switch/server bats tests/exercises/05-fast-switch.bats

load ../helpers
load driver # EX_BIN, and driver CASE

@test "fast-switch: 100,000 ping-pong switches between two contexts pass the right values (hint 1)" {
    driver ping_pong
}

@test "fast-switch: rbx, rbp and r12-r15 survive a switch; a new context starts with rsp aligned (hints 1, 3)" {
    driver callee_saved
}

@test "fast-switch: a switch at every level of a 300-deep recursion, with doubles and printf (hints 2-4)" {
    driver deep_stack
}

@test "fast-switch: the switch leaves the thread's signal mask alone, as swapcontext does not (hint 1)" {
    driver signal_mask
}

@test "fast-switch: 10,000 switches make no rt_sigprocmask system call (strace; hint 1)" {
    if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
        skip "strace is not installed, or cannot trace here"
    fi
    local log="$BATS_TEST_TMPDIR/strace.txt" calls
    # LeakSanitizer cannot run under ptrace (SAN=1): the other cases check leaks.
    ASAN_OPTIONS=detect_leaks=0 SWITCHES=10000 strace -f -c -o "$log" -e trace=rt_sigprocmask "$EX_BIN" switches
    calls=$(awk '$NF == "rt_sigprocmask" { print $4 }' "$log")
    calls=${calls:-0}
    echo "rt_sigprocmask calls during 10,000 switches: $calls"
    [ "$calls" -lt 100 ]
}

@test "fast-switch: ns per switch, swapcontext beside yours (printed; not a pass/fail criterion)" {
    driver speed
    printf '# %s\n' "$(printf '%s\n' "$output" | grep '^swapcontext')" >&3
}
