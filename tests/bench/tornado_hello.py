"""tornado_hello.py - Tornado's hello world, the reference row of make bench.

    /usr/bin/python3 tests/bench/tornado_hello.py --port 0 --procs 2

Serves GET / with "Hello, world\n" (text/plain), like every chapter's demo
server, and prints "listening on http://127.0.0.1:PORT" once the socket
listens. --procs N > 1 forks N processes sharing the socket after binding it,
which is what HTTPServer.start(N) does (Tornado's "advanced multi-process"
form, used here because it tells us the port that --port 0 picked).
The backlog is 4096, as in the C servers, so 10,000 connections opened at
once are not dropped by a listen queue of Tornado's default 128.
"""
import argparse
import asyncio
import sys

import tornado.httpserver
import tornado.netutil
import tornado.process
import tornado.web


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("Hello, world\n")


async def serve(sockets):
    server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/", Hello)]))
    server.add_sockets(sockets)
    await asyncio.Event().wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--procs", type=int, default=1)
    args = parser.parse_args()
    sockets = tornado.netutil.bind_sockets(args.port, args.host, backlog=4096)
    port = sockets[0].getsockname()[1]
    print(f"listening on http://{args.host}:{port}", flush=True)
    if args.procs > 1:
        tornado.process.fork_processes(args.procs)
    asyncio.run(serve(sockets))


if __name__ == "__main__":
    sys.exit(main())
