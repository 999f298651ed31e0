#!/usr/bin/env bats
# tests/book.bats - BOOK.md tells the truth about the code: every excerpt is
# quoted from its source, every file and exercise it names exists, and every
# chapter ends the same way.

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
