#!/usr/bin/env bats
# tests/05-httpclient.bats - chapter 5's HTTP client (httpclient.c) through
# its program, fetch, against chapter 4's server, the client's own test
# routes (tests/unit/httpclient_test.c), scripted peers (tests/tools/
# peer.c) that stay silent, close mid-body or send garbage, real servers
# where installed (python3 -m http.server, nginx, Tornado), and the
# chapter's server's /fetch; then the unit cases.

load helpers
bats_require_minimum_version 1.5.0

FETCH="$BUILD/chapters/05-coroutines/fetch"
HCTEST="$BUILD/tests/unit/httpclient_test"
PEER="$BUILD/tests/tools/peer"
SERVER_04="$(chapter_server 04)"
SERVER_05="$(chapter_server 05)"
PY=/usr/bin/python3
PIDS=()

# start_named NAME BIN ARGS...: start BIN --port 0 ARGS in the background
# as start_server does, with files of its own, so that several run at
# once; sets NAME_PORT and NAME_LOG and keeps the PID for teardown.
start_named() {
    local name=$1 bin=$2
    shift 2
    local out="$BATS_TEST_TMPDIR/$name.out" log="$BATS_TEST_TMPDIR/$name.log"
    : >"$out"
    "$bin" --port 0 "$@" >"$out" 2>"$log" &
    local pid=$!
    PIDS+=("$pid")
    printf -v "${name}_PID" %s "$pid"
    printf -v "${name}_LOG" %s "$log"
    if wait_listening "$out" "$pid"; then
        printf -v "${name}_PORT" %s "$PORT"
        return 0
    fi
    echo "$name did not start: $(cat "$log")" >&2
    return 1
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
    PIDS=()
    [ -z "${NGINX_DIR:-}" ] || rm -rf "$NGINX_DIR"
}

# fetch ARGS...: run the client; its stderr must hold nothing from ASan
# or UBSan (under SAN=1 a leak at exit shows there).
fetch() {
    run --separate-stderr "$FETCH" "$@"
    if grep -qE "Sanitizer|runtime error" <<<"$stderr"; then
        echo "$stderr"
        return 1
    fi
}

# A peer that answers every request head with the bytes printf makes of
# $2: start_peer NAME FORMAT [peer options...].
start_peer() {
    local name=$1 reply="$BATS_TEST_TMPDIR/$1.reply"
    printf "$2" >"$reply"
    shift 2
    start_named "$name" "$PEER" --reply "$reply" "$@"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- fetch, its command line ----

@test "ch05 fetch: one status line per URL in argument order, exit 0 when every URL was answered (404 too)" {
    start_named S4 "$SERVER_04"
    local u="http://127.0.0.1:$S4_PORT"
    fetch "$u/" "$u/nothere" "$u/pid"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK $u/ 13 bytes" ]
    [ "${lines[1]}" = "404 Not Found $u/nothere 14 bytes" ]
    [[ "${lines[2]}" == "200 OK $u/pid "*" bytes" ]]
}

@test "ch05 fetch: the book's Try it: five URLs, five lines in order, exit 1; two /sleep/1 fetched together take about one second" {
    start_named S4 "$SERVER_04"
    local u="http://127.0.0.1:$S4_PORT" t0 ms
    fetch "$u/" "$u/sleep/1" "$u/nope" http://127.0.0.1:1/ https://example.com/
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "200 OK $u/ 13 bytes" ]
    [ "${lines[1]}" = "200 OK $u/sleep/1 10 bytes" ]
    [ "${lines[2]}" = "404 Not Found $u/nope 14 bytes" ]
    [ "${lines[3]}" = "599 Connection refused http://127.0.0.1:1/ 0 bytes" ]
    [ "${lines[4]}" = "599 https is not supported: TLS needs a library this book does not use https://example.com/ 0 bytes" ]
    t0=$(date +%s%N)
    fetch --stats "$u/sleep/1" "$u/sleep/1" "$u/"
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "elapsed ${ms} ms"
    [ "$status" -eq 0 ]
    [ "${lines[3]}" = "stats: 3 requests, 3 connections opened, 0 reused, 0 retried, 0 queued" ]
    [ "$ms" -ge 950 ] && [ "$ms" -lt 1900 ]
}

@test "ch05 fetch: a 599 among the answers makes the exit status 1; refused is 'Connection refused'" {
    start_named S4 "$SERVER_04"
    fetch "http://127.0.0.1:$S4_PORT/" http://127.0.0.1:1/
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$S4_PORT/ 13 bytes" ]
    [ "${lines[1]}" = "599 Connection refused http://127.0.0.1:1/ 0 bytes" ]
}

@test "ch05 fetch: no URL, an unknown option, a value missing: the usage and status 2; -- ends the options (args.h's operands)" {
    fetch
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"expected URL..."* && "$stderr" == *usage* ]]
    fetch --bogus http://127.0.0.1:1/
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown argument '--bogus'"* ]]
    fetch -H
    [ "$status" -eq 2 ]
    fetch --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"-H, --header"* ]]
    fetch --max-clients=1 -- http://127.0.0.1:1/ # "--" ends the options
    [ "${lines[0]}" = "599 Connection refused http://127.0.0.1:1/ 0 bytes" ]
}

@test "ch05 fetch: -H repeats, -X sets the method, -d the body; a header line without a colon fails the fetch (EINVAL), not the program" {
    start_named HC "$HCTEST"
    local u="http://127.0.0.1:$HC_PORT"
    fetch -H "X-One: 1" -H "X-Two: two words" --body "$u/header/X-One" "$u/header/X-Two"
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "1" ]
    [ "${lines[3]}" = "two words" ]
    fetch -X PUT -d abc --body "$u/method"
    [ "${lines[1]}" = "PUT 3" ]
    fetch -H "no colon" "$u/method"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "error Invalid argument $u/method" ]
}

@test "ch05 fetch: https and other schemes are a 599 that says why" {
    fetch https://127.0.0.1:1/ ftp://127.0.0.1/ http://127.0.0.1:99999/
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "599 https is not supported: TLS needs a library"* ]]
    [[ "${lines[1]}" == "599 Unsupported URL scheme ftp://127.0.0.1/ 0 bytes" ]]
    [[ "${lines[2]}" == "599 Bad URL http://127.0.0.1:99999/ 0 bytes" ]]
}

# ---- against chapter 4's server ----

@test "ch05 httpclient: keep-alive: 20 fetches one at a time open 1 connection (19 reused); without the pool, 20" {
    start_named S4 "$SERVER_04"
    local urls=() i
    for ((i = 0; i < 20; i++)); do urls+=("http://127.0.0.1:$S4_PORT/"); done
    fetch --max-clients 1 --stats "${urls[@]}"
    [ "$status" -eq 0 ]
    [ "${lines[20]}" = "stats: 20 requests, 1 connections opened, 19 reused, 0 retried, 19 queued" ]
    fetch --max-clients 1 --stats --no-keepalive "${urls[@]}"
    [ "$status" -eq 0 ]
    [ "${lines[20]}" = "stats: 20 requests, 20 connections opened, 0 reused, 0 retried, 19 queued" ]
}

@test "ch05 httpclient: keep-alive seen by the server: a peer counts 1 connection for 10 fetches, 10 without the pool" {
    start_peer P 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    local urls=() i
    for ((i = 0; i < 10; i++)); do urls+=("http://127.0.0.1:$P_PORT/"); done
    fetch --max-clients 1 "${urls[@]}"
    [ "$status" -eq 0 ]
    fetch --max-clients 1 --no-keepalive "${urls[@]}"
    [ "$status" -eq 0 ]
    sleep 0.2
    # 1 connection for the first run, 10 for the second: 11 in all.
    [ "$(grep -c "connection closed" "$P_LOG")" -eq 11 ]
}

@test "ch05 httpclient: POST /echo bodies of 0, 1, 64 KiB and 10 MB come back byte-identical" {
    start_named S4 "$SERVER_04"
    local d="$BATS_TEST_TMPDIR" n
    : >"$d/b0"
    printf x >"$d/b1"
    head -c 65536 /dev/urandom >"$d/b64k"
    head -c 10000000 /dev/urandom >"$d/b10m"
    for n in b0 b1 b64k b10m; do
        fetch -d "@$d/$n" -o "$d/$n.out" "http://127.0.0.1:$S4_PORT/echo"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "200 OK http://127.0.0.1:$S4_PORT/echo $(stat -c %s "$d/$n") bytes" ]
        [ "$(sha "$d/$n")" = "$(sha "$d/$n.out")" ]
    done
}

@test "ch05 httpclient: HEAD has no body whatever its Content-Length says, and the connection is reused after it" {
    start_named S4 "$SERVER_04"
    local u="http://127.0.0.1:$S4_PORT/"
    fetch -X HEAD -v --stats --max-clients 1 "$u" "$u"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK $u 0 bytes" ]
    [[ "$output" == *"Content-Length: 13"* ]]
    [[ "$output" == *"1 connections opened, 1 reused"* ]]
}

@test "ch05 httpclient: 100 concurrent fetches through max_clients 10: all answered, 90 queued, at most 10 connections" {
    start_named S4 "$SERVER_04"
    local urls=() i start
    for ((i = 0; i < 100; i++)); do urls+=("http://127.0.0.1:$S4_PORT/sleep/0.2"); done
    start=$(date +%s.%N)
    fetch --stats "${urls[@]}"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^200 OK ' <<<"$output")" -eq 100 ]
    [[ "${lines[100]}" == "stats: 100 requests, 10 connections opened, 90 reused, 0 retried, 90 queued" ]]
    # Ten at a time, 0.2 s each: at least 2 s in all (generous bounds).
    awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { exit !(e - s >= 1.5 && e - s < 30) }'
}

@test "ch05 httpclient: a request waiting in the queue past its time is 'Timeout in request queue'" {
    start_named S4 "$SERVER_04"
    # The queue waits min(connect, request timeout), as Tornado's does.
    fetch --max-clients 1 --connect-timeout 300 --timeout 3000 "http://127.0.0.1:$S4_PORT/sleep/1" "http://127.0.0.1:$S4_PORT/"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$S4_PORT/sleep/1 10 bytes" ]
    [ "${lines[1]}" = "599 Timeout in request queue http://127.0.0.1:$S4_PORT/ 0 bytes" ]
}

# ---- bodies, redirects: the client's test routes ----

@test "ch05 httpclient: a chunked body is read whole (Transfer-Encoding: chunked)" {
    start_named HC "$HCTEST"
    fetch -v --body "http://127.0.0.1:$HC_PORT/chunked"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$HC_PORT/chunked 12 bytes" ]
    [[ "$output" == *"Transfer-Encoding: chunked"* ]]
    [ "${lines[-1]}" = "hello world" ]
}

@test "ch05 httpclient: redirects are followed, relative and absolute Locations alike; effective_url is the last" {
    start_named HC "$HCTEST"
    local u="http://127.0.0.1:$HC_PORT"
    fetch -v --body "$u/redirect/4"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK $u/redirect/4 8 bytes" ]
    [ "${lines[1]}" = "  effective_url $u/redirect/0" ]
    [ "${lines[-1]}" = "arrived" ]
}

@test "ch05 httpclient: a redirect loop ends at max_redirects with the last 302 returned, as Tornado's; --no-redirects returns the first" {
    start_named HC "$HCTEST"
    local u="http://127.0.0.1:$HC_PORT"
    fetch "$u/loop"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "302 Found $u/loop "* ]]
    fetch --max-redirects 6 --stats "$u/redirect/6" "$u/redirect/7"
    [[ "${lines[0]}" == "200 OK $u/redirect/6 8 bytes" ]]
    [[ "${lines[1]}" == "302 Found $u/redirect/7 "* ]]
    [[ "${lines[2]}" == "stats: 14 requests, 2 connections opened, 12 reused"* ]]
    fetch --no-redirects "$u/redirect/1"
    [[ "${lines[0]}" == "302 Found $u/redirect/1 "* ]]
}

@test "ch05 httpclient: 303 makes any method a GET without body; 301 and 302 a POST only; 307 and 308 keep both" {
    start_named HC "$HCTEST"
    local u="http://127.0.0.1:$HC_PORT" code
    for code in 301 302 303 307 308; do
        fetch -d hello --body "$u/to/$code"
        [ "$status" -eq 0 ]
        case $code in
        30[123]) [ "${lines[1]}" = "GET 0" ] ;;
        *) [ "${lines[1]}" = "POST 5" ] ;;
        esac
    done
    fetch -X PUT -d hello --body "$u/to/302" "$u/to/303"
    [ "${lines[1]}" = "PUT 5" ]
    [ "${lines[3]}" = "GET 0" ]
}

# ---- peers that misbehave ----

@test "ch05 httpclient: a server that never answers is 'Timeout during request' in time, and the loop serves the others meanwhile" {
    start_named SILENT "$PEER"
    start_named S4 "$SERVER_04"
    local start=$SECONDS
    fetch --timeout 500 "http://127.0.0.1:$SILENT_PORT/" "http://127.0.0.1:$S4_PORT/" "http://127.0.0.1:$S4_PORT/pid"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "599 Timeout during request http://127.0.0.1:$SILENT_PORT/ 0 bytes" ]
    [ "${lines[1]}" = "200 OK http://127.0.0.1:$S4_PORT/ 13 bytes" ]
    [[ "${lines[2]}" == "200 OK "* ]]
    [ $((SECONDS - start)) -lt 5 ]
}

@test "ch05 httpclient: a server that closes mid-body is 'Stream closed'" {
    start_peer P 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789' --close
    fetch "http://127.0.0.1:$P_PORT/"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "599 Stream closed http://127.0.0.1:$P_PORT/ 0 bytes" ]
}

@test "ch05 httpclient: a server that closes mid-chunk is 'Stream closed' too" {
    start_peer P 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab' --close
    fetch "http://127.0.0.1:$P_PORT/"
    [ "${lines[0]}" = "599 Stream closed http://127.0.0.1:$P_PORT/ 0 bytes" ]
}

@test "ch05 httpclient: garbage for a status line, or a bad chunk size, is a malformed response; the others are served" {
    start_peer G 'garbage\r\n\r\n'
    start_peer C 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'
    start_named S4 "$SERVER_04"
    fetch "http://127.0.0.1:$G_PORT/" "http://127.0.0.1:$C_PORT/" "http://127.0.0.1:$S4_PORT/"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "599 Malformed HTTP response http://127.0.0.1:$G_PORT/ 0 bytes" ]
    [ "${lines[1]}" = "599 Malformed HTTP response: bad chunked body http://127.0.0.1:$C_PORT/ 0 bytes" ]
    [ "${lines[2]}" = "200 OK http://127.0.0.1:$S4_PORT/ 13 bytes" ]
}

@test "ch05 httpclient: a body with neither length nor chunks ends at the close; a 100 Continue before the answer is skipped" {
    start_peer P 'HTTP/1.1 200 OK\r\n\r\nuntil the close' --close
    start_peer Q 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    fetch --body "http://127.0.0.1:$P_PORT/" "http://127.0.0.1:$Q_PORT/"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$P_PORT/ 15 bytes" ]
    [ "${lines[1]}" = "until the close200 OK http://127.0.0.1:$Q_PORT/ 2 bytes" ]
}

@test "ch05 httpclient: a body past max_body_size is a 599, by Content-Length before it is read, or as it comes" {
    start_peer L 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'
    start_peer C 'HTTP/1.1 200 OK\r\n\r\n0123456789' --close
    fetch --max-body 5 "http://127.0.0.1:$L_PORT/" "http://127.0.0.1:$C_PORT/"
    [ "${lines[0]}" = "599 Response body too large http://127.0.0.1:$L_PORT/ 0 bytes" ]
    [ "${lines[1]}" = "599 Response body too large http://127.0.0.1:$C_PORT/ 0 bytes" ]
}

# ---- real servers ----

@test "ch05 httpclient: python3 -m http.server: a file byte-identical, a 404, a directory listing" {
    [ -x "$PY" ] || skip "python3 not installed"
    local d="$BATS_TEST_TMPDIR/www" port i
    mkdir -p "$d"
    head -c 300000 /dev/urandom >"$d/file.bin"
    (cd "$d" && exec "$PY" -u -m http.server --bind 127.0.0.1 0 >"$BATS_TEST_TMPDIR/py.out" 2>&1) &
    PIDS+=($!)
    for ((i = 0; i < 100; i++)); do
        port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$BATS_TEST_TMPDIR/py.out")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ]
    fetch -o "$BATS_TEST_TMPDIR/got" "http://127.0.0.1:$port/file.bin"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$port/file.bin 300000 bytes" ]
    [ "$(sha "$d/file.bin")" = "$(sha "$BATS_TEST_TMPDIR/got")" ]
    fetch --body "http://127.0.0.1:$port/nothere" "http://127.0.0.1:$port/"
    [[ "${lines[0]}" == "404 File not found "* ]]
    [[ "$output" == *"file.bin"* ]]
}

@test "ch05 httpclient: nginx: a static file, and a chunked answer it proxies from the client's test routes" {
    [ -x /usr/sbin/nginx ] || skip "nginx not installed"
    start_named HC "$HCTEST"
    local port i
    # Run as root, nginx's worker drops to nobody, who cannot enter the
    # test's private directory: this one is readable by all, and removed
    # in teardown.
    NGINX_DIR=$(mktemp -d /tmp/ch05-nginx.XXXXXX)
    local d="$NGINX_DIR"
    chmod 755 "$d"
    mkdir -p "$d/www" "$d/tmp"
    chmod 777 "$d/tmp"
    head -c 100000 /dev/urandom >"$d/www/static.bin"
    chmod -R a+rX "$d/www"
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$d/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
    access_log $d/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $d/www;
        location /up/ {
            proxy_pass http://127.0.0.1:$HC_PORT/;
            proxy_http_version 1.1;
            proxy_buffering off;
        }
    }
}
EOF
    /usr/sbin/nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" &
    PIDS+=($!)
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    fetch -o "$d/got" --stats "http://127.0.0.1:$port/static.bin" "http://127.0.0.1:$port/static.bin"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$port/static.bin 100000 bytes" ]
    [ "$(sha "$d/got")" = "$( cat "$d/www/static.bin" "$d/www/static.bin" | sha256sum | cut -d' ' -f1)" ]
    fetch -v --body "http://127.0.0.1:$port/up/chunked"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$port/up/chunked 12 bytes" ]
    [[ "$output" == *"Transfer-Encoding: chunked"* ]]
    [ "${lines[-1]}" = "hello world" ]
}

@test "ch05 httpclient: Tornado 6.2: a handler that streams with flush() is read whole, over one kept connection" {
    "$PY" -c 'import tornado' 2>/dev/null || skip "python3-tornado not installed"
    cat >"$BATS_TEST_TMPDIR/stream.py" <<'EOF'
#!/usr/bin/python3
# Tornado's side: three writes, each flushed (a chunk), 50 ms apart.
import asyncio, socket, sys
import tornado.web
class Stream(tornado.web.RequestHandler):
    async def get(self):
        for i in range(3):
            self.write("part %d\n" % i)
            await self.flush()
            await asyncio.sleep(0.05)
async def main():
    app = tornado.web.Application([(r"/stream", Stream)])
    server = app.listen(0, "127.0.0.1")
    port = list(server._sockets.values())[0].getsockname()[1]
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
EOF
    chmod +x "$BATS_TEST_TMPDIR/stream.py"
    start_named T "$BATS_TEST_TMPDIR/stream.py" # its --port 0 is ignored
    fetch -v --body --stats --max-clients 1 "http://127.0.0.1:$T_PORT/stream" "http://127.0.0.1:$T_PORT/stream"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK http://127.0.0.1:$T_PORT/stream 21 bytes" ]
    [[ "$output" == *"Transfer-Encoding: chunked"* ]]
    [[ "$output" == *"part 0"$'\n'"part 1"$'\n'"part 2"* ]]
    [[ "${lines[-1]}" == "stats: 2 requests, 1 connections opened, 1 reused"* ]]
}

# ---- the chapter's server: /fetch ----

@test "ch05 server: /fetch?url= relays the answer from a coroutine handler; 502 with the reason when there is none; 400 without url" {
    start_named S5 "$SERVER_05"
    local u="http://127.0.0.1:$S5_PORT"
    fetch --body "$u/fetch?url=$u/" "$u/fetch?url=http://127.0.0.1:1/" "$u/fetch" "$u/fetch?url=$u/nothere"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "200 OK $u/fetch?url=$u/ 13 bytes" ]
    [ "${lines[1]}" = "Hello, world" ]
    [ "${lines[2]}" = "502 Bad Gateway $u/fetch?url=http://127.0.0.1:1/ 19 bytes" ]
    [ "${lines[3]}" = "Connection refused" ]
    [[ "${lines[4]}" == "400 Bad Request $u/fetch "* ]]
    [[ "$output" == *"404 Not Found $u/fetch?url=$u/nothere"* ]]
    stop_pid "$S5_PID"
    [ "$STOPPED_STATUS" -eq 0 ]
    ! grep -E "Sanitizer|runtime error" "$S5_LOG"
}

# ---- tests/unit/httpclient_test.c ----

@test "ch05 httpclient: unit: URLs split into host, port, Host header and target; https, bad ports, userinfo refused" {
    unit httpclient_test url_parse
}

@test "ch05 httpclient: unit: Locations resolve against the URL as RFC 3986's examples do" {
    unit httpclient_test url_join
}

@test "ch05 httpclient: unit: no request, no URL, a header with CRLF or no colon, a bad method: the future fails with EINVAL" {
    unit httpclient_test request_einval
}

@test "ch05 httpclient: unit: a name that takes 1 s to resolve stalls no other fetch; an unknown name is a 599" {
    unit httpclient_test slow_name_stalls_nothing
}

@test "ch05 httpclient: unit: a listener with a full backlog is 'Timeout while connecting' in time" {
    unit httpclient_test connect_timeout
}

@test "ch05 httpclient: unit: a kept connection the server drops as the request comes is retried once on a fresh one" {
    unit httpclient_test retry_on_reused_connection
}

@test "ch05 httpclient: unit: a kept connection the server closes while idle leaves the pool; no retry needed" {
    unit httpclient_test idle_close_drops_connection
}

@test "ch05 httpclient: unit: an idle connection is closed after the idle timeout, and reused within it" {
    unit httpclient_test idle_timeout_closes
}

@test "ch05 httpclient: unit: freeing the client answers every fetch in flight, resolving or queued with 599 'Client closed'; a cancelled one is ECANCELED" {
    unit httpclient_test free_with_fetches_in_flight
}
