#!/usr/bin/env python3
"""Test child for tests/run_supervision.rs (a stand-in for a render, not a render).

Writes with os.write on fds 1 and 2 so the order of stdout and stderr bytes in the shared
log file is exactly the order of the calls.
"""
import os
import signal
import subprocess
import sys
import time


def out(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]


def main():
    mode = sys.argv[1]
    if mode == "mixed":
        out(1, b"out1\n")
        out(2, b"err1\r\n")
        out(1, b"\rp1\rp2\r")
        out(2, b"done")
    elif mode == "bigline":
        total = int(sys.argv[2])
        block = b"x" * (1 << 20)
        while total > 0:
            out(1, block[: min(total, len(block))])
            total -= len(block)
        out(1, b"\n\xff\xfebad\nafter\n")
    elif mode == "flood":
        total = int(sys.argv[2])
        line = b"y" * 99 + b"\n"
        block = line * 10000
        written = 0
        while written < total:
            out(1, block)
            written += len(block)
    elif mode == "args":
        for a in sys.argv[2:]:
            out(1, a.encode() + b"\n")
    elif mode == "env":
        out(1, ("cwd=%s\n" % os.getcwd()).encode())
        for k in sorted(os.environ):
            out(1, ("%s=%s\n" % (k, os.environ[k])).encode())
    elif mode == "exit":
        sys.exit(int(sys.argv[2]))
    elif mode == "sleep":
        time.sleep(float(sys.argv[2]))
    elif mode == "tree":
        # Two helpers that ignore SIGTERM, like a licence tool or a stuck renderer thread.
        kids = [subprocess.Popen([sys.executable, __file__, "stubborn", sys.argv[2]]) for _ in range(2)]
        deadline = time.time() + 20
        while time.time() < deadline:
            ready = [os.path.exists("%s.%d" % (sys.argv[2], k.pid)) for k in kids]
            if all(ready):
                break
            time.sleep(0.01)
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write(" ".join(str(k.pid) for k in kids))
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])
        time.sleep(1000)
    elif mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        open("%s.%d" % (sys.argv[2], os.getpid()), "w").close()
        time.sleep(1000)
    else:
        sys.exit("unknown mode %r" % mode)


if __name__ == "__main__":
    main()
