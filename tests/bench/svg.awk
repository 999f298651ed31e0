# svg.awk - tests/bench/run's results as an SVG bar chart, for the book.
#
#   awk -f svg.awk -v subtitle="make bench, 2 CPUs" results.tsv > bench.svg
#
# Four panels of horizontal bars, one bar per server: server CPU time per
# request with keep-alive, with 10,000 idle connections, with a connection
# per request, and the memory each idle connection costs. Each bar carries
# its value, so the short ones still read. The input is described in
# report.awk. Plain POSIX awk, no other tool.
BEGIN {
    FS = "\t"
    W = 800; LABEL = 170; BAR = 420; ROW = 20; GAP = 18
    panels = 4
    split("a b10 c d", pid, " ")
    ptitle["a"] = "Server CPU per request (\302\265s), keep-alive, 50 connections"
    ptitle["b10"] = "Server CPU per request (\302\265s), keep-alive, 50 connections + idle ones"
    ptitle["c"] = "Server CPU per request (\302\265s), a connection per request"
    ptitle["d"] = "Server memory per idle connection (bytes of RSS)"
}
$1 == "S" && $2 == "b10" && match($3, /[0-9,]+ idle/) {
    ptitle["b10"] = "Server CPU per request (\302\265s), keep-alive, 50 connections + " \
        substr($3, RSTART, RLENGTH)
}
$1 == "R" || $1 == "M" || $1 == "N" {
    n = ++rows[$2]
    name[$2, n] = $3
    if ($1 == "R") value[$2, n] = $8
    else if ($1 == "M") value[$2, n] = $7
    else value[$2, n] = ""
    if ($1 == "N") why[$2, n] = "n/a"
    else if (value[$2, n] == "" || value[$2, n] == "-") why[$2, n] = "no figure"
    # a row measured differently says so: "950 idle: the FD_SETSIZE cap"
    if ($NF ~ /FD_SETSIZE/ && match($NF, /^[0-9]+ idle/))
        aside[$2, n] = " (" substr($NF, RSTART, RLENGTH) ": FD_SETSIZE)"
    else if ($NF ~ /^1 client/)
        aside[$2, n] = " (1 client)"
}

function esc(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
    return s
}
function colour(label) {
    if (label ~ /^nginx/) return "#54a24b"
    if (label ~ /^tornado/) return "#f58518"
    return "#4c78a8"
}
function shown(v) {
    return v >= 100 ? sprintf("%.0f", v) : v >= 10 ? sprintf("%.1f", v) : sprintf("%.2f", v)
}

END {
    height = 40
    for (p = 1; p <= panels; p++) height += 30 + ROW * (rows[pid[p]] ? rows[pid[p]] : 1) + GAP
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" ", W, height
    printf "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, height
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"10\" y=\"20\" fill=\"#444\">%s</text>\n", esc(subtitle)
    y = 40
    for (p = 1; p <= panels; p++) {
        s = pid[p]
        printf "<text x=\"10\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>\n", y + 14, esc(ptitle[s])
        y += 30
        max = 0
        for (n = 1; n <= rows[s]; n++)
            if (!((s, n) in why) && value[s, n] + 0 > max) max = value[s, n] + 0
        if (rows[s] == 0) {
            printf "<text x=\"%d\" y=\"%d\" fill=\"#666\">not measured in this run</text>\n", LABEL, y + 14
            y += ROW
        }
        for (n = 1; n <= rows[s]; n++) {
            printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LABEL - 8, y + 14, esc(name[s, n])
            if ((s, n) in why) {
                printf "<text x=\"%d\" y=\"%d\" fill=\"#666\">%s</text>\n", LABEL, y + 14, why[s, n]
            } else {
                len = max > 0 ? BAR * value[s, n] / max : 0
                if (len < 1) len = 1
                printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", LABEL, y + 3, len, ROW - 6, colour(name[s, n])
                printf "<text x=\"%.1f\" y=\"%d\">%s%s</text>\n", LABEL + len + 6, y + 14,
                    shown(value[s, n]), aside[s, n]
            }
            y += ROW
        }
        y += GAP
    }
    print "</svg>"
}
