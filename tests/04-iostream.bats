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

@test "ch04 iostream: a stream with no read pending notices its peer close its end (a FIN, no hang-up) (epoll)" {
    unit iostream_test idle_stream_notices_close_epoll
}

@test "ch04 iostream: a stream with no read pending notices its peer close its end (a FIN, no hang-up) (select)" {
    unit iostream_test idle_stream_notices_close_select
}

@test "ch04 iostream: a reply written then a close, in one read callback: the reply is sent, then EOF (epoll)" {
    unit iostream_test reply_then_close_epoll
}

@test "ch04 iostream: a reply written then a close, in one read callback: the reply is sent, then EOF (select)" {
    unit iostream_test reply_then_close_select
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

@test "ch04 iostream: 16 requests in one read, each answered from its callback: all answers, in order, in fewer than 16 send()s (epoll)" {
    unit iostream_test pipelined_answers_share_a_send_epoll
}

@test "ch04 iostream: 16 requests in one read, each answered from its callback: all answers, in order, in fewer than 16 send()s (select)" {
    unit iostream_test pipelined_answers_share_a_send_select
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

@test "ch04 iostream: READ while a read waits or the buffer is empty, never for bytes no read wants; WRITE only while bytes are queued (epoll)" {
    unit iostream_test interest_follows_need_epoll
}

@test "ch04 iostream: read_until_match: the matcher gets its match_arg, looks lookback bytes back (IOSTREAM_LOOKBACK_ALL: from 0), releases it after the callback (epoll)" {
    unit iostream_test match_lookback_and_release_epoll
}

@test "ch04 iostream: read_until_match: the matcher gets its match_arg, looks lookback bytes back (IOSTREAM_LOOKBACK_ALL: from 0), releases it after the callback (select)" {
    unit iostream_test match_lookback_and_release_select
}

@test "ch04 iostream: read_until_match: match_arg released exactly once on close, past max_bytes, and on free with the read pending; not if refused (epoll)" {
    unit iostream_test match_release_on_every_end_epoll
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

# ---- httpserver: tests/unit/httpserver_test.c, in process and as a server
# (httpserver_test --port 0 [options]) that httpc talks to ----

HS="$BUILD/tests/unit/httpserver_test"
GET='GET / HTTP/1.1\r\nHost: x\r\n\r\n'

# Every test that started a server checks its clean exit.
teardown() {
    [ -z "${SERVER_PID:-}" ] || stop_clean
}

# The seconds in httpc's "closed by server after S s" line, in [lo, hi].
closed_within() {
    local s
    s=$(sed -n 's/.*closed by server after \([0-9.]*\) s.*/\1/p' <<<"$output")
    [ -n "$s" ] && awk -v s="$s" -v lo="$1" -v hi="$2" 'BEGIN { exit !(s >= lo && s <= hi) }'
}

count() { grep -c -- "$1" <<<"$output" || true; }

@test "ch04 http: unit: method, uri, path, query, version, NUL-terminated headers, body, remote_ip, protocol" {
    unit httpserver_test request_fields
}

@test "ch04 http: unit: the client resets while the handler holds the request: close callback, EPIPE writes, a late finish frees all" {
    unit httpserver_test late_finish_after_reset
}

@test "ch04 http: unit: httpserver_free with a request held: its close callback runs, finishing it there frees it" {
    unit httpserver_test free_with_held_request
}

@test "ch04 http: unit: 16 pipelined requests in one segment are answered in order in fewer than 16 send()s" {
    unit httpserver_test pipelined_answers_coalesce
}

@test "ch04 http: unit: a keep-alive connection between requests holds no request (its exchange goes back to the server's spares)" {
    unit httpserver_test idle_connection_holds_no_request
}

# ---- streamed bodies: tests/unit/stream_body_test.c (a server whose
# stream_body says yes, and a handler reading with http_request_read_body)

@test "ch04 stream body: 200,000 bytes by Content-Length come in order in pieces of at most 64 KiB; the connection then serves its next request" {
    unit stream_body_test length_body_in_pieces
}

@test "ch04 stream body: chunked, a piece per chunk, extensions and trailer dropped, ENODATA at the last chunk" {
    unit stream_body_test chunked_body
}

@test "ch04 stream body: delivered at its head; 100 Continue only at the handler's first read; one read at a time (EBUSY)" {
    unit stream_body_test delivered_at_head
}

@test "ch04 stream body: answered unread: no 100 Continue, and the connection closes after the answer (lingering)" {
    unit stream_body_test finish_unread_closes
}

@test "ch04 stream body: a malformed chunk after a good one: the handler reads EBADMSG, answers 400, the connection closes" {
    unit stream_body_test bad_chunk
}

@test "ch04 stream body: a chunk past max_body_size: EMSGSIZE before its bytes, and the handler's 413" {
    unit stream_body_test chunk_past_limit
}

@test "ch04 stream body: the client goes mid-body: the waiting read gets ECONNRESET, then the close callback" {
    unit stream_body_test client_gone_mid_body
}

@test "ch04 stream body: finishing with a read pending ends it with ECANCELED; the connection then closes" {
    unit stream_body_test finish_with_read_pending
}

@test "ch04 stream body: without stream_body the body comes whole, and a read says ENODATA at once" {
    unit stream_body_test whole_body_reads_nothing
}

@test "ch04 http: HTTP/1.1 keeps the connection by default: three requests, three answers with Date and Content-Length, no close" {
    start_server "$HS"
    run httpc --send "$GET" --repeat 3
    [ "$status" -eq 0 ]
    [ "$(count '^HTTP/1.1 200 OK')" -eq 3 ]
    [ "$(count '^Date: .* GMT')" -eq 3 ]
    [ "$(count '^Content-Length: 13')" -eq 3 ]
    [ "$(count 'Connection:')" -eq 0 ]
    run httpc --send "$GET" --expect-close --timeout 1
    [ "$status" -eq 3 ] # still open after the answer
    run httpc --send 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == *"Connection: close"* ]]
}

@test "ch04 http: HTTP/1.0 closes by default; keeps the connection when asked, saying Connection: keep-alive" {
    start_server "$HS"
    run httpc --send 'GET / HTTP/1.0\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 200 OK"*"Connection: close"*"Hello, world"* ]]
    run httpc --send 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' --repeat 2
    [ "$status" -eq 0 ]
    [ "$(count '^Connection: keep-alive')" -eq 2 ]
    [ "$(count '^Hello, world')" -eq 2 ]
}

@test "ch04 http: pipelined requests are answered strictly in order, a slow one (/later) holding back those behind it" {
    start_server "$HS"
    run httpc --send 'GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthirdGET /stream HTTP/1.1\r\nHost: x\r\n\r\n' --responses 4
    [ "$status" -eq 0 ]
    [ "$(grep -oE 'later|Hello, world|third|part [12]' <<<"$output" | tr '\n' '|')" = "later|Hello, world|third|part 1|part 2|" ]
    run httpc --send "$GET" --repeat 500 --status-only
    [ "$status" -eq 0 ]
    [ "$(count '^HTTP/1.1 200 OK$')" -eq 500 ]
}

@test "ch04 http: a 300 KB body by Content-Length arrives whole (read in pieces) and is echoed byte for byte" {
    start_server "$HS"
    head -c 225000 /dev/urandom | base64 -w 0 >"$BATS_TEST_TMPDIR/body"
    printf 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n' >"$BATS_TEST_TMPDIR/req"
    cat "$BATS_TEST_TMPDIR/body" >>"$BATS_TEST_TMPDIR/req"
    httpc --file "$BATS_TEST_TMPDIR/req" >"$BATS_TEST_TMPDIR/out"
    grep -q '^Content-Length: 300000' "$BATS_TEST_TMPDIR/out"
    tail -c 300000 "$BATS_TEST_TMPDIR/out" | cmp - "$BATS_TEST_TMPDIR/body"
}

@test "ch04 http: a chunked body: extensions ignored, trailers read and dropped, then the next request on the connection" {
    start_server "$HS"
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; x\r\n, worl\r\n1\r\nd\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n' --responses 2
    [ "$status" -eq 0 ]
    [[ "$output" == *"Content-Length: 12"*"hello, worldHTTP/1.1 200 OK"*"Hello, world"* ]]
}

@test "ch04 http: a chunked body of big chunks (around the 64 KiB read piece, and 200 KB) is echoed byte for byte" {
    start_server "$HS"
    local req="$BATS_TEST_TMPDIR/req" body="$BATS_TEST_TMPDIR/body" n
    printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' >"$req"
    : >"$body"
    for n in 65533 65534 65535 65536 65537 200000 1; do
        head -c "$n" /dev/urandom | base64 -w 0 | head -c "$n" >"$BATS_TEST_TMPDIR/chunk"
        printf '%x\r\n' "$n" >>"$req"
        cat "$BATS_TEST_TMPDIR/chunk" >>"$req"
        cat "$BATS_TEST_TMPDIR/chunk" >>"$body"
        printf '\r\n' >>"$req"
    done
    printf '0\r\n\r\n' >>"$req"
    httpc --file "$req" >"$BATS_TEST_TMPDIR/out"
    grep -q "^Content-Length: $(wc -c <"$body")" "$BATS_TEST_TMPDIR/out"
    tail -c "$(wc -c <"$body")" "$BATS_TEST_TMPDIR/out" | cmp - "$body"
}

@test "ch04 http: a chunked body with a bad chunk size (not hex, no digits, junk after it) is 400 and closes" {
    start_server "$HS"
    local bad
    for bad in 'zz' '' '5x' '-5'; do
        run httpc --send "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n$bad\r\nmore\r\n0\r\n\r\n" --expect-close
        [ "$status" -eq 0 ]
        [[ "$output" == "HTTP/1.1 400 Bad Request"*"Connection: close"* ]]
    done
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n' --expect-close
    [[ "$output" == "HTTP/1.1 400 Bad Request"* ]] # no CRLF after the data
}

@test "ch04 http: a chunk size overflowing 64 bits is 400, not a small size after wrap-around" {
    start_server "$HS"
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 400 Bad Request"*"Connection: close"* ]]
}

@test "ch04 http: a chunked body growing past max_body_size is 413 and closes" {
    start_server "$HS" --max-body-size 10
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 413 Content Too Large"*"Connection: close"* ]]
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n'
    [[ "$output" == *"abcdefghij" ]] # exactly the limit is fine
}

@test "ch04 http: Content-Length with Transfer-Encoding, or two different Content-Lengths, is 400 and closes" {
    start_server "$HS"
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 400 Bad Request"*"Connection: close"* ]]
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 400 Bad Request"*"Connection: close"* ]]
}

@test "ch04 http: a Content-Length over max_body_size is 413 at once, before any of the body is sent, then close" {
    start_server "$HS" --max-body-size 100
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 413 Content Too Large"*"Connection: close"* ]]
    closed_within 0 2 # not after a body timeout: no byte of the body came
}

@test "ch04 http: a 413 while a 500 KB body is still arriving reaches the client (lingering close, no reset)" {
    start_server "$HS" --max-body-size 100
    printf 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n' >"$BATS_TEST_TMPDIR/req"
    head -c 500000 /dev/zero >>"$BATS_TEST_TMPDIR/req"
    run httpc --file "$BATS_TEST_TMPDIR/req" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 413 Content Too Large"* ]]
}

@test "ch04 http: Expect: 100-continue gets 100 Continue before the body is read; a too-large body gets 413 without it" {
    start_server "$HS" --max-body-size 100
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n' --timeout 1
    [ "$status" -eq 3 ] # the body is awaited
    [[ "$output" == "HTTP/1.1 100 Continue"* ]]
    [[ "$output" != *"200 OK"* ]]
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello'
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 100 Continue"*"HTTP/1.1 200 OK"*"hello" ]]
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 413 "* ]]
    [[ "$output" != *"100 Continue"* ]]
}

@test "ch04 http: idle timeout: a silent connection, a head stopped half-way, and a kept-alive one are closed after it" {
    start_server "$HS" --idle-timeout 0.5
    run httpc --expect-close --timeout 5
    [ "$status" -eq 0 ]
    closed_within 0.4 3
    run httpc --send 'GET / HTTP/1.1\r\nHost' --responses 0 --expect-close --timeout 5
    [ "$status" -eq 0 ]
    closed_within 0.4 3
    run httpc --send "$GET" --expect-close --timeout 5
    [ "$status" -eq 0 ]
    [[ "$output" == *"Hello, world"* ]]
    closed_within 0.4 3
}

@test "ch04 http: body timeout: a client that stops mid-body is closed after it, unanswered" {
    start_server "$HS" --body-timeout 0.5
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc' --responses 0 --expect-close --timeout 5
    [ "$status" -eq 0 ]
    closed_within 0.4 3
    [[ "$output" != *"HTTP/1.1"* ]]
}

@test "ch04 http: xheaders off (the default): remote_ip is the peer whatever X-Real-Ip says, protocol http" {
    start_server "$HS"
    run httpc --send 'GET /info HTTP/1.1\r\nHost: x\r\nX-Real-Ip: 10.1.2.3\r\nX-Forwarded-For: 10.4.5.6\r\nX-Scheme: https\r\n\r\n'
    [ "$status" -eq 0 ]
    [[ "$output" == *"remote_ip=127.0.0.1 protocol=http"* ]]
}

@test "ch04 http: xheaders on: the last X-Forwarded-For, X-Real-Ip over it, only valid addresses; X-Scheme/X-Forwarded-Proto" {
    start_server "$HS" --xheaders
    local h='GET /info HTTP/1.1\r\nHost: x\r\n'
    run httpc --send "${h}X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n\r\n${h}X-Forwarded-For: 10.0.0.1\r\nX-Real-Ip: 10.9.9.9\r\n\r\n${h}X-Forwarded-For: not-an-ip\r\n\r\n${h}X-Real-Ip: 2001:db8::1\r\nX-Forwarded-Proto: https\r\n\r\n${h}X-Scheme: http\r\nX-Forwarded-Proto: https\r\n\r\n${h}X-Forwarded-Proto: ftp\r\n\r\n" --responses 6
    [ "$status" -eq 0 ]
    [ "$(grep '^remote_ip' <<<"$output" | tr '\n' '|')" = "remote_ip=10.0.0.2 protocol=http|remote_ip=10.9.9.9 protocol=http|remote_ip=127.0.0.1 protocol=http|remote_ip=2001:db8::1 protocol=https|remote_ip=127.0.0.1 protocol=http|remote_ip=127.0.0.1 protocol=http|" ]
}

@test "ch04 http: a malformed head (space before a colon, two spaces in the request line, no Host) is 400 and closes" {
    start_server "$HS"
    local bad
    for bad in 'GET / HTTP/1.1\r\nHost : x\r\n\r\n' 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n' 'GET / HTTP/1.1\r\n\r\n'; do
        run httpc --send "$bad$GET" --expect-close
        [ "$status" -eq 0 ]
        [[ "$output" == "HTTP/1.1 400 Bad Request"*"Connection: close"*$'\r\n\r\n'"400 Bad Request"* ]]
        [[ "$output" != *"Hello"* ]] # nothing after it was read as a request
    done
}

@test "ch04 http: a head over max_header_size is 431 and closes; one under it is served" {
    start_server "$HS" --max-header-size 1024
    local pad
    pad=$(head -c 1100 /dev/zero | tr '\0' a)
    run httpc --send "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: $pad\r\n\r\n" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 431 Request Header Fields Too Large"*"Connection: close"* ]]
    run httpc --send "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${pad:0:900}\r\n\r\n"
    [[ "$output" == "HTTP/1.1 200 OK"* ]]
}

@test "ch04 http: a version other than HTTP/1.0 or 1.1 is 505 and closes" {
    start_server "$HS"
    run httpc --send 'GET / HTTP/2.0\r\nHost: x\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 505 HTTP Version Not Supported"*"Connection: close"* ]]
}

@test "ch04 http: HEAD gets the headers a GET would (Content-Length 13) and no body byte: a second one parses" {
    start_server "$HS"
    run httpc --send 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' --repeat 2 --no-body
    [ "$status" -eq 0 ]
    [ "$(count '^Content-Length: 13')" -eq 2 ]
    [[ "$output" != *"Hello"* ]]
}

@test "ch04 http: a flush before finish: chunked in HTTP/1.1 (then the connection goes on), close-delimited in HTTP/1.0" {
    start_server "$HS"
    run httpc --send 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n' --responses 2
    [ "$status" -eq 0 ]
    [[ "$output" == *"Transfer-Encoding: chunked"*$'\r\n\r\n7\r\npart 1\n\r\n7\r\npart 2\n\r\n0\r\n\r\n'"HTTP/1.1 200 OK"* ]]
    run httpc --send 'GET /stream HTTP/1.0\r\n\r\n' --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == *"Connection: close"$'\r\n\r\n'"part 1"$'\n'"part 2"* ]]
    [[ "$output" != *"chunked"* ]]
}

@test "ch04 http: a client that vanishes mid-body costs only its connection: never delivered, nothing leaks" {
    start_server "$HS"
    run httpc --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly this' --responses 0 --reset
    [ "$status" -eq 0 ]
    run httpc --send "$GET"
    [[ "$output" == *"Hello, world"* ]]
    stop_clean
}

@test "ch04 http: a client that vanishes before the handler finishes: close callback, then a harmless late finish" {
    start_server "$HS"
    run httpc --send 'GET /later HTTP/1.1\r\nHost: x\r\n\r\n' --timeout 0.05 --reset
    [ "$status" -eq 3 ]
    wait_for_line "$SERVER_LOG" "finished after the client had gone"
    grep -q "/later: the client went before the answer" "$SERVER_LOG"
    run httpc --send "$GET"
    [[ "$output" == *"Hello, world"* ]]
    stop_clean
}

@test "ch04 http: stopped with a request still held (/later), the server finishes it and exits cleanly" {
    start_server "$HS"
    httpc --send 'GET /later HTTP/1.1\r\nHost: x\r\n\r\n' --timeout 5 >/dev/null 2>&1 &
    local client=$!
    sleep 0.05
    stop_clean
    wait "$client" || true
}

# ---- web: Application and RequestHandler (web.c), through the demo server
# (chapters/04-iostream/server.c) and tests/unit/web_test.c's handlers ----

DEMO="$BUILD/chapters/04-iostream/server"
WEB="$BUILD/tests/unit/web_test"
get() { httpc --send "GET $1 HTTP/1.1\r\nHost: x\r\n${2:-}\r\n"; }

@test "ch04 web: unit: a pattern regcomp refuses fails the application with EINVAL" {
    unit web_test bad_pattern
}

@test "ch04 web: web_class gives a handler the class its route named" {
    start_server "$WEB"
    run get /class
    [ "$(response_body)" = "ClassHandler" ]
}

@test "ch04 web: routes by anchored regex; groups become path arguments, percent-decoded, NULL when unmatched" {
    start_server "$WEB"
    run get /path/xyz/42
    [ "$(response_body)" = "n=3 xyz /42 42" ]
    run get /path/xyz
    [ "$(response_body)" = "n=3 xyz - -" ]
    run get /name/hello%20w+x
    [ "$(response_body)" = "n=1 hello w+x" ]
    run get /path/xyz/42/more # anchored: no prefix match
    [[ "$output" == "HTTP/1.1 404 Not Found"* ]]
    stop_clean
    start_server "$DEMO"
    run get /sleep/0.25
    [ "$(response_body)" = "Slept 0.25 s" ]
    run get /cpu/1x
    [[ "$output" == "HTTP/1.1 404 Not Found"* ]]
    run get /cpu/10001
    [[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
}

@test "ch04 web: an unknown path is 404 with the default error body, and the connection goes on" {
    start_server "$DEMO"
    run httpc --repeat 2 --send 'GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "$(count '^HTTP/1.1 404 Not Found')" -eq 2 ]
    [ "$(count '^404 Not Found')" -eq 2 ]
    grep -q "404 GET /nowhere (127.0.0.1)" "$SERVER_LOG"
}

@test "ch04 web: a method the class lacks is 405 with Allow listing the ones it has" {
    start_server "$DEMO"
    run httpc --send 'GET /echo HTTP/1.1\r\nHost: x\r\n\r\n'
    [[ "$output" == "HTTP/1.1 405 Method Not Allowed"* ]]
    [[ "$output" == *$'Allow: POST\r'* ]]
    run httpc --send 'DELETE /pid HTTP/1.1\r\nHost: x\r\n\r\n'
    [[ "$output" == "HTTP/1.1 405 Method Not Allowed"*"Allow: GET, HEAD"* ]]
    stop_clean
    start_server "$WEB"
    run httpc --send 'PROPFIND /args HTTP/1.1\r\nHost: x\r\n\r\n'
    [[ "$output" == "HTTP/1.1 405 Method Not Allowed"*"Allow: GET, HEAD, POST"* ]]
}

@test "ch04 web: HEAD runs get: GET's headers, no body, and a second request parses" {
    start_server "$DEMO"
    run httpc --no-body --repeat 2 --send 'HEAD /pid HTTP/1.1\r\nHost: x\r\n\r\n'
    [ "$status" -eq 0 ]
    [ "$(count "^Content-Length: $((${#SERVER_PID} + 1))")" -eq 2 ]
    [[ "$output" != *"$SERVER_PID"* ]]
}

@test "ch04 web: POST /echo answers a 300 KB body byte for byte; past --max-body-size it is 413" {
    start_server "$DEMO"
    local body
    body=$(head -c 300000 /dev/urandom | base64 -w 0 | head -c 300000)
    printf 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n%s' "$body" >"$BATS_TEST_TMPDIR/req"
    run httpc --file "$BATS_TEST_TMPDIR/req"
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 200 OK"*"Content-Length: 300000"* ]]
    [ "$(response_body)" = "$body" ]
    stop_clean
    start_server "$DEMO" --max-body-size 1000
    run httpc --file "$BATS_TEST_TMPDIR/req" --expect-close
    [[ "$output" == "HTTP/1.1 413"* ]]
}

@test "ch04 web: a form body (x-www-form-urlencoded) is decoded, + as space; other bodies are no form" {
    start_server "$WEB"
    run httpc --send 'POST /args?arg=fromq HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 22\r\n\r\nb=x+y%21&arg=frombody&'
    [ "$(response_body)" = "q=-|b=x y!|arg=frombody|c=-|a=-" ]
    run httpc --send 'POST /args?arg=fromq HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nb=x+y'
    [ "$(response_body)" = "q=-|b=-|arg=fromq|c=-|a=-" ]
}

@test "ch04 web: query arguments are decoded (%20 and +), the last value wins, a bad escape stays" {
    start_server "$WEB"
    run get '/args?q=a%20b+c%2Bd'
    [ "$(response_body)" = "q=a b c+d|b=-|arg=-|c=-|a=-" ]
    run get '/args?q=1&q=x%2'
    [ "$(response_body)" = "q=x%2|b=-|arg=-|c=-|a=-" ]
}

@test "ch04 web: cookies: Set-Cookie with Path=/, read back (quotes removed); a bad value is refused" {
    start_server "$WEB"
    run get '/args?set=v1'
    [[ "$output" == *$'Set-Cookie: c=v1; Path=/\r'* ]]
    run get /args 'Cookie: a=1; c="v2"\r\n'
    [ "$(response_body)" = "q=-|b=-|arg=-|c=v2|a=1" ]
    run get '/args?set=bad%3Bv'
    [[ "$output" == *"bad cookie: Invalid argument"* ]]
    [[ "$output" != *"Set-Cookie"* ]]
}

@test "ch04 web: RedirectHandler: /old is 301 to /, the query kept; a temporary one is 302" {
    start_server "$DEMO"
    run get /old
    [[ "$output" == "HTTP/1.1 301 Moved Permanently"*$'Location: /\r'* ]]
    run get '/old?a=1'
    [[ "$output" == *$'Location: /?a=1\r'* ]]
    if command -v curl >/dev/null; then
        run curl -s -L --max-time 5 "http://127.0.0.1:$PORT/old"
        [ "$output" = "Hello, world" ]
    fi
    stop_clean
    start_server "$WEB"
    run get '/temporary?x=1'
    [[ "$output" == "HTTP/1.1 302 Found"*$'Location: /args?q=moved&x=1\r'* ]]
}

@test "ch04 web: an asynchronous handler finishes from a timer; another request is served meanwhile" {
    start_server "$DEMO"
    local slow="$BATS_TEST_TMPDIR/slow"
    httpc --send 'GET /sleep/0.6 HTTP/1.1\r\nHost: x\r\n\r\n' >"$slow" &
    local bg=$!
    sleep 0.1
    run get /pid
    [ "$(response_body)" = "$SERVER_PID" ]
    [ ! -s "$slow" ]
    wait "$bg"
    grep -q "^Slept 0.6 s" "$slow"
}

@test "ch04 web: a client gone during /sleep, and a stop with one pending: handlers freed, clean exit" {
    start_server "$DEMO"
    run httpc --send 'GET /sleep/5 HTTP/1.1\r\nHost: x\r\n\r\n' --timeout 0.1 --reset
    [ "$status" -eq 3 ]
    httpc --send 'GET /sleep/10 HTTP/1.1\r\nHost: x\r\n\r\n' --timeout 5 >/dev/null 2>&1 &
    local client=$!
    sleep 0.1
    run get /
    [ "$(response_body)" = "Hello, world" ]
    stop_clean
    wait "$client" || true
}

# fd_count: how many descriptors the server holds now.
fd_count() {
    ls "/proc/$SERVER_PID/fd" | wc -l
}

@test "ch04 web: a client that closes during /sleep (a FIN, not a reset) is noticed at once: the handler finishes, the descriptor goes" {
    local fd base i
    start_server "$DEMO"
    base=$(fd_count)
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
    printf 'GET /sleep/30 HTTP/1.1\r\nHost: x\r\n\r\n' >&"$fd"
    for ((i = 0; i < 100 && $(fd_count) == base; i++)); do sleep 0.02; done
    [ "$(fd_count)" -eq $((base + 1)) ]
    sleep 0.2 # the handler is waiting on its timer now
    exec {fd}>&- # as a browser tab closed: the socket sends its FIN
    for ((i = 0; i < 100 && $(fd_count) > base; i++)); do sleep 0.02; done
    echo "descriptors: $base before, $(fd_count) after the close"
    [ "$(fd_count)" -eq "$base" ] # within 2 s, not after the 30 s sleep
    stop_clean
}

@test "ch04 web: write_error overridden by the class writes the error body" {
    start_server "$WEB"
    run get /forbidden
    [[ "$output" == "HTTP/1.1 403 "*$'X-Error: custom\r'* ]]
    [ "$(response_body)" = "custom error 403" ]
}

@test "ch04 web: a handler that fails (web_fail) gets a 500, logged, its output dropped, and the server goes on" {
    start_server "$WEB"
    run get /fail
    [[ "$output" == "HTTP/1.1 500 Internal Server Error"* ]]
    [ "$(response_body)" = "500 Internal Server Error" ]
    grep -q "uncaught failure in FailHandler for GET /fail (127.0.0.1): failing on purpose" "$SERVER_LOG"
    run get /path/abc
    [ "$(response_body)" = "n=3 abc - -" ]
}

@test "ch04 web: flush sends the headers and switches to chunked" {
    start_server "$WEB"
    run get /flush
    [[ "$output" == *"Transfer-Encoding: chunked"*$'\r\n\r\n7\r\npart 1\n\r\n7\r\npart 2\n\r\n0\r\n\r' ]]
}

@test "ch04 web: headers: CR/LF and framing headers refused, set replaces, add appends, bad status refused" {
    start_server "$WEB"
    run get /headers
    [ "$(response_body)" = "refused -1 -1 -1 (Invalid argument)" ]
    [ "$(count '^X-Twice')" -eq 1 ]
    [[ "$output" == *$'X-Twice: second\r\nX-Multi: 1\r\nX-Multi: 2\r'* ]]
    [[ "$output" != *"Injected"* ]]
}

@test "ch04 web: prepare may finish the request alone; on_finish runs after every response" {
    start_server "$WEB"
    run get '/hooks?stop=1'
    [ "$(response_body)" = "stopped in prepare" ]
    run get /hooks
    [ "$(response_body)" = "got" ]
    grep -q "on_finish ran for /hooks?stop=1" "$SERVER_LOG"
    grep -q "on_finish ran for /hooks$" "$SERVER_LOG"
}

@test "ch04 http: heads whose lines end in bare LF are answered (RFC 9112 section 2.2), pipelined too" {
    start_server "$HS"
    run httpc --send 'GET / HTTP/1.1\nHost: x\n\n' --repeat 2
    [ "$status" -eq 0 ]
    [ "$(count '^HTTP/1.1 200 OK')" -eq 2 ]
    run httpc --send 'GET / HTTP/1.1\r\nHost: x\n\r\n' --repeat 2
    [ "$status" -eq 0 ]
    [ "$(count '^HTTP/1.1 200 OK')" -eq 2 ]
    run httpc --send 'GET / HTTP/1.1\r\nHost: x\r\nBad\rHeader: y\r\n\r\n' --expect-close
    [[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]] # a bare CR is still refused
}

# ---- heads too large, and descriptors run out: the limits through the
# demo server (chapters/04-iostream/server.c) and httpserver_test ----

# A limit from common/http_parse.h, so that the tests follow it.
parse_limit() {
    sed -n "s/^#define $1 \([0-9]*\).*/\1/p" "$TOP/common/http_parse.h"
}

@test "ch04 server: one 70 KB header is 431 with Connection: close; 100 header fields are served, 101 are 431 (common/http_parse.h)" {
    local max_size max_fields fields="" pad i
    max_size=$(parse_limit HTTP_MAX_HEAD_SIZE)
    max_fields=$(parse_limit HTTP_MAX_HEADERS)
    [ "$max_size" -lt 70000 ]
    [ "$max_fields" -eq 100 ]
    start_server "$DEMO"
    pad=$(head -c 70000 /dev/zero | tr '\0' a)
    run httpc --send "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: $pad\r\n\r\n" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 431 Request Header Fields Too Large"*$'Connection: close\r'*"431 Request Header Fields Too Large"* ]]
    for ((i = 1; i < max_fields; i++)); do fields+="X-$i: v\r\n"; done # and Host
    run httpc --send "GET / HTTP/1.1\r\nHost: x\r\n$fields\r\n"
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 200 OK"*"Hello, world"* ]]
    run httpc --send "GET / HTTP/1.1\r\nHost: x\r\n${fields}X-$max_fields: v\r\n\r\n" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 431 Request Header Fields Too Large"*$'Connection: close\r'* ]]
}

@test "ch04 server: a 200 KB header line sent in one go (past the read buffer) is answered 431, not reset, and the server goes on" {
    start_server "$DEMO"
    {
        printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: '
        head -c 200000 /dev/zero | tr '\0' a
        printf '\r\n\r\n'
    } >"$BATS_TEST_TMPDIR/req"
    run httpc --file "$BATS_TEST_TMPDIR/req" --expect-close
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 431 Request Header Fields Too Large"*$'Connection: close\r'*"431 Request Header Fields Too Large"* ]]
    [[ "$output" == *"closed by server"* ]] # our FIN after the answer
    run httpc --send "$GET"
    [[ "$output" == "HTTP/1.1 200 OK"*"Hello, world"* ]]
}

@test "ch04 server: an endless head with no newline gets 431 once past the limit, and is closed after a bounded drain" {
    start_server "$DEMO"
    { printf 'GET /'; head -c 4000000 /dev/zero | tr '\0' a; } >"$BATS_TEST_TMPDIR/req"
    # Held to the limit, the server closes long before 4 MB; buffering
    # them all and waiting for more would end in httpc's timeout (3).
    run httpc --file "$BATS_TEST_TMPDIR/req" --expect-close --timeout 10
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 431 Request Header Fields Too Large"*$'Connection: close\r'* ]]
    run httpc --send "$GET"
    [[ "$output" == "HTTP/1.1 200 OK"*"Hello, world"* ]]
}

@test "ch04 http: an unfinished head past --max-header-size is 431 at once, without waiting for its end or the idle timeout" {
    start_server "$HS" --max-header-size 1024 --idle-timeout 30
    local pad
    pad=$(head -c 3000 /dev/zero | tr '\0' a)
    run httpc --send "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: $pad" --expect-close --timeout 10
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 431 Request Header Fields Too Large"*$'Connection: close\r'* ]]
    closed_within 0 5
}

# utime + stime of the server so far, in clock ticks (/proc/PID/stat
# fields 14 and 15, after the parenthesised name).
cpu_ticks() {
    sed 's/^.*) //' "/proc/$SERVER_PID/stat" | awk '{ print $12 + $13 }'
}

@test "ch04 server: out of descriptors (ulimit -n 64): stays up, no busy loop, logs it once, serves again once they are freed" {
    local fds=() fd i before after
    SERVER_NOFILE=64 start_server "$DEMO"
    for ((i = 0; i < 80; i++)); do # more than 64 descriptors can serve
        exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
        fds+=("$fd")
    done
    wait_for_line "$SERVER_LOG" "accept: Too many open files; closing new connections until descriptors are free"
    # A second of new clients arriving while it is out: each must be
    # refused without the loop spinning on a listener that stays readable.
    before=$(cpu_ticks)
    for ((i = 0; i < 10; i++)); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
        fds+=("$fd")
        sleep 0.1
    done
    after=$(cpu_ticks)
    echo "CPU while out of descriptors: $((after - before)) ticks of 1/$(getconf CLK_TCK) s"
    awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { exit !(t / hz < 0.3) }'
    kill -0 "$SERVER_PID"
    for fd in "${fds[@]}"; do exec {fd}>&-; done
    for ((i = 0; i < 50; i++)); do # the idle connections close: then a 200
        run httpc --send "$GET" --timeout 1
        [[ "$output" != "HTTP/1.1 200 OK"* ]] || break
        sleep 0.1
    done
    [[ "$output" == "HTTP/1.1 200 OK"*"Hello, world"* ]]
    [ "$(grep -c "Too many open files" "$SERVER_LOG")" -eq 1 ] # once per burst
    grep -qE "accept: descriptors free again; [0-9]+ connection\(s\) closed unserved" "$SERVER_LOG"
}

@test "ch04 server: out of descriptors with the reserve lost too (prlimit under the open ones): the pause alone stops a spin; the queued client is served after" {
    command -v prlimit >/dev/null || skip "prlimit not installed"
    local soft client before after
    start_server "$DEMO"
    soft=$(prlimit --pid "$SERVER_PID" --nofile --noheadings --raw --output SOFT)
    # Every descriptor the server could get is now over its limit: accept,
    # and the reopening of the reserve after giving it up, both fail, and
    # nothing empties the queue. Only the pause keeps the loop from
    # calling accept() again at once, for ever.
    prlimit --pid "$SERVER_PID" --nofile=3:
    httpc --send "$GET" --timeout 10 >"$BATS_TEST_TMPDIR/queued" 2>&1 &
    client=$!
    wait_for_line "$SERVER_LOG" "accept: Too many open files"
    before=$(cpu_ticks)
    sleep 1
    after=$(cpu_ticks)
    echo "CPU while out of descriptors: $((after - before)) ticks of 1/$(getconf CLK_TCK) s"
    awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { exit !(t / hz < 0.3) }'
    kill -0 "$SERVER_PID"
    prlimit --pid "$SERVER_PID" --nofile="$soft":
    wait "$client" # still queued, not refused: answered once a descriptor is free
    grep -q "^HTTP/1.1 200 OK" "$BATS_TEST_TMPDIR/queued"
    wait_for_line "$SERVER_LOG" "accept: descriptors free again"
}
