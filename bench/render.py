#!/usr/bin/env python3
"""Turns the reports of one bench/run.sh run into the markdown section of docs/benchmarks.md
between <!-- bench:begin --> and <!-- bench:end --> (other sections of the file are kept).
Without --doc it prints the section."""
import argparse
import json
import os
import platform
import re
import subprocess

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def load(reports, name):
    path = os.path.join(reports, name, "report.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def n(v):
    return f"{v:,.0f}"


def ms(v):
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip()
    except OSError:
        return ""


def met(ok):
    return "**met**" if ok else "**not met**"


def checks_of(r):
    bad = [f"{k}: {v}" for k, v in r["checks"].items() if v != "ok"]
    return "all ok" if not bad else "; ".join(bad)


def targets(reports, commands):
    rows = []

    def cmd(name):
        return f"`{commands.get(name, '?')}`"

    sat = load(reports, "fanout-saturation")
    if sat:
        d = sat["rates"]["deliveriesPerSec"]
        rows.append(("fanout, 1 collection x 1,000 subscribers, ~100 B: >= 2 M deliveries/s "
                     "at saturation", f"{n(d)} deliveries/s (closed loop)", met(d >= 2e6),
                     cmd("fanout-saturation")))
    half = load(reports, "fanout-half")
    if half:
        p99 = half["latencies"]["fanout"]["p99"]
        rows.append(("fanout: p99 fan-out latency <= 5 ms at half of saturation",
                     f"p99 {ms(p99)} ms at {n(half['rates']['deliveriesPerSec'])} "
                     f"deliveries/s (open loop, {n(half['parameters']['rate'])} writes/s)",
                     met(p99 <= 5), cmd("fanout-half")))
    ws = load(reports, "writes-saturation")
    if ws:
        a = ws["rates"]["acksPerSec"]
        rows.append(("writes, embedded, 50 writers over 10 collections: >= 100k acked durable "
                     "writes/s", f"{n(a)} acked writes/s (closed loop, SQLite synchronous=FULL)",
                     met(a >= 1e5), cmd("writes-saturation")))
    wh = load(reports, "writes-half")
    if wh:
        p99 = wh["latencies"]["ack"]["p99"]
        rows.append(("writes, embedded: p99 ack <= 10 ms at half of saturation",
                     f"p99 {ms(p99)} ms at {n(wh['rates']['acksPerSec'])} acked writes/s "
                     "(open loop)", met(p99 <= 10), cmd("writes-half")))
    cw = load(reports, "cluster-writes-saturation")
    if cw:
        a = cw["rates"]["acksPerSec"]
        rows.append(("writes, cluster (1 gateway, 1 worker, Redis appendfsync everysec): "
                     ">= 40k acked writes/s", f"{n(a)} acked writes/s (closed loop)",
                     met(a >= 4e4), cmd("cluster-writes-saturation")))
    c = load(reports, "connections")
    if c:
        per = c["results"].get("heapPerConnectionBytes", -1)
        conns = c["results"].get("connections", 0)
        rows.append(("connections: <= 8 KiB of server heap per idle connection at 10,000",
                     f"{per / 1024:.1f} KiB per connection at {n(conns)} connections "
                     f"(heap after a forced full GC, each connection subscribed to one "
                     f"collection)" if per >= 0 else "not measured",
                     met(0 <= per <= 8192), cmd("connections")))
    cu = load(reports, "catchup-1")
    if cu:
        rate = cu["results"].get("recordsPerSec", 0)
        recs = cu["parameters"].get("records", 0)
        rows.append((f"catchup: >= 100k records/s delivered to a fresh subscriber of a "
                     f"1 M-record collection",
                     f"{n(rate)} records/s ({n(recs)} records, "
                     f"{cu['results'].get('stormSeconds', 0)} s)", met(rate >= 1e5),
                     cmd("catchup-1")))
    return rows


ORDER = ["fanout-saturation", "fanout-half", "writes-saturation", "writes-half", "connections",
         "catchup-1", "catchup-10", "cluster-writes-saturation", "cluster-fanout-saturation"]


def runs_table(reports):
    lines = ["| run | mode | writes acked/s | deliveries/s | catch-up items/s | ack p50 / p99 / "
             "p99.9 ms | fan-out p50 / p99 / p99.9 ms | server CPU | server CPU per op | "
             "generator CPU | checks |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    names = [x for x in ORDER if os.path.isdir(os.path.join(reports, x))]
    names += sorted(x for x in os.listdir(reports) if x not in ORDER)
    for name in names:
        r = load(reports, name)
        if not r:
            continue
        p = r["parameters"]
        mode = p.get("mode", "")
        if r["scenario"] in ("connections", "catchup"):
            mode = f"{n(p.get('connections', p.get('subscribers', 0)))} clients" \
                if r["scenario"] == "connections" else f"{n(p.get('subscribers', 0))} " \
                f"subscriber(s) from {n(p.get('since', 0))}"
        elif mode == "open-loop":
            mode += f" {n(p.get('rate', 0))}/s"
        elif mode == "closed-loop":
            mode += f" x{p.get('inflight')}"
        a = r["latencies"]["ack"]
        f = r["latencies"]["fanout"]
        res = r["results"]
        per = []
        if "serverCpuMicrosPerAckedWrite" in res:
            per.append(f"{res['serverCpuMicrosPerAckedWrite']} us/write")
        if "serverCpuMicrosPerDelivery" in res:
            per.append(f"{res['serverCpuMicrosPerDelivery']} us/delivery")
        lat = (lambda l: f"{ms(l['p50'])} / {ms(l['p99'])} / {ms(l['p999'])}"
               if l["count"] else "-")
        lines.append(f"| {name} | {mode} | {n(r['rates']['acksPerSec'])} | "
                     f"{n(r['rates']['deliveriesPerSec'])} | "
                     f"{n(r['rates']['catchupItemsPerSec'])} | {lat(a)} | {lat(f)} | "
                     f"{res.get('serverCpuPercent', '-')}% | {', '.join(per) or '-'} | "
                     f"{res.get('loaderCpuPercent', '-')}% | {checks_of(r)} |")
    return lines


def section(args):
    commands = {}
    with open(args.commands) as f:
        for line in f:
            if "\t" in line:
                k, v = line.rstrip("\n").split("\t", 1)
                commands[k] = v
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("free -g | awk '/Mem:/{print $2}'")
    java = sh("java -version 2>&1 | head -1")
    rev = sh(f"git -C {os.path.dirname(os.path.abspath(__file__))}/.. rev-parse --short HEAD")
    redis = sh("redis-server --version 2>/dev/null | cut -d' ' -f3")
    out = [BEGIN, "", "## Measured figures (generated by `bench/run.sh`)", "",
           f"Run {args.started} at commit `{rev}` on {os.cpu_count()} cores ({cpu}), "
           f"{mem} GiB, {java}, {platform.system()} {platform.release()}"
           + (f", Redis {redis}" if redis else "") + ". "
           f"The load generator runs on the same machine as the server; the machine is shared "
           f"with other work, so the load average is given (1/5/15 min) before: "
           f"{args.load_before}, after: {args.load_after}. Server: `java -Xms1g -Xmx2g -jar "
           f"sync-server.jar` with `limits.maxWritesPerSecond` raised to 1,000,000 (the "
           f"per-connection limit would otherwise cap the writers), SQLite `synchronous=FULL`, "
           f"WebSocket compression off. Each run warms up 10 s (JIT of both JVMs) and measures "
           f"20 s unless its command says otherwise; the half-rate runs warm up 40 s, so that "
           f"the server's first pings (30 s after a socket connects) fall before the measured "
           f"window (item 27 below). CPU is process CPU time (user + system, "
           f"from /proc) over the measured window: 100% is one core; in cluster mode it is the "
           f"gateway, worker and Redis processes together.", ""]
    probes = [(when, json.loads(p)) for when, p in (("before", args.probe_before),
                                                     ("after", args.probe_after)) if p]
    if probes:
        out += ["Machine probe (`bench/probe.py`; the host's speed drifts, item 31): " + "; ".join(
            f"{when}: CPU loop {p['cpuLoopMs']} ms, loopback round trip p50 {p['rttP50Us']} / "
            f"p99 {p['rttP99Us']} us, {p['sendCpuUs']} us of CPU per loopback send, 4 KiB "
            f"fsync p50 {p['fsyncP50Ms']} / p99 {p['fsyncP99Ms']} ms" for when, p in probes)
            + ".", ""]
    if args.note:
        out += [f"Note: {args.note}.", ""]
    rows = targets(args.reports, commands)
    out += ["### Targets of issue 6", "", "| target | measured | | command |", "|---|---|---|---|"]
    for t, m, ok, c in rows:
        out.append(f"| {t} | {m} | {ok} | {c} |")
    out += ["", "### Every run", ""] + runs_table(args.reports)
    out += ["", "Latencies are from the time a write was due (open loop) or sent (closed loop); "
            "fan-out latency is one sample per delivered change. Catch-up items are records "
            "sent in `changes` pages (reconnects, slow consumers).", ""]
    out += ["### Commands", "", "Each with `--server-pid <pid>` (CPU and forced GC) and "
            "`--report-dir <dir>`; the tool writes report.json, report.html and summary.txt "
            "there.", "", "```"]
    for k, v in commands.items():
        out.append(f"# {k}")
        out.append(v)
    out += ["```", "", END]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", required=True)
    ap.add_argument("--commands", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--started", default="")
    ap.add_argument("--load-before", default="")
    ap.add_argument("--load-after", default="")
    ap.add_argument("--probe-before", default="")
    ap.add_argument("--probe-after", default="")
    ap.add_argument("--note", default="")
    ap.add_argument("--server-jar", default="")
    args = ap.parse_args()
    text = section(args)
    if not args.doc:
        print(text)
        return
    doc = open(args.doc).read() if os.path.exists(args.doc) else "# Benchmarks\n\n"
    if BEGIN in doc and END in doc:
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END) + "\n?", lambda m: text, doc,
                     flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    with open(args.doc, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
