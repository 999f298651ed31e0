#!/usr/bin/env bash
# tests/tornado/check.sh - regenerate the Tornado-side traces and compare them
# with the committed ones in tests/tornado/expected/.
#
#   tests/tornado/check.sh             regenerate into a temp dir, diff
#   tests/tornado/check.sh --update    regenerate into expected/ itself
#   tests/tornado/check.sh --runs N    regenerate N times (stability check);
#                                      every run must match
#
# Exit status: 0 every trace identical (or updated), 1 some differ (the diff
# is printed), 2 usage error, 3 skipped: /usr/bin/python3 cannot import
# tornado (Debian's python3-tornado not installed); it prints one line
# "skipped: python3-tornado not installed".
#
# expected/fork/ is chapter 6's (fork_demo.py, which tests/06-modules.bats
# regenerates and compares itself): left out here, and kept by --update.
#
# Always /usr/bin/python3: another python3 on PATH may lack Tornado.
# (TORNADO_PYTHON=/bin/false shows the skip path.)
set -u
cd "$(dirname "$0")"
PY=${TORNADO_PYTHON:-/usr/bin/python3}   # override only to test the skip path
UPDATE=0 RUNS=1
while [ $# -gt 0 ]; do
    case $1 in
    --update) UPDATE=1 ;;
    --runs) RUNS=${2:-}; shift ;;
    *) echo "usage: $0 [--update] [--runs N]" >&2; exit 2 ;;
    esac
    shift
done
case $RUNS in ''|*[!0-9]*|0) echo "$0: --runs needs a positive integer" >&2; exit 2 ;; esac

if ! "$PY" -c 'import tornado' 2>/dev/null; then
    echo "skipped: python3-tornado not installed"
    exit 3
fi

# The queue demo's parameter sets: "Q N P C".
QUEUE_SETS=(
    "1 5 1 1" "0 5 1 1" "2 10 1 1" "1 6 2 1"
    "1 7 1 3" "3 12 2 3" "0 8 3 2"
)

# generate DIR: write every trace under DIR (same layout as expected/).
generate() {
    local dir=$1 q n p c name
    mkdir -p "$dir/semantics"
    for set in "${QUEUE_SETS[@]}"; do
        read -r q n p c <<<"$set"
        timeout 30 "$PY" queue_demo.py --maxsize "$q" --items "$n" \
            --producers "$p" --consumers "$c" \
            >"$dir/queue_Q${q}_N${n}_P${p}_C${c}.txt" 2>&1
    done
    timeout 30 "$PY" condition_demo.py >"$dir/condition.txt" 2>&1
    for name in $("$PY" semantics.py --list); do
        timeout 30 "$PY" semantics.py "$name" >"$dir/semantics/$name.txt" 2>&1
    done
}

if [ "$UPDATE" = 1 ]; then
    find expected -mindepth 1 -maxdepth 1 ! -name fork -exec rm -rf {} +
    generate expected
    echo "updated: $(find expected -path expected/fork -prune -o -name '*.txt' -print | wc -l) traces in tests/tornado/expected"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for run in $(seq "$RUNS"); do
    rm -rf "$tmp/out"
    generate "$tmp/out"
    if ! diff -ru -x fork expected "$tmp/out"; then
        echo "FAILED: run $run of $RUNS: Tornado's traces differ from tests/tornado/expected"
        status=1
    fi
done
if [ $status = 0 ]; then
    echo "ok: $(find expected -path expected/fork -prune -o -name '*.txt' -print | wc -l) traces identical to tests/tornado/expected ($RUNS run(s), tornado $("$PY" -c 'import tornado; print(tornado.version)'))"
fi
exit $status
