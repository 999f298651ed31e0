#!/usr/bin/python3
"""semantics.py - small scenarios that pin down Tornado 6.2's semantics.

    semantics.py NAME      run one scenario, print its event trace
    semantics.py --list    the scenarios' names, one a line
    semantics.py --help    names with the behaviour each pins down

Chapter 5's C code mirrors each scenario one-to-one under the same name and
must print the same trace (tests/tornado/expected/semantics/NAME.txt).

A trace is one event a line, in plain words and integers: no times, no
addresses, no Python reprs.  An exception prints as "error: Name" (Tornado's
own exceptions) or "error: Name message" (the scenario's own, e.g.
"error: ValueError boom"); asyncio.CancelledError prints as "cancelled".
Timed scenarios use deadlines at least 0.05 s apart so the order is stable.

Only Tornado's API is used (tornado.gen, tornado.concurrent.Future and
future_add_done_callback, tornado.ioloop.IOLoop, tornado.queues,
tornado.locks); asyncio appears only to name CancelledError in an except
clause.  Tornado 6.2's Future *is*
asyncio.Future and its IOLoop runs on asyncio's loop, so some answers below
are asyncio's.
"""
import asyncio
import logging
import sys

from tornado import gen, locks, queues
from tornado.concurrent import Future
from tornado.ioloop import IOLoop

SCENARIOS = {}


def scenario(fn):
    """Register fn under its name.  A coroutine function runs under
    IOLoop.current().run_sync(); a plain function drives its own loop."""
    SCENARIOS[fn.__name__] = fn
    return fn


def say(*words):
    print(" ".join(str(w) for w in words), flush=True)


def err(e, message=False, who=None):
    """Print an exception as a fixed line, after who if given."""
    head = [who] if who else []
    if isinstance(e, asyncio.CancelledError):
        say(*head, "cancelled")
    elif message:
        say(*head, "error:", type(e).__name__, e)
    else:
        say(*head, "error:", type(e).__name__)


class LogLine(logging.Handler):
    """What Tornado logs to tornado.application, as "logged: MESSAGE: Name
    [message]" (the message only for the scenario's own exceptions)."""

    def emit(self, record):
        line = "logged: " + record.msg.replace(" %r", "")
        if record.exc_info:
            e = record.exc_info[1]
            line += ": " + type(e).__name__
            if isinstance(e, ValueError):
                line += " " + str(e)
        say(line)


logging.getLogger("tornado.application").addHandler(LogLine())
logging.getLogger("tornado.application").propagate = False


async def turns(n=1):
    """Let the loop run n times: each turn awaits a Future that a callback
    (add_callback) resolves, so the callbacks already scheduled run first.
    (gen.moment cannot be awaited by a native coroutine in Tornado 6.2, only
    yielded by a @gen.coroutine generator: see moment_pingpong.)"""
    for _ in range(n):
        f = Future()
        IOLoop.current().add_callback(f.set_result, None)
        await f


# ---- Futures -------------------------------------------------------------

@scenario
async def future_callbacks_order():
    # add_done_callback callbacks run in the order added, after set_result
    # has returned (they are scheduled on the loop, not run inside it), each
    # given the future.
    f = Future()
    for k in (1, 2, 3):
        f.add_done_callback(lambda fut, k=k: say("callback", k, fut.result()))
    f.set_result(7)
    say("after set_result")
    await turns()
    say("after one iteration")


@scenario
async def future_callback_on_done():
    # A callback added to a future that is already done, with Tornado's
    # tornado.concurrent.future_add_done_callback (what Tornado's own code
    # uses, and what chapter 5's future_add_done_callback is), runs at once,
    # inside the call.  (asyncio's Future.add_done_callback method would
    # schedule it with call_soon instead, for the next iteration.)
    from tornado.concurrent import future_add_done_callback
    f = Future()
    f.set_result(1)
    future_add_done_callback(f, lambda fut: say("callback", fut.result()))
    say("after add_done_callback")
    await turns()
    say("after one iteration")


@scenario
async def future_await_done():
    # Awaiting a future that is already done returns at once, without a loop
    # iteration: a callback scheduled with add_callback just before the
    # await runs only after it, at the next real suspension.
    f = Future()
    f.set_result(5)
    IOLoop.current().add_callback(say, "callback")
    say("await returned", await f)
    await turns()
    say("after one iteration")


@scenario
async def future_await_pending():
    # Awaiting a pending future suspends; set_result from a callback wakes
    # the awaiter on a later iteration, after the callback has returned.
    f = Future()

    def resolve():
        f.set_result(3)
        say("resolved")
    IOLoop.current().add_callback(resolve)
    say("awaiting")
    say("await returned", await f)


@scenario
async def future_set_exception():
    # set_exception: awaiting raises it; exception() returns it; the
    # callback still runs.
    f = Future()
    f.add_done_callback(lambda fut: say("callback done", fut.done()))
    f.set_exception(ValueError("boom"))
    try:
        await f
    except ValueError as e:
        err(e, message=True)
    say("exception", type(f.exception()).__name__)


@scenario
async def future_cancel():
    # cancel() on a pending future returns True, marks it cancelled and done,
    # runs its callbacks; awaiting it raises CancelledError.  cancel() on a
    # done future returns False and changes nothing.
    f = Future()
    f.add_done_callback(lambda fut: say("callback cancelled", fut.cancelled()))
    say("cancel", f.cancel())
    say("done", f.done(), "cancelled", f.cancelled())
    try:
        await f
    except asyncio.CancelledError as e:
        err(e)
    g = Future()
    g.set_result(1)
    say("cancel done future", g.cancel(), "result", g.result())


@scenario
async def future_invalid_state():
    # result() of a pending future and a second set_result both raise
    # InvalidStateError; the first result stays.
    f = Future()
    try:
        f.result()
    except Exception as e:
        err(e)
    f.set_result(1)
    try:
        f.set_result(2)
    except Exception as e:
        err(e)
    say("result", f.result())


@scenario
async def future_cancel_awaiter():
    # Cancelling a Future that a coroutine awaits: the coroutine sees
    # CancelledError at its await (on a later iteration) and can catch it.
    f = Future()

    async def awaiter():
        try:
            await f
        except asyncio.CancelledError as e:
            err(e, who="awaiter")
        return "done"
    task = gen.convert_yielded(awaiter())
    await turns()
    say("cancel", f.cancel())
    say("awaiter returned", await task)


@scenario
async def task_cancel():
    # Cancelling the task of a running coroutine (the future convert_yielded
    # returns): CancelledError is raised inside it at its current await;
    # if it lets it through, awaiting the task raises CancelledError.
    async def sleeper():
        try:
            await gen.sleep(0.2)
            say("sleeper finished")
        finally:
            say("sleeper finally")
    task = gen.convert_yielded(sleeper())
    await turns()
    say("cancel", task.cancel())
    try:
        await task
    except asyncio.CancelledError as e:
        err(e)
    say("task cancelled", task.cancelled())


# ---- The loop and coroutines ---------------------------------------------

@scenario
async def callback_order():
    # add_callback runs callbacks FIFO; one added from inside a callback
    # runs after those already scheduled (on the next iteration).
    loop = IOLoop.current()

    def first():
        say("first")
        loop.add_callback(say, "added by first")
    loop.add_callback(first)
    loop.add_callback(say, "second")
    loop.add_callback(say, "third")
    await turns(3)


@scenario
async def timeout_order():
    # call_later callbacks run in deadline order, not the order added;
    # remove_timeout cancels one; call_later(0) still waits for the loop.
    loop = IOLoop.current()
    loop.call_later(0.2, say, "at 0.2")
    h = loop.call_later(0.1, say, "removed")
    loop.call_later(0.05, say, "at 0.05")
    loop.call_later(0, say, "at 0")
    loop.remove_timeout(h)
    say("scheduled")
    await gen.sleep(0.3)


@scenario
async def spawn_callback_start():
    # spawn_callback(coroutine function): the coroutine's body starts one
    # iteration after the callback runs (the callback only creates the
    # task), so a plain callback added after it prints first.
    async def coro():
        say("coroutine body")
    loop = IOLoop.current()
    loop.spawn_callback(coro)
    loop.add_callback(say, "plain callback")
    say("scheduled")
    await turns(3)


@scenario
async def coroutine_lazy_start():
    # Calling a native coroutine runs nothing; convert_yielded wraps it in a
    # task that starts on the next iteration, not at once.
    async def coro():
        say("coroutine started")
        return 4
    c = coro()
    say("called")
    f = gen.convert_yielded(c)
    say("wrapped, done", f.done())
    say("result", await f)


@scenario
async def coroutine_return_error():
    # A coroutine's exception reaches whoever awaits it; a return value is
    # the await's value.
    async def ok():
        return 1

    async def bad():
        raise ValueError("boom")
    say("ok", await ok())
    try:
        await bad()
    except ValueError as e:
        err(e, message=True)


@scenario
async def sleep_order():
    # gen.sleep: sleepers wake in deadline order, not start order.
    async def sleeper(name, secs):
        await gen.sleep(secs)
        say("woke", name)
    await gen.multi([sleeper("c", 0.25), sleeper("a", 0.05),
                     sleeper("b", 0.15)])


@scenario
async def moment_pingpong():
    # yield gen.moment (in a @gen.coroutine generator: a native coroutine
    # cannot await it) gives up the loop for one iteration: two coroutines
    # taking turns interleave line by line.  A @gen.coroutine runs at once
    # when called, up to its first yield.
    @gen.coroutine
    def player(word):
        for i in range(3):
            say(word, i)
            yield gen.moment
    a = player("ping")
    say("called ping")
    b = player("pong")
    say("called pong")
    await gen.multi([a, b])


@scenario
async def multi_results_order():
    # gen.multi returns results in the list's order (or a dict by key),
    # whatever order the children finish in.
    async def after(secs, value):
        await gen.sleep(secs)
        say("finished", value)
        return value
    say("list", *await gen.multi([after(0.15, 1), after(0.05, 2)]))
    d = await gen.multi({"x": after(0.15, 3), "y": after(0.05, 4)})
    say("dict x", d["x"], "y", d["y"])


@scenario
async def multi_error():
    # gen.multi with errors waits for ALL its children, then walks them in
    # LIST order: the first failed child in the list (not the first to fail
    # in time) is what the await raises, the later ones are logged
    # ("Multiple exceptions in yield list").
    async def fail(secs, msg):
        await gen.sleep(secs)
        say("raising", msg)
        raise ValueError(msg)

    async def fine(secs):
        await gen.sleep(secs)
        say("fine finished")
    try:
        await gen.multi([fail(0.15, "a"), fail(0.05, "b"), fine(0.1)])
    except ValueError as e:
        err(e, message=True)
    await gen.sleep(0.25)
    say("end")


@scenario
async def multi_quiet_error():
    # gen.multi(quiet_exceptions=ValueError): the ValueError that loses is
    # not logged.
    async def fail(secs, msg):
        await gen.sleep(secs)
        raise ValueError(msg)
    try:
        await gen.multi([fail(0.05, "first"), fail(0.15, "second")],
                        quiet_exceptions=ValueError)
    except ValueError as e:
        err(e, message=True)
    await gen.sleep(0.25)
    say("end")


@scenario
async def with_timeout_expires():
    # gen.with_timeout: on the deadline the await raises TimeoutError, but
    # the wrapped future is not cancelled; it still completes and its result
    # can be read later.
    async def slow():
        await gen.sleep(0.2)
        say("slow finished")
        return 9
    task = gen.convert_yielded(slow())
    try:
        await gen.with_timeout(IOLoop.current().time() + 0.05, task)
    except gen.TimeoutError as e:
        err(e)
    say("task done", task.done())
    say("task result", await task)


@scenario
async def with_timeout_in_time():
    # gen.with_timeout on a future that finishes first returns its result;
    # a timedelta deadline is relative.
    import datetime

    async def quick():
        await gen.sleep(0.05)
        return 2
    say("result", await gen.with_timeout(datetime.timedelta(seconds=0.2),
                                         quick()))


@scenario
async def with_timeout_late_error():
    # A wrapped future that fails after with_timeout gave up has its error
    # logged ("Exception in Future %r after timeout"; the trace drops %r).
    async def slow_fail():
        await gen.sleep(0.2)
        raise ValueError("late")
    try:
        await gen.with_timeout(IOLoop.current().time() + 0.05, slow_fail())
    except gen.TimeoutError as e:
        err(e)
    await gen.sleep(0.3)
    say("end")


@scenario
def run_sync_timeout():
    # run_sync(timeout=...) past its deadline cancels the coroutine (it sees
    # CancelledError at its await), waits for it to finish, then raises
    # TimeoutError; the loop can run again afterwards.
    async def slow():
        try:
            await gen.sleep(0.2)
            say("slow finished")
        except asyncio.CancelledError:
            say("slow cancelled")
            raise
        finally:
            say("slow finally")
    loop = IOLoop.current()
    try:
        loop.run_sync(slow, timeout=0.05)
    except gen.TimeoutError as e:
        err(e)

    async def after():
        return 1
    say("run again", loop.run_sync(after))


@scenario
def run_sync_result():
    # run_sync returns the coroutine's value, or raises its exception; a
    # plain function returning None makes it return None at once.
    async def value():
        await turns()
        return 6

    async def boom():
        raise ValueError("boom")
    loop = IOLoop.current()
    say("result", loop.run_sync(value))
    try:
        loop.run_sync(boom)
    except ValueError as e:
        err(e, message=True)
    say("plain function returned", loop.run_sync(lambda: say("plain ran")))


# ---- Queue ---------------------------------------------------------------

@scenario
async def queue_get_handoff():
    # put_nowait with a getter waiting hands the item straight to it: the
    # queue stays empty, and the getter wakes on a later iteration.
    q = queues.Queue()
    g = q.get()
    say("getter done", g.done())
    q.put_nowait("a")
    say("after put qsize", q.qsize(), "getter done", g.done())
    say("got", await g)


@scenario
async def queue_getters_fifo():
    # Several waiting getters are served first come first served.
    q = queues.Queue()

    async def getter(k):
        say("getter", k, "got", await q.get())
    tasks = [gen.convert_yielded(getter(k)) for k in (1, 2, 3)]
    await turns()
    for item in ("a", "b", "c"):
        q.put_nowait(item)
    await gen.multi(tasks)


@scenario
async def queue_putters_fifo():
    # With a full queue, waiting putters are admitted in order: each get
    # moves the oldest putter's item in (qsize stays at maxsize) and wakes
    # that putter.
    q = queues.Queue(maxsize=1)
    q.put_nowait("a")

    async def putter(item):
        await q.put(item)
        say("put", item)
    tasks = [gen.convert_yielded(putter(x)) for x in ("b", "c", "d")]
    await turns()
    for _ in range(4):
        say("get", q.get_nowait(), "qsize", q.qsize())
        await turns()
    await gen.multi(tasks)


@scenario
async def queue_contention():
    # Two producers and two consumers on a maxsize-1 queue: the trace of
    # who puts and gets what, in order.
    q = queues.Queue(maxsize=1)

    async def producer(p):
        for i in range(3):
            await q.put("%d-%d" % (p, i))
            say("producer", p, "put", "%d-%d" % (p, i))

    async def consumer(c):
        for _ in range(3):
            say("consumer", c, "got", await q.get())
    await gen.multi([consumer(1), consumer(2), producer(1), producer(2)])


@scenario
async def queue_get_timeout():
    # get(timeout) on an empty queue raises TimeoutError at the deadline; a
    # timed-out getter is skipped, so a later put goes to the next getter.
    q = queues.Queue()

    async def getter(name, timeout):
        try:
            say(name, "got", await q.get(timeout=timeout))
        except gen.TimeoutError as e:
            err(e, who=name)
    loop = IOLoop.current()
    t1 = gen.convert_yielded(getter("first", loop.time() + 0.05))
    t2 = gen.convert_yielded(getter("second", None))
    await gen.sleep(0.15)
    q.put_nowait("x")
    say("qsize", q.qsize())
    await gen.multi([t1, t2])


@scenario
async def queue_get_cancelled():
    # A getter whose coroutine is cancelled while it waits is skipped: the
    # next put goes to the next getter, not to the cancelled one.
    q = queues.Queue()

    async def getter(name):
        try:
            say(name, "got", await q.get())
        except asyncio.CancelledError as e:
            err(e, who=name)
            raise
    t1 = gen.convert_yielded(getter("first"))
    t2 = gen.convert_yielded(getter("second"))
    await turns()
    t1.cancel()
    await turns()
    q.put_nowait("x")
    say("qsize", q.qsize())
    await t2
    say("first cancelled", t1.cancelled())


@scenario
async def queue_put_timeout():
    # put(timeout) on a full queue raises TimeoutError at the deadline and
    # the item is not added.
    q = queues.Queue(maxsize=1)
    q.put_nowait("a")
    try:
        await q.put("b", timeout=IOLoop.current().time() + 0.05)
    except gen.TimeoutError as e:
        err(e)
    say("qsize", q.qsize(), "get", q.get_nowait(), "empty", q.empty())


@scenario
async def queue_nowait_errors():
    # put_nowait on a full queue raises QueueFull; get_nowait on an empty
    # one raises QueueEmpty; neither changes the queue.
    q = queues.Queue(maxsize=1)
    try:
        q.get_nowait()
    except queues.QueueEmpty as e:
        err(e)
    q.put_nowait(1)
    try:
        q.put_nowait(2)
    except queues.QueueFull as e:
        err(e)
    say("qsize", q.qsize(), "get", q.get_nowait())


@scenario
async def queue_join():
    # join() resolves when every put item has had task_done (not when the
    # queue is empty); on a queue with no unfinished tasks it is done at once.
    q = queues.Queue()
    say("join on fresh queue done", q.join().done())
    q.put_nowait(1)
    q.put_nowait(2)
    j = q.join()
    j.add_done_callback(lambda f: say("joined"))
    q.get_nowait()
    q.get_nowait()
    say("empty", q.empty(), "join done", j.done())
    q.task_done()
    await turns()
    say("one task_done, join done", j.done())
    q.task_done()
    say("second task_done")
    await turns()


@scenario
async def queue_task_done_too_many():
    # task_done() more times than items were put raises ValueError.
    q = queues.Queue()
    q.put_nowait(1)
    q.get_nowait()
    q.task_done()
    try:
        q.task_done()
    except ValueError as e:
        err(e)


@scenario
async def queue_unbounded():
    # maxsize 0 (the default) is unbounded: puts never wait, full() is
    # never true.
    q = queues.Queue()
    for i in range(100):
        f = q.put(i)
        if i in (0, 99):
            say("put", i, "done", f.done())
    say("maxsize", q.maxsize, "qsize", q.qsize(), "full", q.full())


@scenario
async def queue_sizes():
    # qsize/empty/full as items go in and out of a maxsize-2 queue.
    q = queues.Queue(maxsize=2)

    def show(what):
        say(what, "qsize", q.qsize(), "empty", q.empty(), "full", q.full())
    show("new")
    q.put_nowait(1)
    show("put")
    q.put_nowait(2)
    show("put")
    q.get_nowait()
    show("get")
    q.get_nowait()
    show("get")


@scenario
async def queue_async_for():
    # async for over a queue yields items forever in FIFO order; the
    # consumer stops itself.
    q = queues.Queue()
    for i in range(3):
        q.put_nowait(i)
    async for item in q:
        say("item", item)
        q.task_done()
        if item == 2:
            break
    await q.join()
    say("joined")


# ---- Condition -----------------------------------------------------------

@scenario
async def condition_wait_timeout():
    # wait(timeout) resolves False at the deadline (not an error); a wait
    # that is notified resolves True.
    c = locks.Condition()
    say("timed out wait", await c.wait(timeout=IOLoop.current().time() + 0.05))
    IOLoop.current().call_later(0.05, c.notify)
    say("notified wait", await c.wait(timeout=IOLoop.current().time() + 0.2))


@scenario
async def condition_notify_fifo():
    # notify(n) wakes the n longest waiters in FIFO order, skipping waiters
    # that already timed out; notify_all wakes the rest.
    c = locks.Condition()
    loop = IOLoop.current()

    async def waiter(k, timeout=None):
        say("waiter", k, "woke", await c.wait(timeout=timeout))
    tasks = [gen.convert_yielded(waiter(1)),
             gen.convert_yielded(waiter(2, loop.time() + 0.05)),
             gen.convert_yielded(waiter(3)),
             gen.convert_yielded(waiter(4))]
    await gen.sleep(0.15)
    say("notify 2")
    c.notify(2)
    await turns()
    say("notify_all")
    c.notify_all()
    await gen.multi(tasks)


@scenario
async def condition_notify_no_waiter():
    # notify() with nobody waiting is lost: a later wait still waits.
    c = locks.Condition()
    c.notify()
    say("notified nobody")
    say("wait", await c.wait(timeout=IOLoop.current().time() + 0.05))


# ---- Event ---------------------------------------------------------------

@scenario
async def event_set_clear():
    # set() wakes every waiter and makes later waits return at once;
    # clear() makes wait block again. Which waiter wakes first is not
    # Tornado's promise (its Event keeps them in a set, in the order of
    # their addresses), so the trace says which woke, in number order.
    e = locks.Event()
    woke = []

    async def waiter(k):
        await e.wait()
        woke.append(k)
    tasks = [gen.convert_yielded(waiter(k)) for k in (1, 2)]
    await turns()
    say("is_set", e.is_set())
    e.set()
    say("set")
    await gen.multi(tasks)
    say("woke", *sorted(woke))
    say("wait after set done", e.wait().done())
    e.clear()
    say("is_set after clear", e.is_set(), "wait done", e.wait().done())


@scenario
async def event_wait_timeout():
    # Event.wait(timeout) raises TimeoutError at the deadline (unlike
    # Condition.wait, which resolves False).
    e = locks.Event()
    try:
        await e.wait(timeout=IOLoop.current().time() + 0.05)
    except gen.TimeoutError as ex:
        err(ex)
    say("is_set", e.is_set())


# ---- Semaphore and Lock --------------------------------------------------

@scenario
async def semaphore_handoff():
    # release() hands the slot to the oldest waiter: a later acquire does
    # not barge in, waiters run FIFO.
    s = locks.Semaphore(1)
    await s.acquire()

    async def worker(k):
        async with s:
            say("worker", k, "in")
            await turns()
            say("worker", k, "out")
    tasks = [gen.convert_yielded(worker(k)) for k in (1, 2, 3)]
    await turns()
    s.release()
    late = s.acquire()
    say("late acquire done", late.done())
    await gen.multi(tasks)
    await late
    say("late acquired")


@scenario
async def semaphore_acquire_timeout():
    # acquire(timeout) raises TimeoutError at the deadline and takes nothing:
    # the next release goes to whoever comes next.
    s = locks.Semaphore(0)
    try:
        await s.acquire(timeout=IOLoop.current().time() + 0.05)
    except gen.TimeoutError as e:
        err(e)
    s.release()
    await s.acquire()
    say("acquired after release")


@scenario
async def semaphore_counts():
    # Semaphore(2): two acquires succeed at once, the third waits; a
    # negative initial value is a ValueError; BoundedSemaphore released
    # above its initial value is a ValueError.
    s = locks.Semaphore(2)
    say("acquire done", s.acquire().done(), s.acquire().done(),
        s.acquire().done())
    try:
        locks.Semaphore(-1)
    except ValueError as e:
        err(e)
    b = locks.BoundedSemaphore(1)
    await b.acquire()
    b.release()
    try:
        b.release()
    except ValueError as e:
        err(e)


@scenario
async def lock_fifo():
    # Lock: holders take turns in FIFO order with async with.
    lock = locks.Lock()

    async def worker(k):
        async with lock:
            say("worker", k, "locked")
            await turns()
            say("worker", k, "unlocking")
    await gen.multi([worker(k) for k in (1, 2, 3)])


@scenario
async def lock_errors():
    # Releasing an unlocked Lock raises RuntimeError; acquire(timeout) on a
    # held lock raises TimeoutError.
    lock = locks.Lock()
    try:
        lock.release()
    except RuntimeError as e:
        err(e)
    await lock.acquire()
    try:
        await lock.acquire(timeout=IOLoop.current().time() + 0.05)
    except gen.TimeoutError as e:
        err(e)
    lock.release()
    say("acquire after release done", lock.acquire().done())


def main(argv):
    if argv == ["--list"]:
        for name in SCENARIOS:
            print(name)
        return 0
    if argv in (["--help"], ["-h"]):
        print(__doc__)
        return 0
    if len(argv) != 1 or argv[0] not in SCENARIOS:
        print("usage: semantics.py NAME | --list | --help", file=sys.stderr)
        return 2
    fn = SCENARIOS[argv[0]]
    if asyncio.iscoroutinefunction(fn):
        IOLoop.current().run_sync(fn)
    else:
        fn()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
