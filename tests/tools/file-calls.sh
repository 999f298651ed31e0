#!/usr/bin/env bash
# tests/tools/file-calls.sh DIR - which of DIR's object files call which:
# a line "caller callee symbol" for every global symbol that one .o uses
# and another .o of DIR defines. nm sees exactly what the linker sees, so
# a call through a header's macro or a static inline counts only where it
# lands in a real symbol; a callback passed down is no call, as in Tornado.
set -euo pipefail
dir=$1
defs=$(for o in "$dir"/*.o; do
    nm --defined-only -g "$o" | awk -v f="$(basename "$o" .o)" '{print $3, f}'
done | sort)
for o in "$dir"/*.o; do
    nm -u "$o" | awk -v f="$(basename "$o" .o)" '{print $2, f}'
done | sort | join - <(echo "$defs") | awk '$2 != $3 {print $2, $3, $1}'
