#!/usr/bin/env bats
# tests/exercises/04-read-until-regex.bats - exercise 04-read-until-regex:
# Tornado's IOStream.read_until_regex on chapter 4's IOStream. EX_BIN is the
# test driver (tests/exercises/04-read-until-regex_driver.c) linked with a
# folder's read_regex.c:
#
#     make check EX=04-read-until-regex             # your exercises/ folder
#     EX_BIN=build/solutions/04-read-until-regex/server bats tests/exercises/04-read-until-regex.bats

load ../helpers
load driver # EX_BIN, and driver CASE

@test "read_until_regex: a head in one read ends at the END of the leftmost match (hints 1-2)" {
    driver one_read
}

@test "read_until_regex: a match split across two writes is found (hint 3)" {
    driver split_across_writes
}

@test "read_until_regex: a match before, across or after the 4096 and 65536 read boundaries is found (hint 3)" {
    driver match_at_boundary
}

@test "read_until_regex: the bytes after the match stay for the next read (hint 2)" {
    driver data_after_match
}

@test "read_until_regex: \\r?\\n\\r?\\n ends a head in each of its spellings, and not at one line ending (hint 2)" {
    driver crlf_variants
}

@test "read_until_regex: a NUL byte before the match does not hide it (hint 2)" {
    driver nul_before_match
}

@test "read_until_regex: \$ does not match at the end of what has arrived: the buffer's end is not the stream's (hint 2)" {
    driver dollar_is_not_the_end
}

@test "read_until_regex: past max_bytes the read fails with EMSGSIZE and the stream closes; ending at max_bytes is fine (hint 5)" {
    driver max_bytes_exceeded
}

@test "read_until_regex: a pattern that does not compile, or matches the empty string, is EINVAL and leaves nothing behind (hint 1)" {
    driver bad_pattern
}

@test "read_until_regex: a read refused with EBUSY or EPIPE frees its regex at once, and keeps errno (hint 4)" {
    driver busy_and_closed
}

@test "read_until_regex: closed while reading: the callback gets ECONNRESET, then the close callback; the regex is freed (hint 4)" {
    driver close_while_reading
}

@test "read_until_regex: freed while reading: no callback, and still the regex is freed exactly once (hint 4)" {
    driver free_while_reading
}

@test "read_until_regex: a 100 KB line in 1000-byte pieces completes (in milliseconds; the check allows 3 s) (hint 3)" {
    driver long_line
}
