#!/usr/bin/env python3
"""Summarises a JFR recording's CPU samples (Java and non-waiting native frames): the hottest top frames and the hottest frames
anywhere in the stack (inclusive), as percentages of jdk.ExecutionSample events.

usage: bench/jfr-top.py recording.jfr [N]
"""
import collections
import subprocess
import sys


IDLE = ("epollWait", "EPoll.wait", "doSelect", "Unsafe.park", "Object.wait", "Thread.sleep", "accept",
        "poll0", "select", "socketRead", "SocketDispatcher.read")


def frames_of(jfr, event):
    out = subprocess.run(["jfr", "print", "--events", event, "--stack-depth",
                          "64", jfr], capture_output=True, text=True, check=True).stdout
    stack = None
    for line in out.splitlines():
        s = line.strip()
        if s.startswith(event):
            stack = []
        elif s.startswith("stackTrace = ["):
            continue
        elif stack is not None and s.startswith("]"):
            yield stack
            stack = None
        elif stack is not None and "line:" in s:
            stack.append(s.split("  line:")[0].split("(")[0])


def main():
    jfr = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    top = collections.Counter()
    incl = collections.Counter()
    total = 0
    stacks = list(frames_of(jfr, "jdk.ExecutionSample"))
    # threads inside native code (SQLite's JNI calls, socket writes) are sampled separately;
    # count them unless they are waiting (epoll, park, sleep, blocking reads)
    for stack in frames_of(jfr, "jdk.NativeMethodSample"):
        if stack and not any(k in stack[0] for k in IDLE):
            stacks.append(stack)
    for stack in stacks:
        if not stack:
            continue
        total += 1
        top[stack[0]] += 1
        for f in set(stack):
            incl[f] += 1
    print(f"{total} samples (Java code, and native code that is not waiting) in {jfr}")
    print(f"\ntop frames (self time), top {n}:")
    for f, c in top.most_common(n):
        print(f"  {100.0 * c / total:5.1f}%  {f}")
    print(f"\ninclusive (frame anywhere in the stack), livesync and hot Vert.x/Netty/Jackson:")
    shown = 0
    for f, c in incl.most_common():
        if any(k in f for k in ("livesync", "writeTextMessage", "writeFrame", "flush",
                                "writeAndFlush", "Jackson", "jackson", "sqlite", "Sqlite",
                                "eventbus", "EventBus", "encode", "Codec", "Micrometer",
                                "micrometer", "WebSocket", "SocketChannel", "write0", "writev")):
            print(f"  {100.0 * c / total:5.1f}%  {f}")
            shown += 1
            if shown >= n:
                break


if __name__ == "__main__":
    main()
