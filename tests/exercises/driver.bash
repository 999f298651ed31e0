# tests/exercises/driver.bash - loaded by the suites of exercises that are
# checked by a test driver (tests/exercises/NAME_driver.c, linked with the
# reader's files) rather than through a server: EX_BIN is that driver, and
# `driver CASE` runs one of its cases.

EX_BIN="${EX_BIN:?set EX_BIN to the driver under test}"
case "$EX_BIN" in /*) ;; *) EX_BIN="$TOP/$EX_BIN" ;; esac

# driver CASE: run one case of the driver; show what it said if it fails.
driver() {
    run "$EX_BIN" "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}
