#!/usr/bin/env bats
# tests/starters.bats - exercise starters that begin as a copy of a chapter's
# file must stay that copy: the same code, with only comments, the program's
# summary and log name (and the exercise's own constant) added. When a
# chapter's file changes, this says which starter to bring in step.

load helpers

# The code of a C file without its comments and the lines allowed to differ.
code_of() {
    gcc -fpreprocessed -dD -E -P "$TOP/$1" |
        grep -vE 'log_setup\(|argc, argv, "|IDLE_TIMEOUT_MS'
}

# same_code STARTER CHAPTER_FILE
same_code() {
    local ex=${1#exercises/}
    ex=${ex%%/*}
    if ! git -C "$TOP" diff --quiet HEAD -- "exercises/$ex" 2>/dev/null; then
        skip "you have edited exercises/$ex"
    fi
    diff <(code_of "$1") <(code_of "$2")
}

@test "starters: exercises/01-fork-per-conn/server.c is chapter 1's server.c" {
    same_code exercises/01-fork-per-conn/server.c chapters/01-blocking/server.c
}

@test "starters: exercises/01-thread-per-conn/server.c is chapter 1's server.c" {
    same_code exercises/01-thread-per-conn/server.c chapters/01-blocking/server.c
}

@test "starters: exercises/02-poll-backend/server.c is chapter 2's server.c" {
    same_code exercises/02-poll-backend/server.c chapters/02-select/server.c
}

@test "starters: exercises/02-idle-timeout/conn.c is chapter 2's conn.c" {
    same_code exercises/02-idle-timeout/conn.c chapters/02-select/conn.c
}

@test "starters: exercises/04-byte-ranges/static.c is chapter 4's static.c" {
    same_code exercises/04-byte-ranges/static.c chapters/04-iostream/static.c
}
