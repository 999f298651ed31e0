#!/usr/bin/env bats
# tests/05-book.bats - what chapter 5 of BOOK.md claims and no other suite
# checks: the experiment of "Why done-callbacks go through the loop". The
# queue demo built on a future.c whose done-callbacks run inside
# set_result (FUTURE_CALLBACKS_AT_ONCE, chapter.mk's queue_demo_at_once)
# prints another order than Tornado's, and the book shows that order.

load helpers

EXPECTED="$TOP/tests/tornado/expected"
CH05="$BUILD/chapters/05-coroutines"

@test "ch05 book: with done-callbacks run inside set_result the queue demo breaks FIFO (got: 2 before got: 1); through the loop it prints Tornado's output" {
    local normal at_once shown
    # The normal build: exactly Tornado's.
    normal=$("$CH05/queue_demo" --maxsize 1 --items 5 2>/dev/null)
    [ "$normal" = "$(cat "$EXPECTED/queue_Q1_N5_P1_C1.txt")" ] || {
        echo "$normal"; false; }
    # The experiment: no crash, no deadlock, but another order: the one
    # BOOK.md shows beside Tornado's.
    at_once=$(timeout 10 "$CH05/queue_demo_at_once" --maxsize 1 --items 5 2>/dev/null) || {
        echo "status $?: $at_once"; false; }
    [ "$at_once" != "$normal" ]
    shown=$(printf '%s\n' "putting 0" "putting 1" "putting 2" "putting 3" \
        "got: 0" "putting 4" "got: 2" "got: 1" "got: 3" "got: 4")
    [ "$at_once" = "$shown" ] || { echo "$at_once"; false; }
}
