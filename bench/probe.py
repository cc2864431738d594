#!/usr/bin/env python3
"""Measures the machine on what the load-test figures depend on, so that runs on different days
(the same VM kind lands on different host CPUs) can be told apart from changes in the code:

  cpu      a fixed pure-Python loop (ms; lower is a faster core)
  rtt      loopback TCP round trip of one byte between two processes (p50 / p99 us)
  send     process CPU per 100-byte loopback TCP send, the receiver draining (us)
  fsync    write and fsync of a 4 KiB append in DIR (p50 / p99 ms)

  bench/probe.py [DIR]        prints one JSON object; takes about 2 s
  bench/probe.py --cpu        prints the cpu figure alone (about 0.3 s)

The host's speed is not constant: on 2026-12-06 the cpu figure of consecutive probes flipped
between about 57 and 88 ms (docs/benchmarks.md, item 31), so a probe before and after a run
shows whether the run straddled such a change.
"""
import json
import os
import socket
import statistics
import sys
import tempfile
import time

ROUND_TRIPS = 5_000
SENDS = 100_000
FSYNCS = 300


def cpu_loop_ms():
    """The fastest of three runs of a fixed loop."""
    return min(loop_ms() for _ in range(3))


def loop_ms():
    t = time.perf_counter()
    x = 0
    for i in range(2_000_000):
        x += i & 7
    return (time.perf_counter() - t) * 1000


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * p))]


def listener():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    return srv


def connected(srv):
    c = socket.create_connection(srv.getsockname())
    s, _ = srv.accept()
    for sock in (c, s):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c, s


def in_child(work):
    """Runs work() in a forked child; returns its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            work()
        finally:
            os._exit(0)
    return pid


def round_trips():
    srv = listener()
    c, s = connected(srv)

    def echo():
        c.close()
        while True:
            b = s.recv(1)
            if not b:
                return
            s.sendall(b)

    pid = in_child(echo)
    s.close()
    samples = []
    for i in range(ROUND_TRIPS):
        t = time.perf_counter_ns()
        c.sendall(b"x")
        c.recv(1)
        if i >= 500:  # warm-up
            samples.append((time.perf_counter_ns() - t) / 1000)
    c.close()
    srv.close()
    os.waitpid(pid, 0)
    return pct(samples, 0.5), pct(samples, 0.99)


def send_cost_us():
    srv = listener()
    c, s = connected(srv)

    def drain():
        c.close()
        while s.recv(1 << 16):
            pass

    pid = in_child(drain)
    s.close()
    msg = b"m" * 100
    t = time.process_time()
    for _ in range(SENDS):
        c.send(msg)
    used = time.process_time() - t
    c.close()
    srv.close()
    os.waitpid(pid, 0)
    return used / SENDS * 1e6


def fsyncs(directory):
    fd, path = tempfile.mkstemp(dir=directory, prefix="probe-")
    try:
        block = b"\0" * 4096
        samples = []
        for _ in range(FSYNCS):
            t = time.perf_counter_ns()
            os.write(fd, block)
            os.fsync(fd)
            samples.append((time.perf_counter_ns() - t) / 1e6)
        return statistics.median(samples), pct(samples, 0.99)
    finally:
        os.close(fd)
        os.unlink(path)


def main():
    if sys.argv[1:] == ["--cpu"]:
        print(round(cpu_loop_ms(), 1))
        return
    directory = sys.argv[1] if len(sys.argv) > 1 else tempfile.gettempdir()
    rtt = round_trips()
    f = fsyncs(directory)
    print(json.dumps({
        "cpuLoopMs": round(cpu_loop_ms(), 1),
        "rttP50Us": round(rtt[0], 1),
        "rttP99Us": round(rtt[1], 1),
        "sendCpuUs": round(send_cost_us(), 2),
        "fsyncP50Ms": round(f[0], 3),
        "fsyncP99Ms": round(f[1], 3),
    }))


if __name__ == "__main__":
    main()
