# median.awk - keep, for each server, the median of its rounds in one
# scenario: tests/bench/run measures scenario (a) in interleaved rounds,
# and a row's median round (by CPU per request) stands for the row, at the
# place of its first round; a row not measured (N) is kept once. Other
# records pass through unchanged.
#
#   awk -f median.awk -v scen=a results.tsv results.tsv
#
# The file is read twice: first to collect the rounds, then to print.
# With an even count the lower middle is kept. Plain POSIX awk.
BEGIN { FS = "\t" }

function median(s,    a, b, t) {
    for (a = 2; a <= n[s]; a++) # insertion sort by CPU: a handful of rounds
        for (b = a; b > 1 && cpu[s, b] < cpu[s, b - 1]; b--) {
            t = cpu[s, b]; cpu[s, b] = cpu[s, b - 1]; cpu[s, b - 1] = t
            t = line[s, b]; line[s, b] = line[s, b - 1]; line[s, b - 1] = t
        }
    return line[s, int((n[s] + 1) / 2)]
}

NR == FNR {
    if ($1 == "R" && $2 == scen) {
        n[$3]++
        line[$3, n[$3]] = $0
        cpu[$3, n[$3]] = $8 + 0
    }
    next
}
$1 == "R" && $2 == scen {
    if (!seen[$3]++)
        print median($3)
    next
}
$1 == "N" && $2 == scen { # a row not measured says so once, not per round
    if (!seen[$3]++)
        print
    next
}
{ print }
