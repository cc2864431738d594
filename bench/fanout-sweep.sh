#!/usr/bin/env bash
# Fan-out latency against rate, on one embedded server: prints the markdown table of
# docs/benchmarks.md item 23 (the latency floor below half rate).
#
#   bench/fanout-sweep.sh                      rates 1459 1000 700 350 100 20 writes/s
#   bench/fanout-sweep.sh 2000 500 50          other rates, in the order given
#   bench/fanout-sweep.sh --jar other.jar ...  another server build
#
# The server is started as bench/run.sh starts it (-Xms1g -Xmx2g, per-connection write limit
# raised), warmed by a closed-loop fan-out run (WARMUP_RUN, default 15s), then each rate runs
# open loop with 1,000 subscribers (WARMUP default 5s, DURATION default 15s). Build first
# (bench/run.sh builds; or mvn package). Everything it starts is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SERVER_JAR="$ROOT/sync-server/target/sync-server.jar"
LOAD_JAR="$ROOT/load-test/target/load-test.jar"
RATES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) SERVER_JAR="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    [0-9]*) RATES+=("$1"); shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#RATES[@]} -gt 0 ] || RATES=(1459 1000 700 350 100 20)
WARMUP="${WARMUP:-5s}"
DURATION="${DURATION:-15s}"
WARMUP_RUN="${WARMUP_RUN:-15s}"
[ -f "$SERVER_JAR" ] || { echo "no server jar at $SERVER_JAR" >&2; exit 1; }
[ -f "$LOAD_JAR" ] || { echo "no load-test jar at $LOAD_JAR" >&2; exit 1; }

WORK="$(mktemp -d /tmp/livesync-sweep.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# free_port, wait_ready
. "$ROOT/bench/lib.sh"
PORT=$(free_port)
echo '{"limits": {"maxWritesPerSecond": 1000000}}' > "$WORK/bench.json"
SYNC_PORT=$PORT SYNC_DATA_DIR="$WORK/data" java -Xms1g -Xmx2g -jar "$SERVER_JAR" \
  --config "$WORK/bench.json" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_ready "$PORT"

fanout() { # report-dir args...
  local dir="$1"; shift
  java -jar "$LOAD_JAR" fanout --subscribers 1000 --writers 1 --collections 1 "$@" \
    --url "ws://127.0.0.1:$PORT" --server-pid "$SERVER_PID" --quiet --report-dir "$dir" \
    > /dev/null
}

echo "warming the server: closed loop x256 for $WARMUP_RUN" >&2
fanout "$WORK/warm" --closed-loop --inflight 256 --warmup 5s --duration "$WARMUP_RUN"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| writes/s | deliveries/s | server us/delivery | server CPU | generator CPU | fan-out p50 / p99 ms | ack p50 / p99 ms | checks |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|"
for rate in "${RATES[@]}"; do
  fanout "$WORK/r$rate" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION"
  python3 - "$WORK/r$rate/report.json" "$rate" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
f, a, res = r['latencies']['fanout'], r['latencies']['ack'], r['results']
bad = sorted(k for k, v in r['checks'].items() if v != 'ok')
print('| %s | %s | %.2f | %d%% | %d%% | %.1f / %.1f | %.1f / %.1f | %s |' % (
    f"{int(sys.argv[2]):,}", f"{round(r['rates']['deliveriesPerSec']):,}",
    res['serverCpuMicrosPerDelivery'], res['serverCpuPercent'], res['loaderCpuPercent'],
    f['p50'], f['p99'], a['p50'], a['p99'], 'all ok' if not bad else 'failed: ' + ', '.join(bad)))
PY
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
