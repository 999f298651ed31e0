#!/usr/bin/env bats
# tests/book.bats - BOOK.md tells the truth about the code: every excerpt is
# quoted from its source, every file, exercise and test it names exists, and
# every chapter ends the same way. (Each "make test-NN" transcript is checked
# by tests/run after that chapter's suites, with a tool tested here.)

load helpers

CHECKER="$TOP/tests/tools/book-excerpts.sh"

# BOOK.md without its fenced blocks (```...```), for checks on the prose.
book_prose() {
    awk '/^```/ { fence = !fence; next } !fence' "$TOP/BOOK.md"
}

# The book line number of the first line of the first excerpt that is not
# an elision ("...") and not blank.
first_excerpt_line() {
    awk '/^<!-- excerpt: / { m = NR; next }
         /^```c[ \t]*$/ && m == NR - 1 { inside = 1; next }
         inside && /^```/ { inside = 0; next }
         inside && !/^[ \t]*\.\.\.[ \t]*$/ && NF { print NR; exit }' "$1"
}

@test "book: every code excerpt matches its source file" {
    run bash "$CHECKER" "$TOP/BOOK.md"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[1-9][0-9]*\ excerpts\ match\ the\ source$ ]]
}

@test "book: a deliberately altered excerpt is caught" {
    local copy="$BATS_TEST_TMPDIR/BOOK.md" n
    cp "$TOP/BOOK.md" "$copy"
    n=$(first_excerpt_line "$copy")
    [ -n "$n" ]
    sed -i "${n}s/\$/ \/* altered *\//" "$copy"
    run bash "$CHECKER" "$copy"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"BOOK.md:$n: "*"altered"* ]]
}

@test "book: excerpt pieces out of order, or without a marker, are caught" {
    local md="$BATS_TEST_TMPDIR/order.md"
    printf '%s\n' '<!-- excerpt: common/clock.c -->' '```c' \
        'int64_t clock_now_ms(void)' '...' 'int64_t clock_now_ns(void)' '```' >"$md"
    run bash "$CHECKER" "$md"
    [ "$status" -eq 1 ]
    [[ "$output" == *"order.md:5: common/clock.c:"*"clock_now_ns"* ]]

    printf '%s\n' '```c' 'int64_t clock_now_ns(void)' '```' >"$md"
    run bash "$CHECKER" "$md"
    [ "$status" -eq 1 ]
    [[ "$output" == *"without an excerpt marker"* ]]

    printf '%s\n' '<!-- excerpt: common/clock.c -->' '```c' \
        'int64_t clock_now_ns(void)' '...' 'int64_t clock_now_ms(void)' '```' >"$md"
    run bash "$CHECKER" "$md"
    [ "$status" -eq 0 ]
    [ "$output" = "1 excerpts match the source" ]
}

# Names and paths with NN in place of a number ("make check EX=NN-topic",
# "tests/NN-name.bats") are placeholders, not citations.
@test "book: every exercise named in the book exists" {
    local names ex missing=
    names=$(grep -o 'make check EX=[A-Za-z0-9_-]*' "$TOP/BOOK.md" | sed 's/.*EX=//' |
        grep -v '^NN-' | sort -u)
    [ -n "$names" ]
    for ex in $names; do
        [ -f "$TOP/exercises/$ex/README.md" ] || missing="$missing $ex"
    done
    [ -z "$missing" ] || { echo "no exercises/NAME/README.md for:$missing"; false; }
}

@test "book: each chapter section ends with Try it and Exercises" {
    run awk '
        function close_chapter() {
            if (chapter != "" && !(try && ex))
                print chapter ": missing" (try ? "" : " ### Try it") (ex ? "" : " ### Exercises")
        }
        /^```/ { fence = !fence; next }
        fence { next }
        /^## / { close_chapter(); chapter = ""; }
        /^## Chapter [0-9]+:/ { chapter = $0; n++; try = 0; ex = 0; next }
        /^### Try it[ \t]*$/ { try = 1; if (ex) print chapter ": Try it after Exercises" }
        /^### Exercises[ \t]*$/ { ex = 1 }
        END { close_chapter(); if (!n) print "no ## Chapter N: heading" }
    ' "$TOP/BOOK.md"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "book: every file the book cites exists" {
    local paths p missing=
    paths=$(book_prose | grep -o '`[^`]*`' | tr -d '`' |
        grep -E '^(chapters|common|tests|exercises|solutions)/[^ *]*$' |
        grep -vE '(^|/)NN-' | sort -u)
    [ -n "$paths" ]
    for p in $paths; do
        [ -e "$TOP/$p" ] || missing="$missing $p"
    done
    [ -z "$missing" ] || { echo "cited but missing:$missing"; false; }
}

NAMES="$TOP/tests/tools/book-test-names.sh"
TRANSCRIPT="$TOP/tests/tools/book-transcript.sh"

@test "book: every test the book names, in a transcript or quoted in the text, is a test" {
    run bash "$NAMES" "$TOP/BOOK.md"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[1-9][0-9]*\ test\ names\ match\ the\ suites$ ]]
}

@test "book: a test name that is no test is caught, a parameterised or shortened one is not" {
    local md="$BATS_TEST_TMPDIR/names.md"
    printf '%s\n' '```console' ' ✓ demo app (ch02): GET / answers 200 Hello, world' \
        ' - demo app (ch01): 2000 pipelined requests are all answered (expected: no) # skip why' '```' '' \
        'The test "ch02: out of descriptors, accept pauses" shows it,' \
        'and a test checks that ("pipelined requests are answered strictly in order").' >"$md"
    run bash "$NAMES" "$md"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "4 test names match the suites" ]

    printf '%s\n' '```console' ' ✓ demo app (ch02): GET / answers 200 Hello' '```' '' \
        'A test proves it ("pipelined requests are answered out of order"),' \
        'and so does "ch02: out of descriptors, accept pause".' >"$md"
    run bash "$NAMES" "$md"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"names.md:2: no test is named: demo app (ch02): GET / answers 200 Hello"* ]]
    [[ "$output" == *"names.md:5: no test is named: pipelined requests are answered out of order"* ]]
    [[ "$output" == *"names.md:6: no test is named: ch02: out of descriptors, accept pause"* ]]
}

# A book with a transcript of make test-07, and a run of its suites.
fake_transcript() {
    printf '%s\n' '```console' '$ make test-07' ' ✓ ch07: one' ' ...' \
        ' - ch07: three # skip chapter 07 cannot' \
        " ✓ $(bash "$TRANSCRIPT" --name 07)" "$@" '```' >"$BATS_TEST_TMPDIR/book.md"
}

@test "book: the transcript check catches a wrong summary, a hidden skip, a line not run" {
    local log="$BATS_TEST_TMPDIR/run.log" book="$BATS_TEST_TMPDIR/book.md"
    printf '%s\n' ' ✓ ch07: one' ' ✓ ch07: two' ' - ch07: three # skip chapter 07 cannot' \
        ' - ch07: four # skip curl not installed' >"$log"

    fake_transcript '1 skipped' '4 passed, 0 failed'
    run bash "$TRANSCRIPT" "$book" 07 "$log"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == " ✓ book: BOOK.md's make test-07 transcript matches this run" ]]
    [[ "${lines[1]}" == *"1 skipped here for this machine"*"curl not installed"* ]]

    fake_transcript '1 skipped' '5 passed, 0 failed'
    run bash "$TRANSCRIPT" "$book" 07 "$log"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *'book.md:8: the book shows "1 skipped, 5 passed, 0 failed"; this run gives "1 skipped, 4 passed, 0 failed"'* ]]

    fake_transcript '4 passed, 0 failed'
    run bash "$TRANSCRIPT" "$book" 07 "$log"
    [ "$status" -eq 1 ]
    [[ "$output" == *'the book shows "4 passed, 0 failed"; this run gives "1 skipped, 4 passed'* ]]

    printf '%s\n' ' ✓ ch07: one' ' ✓ ch07: two' >"$log"
    fake_transcript '1 skipped' '4 passed, 0 failed'
    run bash "$TRANSCRIPT" "$book" 07 "$log"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"book.md:5: not a line of this run (or out of order):  - ch07: three"* ]]

    printf '%s\n' ' ✓ ch07: one' ' - ch07: zero # skip chapter 07 cannot either' \
        ' - ch07: three # skip chapter 07 cannot' >"$log"
    fake_transcript '2 skipped' '2 passed, 0 failed'
    run bash "$TRANSCRIPT" "$book" 07 "$log"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"does not show this skip of the run:  - ch07: zero"* ]]

    printf '%s\n' ' ✗ ch07: one' >"$log"
    run bash "$TRANSCRIPT" "$book" 07 "$log"
    [ "$status" -eq 2 ]
    [[ "$output" == *"# skip 1 test failed above: not compared" ]]
    printf '%s\n' ' ✓ ch08: one' >"$log"
    run bash "$TRANSCRIPT" "$book" 08 "$log"
    [ "$status" -eq 2 ]
    [[ "$output" == *"# skip BOOK.md shows no run of make test-08" ]]
}
