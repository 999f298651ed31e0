#!/usr/bin/env bats
# tests/bench.bats - the benchmark's own tools: loadgen (tests/tools/loadgen.c)
# counts what it should, checked against peer's canned answers and the
# chapter servers; report.awk and svg.awk render a fixed result file. The
# benchmark itself (make bench) is not run here: it takes minutes.

load helpers
bats_require_minimum_version 1.5.0

LOADGEN="$BUILD/tests/tools/loadgen"
PEER="$BUILD/tests/tools/peer"

setup() {
    T="$BATS_TEST_TMPDIR"
}

teardown() {
    stop_server
}

# reply TEXT: the peer's answer to every request head, printf-format.
reply() {
    printf "$1" >"$T/reply"
}

# loadgen ARGS: run against $PORT; the report is in $output.
loadgen() {
    run --separate-stderr "$LOADGEN" --port "$PORT" "$@"
}

# figure NAME: the value on the report line NAME.
figure() {
    awk -v k="$1" '$1 == k { print $2 }' <<<"$output"
}

@test "loadgen: usage errors exit 2 with the usage" {
    run --separate-stderr "$LOADGEN" --connections 5
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--port is required"* ]]
    [[ "$stderr" == *usage* ]]
    run --separate-stderr "$LOADGEN" --port 80 --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown argument '--bogus'"* ]]
    run --separate-stderr "$LOADGEN" --port 80 --duration 0
    [ "$status" -eq 2 ]
    run --separate-stderr "$LOADGEN" --port 80 --warmup soon
    [ "$status" -eq 2 ]
    run --separate-stderr "$LOADGEN" --port 80 --close --pipeline 2
    [ "$status" -eq 2 ]
    run --separate-stderr "$LOADGEN" --port 80 --connections 0
    [ "$status" -eq 2 ]
    run --separate-stderr "$LOADGEN" --port 80 --pipeline 65
    [ "$status" -eq 2 ]
}

@test "loadgen: --help prints the usage and exits 0" {
    run "$LOADGEN" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *usage* ]]
}

@test "loadgen: a refused connection is exit status 1" {
    start_server "$PEER"
    stop_server
    run --separate-stderr "$LOADGEN" --port "$PORT" --duration 0.1
    [ "$status" -eq 1 ]
    [ "$stderr" = "loadgen: connect 127.0.0.1:$PORT: Connection refused" ]
}

@test "loadgen: --requests N counts exactly N answers, and sends exactly N requests" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    start_server "$PEER" --reply "$T/reply" --record "$T/got"
    loadgen --connections 1 --requests 300 --warmup 0 --duration 30
    [ "$status" -eq 0 ]
    [ "$(figure requests)" -eq 300 ]
    [ "$(figure non_2xx)" -eq 0 ]
    [ "$(figure socket_errors)" -eq 0 ]
    [ "$(figure timeouts)" -eq 0 ]
    [ "$(grep -c "^GET / HTTP/1.1" "$T/got")" -eq 300 ]
    grep -q "^Host: 127.0.0.1:$PORT" "$T/got"
}

@test "loadgen: pipelined requests over several connections are all counted" {
    reply 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'
    start_server "$PEER" --reply "$T/reply"
    loadgen --connections 4 --pipeline 16 --requests 5000 --warmup 0 --duration 30
    [ "$status" -eq 0 ]
    [ "$(figure requests)" -eq 5000 ]
    [ "$(figure socket_errors)" -eq 0 ]
}

@test "loadgen: non-2xx answers are counted as such" {
    reply 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy'
    start_server "$PEER" --reply "$T/reply"
    loadgen --connections 2 --requests 100 --warmup 0 --duration 30
    [ "$(figure requests)" -eq 100 ]
    [ "$(figure non_2xx)" -eq 100 ]
    stop_server
    # pipelined, each answer after a 100 Continue: every head read in place
    reply 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'
    start_server "$PEER" --reply "$T/reply"
    loadgen --connections 1 --pipeline 8 --requests 400 --warmup 0 --duration 30
    [ "$(figure requests)" -eq 400 ]
    [ "$(figure non_2xx)" -eq 400 ]
    [ "$(figure socket_errors)" -eq 0 ]
    stop_server
    start_server "$(chapter_server 03)"
    loadgen --connections 2 --path /nope --requests 100 --warmup 0 --duration 30
    [ "$(figure non_2xx)" -eq 100 ]
}

@test "loadgen: 1xx is skipped; a body framed by the close ends at the close" {
    reply 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil the close'
    start_server "$PEER" --reply "$T/reply" --close
    loadgen --connections 1 --requests 20 --warmup 0 --duration 30
    [ "$(figure requests)" -eq 20 ]
    [ "$(figure non_2xx)" -eq 0 ]
    [ "$(figure socket_errors)" -eq 0 ]
}

@test "loadgen: a server that never answers gives timeouts, not answers" {
    start_server "$PEER"
    loadgen --connections 2 --timeout 0.2 --warmup 0 --duration 1
    [ "$status" -eq 0 ]
    [ "$(figure requests)" -eq 0 ]
    [ "$(figure timeouts)" -ge 2 ]
}

@test "loadgen: a close with a request unanswered is a socket error" {
    start_server "$PEER" --close
    loadgen --connections 1 --warmup 0 --duration 0.5
    [ "$status" -eq 0 ]
    [ "$(figure requests)" -eq 0 ]
    [ "$(figure socket_errors)" -ge 1 ]
}

@test "loadgen: a chunked answer, which it cannot frame, is a socket error" {
    reply 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'
    start_server "$PEER" --reply "$T/reply"
    loadgen --connections 1 --warmup 0 --duration 0.3
    [ "$(figure requests)" -eq 0 ]
    [ "$(figure socket_errors)" -ge 1 ]
}

@test "loadgen: --close opens a connection per request (chapter 1 serves them)" {
    start_server "$(chapter_server 01)"
    loadgen --close --connections 1 --requests 50 --warmup 0 --duration 30
    [ "$status" -eq 0 ]
    [ "$(figure requests)" -eq 50 ]
    [ "$(figure socket_errors)" -eq 0 ]
    [[ "${lines[0]}" == *"(a connection per request)"* ]]
}

@test "loadgen: --idle holds idle connections while the load runs" {
    start_server "$(chapter_server 03)"
    loadgen --connections 2 --idle 200 --warmup 0 --duration 0.3
    [ "$(figure idle_open)" -eq 200 ]
    [ "$(figure idle_closed)" -eq 0 ]
    [ "$(figure requests)" -gt 0 ]
    [ "$(figure socket_errors)" -eq 0 ]
}

@test "loadgen: idle connections the server refuses are counted as closed" {
    [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 1300 ] ||
        skip "needs 1300 descriptors (ulimit -n is $(ulimit -n))"
    # Chapter 2 closes every connection whose descriptor select() cannot hold.
    start_server "$(chapter_server 02)"
    loadgen --connections 0 --idle 1100 --warmup 0.2 --duration 0.2
    [ "$(figure idle_closed)" -gt 0 ]
    [ $(($(figure idle_open) + $(figure idle_closed))) -eq 1100 ]
}

@test "loadgen: latency percentiles come out right (a 0.1 s sleep)" {
    start_server "$(chapter_server 03)"
    loadgen --connections 2 --path /sleep/0.1 --warmup 0 --duration 0.5
    [ "$(figure requests)" -ge 4 ]
    # within the histogram's 1.6%, plus generous scheduling slack
    awk -v p50="$(figure latency_p50)" -v p99="$(figure latency_p99)" \
        -v max="$(figure latency_max)" 'BEGIN { exit !(p50 >= 99 && p50 < 200 && p99 >= p50 && max >= p99 - 2) }'
}

@test "loadgen: --server-pid reports the server's CPU per request and memory" {
    start_server "$(chapter_server 03)"
    loadgen --connections 4 --warmup 0 --duration 0.5 --server-pid "$SERVER_PID"
    [ "$(figure server_procs)" -eq 1 ]
    [ "$(figure server_rss)" -gt 0 ]
    [ "$(figure server_rss_peak)" -ge "$(figure server_rss)" ]
    [[ "$output" == *"server_cpu/req  "*" us"* ]]
}

# A results file as tests/bench/run writes it.
fixture() {
    local t=$'\t'
    cat >"$T/results.tsv" <<EOF
S${t}a${t}hello world, keep-alive, 50 connections
N${t}a${t}01-blocking${t}n/a: serves one connection at a time
R${t}a${t}03-ioloop (epoll)${t}80000.0${t}0.600${t}1.300${t}0${t}8.00${t}2048${t}
R${t}a${t}nginx (1 worker)${t}70000.0${t}0.700${t}1.500${t}0${t}10.00${t}15360${t}
R${t}a${t}tornado (1 proc)${t}5000.0${t}10.000${t}20.000${t}3${t}150.00${t}28000${t}
S${t}d${t}memory: RSS per idle connection, at 10,000 idle connections
M${t}d${t}02-select${t}950${t}1800${t}1950${t}161${t}950 idle: the FD_SETSIZE cap
M${t}d${t}nginx (1 worker)${t}10000${t}15000${t}20000${t}512${t}
W${t}a${t}nginx (1 worker)${t}70000.0${t}56000.0${t}8.00${t}10.00
EOF
}

@test "bench: report.awk prints the table with ratios to nginx (1 worker)" {
    fixture
    run awk -f "$TOP/tests/bench/report.awk" -v format=text -v only=a "$T/results.tsv"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == *"(ratios: to nginx (1 worker))" ]]
    [[ "${lines[1]}" == *"CPU µs/req"* ]]
    [[ "$output" =~ 03-ioloop\ \(epoll\)\ +80.0k\ +0.60\ +1.30\ +0\ +8.00\ +2.0\ MB\ +1.14\ +0.80 ]]
    [[ "$output" =~ tornado\ \(1\ proc\)\ +5.00k.*\ 150\ .*0.07\ +15.0 ]]
    [[ "$output" == *"n/a: serves one connection at a time"* ]]
    run awk -f "$TOP/tests/bench/report.awk" -v format=md "$T/results.tsv"
    [[ "$output" == *"| 03-ioloop (epoll) | 80.0k | 0.60 | 1.30 | 0 | 8.00 | 2.0 MB | 1.14 | 0.80 |  |"* ]]
    [[ "$output" == *"| 02-select | 950 | 1.8 MB | 1.9 MB | 161 | 0.31 | 950 idle: the FD_SETSIZE cap |"* ]]
    [[ "$output" == *"| keep-alive | nginx (1 worker) | 70.0k | 56.0k | 1.25 | 8.00 | 10.0 | 1.25 |"* ]]
    run awk -f "$TOP/tests/bench/report.awk" -v format=text -v only=W "$T/results.tsv"
    [[ "$output" =~ keep-alive\ +nginx\ \(1\ worker\)\ +70.0k\ +56.0k\ +1.25\ +8.00\ +10.0\ +1.25 ]]
}

@test "bench: report.awk prints the HTTP clients' table with client CPU ratios to the first row" {
    local t=$'\t'
    cat >"$T/clients.tsv" <<EOF
S${t}g${t}HTTP clients: 5,000 GETs of / from chapter 4's server
K${t}g${t}fetch (pooled)${t}5000${t}9000${t}20.00${t}10.00${t}10${t}keep-alive
K${t}g${t}tornado AsyncHTTPClient${t}5000${t}900${t}400.00${t}30.00${t}-${t}a connection per request
N${t}g${t}curl (one connection)${t}curl not installed
EOF
    run awk -f "$TOP/tests/bench/report.awk" -v format=text -v only=g "$T/clients.tsv"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "== HTTP clients: 5,000 GETs of / from chapter 4's server" ]]
    [[ "${lines[1]}" == *"client µs/req"*"server µs/req"* ]]
    [[ "$output" =~ fetch\ \(pooled\)\ +5000\ +9000\ +20.0\ +1.00\ +10.0\ +10\ +keep-alive ]]
    [[ "$output" =~ tornado\ AsyncHTTPClient\ +5000\ +900\ +400\ +20.0\ +30.0 ]]
    [[ "$output" == *"curl not installed"* ]]
    run awk -f "$TOP/tests/bench/report.awk" -v format=md "$T/clients.tsv"
    [[ "$output" == *"| fetch (pooled) | 5000 | 9000 | 20.0 | 1.00 | 10.0 | 10 | keep-alive |"* ]]
}

@test "bench: median.awk keeps each server's median round of scenario a, in its first round's place" {
    local t=$'\t'
    cat >"$T/rounds.tsv" <<EOF
S${t}a${t}hello
N${t}a${t}ch01${t}n/a
R${t}a${t}ch04${t}100${t}0.1${t}0.2${t}0${t}9.00${t}1${t}
N${t}a${t}ch01${t}n/a
R${t}a${t}nginx${t}100${t}0.1${t}0.2${t}0${t}7.00${t}1${t}
W${t}a${t}nginx${t}1${t}1${t}1${t}1
R${t}a${t}ch04${t}300${t}0.1${t}0.2${t}0${t}6.00${t}1${t}
R${t}a${t}nginx${t}300${t}0.1${t}0.2${t}0${t}30.00${t}1${t}
R${t}a${t}ch04${t}200${t}0.1${t}0.2${t}0${t}7.50${t}1${t}
R${t}a${t}nginx${t}200${t}0.1${t}0.2${t}0${t}7.20${t}1${t}
R${t}b1${t}ch04${t}1${t}0.1${t}0.2${t}0${t}1.00${t}1${t}
R${t}b1${t}ch04${t}2${t}0.1${t}0.2${t}0${t}2.00${t}1${t}
EOF
    run awk -f "$TOP/tests/bench/median.awk" -v scen=a "$T/rounds.tsv" "$T/rounds.tsv"
    [ "$status" -eq 0 ]
    echo "$output"
    [ "${#lines[@]}" -eq 7 ]
    [ "${lines[0]}" = "S${t}a${t}hello" ]
    [ "${lines[1]}" = "N${t}a${t}ch01${t}n/a" ] # once, not once per round
    [ "${lines[2]}" = "R${t}a${t}ch04${t}200${t}0.1${t}0.2${t}0${t}7.50${t}1${t}" ] # 6 < 7.5 < 9
    [ "${lines[3]}" = "R${t}a${t}nginx${t}200${t}0.1${t}0.2${t}0${t}7.20${t}1${t}" ] # not 30
    [ "${lines[4]}" = "W${t}a${t}nginx${t}1${t}1${t}1${t}1" ]
    [ "${lines[5]}" = "R${t}b1${t}ch04${t}1${t}0.1${t}0.2${t}0${t}1.00${t}1${t}" ] # other scenarios
    [ "${lines[6]}" = "R${t}b1${t}ch04${t}2${t}0.1${t}0.2${t}0${t}2.00${t}1${t}" ] # untouched
}

@test "bench: svg.awk draws a bar per measured row, n/a for the others" {
    fixture
    awk -f "$TOP/tests/bench/svg.awk" -v subtitle="a & b" "$T/results.tsv" >"$T/out.svg"
    [ "$(head -c 4 "$T/out.svg")" = "<svg" ]
    [ "$(tail -n 1 "$T/out.svg")" = "</svg>" ]
    [ "$(grep -c '<rect x=' "$T/out.svg")" -eq 5 ]
    grep -q '>n/a</text>' "$T/out.svg"
    grep -q 'a &amp; b' "$T/out.svg"
    grep -q '161 (950 idle: FD_SETSIZE)' "$T/out.svg"
    if command -v xmllint >/dev/null; then xmllint --noout "$T/out.svg"; fi
}

@test "bench: tests/bench/run rejects a bad argument with status 2" {
    run "$TOP/tests/bench/run" bogus
    [ "$status" -eq 2 ]
    [[ "$output" == *usage* ]]
}

# wrk 4.1's report with --latency, as captured from `wrk -t1 -c50 -d1s
# --latency` against nginx; the error lines as wrk prints them when a
# count is not zero.
wrk_sample() {
    cat <<'EOF_WRK'
Running 1s test @ http://127.0.0.1:28080/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.09ms    2.98ms  26.83ms   88.07%
    Req/Sec    42.76k    10.08k   55.46k    80.00%
  Latency Distribution
     50%  417.00us
     75%    3.19ms
     90%    5.91ms
     99%   13.58ms
  43572 requests in 1.03s, 6.69MB read
EOF_WRK
    [ "${1:-}" = errors ] && cat <<'EOF_WRK'
  Socket errors: connect 1, read 12, write 2, timeout 3
  Non-2xx or 3xx responses: 52469
EOF_WRK
    cat <<'EOF_WRK'
Requests/sec:  42237.42
Transfer/sec:      6.49MB
EOF_WRK
}

@test "bench: wrk.awk reads wrk's report as loadgen's figures" {
    run awk -f "$TOP/tests/bench/wrk.awk" <(wrk_sample)
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "requests        43572" ]
    [ "$(figure requests/s)" = 42237.4 ]
    [ "$(figure latency_p50)" = 0.417 ] # us to ms
    [ "$(figure latency_p99)" = 13.580 ]
    [ "$(figure non_2xx)" -eq 0 ]
    [ "$(figure socket_errors)" -eq 0 ]
    [ "$(figure timeouts)" -eq 0 ]
    run awk -f "$TOP/tests/bench/wrk.awk" <(wrk_sample errors)
    [ "$(figure non_2xx)" -eq 52469 ]
    [ "$(figure socket_errors)" -eq 15 ] # connect + read + write
    [ "$(figure timeouts)" -eq 3 ]
    # seconds and minutes
    run awk -f "$TOP/tests/bench/wrk.awk" <(wrk_sample | sed 's/417.00us/1.50s/; s/13.58ms/1.00m/')
    [ "$(figure latency_p50)" = 1500.000 ]
    [ "$(figure latency_p99)" = 60000.000 ]
    # wrk failed: no figures, status 1
    run awk -f "$TOP/tests/bench/wrk.awk" <(echo "unable to connect to 127.0.0.1:9 Connection refused")
    [ "$status" -eq 1 ]
    [ -z "$output" ]
}

@test "bench: report.awk sets scenario a beside its wrk rows (aw), each to its own nginx" {
    local t=$'\t'
    cat >"$T/both.tsv" <<EOF
S${t}a${t}hello world, keep-alive, 50 connections
S${t}aw${t}the first table's load from wrk -t1 -c50
R${t}a${t}04-iostream${t}140000${t}0.3${t}0.6${t}0${t}6.00${t}2048${t}
R${t}aw${t}04-iostream${t}100000${t}0.3${t}0.6${t}0${t}5.50${t}2048${t}
R${t}a${t}nginx (1 worker)${t}130000${t}0.3${t}0.6${t}0${t}7.50${t}15360${t}
R${t}aw${t}nginx (1 worker)${t}110000${t}0.3${t}0.6${t}0${t}5.00${t}15360${t}
R${t}aw${t}tornado (1 proc)${t}7000${t}7${t}12${t}0${t}150${t}28000${t}
EOF
    run awk -f "$TOP/tests/bench/report.awk" -v format=text -v only=aw "$T/both.tsv"
    [ "$status" -eq 0 ]
    [[ "$output" == *"== the first table's load from wrk -t1 -c50 (ratios: to nginx (1 worker))"* ]]
    [[ "$output" =~ 04-iostream\ +100k\ .*\ 5.50\ +2.0\ MB\ +0.91\ +1.10 ]]
    [[ "$output" =~ 04-iostream\ +6.00\ +0.80\ +5.50\ +1.10 ]]
    [[ "$output" =~ tornado\ \(1\ proc\)\ +-\ +-\ +150\ +30.0 ]] # no loadgen row for it
    run awk -f "$TOP/tests/bench/report.awk" -v format=md "$T/both.tsv"
    [[ "$output" == *"### CPU per request under each client"* ]]
    [[ "$output" == *"| 04-iostream | 6.00 | 0.80 | 5.50 | 1.10 |"* ]]
    [[ "$output" == *"| nginx (1 worker) | 7.50 | 1.00 | 5.00 | 1.00 |"* ]]
    # without scenario a, no side-by-side table
    grep -v "^S${t}a${t}" "$T/both.tsv" >"$T/aw.tsv"
    run awk -f "$TOP/tests/bench/report.awk" -v format=md "$T/aw.tsv"
    [[ "$output" != *"under each client"* ]]
}

@test "bench: median.awk keeps the median round of the wrk rows (aw) too" {
    local t=$'\t'
    printf 'R\taw\tch04\t1\t0\t0\t0\t%s\t1\t\n' 9.0 5.0 7.0 >"$T/aw.tsv"
    run awk -f "$TOP/tests/bench/median.awk" -v scen=aw "$T/aw.tsv" "$T/aw.tsv"
    [ "${#lines[@]}" -eq 1 ]
    [ "${lines[0]}" = "R${t}aw${t}ch04${t}1${t}0${t}0${t}0${t}7.0${t}1${t}" ]
}

@test "bench: report.awk sets chapter 5 over chapter 4, coroutine memory and switch cost" {
    local t=$'\t'
    cat >"$T/coro.tsv" <<EOF_TSV
S${t}a${t}hello world, keep-alive, 50 connections
R${t}a${t}04-iostream${t}140000${t}0.3${t}0.6${t}0${t}6.00${t}2048${t}
R${t}a${t}05-coroutines${t}130000${t}0.3${t}0.6${t}0${t}6.30${t}2048${t}
R${t}a${t}nginx (1 worker)${t}130000${t}0.3${t}0.6${t}0${t}7.50${t}15360${t}
S${t}b10${t}the same, with 10,000 idle connections held open
R${t}b10${t}04-iostream${t}1${t}0.3${t}0.6${t}0${t}8.00${t}2048${t}
R${t}b10${t}05-coroutines${t}1${t}0.3${t}0.6${t}0${t}8.80${t}2048${t}
S${t}e${t}coroutines: memory per suspended coroutine, 100,000 in one process
C${t}e${t}coro_new, stopped in coro_yield${t}100000${t}madvise${t}1424${t}605456${t}6185${t}140${t}25${t}
N${t}e${t}gen_spawn task in gen_sleep${t}failed: x
S${t}f${t}coroutines: the cost of one switch
X${t}f${t}swapcontext (coro_test)${t}218.0${t}
N${t}f${t}fast switch (05-fast-switch)${t}fast switch: exercise 05-fast-switch not built
EOF_TSV
    run awk -f "$TOP/tests/bench/report.awk" -v format=text -v only=V "$T/coro.tsv"
    [ "$status" -eq 0 ]
    [[ "$output" == *"05 vs 04 CPU per request"* ]]
    [[ "$output" =~ keep-alive,\ loadgen\ +6.00\ +6.30\ +1.05 ]]
    [[ "$output" =~ with\ 10,000\ idle\ +8.00\ +8.80\ +1.10 ]]
    run awk -f "$TOP/tests/bench/report.awk" -v format=md "$T/coro.tsv"
    [[ "$output" == *"| keep-alive, loadgen | 6.00 | 6.30 | 1.05 |"* ]]
    [[ "$output" == *"| coro_new, stopped in coro_yield | 100000 | madvise | 1.4 MB | 591.3 MB | 6185 | 140 | 25 |  |"* ]]
    [[ "$output" == *"| swapcontext (coro_test) | 218.0 | 1.00 |  |"* ]]
    [[ "$output" == *"| fast switch (05-fast-switch) | - | - | fast switch: exercise 05-fast-switch not built |"* ]]
    # without chapter 5's row, no 05 vs 04 table
    grep -v 05-coroutines "$T/coro.tsv" >"$T/no5.tsv"
    run awk -f "$TOP/tests/bench/report.awk" -v format=md "$T/no5.tsv"
    [[ "$output" != *"05 vs 04"* ]]
}
