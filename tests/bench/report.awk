# report.awk - tests/bench/run's results as tables: for the terminal or Markdown.
#
#   awk -f report.awk -v format=text -v only=a results.tsv    one scenario's table
#   awk -f report.awk -v format=text -v only=W results.tsv    the loadgen/wrk check
#   awk -f report.awk -v format=md results.tsv                everything, for bench.md
#
# results.tsv has one record a line, tab-separated, by its first field:
#   S id title                      a scenario
#   R id server req/s p50 p99 errors cpu_us peak_rss_kb note    a load row
#   M id server idle rss_before_kb rss_with_kb bytes_per_conn note  a memory row
#   N id server note                a row not measured, and why
#   W id server loadgen_req/s wrk_req/s loadgen_cpu_us wrk_cpu_us   the same load from wrk -t1
#   C id what coroutines guard rss_before_kb rss_with_kb bytes_per_coro
#        page_table_bytes_per_coro vmas note   memory per suspended coroutine
#   X id what ns_per_switch note    the cost of a coroutine switch
# With rows of both 04-iostream and 05-coroutines, a table of chapter 5's
# CPU per request over chapter 4's, a line per load scenario ("only=V" in
# text; in Markdown after the load tables): coroutine handlers against
# callbacks, in the same run.
# Scenario aw is scenario a's load from wrk (R rows like a's); beside its
# table comes a's CPU per request next to aw's, each with its ratio.
#   I text                          a line to show (skipped rows)
#   T seconds                       how long the whole run took
# Ratios are to the reference row: nginx with one worker, else Tornado in
# one process, else the first row. Plain POSIX awk (mawk works).
BEGIN { FS = "\t" }
$1 == "S" { ns++; sid[ns] = $2; stitle[$2] = $3 }
$1 == "R" || $1 == "M" || $1 == "N" || $1 == "C" || $1 == "X" || $1 == "K" {
    n = ++rows[$2]
    kind[$2, n] = $1
    for (i = 3; i <= NF; i++) f[$2, n, i - 2] = $i
}
$1 == "W" { nw++; w[nw] = $0 }
$1 == "I" { ni++; info[ni] = $2 }
$1 == "T" { total = $2 }

function num(x) { return x != "" && x != "-" }
function rate(r) {
    if (!num(r)) return "-"
    if (r >= 100000) return sprintf("%.0fk", r / 1000)
    if (r >= 10000) return sprintf("%.1fk", r / 1000)
    if (r >= 1000) return sprintf("%.2fk", r / 1000)
    return sprintf("%.0f", r)
}
function ms(x) { return !num(x) ? "-" : x < 0.1 ? sprintf("%.3f", x) : sprintf("%.2f", x) }
function us(x) { return !num(x) ? "-" : x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
function mb(kb) { return !num(kb) ? "-" : sprintf("%.1f MB", kb / 1024) }
function ratio(x, ref) {
    if (!num(x) || !num(ref) || ref == 0) return "-"
    return x / ref >= 10 ? sprintf("%.1f", x / ref) : sprintf("%.2f", x / ref)
}

# The reference row of scenario s: sets refname, returns its index.
function reference(s,    n, want, k) {
    split("nginx (1 worker)|tornado (1 proc)", want, "|")
    for (k = 1; k <= 2; k++)
        for (n = 1; n <= rows[s]; n++)
            if (kind[s, n] != "N" && f[s, n, 1] == want[k]) { refname = want[k]; return n }
    for (n = 1; n <= rows[s]; n++)
        if (kind[s, n] != "N") { refname = f[s, n, 1]; return n }
    refname = "-"
    return 0
}

# One table row: cells c[1..nc], in the chosen format.
function emit(nc, header,    i, line) {
    if (format == "md") {
        line = "|"
        for (i = 1; i <= nc; i++) line = line " " c[i] " |"
        print line
        return
    }
    line = sprintf("%-" (wid[1] ? wid[1] : 20) "s", c[1])
    for (i = 2; i <= nc; i++)
        line = line sprintf(i == nc ? "  %s" : " %" wid[i] "s", c[i])
    sub(/ +$/, "", line)
    if (header) { # wide characters after padding: mawk pads by bytes
        gsub(/us\/req/, "\302\265s/req", line)
        gsub(/ x( |$)/, " \303\227 ", line)
        sub(/ +$/, "", line)
    }
    print line
}

# The Markdown alignment row, under the header still in c[]: text columns
# to the left, figures to the right.
function rule(nc,    i, line) {
    if (format != "md") return
    line = "|"
    for (i = 1; i <= nc; i++) line = line (i == 1 || c[i] == "server" || c[i] == "note" || c[i] == "guard" ? "---|" : "---:|")
    print line
}

function load_table(s,    n, r, nc) {
    r = reference(s)
    split("8 7 7 7 11 10 8 7", wid_, " ")
    for (n = 1; n <= 8; n++) wid[n + 1] = wid_[n]
    nc = 10
    c[1] = "server"; c[2] = "req/s"; c[3] = "p50 ms"; c[4] = "p99 ms"; c[5] = "errors"
    c[6] = "CPU us/req"; c[7] = "peak RSS"; c[8] = "req/s x"; c[9] = "CPU x"; c[10] = "note"
    if (format == "md") { c[6] = "CPU \302\265s/req"; c[8] = "req/s vs ref"; c[9] = "CPU vs ref" }
    emit(nc, 1); rule(nc)
    for (n = 1; n <= rows[s]; n++) {
        if (kind[s, n] == "N") {
            c[1] = f[s, n, 1]
            for (i = 2; i <= 9; i++) c[i] = "-"
            c[10] = f[s, n, 2]
        } else {
            c[1] = f[s, n, 1]; c[2] = rate(f[s, n, 2]); c[3] = ms(f[s, n, 3])
            c[4] = ms(f[s, n, 4]); c[5] = f[s, n, 5]; c[6] = us(f[s, n, 6])
            c[7] = mb(f[s, n, 7]); c[8] = ratio(f[s, n, 2], f[s, r, 2])
            c[9] = ratio(f[s, n, 6], f[s, r, 6]); c[10] = f[s, n, 8]
        }
        emit(nc)
    }
}

function memory_table(s,    n, r, nc, i) {
    r = reference(s)
    split("10 11 14 16 7", wid_, " ")
    for (n = 1; n <= 5; n++) wid[n + 1] = wid_[n]
    nc = 7
    c[1] = "server"; c[2] = "idle"; c[3] = "RSS before"; c[4] = "RSS with idle"
    c[5] = "bytes per idle"; c[6] = "x"; c[7] = "note"
    if (format == "md") c[6] = "vs ref"
    emit(nc, 1); rule(nc)
    for (n = 1; n <= rows[s]; n++) {
        c[1] = f[s, n, 1]
        if (kind[s, n] == "N") {
            for (i = 2; i <= 6; i++) c[i] = "-"
            c[7] = f[s, n, 2]
        } else {
            c[2] = f[s, n, 2]; c[3] = mb(f[s, n, 3]); c[4] = mb(f[s, n, 4])
            c[5] = f[s, n, 5]; c[6] = ratio(f[s, n, 5], f[s, r, 5]); c[7] = f[s, n, 6]
        }
        emit(nc)
    }
}

function client_table(    k, p, nc) {
    split("20 14 10 7 16 11 7", wid_, " ")
    for (k = 1; k <= 7; k++) wid[k + 1] = wid_[k]
    nc = format == "md" ? 8 : 9 # the text table's last column is the (empty) note
    c[1] = "scenario"; c[2] = "server"; c[3] = "loadgen req/s"; c[4] = "wrk req/s"
    c[5] = "ratio"; c[6] = "loadgen us/req"; c[7] = "wrk us/req"; c[8] = "ratio"; c[9] = ""
    if (format == "md") { c[6] = "loadgen CPU \302\265s/req"; c[7] = "wrk CPU \302\265s/req" }
    emit(nc, 1); rule(nc)
    for (k = 1; k <= nw; k++) {
        split(w[k], p, "\t")
        c[1] = p[2] == "c" ? "connection/request" : "keep-alive"
        c[2] = p[3]; c[3] = rate(p[4]); c[4] = rate(p[5]); c[5] = ratio(p[4], p[5])
        c[6] = us(p[6]); c[7] = us(p[7]); c[8] = ratio(p[7], p[6]); c[9] = ""
        emit(nc)
    }
}

# Scenario a's CPU per request beside aw's (the same load from wrk), each
# as a ratio to its own table's reference row: does the ratio to nginx
# hold under both clients?
function both_table(    n, m, ra, rw, nc, cw) {
    ra = reference("a"); rw = reference("aw")
    split("16 7 12 7", wid_, " ")
    for (n = 1; n <= 4; n++) wid[n + 1] = wid_[n]
    nc = 5
    c[1] = "server"; c[2] = "loadgen us/req"; c[3] = "x"; c[4] = "wrk us/req"; c[5] = "x"
    if (format == "md") {
        c[2] = "loadgen CPU \302\265s/req"; c[3] = "vs ref"; c[4] = "wrk CPU \302\265s/req"; c[5] = "vs ref"
    }
    emit(nc, 1); rule(nc)
    for (n = 1; n <= rows["aw"]; n++) {
        if (kind["aw", n] == "N") continue
        cw = ""
        for (m = 1; m <= rows["a"]; m++)
            if (kind["a", m] == "R" && f["a", m, 1] == f["aw", n, 1]) cw = m
        c[1] = f["aw", n, 1]
        c[2] = cw == "" ? "-" : us(f["a", cw, 6]); c[3] = cw == "" ? "-" : ratio(f["a", cw, 6], f["a", ra, 6])
        c[4] = us(f["aw", n, 6]); c[5] = ratio(f["aw", n, 6], f["aw", rw, 6])
        emit(nc)
    }
}

# Memory per suspended coroutine (C rows): no reference, no ratio.
function coro_table(s,    n, nc, i) {
    split("11 9 11 11 10 12 6", wid_, " ")
    for (n = 1; n <= 7; n++) wid[n + 1] = wid_[n]
    wid[1] = 32
    nc = 9
    c[1] = "coroutines"; c[2] = "N"; c[3] = "guard"; c[4] = "RSS before"
    c[5] = "RSS with N"; c[6] = "bytes each"; c[7] = "page tables"; c[8] = "VMAs"
    c[9] = "note"
    if (format == "md") { c[6] = "bytes per coroutine"; c[7] = "page-table bytes per coroutine" }
    emit(nc, 1); rule(nc)
    for (n = 1; n <= rows[s]; n++) {
        c[1] = f[s, n, 1]
        if (kind[s, n] == "N") {
            for (i = 2; i <= 8; i++) c[i] = "-"
            c[9] = f[s, n, 2]
        } else {
            c[2] = f[s, n, 2]; c[3] = f[s, n, 3]; c[4] = mb(f[s, n, 4]); c[5] = mb(f[s, n, 5])
            c[6] = f[s, n, 6]; c[7] = f[s, n, 7]; c[8] = f[s, n, 8]; c[9] = f[s, n, 9]
        }
        emit(nc)
    }
    wid[1] = 20
}

# The cost of a switch (X rows), as a ratio to the first measured row.
function switch_table(s,    n, r, nc) {
    r = 0
    for (n = 1; n <= rows[s] && !r; n++) if (kind[s, n] == "X") r = n
    split("13 7", wid_, " ")
    wid[2] = wid_[1]; wid[3] = wid_[2]; wid[1] = 32
    nc = 4
    c[1] = "switch"; c[2] = "ns/switch"; c[3] = "x"; c[4] = "note"
    if (format == "md") { c[2] = "ns per switch"; c[3] = "vs " (r ? f[s, r, 1] : "-") }
    emit(nc, 1); rule(nc)
    for (n = 1; n <= rows[s]; n++) {
        c[1] = f[s, n, 1]
        if (kind[s, n] == "N") { c[2] = "-"; c[3] = "-"; c[4] = f[s, n, 2] }
        else { c[2] = f[s, n, 2]; c[3] = ratio(f[s, n, 2], f[s, r, 2]); c[4] = f[s, n, 3] }
        emit(nc)
    }
    wid[1] = 20
}

# HTTP clients (K rows): requests/s and the client's CPU per request, with
# its ratio to the first measured row (chapter 5's fetch over its pool).
function client_fetch_table(s,    n, r, nc, i) {
    r = 0
    for (n = 1; n <= rows[s] && !r; n++) if (kind[s, n] == "K") r = n
    split("7 8 14 6 14 6", wid_, " ")
    for (n = 1; n <= 6; n++) wid[n + 1] = wid_[n]
    wid[1] = 26
    nc = 8
    c[1] = "client"; c[2] = "N"; c[3] = "req/s"; c[4] = "client us/req"; c[5] = "x"
    c[6] = "server us/req"; c[7] = "conns"; c[8] = "note"
    if (format == "md") {
        c[4] = "client CPU per request (us)"; c[5] = "vs " (r ? f[s, r, 1] : "-")
        c[6] = "server CPU per request (us)"; c[7] = "connections opened"
    }
    emit(nc, 1); rule(nc)
    for (n = 1; n <= rows[s]; n++) {
        c[1] = f[s, n, 1]
        if (kind[s, n] == "N") {
            for (i = 2; i <= 7; i++) c[i] = "-"
            c[8] = f[s, n, 2]
        } else {
            c[2] = f[s, n, 2]; c[3] = f[s, n, 3]; c[4] = us(f[s, n, 4])
            c[5] = ratio(f[s, n, 4], f[s, r, 4]); c[6] = us(f[s, n, 5])
            c[7] = f[s, n, 6]; c[8] = f[s, n, 7]
        }
        emit(nc)
    }
    wid[1] = 20
}

# The measured row of server name in scenario s, or 0.
function row_of(s, name,    n) {
    for (n = 1; n <= rows[s]; n++)
        if (kind[s, n] == "R" && f[s, n, 1] == name && num(f[s, n, 6])) return n
    return 0
}

# Chapter 5's CPU per request over chapter 4's, one line per load
# scenario that has both; 0 lines: no table.
function versus_count(    k, s, m) {
    m = 0
    for (k = 1; k <= ns; k++) {
        s = sid[k]
        if (row_of(s, NEWER) && row_of(s, OLDER)) m++
    }
    return m
}
function versus_name(s,    t) {
    if (s == "a") return "keep-alive, loadgen"
    if (s == "aw") return "keep-alive, wrk -t1"
    if (s == "c") return "a connection per request"
    t = stitle[s]
    if (match(t, /[0-9,]+ idle/)) return "with " substr(t, RSTART, RLENGTH)
    return s
}
function versus_table(    k, s, o, w, nc) {
    split("12 14 8", wid_, " ")
    for (k = 1; k <= 3; k++) wid[k + 1] = wid_[k]
    wid[1] = 26
    nc = 5
    c[1] = "load"; c[2] = "04 us/req"; c[3] = "05 us/req"; c[4] = "05 vs 04"; c[5] = ""
    if (format == "md") {
        nc = 4
        c[1] = "load (the table's scenario)"
        c[2] = OLDER " CPU \302\265s/req"; c[3] = NEWER " CPU \302\265s/req"
    }
    emit(nc, 1); rule(nc)
    for (k = 1; k <= ns; k++) {
        s = sid[k]
        o = row_of(s, OLDER); w = row_of(s, NEWER)
        if (!o || !w) continue
        c[1] = versus_name(s); c[2] = us(f[s, o, 6]); c[3] = us(f[s, w, 6])
        c[4] = ratio(f[s, w, 6], f[s, o, 6]); c[5] = ""
        emit(nc)
    }
    wid[1] = 20
}

function title(s) {
    reference(s)
    if (format == "md") {
        printf "\n### %s\n\nRatios are to %s.\n\n", stitle[s], refname
    } else {
        printf "\n== %s (ratios: to %s)\n", stitle[s], refname
    }
}

END {
    if (NEWER == "") NEWER = "05-coroutines"
    if (OLDER == "") OLDER = "04-iostream"
    if (format == "text" && only == "V") {
        if (versus_count()) {
            print "\n== 05 vs 04 CPU per request: coroutine handlers over chapter 4's callbacks, same run"
            print "   (the goal: at most 1.1 on hello world)"
            versus_table()
        }
        exit
    }
    if (format == "text" && only == "W") {
        if (nw) {
            print "\n== the load generator against wrk -t1, same connections, same server"
            print "   (ratios: loadgen's req/s over wrk's; wrk's CPU per request over loadgen's)"
            client_table()
        }
        exit
    }
    if (format == "text") {
        if (!(only in stitle)) exit
        if (only == "e" || only == "f" || only == "g") printf "\n== %s\n", stitle[only]
        else title(only)
        if (only == "d") memory_table(only)
        else if (only == "e") coro_table(only)
        else if (only == "f") switch_table(only)
        else if (only == "g") client_fetch_table(only)
        else load_table(only)
        if (only == "aw" && ("a" in stitle)) {
            print "\n== CPU per request under each client (ratios: to nginx (1 worker) under the same client)"
            both_table()
        }
        exit
    }
    for (k = 1; k <= ni; k++) print "- " info[k]
    for (k = 1; k <= ns; k++) {
        if (sid[k] == "e" && versus_count()) {
            printf "\n### 05 vs 04 CPU per request\n\n"
            printf "Chapter 5's coroutine handlers against chapter 4's callbacks: the CPU per\n"
            printf "request of %s over %s's, from the load tables above (the same run).\n", NEWER, OLDER
            printf "The goal is at most 1.1 on hello world.\n\n"
            versus_table()
            done_versus = 1
        }
        if (sid[k] == "g") {
            printf "\n### %s\n\n", stitle[sid[k]]
            print "Requests per second over the client's wall time; the client's CPU per"
            print "request (user + system, from bash's time), with its ratio to the first"
            print "row; the server's CPU per request over the same run.\n"
            client_fetch_table(sid[k])
            continue
        }
        if (sid[k] == "e" || sid[k] == "f") {
            printf "\n### %s\n\n", stitle[sid[k]]
            if (sid[k] == "e") {
                print "(RSS with N - RSS before) / N: one page of touched stack, the context and"
                print "what the row's wait holds. Page tables are counted apart (VmPTE): RSS leaves"
                print "them out. vm.max_map_count limits N only with the mprotect guard.\n"
                coro_table(sid[k])
            } else switch_table(sid[k])
            continue
        }
        title(sid[k])
        if (sid[k] == "d") memory_table(sid[k]); else load_table(sid[k])
        if (sid[k] == "aw" && ("a" in stitle)) {
            reference("aw")
            printf "\n### CPU per request under each client\n\n"
            printf "The first table's CPU per request beside the same load's from wrk; each\n"
            printf "ratio is to %s under the same client.\n\n", refname
            both_table()
        }
    }
    if (!done_versus && versus_count()) {
        printf "\n### 05 vs 04 CPU per request\n\n"
        printf "The CPU per request of %s over %s's, from the load tables above.\n\n", NEWER, OLDER
        versus_table()
    }
    if (nw) {
        print "\n### The load generator against wrk\n"
        print "The same load from `wrk -t1` (one thread, 50 connections; for the"
        print "connection-per-request row with `-H 'Connection: close'`), right after"
        print "loadgen's row, against the same server. The first ratio is loadgen's"
        print "requests/s over wrk's; the second is the CPU time wrk spent per request"
        print "over loadgen's, which does not depend on which side was the bottleneck:"
        print "1 or more means loadgen drives at least the load wrk does with a core.\n"
        client_table()
    }
    if (total) printf "\nThe whole run took %d s.\n", total
}
