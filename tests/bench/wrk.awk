# wrk.awk - wrk's report (wrk --latency) as loadgen's "name value" lines,
# so that tests/bench/run reads both with the same val():
#
#   wrk -t1 -c50 -d2s --latency URL | awk -f wrk.awk
#
# prints requests, requests/s, latency_p50 and latency_p99 (in ms, as
# loadgen prints them), non_2xx, socket_errors (connect + read + write) and
# timeouts. wrk prints its error lines only when a count is not zero, and
# its times with a unit (us, ms, s, m, h). Plain POSIX awk.

function ms(t,    v) {
    v = t + 0
    if (t ~ /us$/) return v / 1000
    if (t ~ /ms$/) return v
    if (t ~ /m$/) return v * 60000
    if (t ~ /h$/) return v * 3600000
    return v * 1000 # s
}

$2 == "requests" && $3 == "in" { requests = $1 }
$1 == "Requests/sec:" { rate = $2 }
$1 == "50%" { p50 = ms($2) }
$1 == "99%" { p99 = ms($2) }
/^ *Non-2xx or 3xx responses:/ { non2xx = $NF }
/^ *Socket errors:/ { # connect N, read N, write N, timeout N
    for (i = 3; i < NF; i += 2) {
        n = $(i + 1) + 0
        if ($i == "timeout") timeouts += n; else errors += n
    }
}

END {
    if (requests == "") exit 1 # not a wrk report: wrk failed
    printf "requests        %d\n", requests
    printf "requests/s      %.1f\n", rate
    if (p50 != "") printf "latency_p50     %.3f ms\n", p50
    if (p99 != "") printf "latency_p99     %.3f ms\n", p99
    printf "non_2xx         %d\n", non2xx
    printf "socket_errors   %d\n", errors
    printf "timeouts        %d\n", timeouts
}
