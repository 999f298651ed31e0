#!/usr/bin/env bats
# tests/04-iostream.bats - chapter 4: unit tests of its modules. The IOStream
# (tests/unit/iostream_test.c) runs on epoll, and its key cases on select too.

load helpers

# ---- tests/unit/iostream_test.c ----

@test "ch04 iostream: read_until: a head split across reads (GET / HT + TP/1.1...), and the delimiter itself split (epoll)" {
    unit iostream_test delimiter_split_epoll
}

@test "ch04 iostream: read_until: a head split across reads (GET / HT + TP/1.1...), and the delimiter itself split (select)" {
    unit iostream_test delimiter_split_select
}

@test "ch04 iostream: read_until: a delimiter ending before, straddling or starting at the 4096 and 65536 read boundaries (epoll)" {
    unit iostream_test delimiter_at_buffer_boundaries_epoll
}

@test "ch04 iostream: read_until: a delimiter arriving byte by byte after 16 MiB is found without rescanning (epoll)" {
    unit iostream_test delimiter_byte_by_byte_epoll
}

@test "ch04 iostream: two pipelined requests in one read: in order, the second from the buffer next iteration, no read() between (epoll)" {
    unit iostream_test pipelined_from_buffer_epoll
}

@test "ch04 iostream: two pipelined requests in one read: in order, the second from the buffer next iteration, no read() between (select)" {
    unit iostream_test pipelined_from_buffer_select
}

@test "ch04 iostream: read_until past max_bytes is EMSGSIZE and closes; ending exactly at it is fine (epoll)" {
    unit iostream_test max_bytes_exceeded_epoll
}

@test "ch04 iostream: a full read buffer that a read still needs more of is EMSGSIZE and closes (epoll)" {
    unit iostream_test max_buffer_exceeded_epoll
}

@test "ch04 iostream: read_bytes: exactly n bytes, from the buffer, across many reads, and n = 0 (epoll)" {
    unit iostream_test read_bytes_exact_epoll
}

@test "ch04 iostream: read_bytes: exactly n bytes, from the buffer, across many reads, and n = 0 (select)" {
    unit iostream_test read_bytes_exact_select
}

@test "ch04 iostream: read_until_close: every byte up to EOF, a success, then the close callback (epoll)" {
    unit iostream_test read_until_close_epoll
}

@test "ch04 iostream: read_until_close: every byte up to EOF, a success, then the close callback (select)" {
    unit iostream_test read_until_close_select
}

@test "ch04 iostream: the peer closes mid-head: the read fails with ECONNRESET, then the close callback (epoll)" {
    unit iostream_test peer_closes_while_reading_epoll
}

@test "ch04 iostream: the peer closes mid-head: the read fails with ECONNRESET, then the close callback (select)" {
    unit iostream_test peer_closes_while_reading_select
}

@test "ch04 iostream: an idle stream asks for no events, yet notices its peer hang up (epoll)" {
    unit iostream_test idle_stream_notices_hangup_epoll
}

@test "ch04 iostream: iostream_close with a read pending: nothing inside the call, then ECONNRESET and one close callback (epoll)" {
    unit iostream_test close_while_reading_epoll
}

@test "ch04 iostream: iostream_close with a read pending: nothing inside the call, then ECONNRESET and one close callback (select)" {
    unit iostream_test close_while_reading_select
}

@test "ch04 iostream: a second concurrent read is EBUSY and leaves the first intact; bad arguments are EINVAL (epoll)" {
    unit iostream_test second_read_is_ebusy_epoll
}

@test "ch04 iostream: reads and writes on a closed stream are EPIPE; a bad descriptor is EBADF (epoll)" {
    unit iostream_test closed_stream_is_epipe_epoll
}

@test "ch04 iostream: 8 MiB to a slow reader: intact and in order, one callback at the end, then no WRITE interest (epoll)" {
    unit iostream_test large_write_slow_reader_epoll
}

@test "ch04 iostream: 8 MiB to a slow reader: intact and in order, one callback at the end, then no WRITE interest (select)" {
    unit iostream_test large_write_slow_reader_select
}

@test "ch04 iostream: writing to a closed or reset peer: -1 EPIPE/ECONNRESET, then the close callback, no SIGPIPE (epoll)" {
    unit iostream_test write_to_reset_peer_epoll
}

@test "ch04 iostream: writing to a closed or reset peer: -1 EPIPE/ECONNRESET, then the close callback, no SIGPIPE (select)" {
    unit iostream_test write_to_reset_peer_select
}

@test "ch04 iostream: several writes with callbacks: each once its bytes are sent, in order, never inside iostream_write (epoll)" {
    unit iostream_test writes_in_order_epoll
}

@test "ch04 iostream: several writes with callbacks: each once its bytes are sent, in order, never inside iostream_write (select)" {
    unit iostream_test writes_in_order_select
}

@test "ch04 iostream: iostream_free from the close callback, after the pending read and write failed (epoll)" {
    unit iostream_test free_in_close_callback_epoll
}

@test "ch04 iostream: iostream_free from the close callback, after the pending read and write failed (select)" {
    unit iostream_test free_in_close_callback_select
}

@test "ch04 iostream: iostream_free from a read or write callback, or from outside, with callbacks due: none runs (epoll)" {
    unit iostream_test free_in_read_callback_epoll
}

@test "ch04 iostream: iostream_free from a read or write callback, or from outside, with callbacks due: none runs (select)" {
    unit iostream_test free_in_read_callback_select
}

@test "ch04 iostream: an idle stream holds no buffer memory; a waiting head does (epoll)" {
    unit iostream_test idle_stream_holds_no_memory_epoll
}

@test "ch04 iostream: READ only while a read waits for bytes, WRITE only while bytes are queued (epoll)" {
    unit iostream_test interest_follows_need_epoll
}

# ---- tcpserver: tests/unit/tcpserver_test.c ----

@test "ch04 tcpserver (epoll): listens on port 0; a client is handed over as a stream with its ip:port" {
    unit tcpserver_test listen_epoll
}

@test "ch04 tcpserver (select): listens on port 0; a client is handed over as a stream with its ip:port" {
    unit tcpserver_test listen_select
}

@test "ch04 tcpserver (epoll): 300 clients at once are all handed over, at most 128 per wake-up" {
    unit tcpserver_test accept_300_epoll
}

@test "ch04 tcpserver (select): 300 clients at once are all handed over, at most 128 per wake-up" {
    unit tcpserver_test accept_300_select
}

@test "ch04 tcpserver: bind_sockets gives IPv4 and IPv6 one port each (V6ONLY), and add_sockets serves both" {
    unit tcpserver_test bind_dual_stack
}

@test "ch04 tcpserver: bind_sockets on a port in use fails with EADDRINUSE and leaves no descriptor open" {
    unit tcpserver_test bind_in_use
}

@test "ch04 tcpserver: out of descriptors, queued clients are closed at once, no spin, one log line, then recovery" {
    unit tcpserver_test emfile
}

@test "ch04 tcpserver: out of descriptors with the reserve unusable, the pause alone keeps the loop from spinning" {
    unit tcpserver_test emfile_reserve_lost
}

@test "ch04 tcpserver: freed while paused after EMFILE, the resume never runs and no descriptor stays open" {
    unit tcpserver_test free_while_paused
}

@test "ch04 tcpserver: handle_stream may free the server; the client still queued is closed" {
    unit tcpserver_test free_from_handler
}
