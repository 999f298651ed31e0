#!/usr/bin/env bats
# tests/layering.bats - each chapter's files call only down: no two files of
# a chapter call each other, in either direction, and the calls between
# them form no circle. The call graph comes from the object files' symbols
# (tests/tools/file-calls.sh), so it is the one the linker sees. Every
# chapter directory has its README.md, with what DESIGN.md asks of it.

load helpers

CALLS="$TOP/tests/tools/file-calls.sh"

# "a b" for every pair of files of chapter dir $1 that call each other.
mutual_pairs() {
    "$CALLS" "$BUILD/chapters/$1" | awk '{ print $1, $2 }' | sort -u |
        awk '{ edge[$1 " " $2] = 1 }
             END { for (e in edge) { split(e, f, " ");
                   if (f[1] < f[2] && (f[2] " " f[1]) in edge) print e } }' |
        sort
}

@test "layering: file-calls.sh finds a call between two objects, and no call inside one" {
    local dir="$BATS_TEST_TMPDIR/objs"
    mkdir -p "$dir"
    printf 'int low(void) { return 1; }\nstatic int own(void) { return 2; }\nint low2(void) { return own(); }\n' >"$dir/low.c"
    printf 'int low(void);\nint high(void) { return low(); }\n' >"$dir/high.c"
    cc -c "$dir/low.c" -o "$dir/low.o"
    cc -c "$dir/high.c" -o "$dir/high.o"
    run "$CALLS" "$dir"
    [ "$status" -eq 0 ]
    [ "$output" = "high low low" ]
}

@test "layering: a pair of files that call each other is caught" {
    local dir="$BATS_TEST_TMPDIR/chapters/99-pair"
    mkdir -p "$dir"
    printf 'int down(void);\nint up(void) { return down(); }\n' >"$dir/a.c"
    printf 'int up(void);\nint down(void) { return 1; }\nint again(void) { return up(); }\n' >"$dir/b.c"
    cc -c "$dir/a.c" -o "$dir/a.o"
    cc -c "$dir/b.c" -o "$dir/b.o"
    BUILD="$BATS_TEST_TMPDIR" run mutual_pairs 99-pair
    [ "$status" -eq 0 ]
    [ "$output" = "a b" ]
}

@test "layering: no two files of a chapter call each other" {
    local found="" dir pair
    for dir in "$TOP"/chapters/[0-9][0-9]-*/; do
        dir=$(basename "$dir")
        [ -d "$BUILD/chapters/$dir" ] || continue
        while read -r pair; do
            [ -n "$pair" ] && found+="$dir: $pair"$'\n'
        done < <(mutual_pairs "$dir")
    done
    echo "files that call each other:"
    echo "$found"
    [ -z "$found" ]
}

@test "layering: the calls between a chapter's files form no circle (tsort)" {
    local dir
    for dir in "$TOP"/chapters/[0-9][0-9]-*/; do
        dir=$(basename "$dir")
        [ -d "$BUILD/chapters/$dir" ] || continue
        "$CALLS" "$BUILD/chapters/$dir" | awk '{ print $1, $2 }' | sort -u \
            >"$BATS_TEST_TMPDIR/edges"
        run tsort "$BATS_TEST_TMPDIR/edges"
        echo "$dir: $output"
        [ "$status" -eq 0 ]
    done
}

@test "layering: a circle of three files is caught" {
    printf 'a b\nb c\nc a\n' >"$BATS_TEST_TMPDIR/edges"
    run tsort "$BATS_TEST_TMPDIR/edges"
    [ "$status" -ne 0 ]
    [[ "$output" == *"contains a loop"* ]]
}

@test "layering: every chapter directory has a README.md with its reading order, its files' Tornado counterparts, its book section and how to test it" {
    local dir readme
    for dir in "$TOP"/chapters/[0-9][0-9]-*/; do
        readme="$dir/README.md"
        echo "$readme"
        [ -f "$readme" ]
        grep -qi "reading order\|read the files\|read them in" "$readme"
        grep -qi "tornado" "$readme"
        grep -q "BOOK.md" "$readme"
        grep -q "make test-$(basename "$dir" | cut -c1-2)" "$readme"
    done
}
