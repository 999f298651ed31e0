#!/usr/bin/env bats
# tests/03-subprocess.bats - chapter 3's subprocess demo (commands with
# timeouts on the IOLoop) and the unit tests of subprocess.c.

load helpers

SUBPROCESS="$BUILD/chapters/03-ioloop/subprocess"

# run_timed ARGS...: run the demo (in the C locale, so that the commands'
# messages are in English; killed after 20 s should it hang) and set ELAPSED
# to the seconds it took.
run_timed() {
    local start
    start=$(date +%s.%N)
    run env LC_ALL=C timeout 20 "$SUBPROCESS" "$@"
    ELAPSED=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
}

# less_than X Y: X < Y, as decimal numbers.
less_than() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x < y) }'; }

# block CMD: the lines reported for CMD (its "[CMD] ..." line and the
# indented ones under it) in the last `run`, with each "after 1.23 s" made
# "after T s" so that they compare as plain text.
block() {
    printf '%s\n' "$output" | awk -v head="[$1] " '
        index($0, head) == 1 { on = 1; print; next }
        /^\[/ { on = 0 }
        on' | sed -E 's/after [0-9]+\.[0-9]+ s/after T s/'
}

@test "ch03 subprocess: the four examples, each reported as it finishes" {
    run_timed
    [ "$status" -eq 0 ]
    [ "$(block 'echo hello')" = "[echo hello] exit status 0 after T s
  stdout: hello
  stderr: (empty)" ]
    [ "$(block no-such-command)" = \
      "[no-such-command] could not start: No such file or directory" ]
    [ "$(block 'cat /no/such/file')" = "[cat /no/such/file] exit status 1 after T s
  stdout: (empty)
  stderr: cat: /no/such/file: No such file or directory" ]
    [ "$(block 'sleep 5')" = "[sleep 5] timed out after T s: killed by signal 9
  stdout: (empty)
  stderr: (empty)" ]
    # Killed at 3 s, so it finishes last, and nobody waits for its 5 s.
    [[ "$(printf '%s\n' "$output" | grep '^\[' | tail -n 1)" == \
        "[sleep 5] timed out after 3."*" s: killed by signal 9" ]]
    less_than "$ELAPSED" 4.5
}

@test "ch03 subprocess: the same on the select backend" {
    run_timed --backend select --timeout 1
    [ "$status" -eq 0 ]
    [ "$(block 'echo hello' | sed -n 2p)" = "  stdout: hello" ]
    [ "$(block no-such-command)" = \
      "[no-such-command] could not start: No such file or directory" ]
    [ "$(block 'cat /no/such/file' | head -n 1)" = \
      "[cat /no/such/file] exit status 1 after T s" ]
    [[ "$output" == *"[sleep 5] timed out after 1."*" s: killed by signal 9"* ]]
    less_than "$ELAPSED" 2.5
}

@test "ch03 subprocess: commands run at once, not one after another" {
    run_timed --timeout 5 -- 'sleep 1' 'sleep 1' 'sleep 1'
    [ "$status" -eq 0 ]
    [ "$(grep -c '^\[sleep 1\] exit status 0 after 1\.' <<<"$output")" -eq 3 ]
    less_than "$ELAPSED" 2.5
}

@test "ch03 subprocess: 1.3 MB of output is read whole, with no deadlock (epoll, select)" {
    local backend
    for backend in epoll select; do
        run_timed --backend "$backend" -- 'seq 1 200000' 'echo small'
        [ "$status" -eq 0 ]
        [ "$(block 'seq 1 200000')" = "[seq 1 200000] exit status 0 after T s
  stdout: 200000 lines, last: 200000
  stderr: (empty)" ]
        [ "$(block 'echo small' | sed -n 2p)" = "  stdout: small" ]
    done
}

@test "ch03 subprocess: a command that cannot start disturbs no other" {
    run_timed -- 'no-such-command' 'echo before' '/etc/passwd' 'echo after'
    [ "$status" -eq 0 ]
    [ "$(block no-such-command)" = \
      "[no-such-command] could not start: No such file or directory" ]
    [ "$(block /etc/passwd)" = "[/etc/passwd] could not start: Permission denied" ]
    [ "$(block 'echo before' | sed -n 2p)" = "  stdout: before" ]
    [ "$(block 'echo after' | sed -n 2p)" = "  stdout: after" ]
}

@test "ch03 subprocess: bad arguments get the usage and exit status 2" {
    run "$SUBPROCESS" --timeout abc
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage:"* ]]
    run "$SUBPROCESS" --timeout -1
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage:"* ]]
    run "$SUBPROCESS" --backend kqueue
    [ "$status" -eq 2 ]
    run "$SUBPROCESS" 'echo hello' # a command without the --
    [ "$status" -eq 2 ]
    run "$SUBPROCESS" -- 'echo hello' '  '
    [ "$status" -eq 2 ]
    [[ "$output" == *"an empty command"* ]]
}

@test "ch03 subprocess: child status, output and signals are reported exactly" {
    unit subprocess_test results
}

@test "ch03 subprocess: a missing command fails in start with ENOENT, leaving nothing" {
    unit subprocess_test not_found
}

@test "ch03 subprocess: the timeout kills with SIGKILL and keeps the output so far" {
    unit subprocess_test timeout
}

@test "ch03 subprocess: a child that beats its timeout removes it" {
    unit subprocess_test timeout_removed
}

@test "ch03 subprocess: large output through the pipe arrives whole" {
    unit subprocess_test large_output
}

@test "ch03 subprocess: a child that closes its pipes and runs on is reaped when it exits" {
    unit subprocess_test closes_pipes_runs_on
}

@test "ch03 subprocess: a grandchild holding the pipes cannot outlast the timeout" {
    unit subprocess_test grandchild_holds_pipes
}

@test "ch03 subprocess: freeing a running subprocess kills and reaps it" {
    unit subprocess_test free_cancels
}

@test "ch03 subprocess: done may free the others, running or already reported" {
    unit subprocess_test free_from_done
}

@test "ch03 subprocess: 50 at once leave no zombie and no open descriptor (epoll)" {
    unit subprocess_test no_leaks_epoll
}

@test "ch03 subprocess: 50 at once leave no zombie and no open descriptor (select)" {
    unit subprocess_test no_leaks_select
}
