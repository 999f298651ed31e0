"""tornado_fetch.py - Tornado's AsyncHTTPClient, the reference row of make
bench's client table.

    /usr/bin/python3 tests/bench/tornado_fetch.py --url http://127.0.0.1:8888/ --count 5000

Fetches the URL --count times on one IOLoop with simple_httpclient (Tornado's
default AsyncHTTPClient), --max-clients at a time (Tornado's default 10), as
chapter 5's fetch does with the same URL given --count times. It prints
"fetched N, failed F" and exits 1 if any fetch failed. simple_httpclient opens
a connection per request: that is what the row measures.
"""
import argparse
import asyncio
import sys

import tornado.httpclient


async def fetch_all(url, count, max_clients):
    client = tornado.httpclient.AsyncHTTPClient(max_clients=max_clients)
    responses = await asyncio.gather(
        *(client.fetch(url, raise_error=False) for _ in range(count)))
    return sum(1 for r in responses if r.code != 200)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--max-clients", type=int, default=10)
    args = parser.parse_args()
    failed = asyncio.run(fetch_all(args.url, args.count, args.max_clients))
    print(f"fetched {args.count}, failed {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
