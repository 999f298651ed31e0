#!/usr/bin/python3
"""condition_demo.py - the material's Condition example (waiter/notifier).

Its output is the spec chapter 5's C condition demo prints exactly:

    I'll wait right here
    About to notify
    Done notifying
    Received notification now doing my things

The waiter starts first (gen.multi starts its children in list order), prints
and waits.  The notifier prints, notifies and prints again without yielding,
so the waiter's wake-up, which notify() only schedules, runs after it.  The
material's notifier sleeps 60 s before notifying; that changes nothing in
the order, so this version does not sleep.
"""
from tornado import gen, locks
from tornado.ioloop import IOLoop

condition = locks.Condition()


async def waiter():
    print("I'll wait right here", flush=True)
    await condition.wait()
    print("Received notification now doing my things", flush=True)


async def notifier():
    print("About to notify", flush=True)
    condition.notify()
    print("Done notifying", flush=True)


async def runner():
    # Wait for waiter() and notifier() in parallel.
    await gen.multi([waiter(), notifier()])


if __name__ == "__main__":
    IOLoop.current().run_sync(runner)
