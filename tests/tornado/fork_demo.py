#!/usr/bin/python3
"""fork_demo.py - tornado.process.fork_processes in the scenarios of
tests/unit/process_test.c, for chapter 6: which task ids run, how often,
and how the parent ends. Prints the trace (stdout: the children's lines,
sorted, then "exit N" for the parent), as tests/06-modules.bats compares.

    fork_demo.py tasks          3 children print "task T", exit 0
    fork_demo.py restart DIR    task 1 exits 3 once (a marker in DIR), is
                                restarted, then exits 0
    fork_demo.py give_up        every child exits 1; max_restarts=2
"""
import os
import subprocess
import sys

import tornado.process


def say(line):
    """One write() per line: siblings' lines never interleave."""
    os.write(1, (line + "\n").encode())


def child(scenario, arg):
    if scenario == "tasks":
        task = tornado.process.fork_processes(3)
        say("task %d" % task)
        sys.exit(0)
    if scenario == "restart":
        task = tornado.process.fork_processes(2)
        say("task %d started" % task)
        if task == 1:
            try:
                os.close(os.open(os.path.join(arg, "failed-once"),
                                 os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                sys.exit(0)
            os._exit(3)
        sys.exit(0)
    if scenario == "give_up":
        tornado.process.fork_processes(2, max_restarts=2)
        os._exit(1)
    sys.exit(2)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    # The parent of the scenario runs in a subprocess, so that its exit
    # status (Tornado's sys.exit(0), or the RuntimeError) can be printed.
    run = subprocess.run([sys.executable, __file__, "--child"] + sys.argv[1:],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    lines = sorted(l for l in run.stdout.splitlines() if l.startswith("task"))
    if sys.argv[1] == "give_up":
        lines = []  # how many runs fail before the parent gives up varies
    for line in lines:
        print(line)
    print("exit %d" % run.returncode)


if __name__ == "__main__":
    main()
