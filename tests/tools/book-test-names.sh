#!/usr/bin/env bash
# book-test-names.sh - check that every test BOOK.md names is a real test,
# so the book cannot send a reader looking for a test that does not exist.
#
#   tests/tools/book-test-names.sh [BOOK.md]
#
# The names are the @test names of tests/*.bats and tests/exercises/*.bats,
# and the lines tests/run prints itself (the exercise checks, the check of
# a chapter's transcript). A name may hold the suite's parameters, as the
# demo-app suite's "demo app (ch$CH): ..." does: each $VAR, ${...} or
# $(...) stands for any text without a ")".
#
# The book names a test in two ways:
#
# - a test line of a console block (" ✓ NAME", " ✗ NAME", " - NAME # skip
#   WHY"): NAME must be a whole test name;
# - a double-quoted name in the prose, either starting with a suite's label
#   ("ch01: ...", "demo app (...", "book: ...") or just after the word
#   "test" ('the test "..."', 'a test checks that ("...")'): it must be a
#   whole name, with or without its label ("ch04 http: "), or, for a name
#   without parameters, its beginning up to a word's end ("pipelined
#   requests are answered strictly in order" for "ch04 http: pipelined
#   requests are answered strictly in order, a slow one ...").
#
# Each miss is printed as "BOOK:LINE: no test is named: NAME", and the exit
# status is then 1. On success: "N test names match the suites".
set -u

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BOOK="${1:-$ROOT/BOOK.md}"

if [ ! -r "$BOOK" ]; then
    echo "book-test-names: cannot read $BOOK" >&2
    exit 2
fi

names() {
    sed -n 's/^[[:space:]]*@test "\(.*\)" {.*/\1/p' "$ROOT"/tests/*.bats "$ROOT"/tests/exercises/*.bats
    sed -n 's/.*echo " [✓✗-] \([^"]*\)".*/\1/p' "$ROOT/tests/run"
    bash "$ROOT/tests/tools/book-transcript.sh" --name '$NN'
}

exec awk -v book="$BOOK" '
# A raw name, with its parameters, as an anchored regular expression.
function to_regex(raw,    out, i, c, depth) {
    out = ""
    for (i = 1; i <= length(raw); i++) {
        c = substr(raw, i, 1)
        if (c == "$" && substr(raw, i + 1, 1) == "(") {
            depth = 0
            for (; i <= length(raw); i++) {
                c = substr(raw, i, 1)
                if (c == "(") depth++
                else if (c == ")" && !--depth) break
            }
            out = out "[^)]*"
        } else if (c == "$" && substr(raw, i + 1, 1) == "{") {
            while (i <= length(raw) && substr(raw, i, 1) != "}") i++
            out = out "[^)]*"
        } else if (c == "$" && substr(raw, i + 1, 1) ~ /[A-Za-z_]/) {
            i++
            while (substr(raw, i + 1, 1) ~ /[A-Za-z0-9_]/) i++
            out = out "[^)]*"
        } else if (index("\\^$.[]|()*+?{}/", c)) {
            out = out "\\" c
        } else {
            out = out c
        }
    }
    return "^" out "$"
}

# Whether q is the beginning of the literal name s, ending at a word end.
function starts(s, q) {
    return q != "" && index(s, q) == 1 &&
           (length(s) == length(q) || substr(s, length(q) + 1, 1) !~ /[A-Za-z0-9_]/)
}

# A console line must give a whole name; a quote may drop the labels in
# front ("ch04 iostream: ", "read_until: ") and, where no parameter is
# left, stop at any word'"'"'s end.
function known(q, whole,    i, k, f) {
    for (i = 1; i <= nn; i++) {
        if (q ~ re[i, 0]) return 1
        if (whole) continue
        for (k = 0; k <= nf[i]; k++) {
            f = form[i, k]
            if (q ~ re[i, k] || (index(f, "$") == 0 && starts(f, q))) return 1
        }
    }
    return 0
}

function check(lineno, q, whole) {
    checked++
    if (!known(q, whole)) {
        printf "%s:%d: no test is named: %s\n", book, lineno, q
        failures++
    }
}

# The quotes of one prose paragraph that name tests.
function paragraph(    text, before, sentence, q, off, lineno, k) {
    if (!np) return
    text = para[1]
    for (k = 2; k <= np; k++) text = text "\n" para[k]
    off = 0
    while (match(substr(text, off + 1), /"[^"]*"/)) {
        before = substr(text, 1, off + RSTART - 1)
        q = substr(text, off + RSTART + 1, RLENGTH - 2)
        off += RSTART + RLENGTH - 1
        lineno = pstart + gsub(/\n/, " ", before)
        gsub(/[ \t]*\n[ \t]*/, " ", q)
        sentence = before
        sub(/.*[.!?;] /, "", sentence)
        if (q ~ /^(ch[0-9][0-9][ :]|demo app \(|book: |exercise )/ ||
            sentence ~ /(^|[^A-Za-z])[Tt]ests?([^A-Za-z]|$)/)
            check(lineno, q, 0)
    }
    np = 0
}

FNR == NR {
    f = $0
    form[++nn, 0] = f
    re[nn, 0] = to_regex(f)
    for (k = 0; (j = index(f, ": ")) > 0; ) {
        f = substr(f, j + 2)
        form[nn, ++k] = f
        re[nn, k] = to_regex(f)
    }
    nf[nn] = k
    next
}

{ sub(/\r$/, "") }

/^```/ { paragraph(); fence = !fence; next }

fence {
    if ($0 ~ /^ (\342\234\223|\342\234\227|-) /) {
        q = substr($0, index($0, " ") + 1)
        q = substr(q, index(q, " ") + 1)
        sub(/ # skip.*$/, "", q)
        check(FNR, q, 1)
    }
    next
}

/^[ \t]*$/ { paragraph(); next }

{ if (!np) pstart = FNR; para[++np] = $0 }

END {
    paragraph()
    if (failures) {
        printf "%d of %d test names are not tests\n", failures, checked
        exit 1
    }
    printf "%d test names match the suites\n", checked
}
' <(names) "$BOOK"
