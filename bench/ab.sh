#!/usr/bin/env bash
# Compares two server builds on the embedded writes scenario, in interleaved runs (A, B, A, B,
# ...), each on a fresh server: on a shared machine whose speed drifts by 30% in an hour, only
# interleaved pairs and CPU per write compare builds (docs/benchmarks.md items 28 and 30).
#
#   bench/ab.sh A.jar B.jar                    3 pairs, closed loop x32 (saturation)
#   bench/ab.sh --rate 13000 A.jar B.jar       open loop at 13,000 writes/s
#   bench/ab.sh --pairs 5 --java-b '-Dx=1' A.jar B.jar
#                                              extra JVM options for B's server (also --java-a)
#
# Each run: the server as bench/run.sh starts it (-Xms1g -Xmx2g, write limit raised), 50 writers
# over 10 collections with 10 subscribers, WARMUP (default 10s closed loop, 40s open loop: the
# server's first pings come 30 s after connecting, item 27) then DURATION (default 20s). Prints
# one line per run: acked writes/s, ack p50 and p99, server CPU per acked write, the CPU of the
# server's threads over DURATION (SQLite writer, SQLite readers, event loops, the rest), and
# bench/probe.py's CPU loop (ms) before and after the run, then the mean of each column per
# build. The host's speed drifts (item 31): a pair whose probes differ by much compares hosts,
# not builds. Build the jars first; everything started is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/bench/lib.sh"
LOAD_JAR="$ROOT/load-test/target/load-test.jar"
PAIRS=3
RATE=""
JAVA_A=""
JAVA_B=""
JARS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --java-a) JAVA_A="$2"; shift 2 ;;
    --java-b) JAVA_B="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) JARS+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift ;;
  esac
done
[ ${#JARS[@]} -eq 2 ] || { echo "usage: bench/ab.sh [options] A.jar B.jar (see --help)" >&2; exit 2; }
for j in "${JARS[@]}" "$LOAD_JAR"; do
  [ -f "$j" ] || { echo "no jar at $j" >&2; exit 1; }
done
if [ -n "$RATE" ]; then
  LOAD=(--rate "$RATE")
  WARMUP="${WARMUP:-40s}"
else
  LOAD=(--closed-loop --inflight 32)
  WARMUP="${WARMUP:-10s}"
fi
DURATION="${DURATION:-20s}"
seconds() { local v=$1; case "$v" in *s) echo "${v%s}" ;; *m) echo $(( ${v%m} * 60 )) ;; *) echo "$v" ;; esac; }
SECS=$(seconds "$DURATION")
HZ=$(getconf CLK_TCK)

WORK="$(mktemp -d /tmp/livesync-ab.XXXXXX)"
SERVER_PID=""
LOAD_PID=""
cleanup() {
  for p in $LOAD_PID $SERVER_PID; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
echo '{"limits": {"maxWritesPerSecond": 1000000}}' > "$WORK/bench.json"

# Which of the server's threads is which (the kernel's thread names stop at 15 characters):
# "tid group" lines from the JVM's own thread names; threads not listed count as "other".
thread_groups() {
  jcmd "$SERVER_PID" Thread.print 2>/dev/null | awk '
  function hex(h,   i, v) { v = 0; h = tolower(substr(h, 3))
    for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return v }
  /^"/ {
    name = $0; sub(/^"/, "", name); sub(/".*/, "", name)
    if (!match($0, / nid=[0-9a-fx]+/)) next
    nid = substr($0, RSTART + 5, RLENGTH - 5)
    tid = (nid ~ /^0x/) ? hex(nid) : nid
    if (name ~ /^livesync-sqlite-writer/) print tid, "writer"
    else if (name ~ /^livesync-sqlite-reader/) print tid, "readers"
    else if (name ~ /^vert\.x-eventloop/) print tid, "loops"
  }' > "$WORK/groups"
}

# CPU ticks of the server's threads, by group: writer readers loops other
thread_ticks() {
  local t
  for t in /proc/"$SERVER_PID"/task/*; do
    awk -v tid="${t##*/}" '{ sub(/.*\) /, ""); print tid, $12 + $13 }' "$t/stat" 2>/dev/null || true
  done | awk 'NR == FNR { g[$1] = $2; next }
    { grp = ($1 in g) ? g[$1] : "other"; s[grp] += $2 }
    END { print s["writer"] + 0, s["readers"] + 0, s["loops"] + 0, s["other"] + 0 }' "$WORK/groups" -
}

run() { # label jar java-options
  local label=$1 jar=$2 opts=$3 port dir probe0 probe1
  probe0=$(python3 "$ROOT/bench/probe.py" --cpu)
  port=$(free_port)
  dir="$WORK/$label"
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # the options are words
  SYNC_PORT=$port SYNC_DATA_DIR="$dir/data" java -Xms1g -Xmx2g $opts -jar "$jar" \
    --config "$WORK/bench.json" > "$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$port"
  java -jar "$LOAD_JAR" writes --writers 50 --collections 10 --subscribers 10 "${LOAD[@]}" \
    --warmup "$WARMUP" --duration "$DURATION" --url "ws://127.0.0.1:$port" \
    --server-pid "$SERVER_PID" --report-dir "$dir/report" > "$dir/load.log" 2>&1 &
  LOAD_PID=$!
  sleep "$(seconds "$WARMUP")"
  local before after
  thread_groups
  before=$(thread_ticks)
  sleep "$SECS"
  after=$(thread_ticks)
  wait "$LOAD_PID" || true
  LOAD_PID=""
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  probe1=$(python3 "$ROOT/bench/probe.py" --cpu)
  local report="$dir/report/report.json"
  [ -f "$report" ] || { echo "$label: no report (see $dir/load.log)" >&2; return 1; }
  python3 - "$report" "$label" "$HZ" "$SECS" "$before" "$after" "$probe0" "$probe1" <<'PY' \
    | tee -a "$WORK/rows"
import json, sys
r = json.load(open(sys.argv[1]))
label, hz, secs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
before, after = map(int, sys.argv[5].split()), map(int, sys.argv[6].split())
ack = r['latencies']['ack']
threads = ''.join(' %7.0f%%' % ((e - b) * 100 / hz / secs) for b, e in zip(before, after))
print('%-6s %9d %8.1f %8.1f %8.2f%s %8s %8s' % (label, round(r['rates']['acksPerSec']),
      ack['p50'], ack['p99'], r['results']['serverCpuMicrosPerAckedWrite'], threads,
      sys.argv[7], sys.argv[8]))
PY
}

echo "A = ${JARS[0]} ${JAVA_A}"
echo "B = ${JARS[1]} ${JAVA_B}"
echo "load: writes, 50 writers x 10 collections, ${LOAD[*]}, warm-up $WARMUP, measured $DURATION"
printf '%-6s %9s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n' run "writes/s" "p50 ms" "p99 ms" \
  "us/write" writer readers loops other "probe0" "probe1"
for i in $(seq 1 "$PAIRS"); do
  run "A$i" "${JARS[0]}" "$JAVA_A"
  run "B$i" "${JARS[1]}" "$JAVA_B"
done
for b in A B; do
  awk -v b="$b" 'substr($1, 1, 1) == b { n++; for (i = 2; i <= NF; i++) { gsub(/%/, "", $i); s[i] += $i } }
    END { printf "%-6s", "mean " b; for (i = 2; i <= 11; i++) printf (i < 6 || i > 9 ? " %8.1f" : " %7.0f%%"), s[i] / n; print "" }' "$WORK/rows"
done
