#!/usr/bin/env bash
# book-transcript.sh - check BOOK.md's transcript of `make test-NN` against
# a real run of chapter NN's suites, so a "Try it" cannot drift from what a
# reader sees.
#
#   tests/tools/book-transcript.sh BOOK.md NN RUN.log
#
# RUN.log holds the lines tests/run printed for the chapter's suites
# (" ✓ name", " - name # skip reason", " ✗ name"). The transcript is the
# part of a ```console block from the line "$ make test-NN" to the end of
# the block (or the next "$ " line). It is checked in two ways:
#
# - its summary, the last lines "N skipped" (absent when none) and
#   "N passed, N failed", must be this run's, counting this check itself
#   as the one more test that passes (tests/run prints it last);
# - every test line it shows (" ✓ ...", " - ... # skip ...") must be a
#   line of this run, in the same order; "..." elides lines, and every skip
#   of the run that is by design must be shown.
#
# A skip is by design when its reason starts with "chapter " (the demo-app
# suite's table: "chapter 01 answers one request per connection"); any
# other skip depends on the machine ("curl not installed", a descriptor
# limit that cannot be raised). The book shows a run on a machine that has
# what the suites use, so a machine skip is counted as the pass it would be
# there, and said so: the check does not depend on what is installed.
#
# Prints one test line, " ✓ NAME", " ✗ NAME" or " - NAME # skip WHY", then
# indented details (each failure as "BOOK:LINE: ..."), and exits 0 (the
# book matches), 1 (it does not) or 2 (not compared: the book quotes no
# such run, or a test of the run failed).
#
#   tests/tools/book-transcript.sh --name NN   prints the check's own name
set -u

check_name() { echo "book: BOOK.md's make test-$1 transcript matches this run"; }

if [ "${1:-}" = --name ] && [ "$#" -eq 2 ]; then
    check_name "$2"
    exit 0
fi
if [ "$#" -ne 3 ] || [ ! -r "$1" ] || [ ! -r "$3" ]; then
    echo "usage: book-transcript.sh BOOK.md NN RUN.log" >&2
    exit 64
fi

CHECK_NAME=$(check_name "$2") exec awk -v book="$1" -v ch="$2" -v runlog="$3" '
BEGIN {
    OK = "\342\234\223"; BAD = "\342\234\227"
    name = ENVIRON["CHECK_NAME"]
    # This run: its test lines in order, and the counts.
    while ((getline line < runlog) > 0) {
        if (line ~ ("^ " OK " ")) { p++; run[++n] = line }
        else if (line ~ ("^ " BAD " ")) { f++; run[++n] = line }
        else if (line ~ /^ - .* # skip/) {
            s++; run[++n] = line
            why = line; sub(/.* # skip /, "", why)
            if (why ~ /^chapter /) { designed[n] = 1 }
            else { e++; machine[n] = 1; if (!(why in seen)) { seen[why]; whys = whys (whys ? "; " : "") why } }
        }
    }
    close(runlog)
    cmd = "$ make test-" ch
}

# The transcripts: console blocks from "$ make test-NN" on.
/^```/ { if (fence && inside) finish(); fence = !fence; next }
!fence { next }
inside && /^\$ / { finish() }
$0 == cmd || $0 == cmd " " { inside = 1; start = FNR; nb = 0; sumline = 0; skipline = 0; nt++; next }
inside {
    if ($0 ~ /^[0-9]+ skipped$/) { bs = $1 + 0; skipline = FNR }
    else if ($0 ~ /^[0-9]+ passed, [0-9]+ failed$/) { bp = $1 + 0; bf = $3 + 0; sumline = FNR }
    else if ($0 ~ ("^ (" OK "|" BAD "|-) ")) { bl[++nb] = $0; bn[nb] = FNR }
}

function problem(lineno, msg) { out = out sprintf("   %s:%d: %s\n", book, lineno, msg); bad++ }

function finish(    i, j, pos, got, want, shown) {
    inside = 0
    if (!sumline) {
        problem(start, "the transcript of make test-" ch " ends without its \"N passed, N failed\" line")
        return
    }
    if (!skipline) bs = 0
    got = sprintf("%s%d passed, %d failed", s - e ? (s - e) " skipped, " : "", p + e + 1, f)
    want = sprintf("%s%d passed, %d failed", bs ? bs " skipped, " : "", bp, bf)
    if (got != want)
        problem(skipline && bs != s - e ? skipline : sumline,
                "the book shows \"" want "\"; this run gives \"" got "\" (with this check as passed" \
                (e ? ", and the " e " skipped for this machine" : "") ")")
    # Each test line, in order, among the run'\''s.
    pos = 1
    for (i = 1; i <= nb; i++) {
        if (bl[i] == " " OK " " name) continue  # this check, printed after the run
        for (j = pos; j <= n; j++) {
            if (run[j] == bl[i]) break
            if (machine[j] && bl[i] == " " OK " " substr(run[j], 4, index(run[j], " # skip") - 4)) break
        }
        if (j > n) {
            problem(bn[i], "not a line of this run (or out of order): " bl[i])
            continue
        }
        shown[j] = 1
        pos = j + 1
    }
    for (j = 1; j <= n; j++)
        if (designed[j] && !shown[j])
            problem(sumline, "the transcript does not show this skip of the run: " run[j])
}

END {
    if (fence && inside) finish()
    if (f) {
        printf " - %s # skip %d test%s failed above: not compared\n", name, f, (f > 1 ? "s" : "")
        exit 2
    }
    if (!nt) {
        printf " - %s # skip BOOK.md shows no run of make test-%s\n", name, ch
        exit 2
    }
    if (bad) {
        printf " %s %s\n%s", BAD, name, out
        exit 1
    }
    printf " %s %s\n", OK, name
    if (e)
        printf "   (%d skipped here for this machine, passes in the book: %s)\n", e, whys
    exit 0
}
' "$1"
