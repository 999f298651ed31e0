#!/usr/bin/env bats
# tests/05-server.bats - chapter 5: coroutine streams (tests/unit/
# gen_stream_test.c), coroutine handlers (gen_web.c) and the chapter's
# demo server under load. (The demo app's routes are checked per backend
# in demo-app.bats.)

load helpers

# ---- tests/unit/gen_stream_test.c ----

@test "ch05 gen_stream: read_until, write and read_bytes wait in a coroutine and return 0" {
    unit gen_stream_test read_until_write_read_bytes
}

@test "ch05 gen_stream: read_bytes waits while its bytes come a piece at a time" {
    unit gen_stream_test read_bytes_in_pieces
}

@test "ch05 gen_stream: a read on a stream the peer closed is ECONNRESET, the next EPIPE, never a hang" {
    unit gen_stream_test closed_stream_is_an_error
}

@test "ch05 gen_stream: a write to a closed stream is an error, never a hang" {
    unit gen_stream_test write_to_a_closed_stream_is_an_error
}

@test "ch05 gen_stream: a cancelled read returns ECANCELED, closes the stream, and its late callback touches nothing freed" {
    unit gen_stream_test cancelled_read_returns_ecanceled
}

@test "ch05 gen_stream: a stream freed under a waiting read fails it with EPIPE and leaks nothing" {
    unit gen_stream_test freed_stream_fails_the_read
}

@test "ch05 gen_stream: outside a coroutine every call is EPERM" {
    unit gen_stream_test outside_a_coroutine_is_eperm
}
