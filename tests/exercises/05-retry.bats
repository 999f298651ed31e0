#!/usr/bin/env bats
# tests/exercises/05-retry.bats - exercise 05-retry: a fetch that retries
# idempotent requests with exponential backoff, jitter and Retry-After.
# EX_BIN is the test driver (tests/exercises/05-retry_driver.c) linked
# with a folder's retry.c and chapter 5's HTTP client; it serves its own
# scripted answers and counts the attempts on the server side:
#
#     make check EX=05-retry                  # your exercises/ folder
#     EX_BIN=build/solutions/05-retry/server bats tests/exercises/05-retry.bats

load ../helpers
load driver # EX_BIN, and driver CASE

@test "retry: a GET answered 503, 503, 200 ends 200 after 3 attempts (hint 1)" {
    driver get_retried
}

@test "retry: a POST (or PATCH) is never retried: one attempt, its 503 returned (hint 2)" {
    driver post_not_retried
}

@test "retry: PUT, DELETE, HEAD and OPTIONS are retried on 502 and 504 (hint 2)" {
    driver idempotent_methods
}

@test "retry: max_attempts is respected, and the last attempt's response returned (hint 1)" {
    driver max_attempts
}

@test "retry: 200, 404, 500 and a 429 without Retry-After are returned at once (hint 3)" {
    driver not_retryable
}

@test "retry: Retry-After: 1 on a 503 delays the next attempt by about 1 s; a 429 with one is retried (hint 4)" {
    driver retry_after
}

@test "retry: a Retry-After above max_delay is capped (hint 4)" {
    driver retry_after_capped
}

@test "retry: the backoff waits grow, base_delay * 2^(n-1) with equal jitter (hint 5)" {
    driver backoff_grows
}

@test "retry: eight clients that failed together do not come back together (jitter, hint 5)" {
    driver jitter
}

@test "retry: a refused connection (599) is retried, then returned as 599 (hint 3)" {
    driver refused_599
}

@test "retry: every response but the last is freed (hint 6)" {
    driver responses_freed
}

@test "retry: cancelled during a wait, it fails with ECANCELED and tries no more (hint 6)" {
    driver cancel
}
