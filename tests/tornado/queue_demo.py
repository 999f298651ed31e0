#!/usr/bin/python3
"""queue_demo.py - the material's bounded-queue example, generalised.

    queue_demo.py [--maxsize Q] [--items N] [--producers P] [--consumers C]

Its output is the spec chapter 5's C queue demo prints exactly.

  * N is the total number of items, split among the producers as evenly as
    possible, lower-numbered producers making the remainder.  Producers are
    numbered from 1; with P > 1 producer p's items are named "p-i", i
    counting from 0 within that producer.  With P = 1 an item is its index.
  * Each consumer takes a fixed quota of gets: N split as evenly as possible,
    lower-numbered consumers (numbered from 1) taking the remainder.  With
    C > 1 a consumer prints "consumer K got: X", with C = 1 just "got: X".
  * A producer prints "putting X" and then awaits q.put(X).  A consumer
    awaits q.get(), prints, and calls q.task_done().
  * main spawns the consumers (in order 1..C) with spawn_callback, then
    starts the producers (in order 1..P), awaits them all, and awaits
    q.join().  Nothing else is printed.

With the defaults (Q=1, N=5, P=1, C=1) it prints the material's output:
putting 0, putting 1, got: 0, got: 1, putting 2, putting 3, putting 4,
got: 2, got: 3, got: 4.
"""
import argparse

from tornado import gen, queues
from tornado.ioloop import IOLoop


def split(total, parts):
    """total split into parts shares, the first ones taking the remainder."""
    return [total // parts + (1 if k < total % parts else 0)
            for k in range(parts)]


async def consumer(q, name, quota):
    prefix = "consumer %d got: " % name if name else "got: "
    for _ in range(quota):
        item = await q.get()
        print(prefix + item, flush=True)
        q.task_done()


async def producer(q, name, count):
    for i in range(count):
        item = "%d-%d" % (name, i) if name else "%d" % i
        print("putting " + item, flush=True)
        await q.put(item)


async def main(args):
    q = queues.Queue(maxsize=args.maxsize)
    quotas = split(args.items, args.consumers)
    for k in range(args.consumers):
        name = k + 1 if args.consumers > 1 else 0
        IOLoop.current().spawn_callback(consumer, q, name, quotas[k])
    counts = split(args.items, args.producers)
    await gen.multi([producer(q, p + 1 if args.producers > 1 else 0, counts[p])
                     for p in range(args.producers)])
    await q.join()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--maxsize", type=int, default=1)
    ap.add_argument("--items", type=int, default=5)
    ap.add_argument("--producers", type=int, default=1)
    ap.add_argument("--consumers", type=int, default=1)
    a = ap.parse_args()
    if a.maxsize < 0 or a.items < 0 or a.producers < 1 or a.consumers < 1:
        ap.error("need --maxsize >= 0, --items >= 0, --producers >= 1, "
                 "--consumers >= 1")
    IOLoop.current().run_sync(lambda: main(a))
