# tests/helpers.bash - shared by every suite: find the build, start a server
# on a free port, talk to it, and always stop it.
#
#     load helpers
#     setup()    { start_server "$(chapter_server 02)"; }
#     teardown() { stop_server; }
#     @test "hello" { run httpc_get /; [[ "$output" == *"Hello, world"* ]]; }

TOP="$(cd "$BATS_TEST_DIRNAME" && git rev-parse --show-toplevel 2>/dev/null ||
       cd "$BATS_TEST_DIRNAME/.." && pwd)"
while [ ! -f "$TOP/Makefile" ] && [ "$TOP" != / ]; do TOP=$(dirname "$TOP"); done
BUILD="${BUILD:-build}"
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
HTTPC="$BUILD/tests/tools/httpc"

# The server binary of chapter NN (01, 02, ...).
chapter_server() {
    local dir
    dir=$(cd "$TOP/chapters" && ls -d "$1"-* | head -n 1)
    echo "$BUILD/chapters/$dir/server"
}

# Run a unit-test program's case: unit http_parse_test bare_lf
unit() {
    run "$BUILD/tests/unit/$1" "$2"
    if [ "$status" -ne 0 ]; then
        echo "$output"
        return 1
    fi
}

# start_server BIN [ARGS...]: start BIN --port 0 ARGS in the background, wait
# for its "listening on http://HOST:PORT" line, and set SERVER_PID, PORT and
# SERVER_LOG (its stderr). Fails after 10 s without the line.
start_server() {
    local bin=$1
    shift
    SERVER_OUT="$BATS_TEST_TMPDIR/server.out"
    SERVER_LOG="$BATS_TEST_TMPDIR/server.log"
    : >"$SERVER_OUT" # exists before the server writes to it
    # The subshell applies SERVER_NOFILE (a descriptor limit for the server
    # alone), then exec keeps its PID for the server.
    (
        [ -z "${SERVER_NOFILE:-}" ] || ulimit -n "$SERVER_NOFILE"
        exec "$bin" --port 0 "$@"
    ) >"$SERVER_OUT" 2>"$SERVER_LOG" &
    SERVER_PID=$!
    wait_listening "$SERVER_OUT" "$SERVER_PID" && return 0
    echo "server did not start: $(cat "$SERVER_LOG")" >&2
    stop_server
    return 1
}

# wait_listening OUT PID: wait up to 10 s for the line "listening on
# http://HOST:PORT" at the top of OUT, and set PORT; fails if PID ends
# first or the line never comes.
wait_listening() {
    local i line
    for ((i = 0; i < 200; i++)); do
        line=$(head -n 1 "$1")
        if [[ "$line" =~ ^listening\ on\ http://.*:([0-9]+)$ ]]; then
            PORT=${BASH_REMATCH[1]}
            return 0
        fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}

# stop_pid PID: SIGTERM a process this test started, wait up to 5 s
# (then SIGKILL), and set STOPPED_STATUS to its exit status.
stop_pid() {
    local i
    kill -TERM "$1" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$1" 2>/dev/null || true
    STOPPED_STATUS=0
    wait "$1" 2>/dev/null || STOPPED_STATUS=$?
}

# stop_server: stop the server started by start_server (stop_pid), and
# set SERVER_STATUS to its exit status.
stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    stop_pid "$SERVER_PID"
    SERVER_STATUS=$STOPPED_STATUS
    SERVER_PID=
}

# stop_clean: stop the server; it must exit 0 with nothing from ASan or
# UBSan in its log (under SAN=1 a leak at exit fails here).
stop_clean() {
    stop_server
    [ "$SERVER_STATUS" -eq 0 ]
    ! grep -E "Sanitizer|runtime error" "$SERVER_LOG"
}

# raise_nofile NEED: set this test's descriptor limit (inherited by the server
# and httpc) to the hard limit, at most 30000; fail if that is below NEED.
raise_nofile() {
    local hard want=30000
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] || want=$hard
    [ "$want" -ge "$1" ] && ulimit -n "$want" 2>/dev/null
}

# httpc ARGS...: the raw client against the server started above.
httpc() {
    "$HTTPC" --port "$PORT" "$@"
}

# httpc_get PATH: one GET with a Host header; prints the whole response.
httpc_get() {
    httpc --send "GET $1 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
}

# The body of the last `run` (everything after the first empty line).
response_body() {
    printf '%s\n' "$output" | sed '1,/^\r\{0,1\}$/d'
}

# wait_for_line FILE PATTERN: wait up to 10 s for a line matching PATTERN
# (grep -E) to appear in FILE, as a background helper writes it.
wait_for_line() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "no line matching '$2' in $1: $(cat "$1" 2>/dev/null)" >&2
    return 1
}
