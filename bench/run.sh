#!/usr/bin/env bash
# Benchmarks the server with the load-test tool and regenerates the section of
# docs/benchmarks.md between <!-- bench:begin --> and <!-- bench:end -->.
#
#   bench/run.sh                   everything: embedded, then cluster (when redis-server is installed)
#   bench/run.sh --only fanout,writes      a subset: fanout writes connections catchup cluster
#   bench/run.sh --jar other.jar --no-docs compare another server build without touching the docs
#
# Sized for a 2-core machine shared with the load generator: 6 to 9 minutes in all.
# Every process it starts is stopped on exit (trap), and its temporary directory removed.
# Environment: CATCHUP_RECORDS (default 1000000), CONNECTIONS (10000), WARMUP (10s), DURATION
# (20s) for a quick smoke run, HALF_WARMUP (40s: the warm-up of the half-rate latency runs,
# longer than the server's 30 s ping interval), FANOUT_INFLIGHT (256: writes in flight in the
# fan-out saturation runs), KEEP_REPORTS=dir to keep every report (JSON, HTML, text) after the
# run.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SERVER_JAR="$ROOT/sync-server/target/sync-server.jar"
LOAD_JAR="$ROOT/load-test/target/load-test.jar"
ONLY="fanout,writes,connections,catchup,cluster"
DOCS=1
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --jar) SERVER_JAR="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --no-docs) DOCS=0; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
CATCHUP_RECORDS="${CATCHUP_RECORDS:-1000000}"
CONNECTIONS="${CONNECTIONS:-10000}"
WARMUP="${WARMUP:-10s}"
# The server pings each socket 30 s after it connected. The first pong frames a JVM decodes take
# a branch its JIT compiled away: the C2 code of Netty's frame decoder is thrown out and the
# event loops run interpreted code for a moment, a latency spike of 60 to 240 ms at half rate
# (docs/benchmarks.md, item 27). A half-rate run measures steady state, so its warm-up outlasts
# the first pings.
HALF_WARMUP="${HALF_WARMUP:-40s}"
DURATION="${DURATION:-20s}"
FANOUT_INFLIGHT="${FANOUT_INFLIGHT:-256}"

if [ "$BUILD" = 1 ]; then
  echo "== building (mvn -o install -DskipTests, load-test package)"
  (cd "$ROOT" && mvn -o -q -B install -DskipTests && mvn -o -q -B -f load-test/pom.xml package -DskipTests)
fi
[ -f "$SERVER_JAR" ] || { echo "no server jar at $SERVER_JAR" >&2; exit 1; }
[ -f "$LOAD_JAR" ] || { echo "no load-test jar at $LOAD_JAR" >&2; exit 1; }

WORK="$(mktemp -d /tmp/livesync-bench.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  if [ -n "${KEEP_REPORTS:-}" ]; then
    mkdir -p "$KEEP_REPORTS" && cp -r "$WORK"/reports/. "$KEEP_REPORTS"/ 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
mkdir -p "$WORK/reports"

# free_port, wait_ready
. "$ROOT/bench/lib.sh"

# Per-connection write limit raised so saturation is the server's, not the rate limiter's.
cat > "$WORK/bench.json" <<'EOF'
{"limits": {"maxWritesPerSecond": 1000000}}
EOF
JAVA_OPTS=(-Xms1g -Xmx2g)
SERVER_PID=""
SERVER_PIDS=""
PORT=""

start_embedded() {
  PORT=$(free_port)
  rm -rf "$WORK/data"
  SYNC_PORT=$PORT SYNC_DATA_DIR="$WORK/data" java "${JAVA_OPTS[@]}" -jar "$SERVER_JAR" \
    --config "$WORK/bench.json" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PIDS=$SERVER_PID
  PIDS+=("$SERVER_PID")
  wait_ready "$PORT"
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

COMMANDS="$WORK/commands.txt"
: > "$COMMANDS"
# run NAME scenario args... : runs the tool, keeps the report as reports/NAME
run() {
  local name="$1"; shift
  local cmd=(java -jar load-test/target/load-test.jar "$@" --url "ws://127.0.0.1:$PORT")
  echo "== $name: ${cmd[*]}"
  printf '%s\t%s\n' "$name" "${cmd[*]} --server-pid <pid> --report-dir <dir>" | sed "s/:$PORT/:<port>/" >> "$COMMANDS"
  (cd "$ROOT" && "${cmd[@]}" --server-pid "$SERVER_PIDS" --quiet \
      --report-dir "$WORK/reports/$name") | grep -E '^(rates|checks|  [a-z].*: |latency|ack |fanout|catchup|connect|complete|server heap|catch-up)' || true
}

json() { # file expression (python, r = the report)
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

selected() { [[ ",$ONLY," == *",$1,"* ]]; }

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
# The host's speed drifts between days and within one (item 31): a probe before and after
PROBE_BEFORE="$(python3 "$ROOT/bench/probe.py" "$WORK")"
echo "== machine probe: $PROBE_BEFORE"
STARTED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

if selected fanout || selected writes || selected connections || selected catchup; then
  echo "== embedded server ($SERVER_JAR)"
  start_embedded
  if selected fanout; then
    # 256 writes in flight: enough that a group commit carries many changes, so each socket
    # gets many changes per system call (16 in flight measured 0.85 M deliveries/s, 64 1.8 M,
    # 256 2.5 M on the quiet machine; see docs/benchmarks.md)
    run fanout-saturation fanout --subscribers 1000 --writers 1 --collections 1 \
      --closed-loop --inflight $FANOUT_INFLIGHT --warmup $WARMUP --duration $DURATION
    sat=$(json "$WORK/reports/fanout-saturation/report.json" "r['rates']['deliveriesPerSec']")
    rate=$(python3 -c "print(max(1, round($sat / 2 / 1000)))")
    run fanout-half fanout --subscribers 1000 --writers 1 --collections 1 --rate "$rate" \
      --warmup $HALF_WARMUP --duration $DURATION
  fi
  if selected writes; then
    run writes-saturation writes --writers 50 --collections 10 --subscribers 10 \
      --closed-loop --inflight 32 --warmup $WARMUP --duration $DURATION
    sat=$(json "$WORK/reports/writes-saturation/report.json" "r['rates']['acksPerSec']")
    rate=$(python3 -c "print(max(50, round($sat / 2)))")
    run writes-half writes --writers 50 --collections 10 --subscribers 10 --rate "$rate" \
      --warmup $HALF_WARMUP --duration $DURATION
  fi
  if selected connections; then
    # a fresh server, so the heap reading holds only what the connections add
    stop_server
    start_embedded
    run connections connections --connections "$CONNECTIONS" --collections 10 --duration 10s
  fi
  if selected catchup; then
    run catchup-1 catchup --records "$CATCHUP_RECORDS" --writers 20 --inflight 64 \
      --subscribers 1 --since 0 --duration 120s
    run catchup-10 catchup --records "$CATCHUP_RECORDS" --subscribers 10 \
      --since $((CATCHUP_RECORDS / 2)) --duration 120s
  fi
  stop_server
fi

CLUSTER_NOTE=""
if selected cluster; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "== cluster: redis-server (appendfsync everysec), 1 worker, 1 gateway"
    RPORT=$(free_port)
    mkdir -p "$WORK/redis"
    redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes \
      --appendfsync everysec --save "" --daemonize no > "$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    for _ in $(seq 1 50); do
      redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    WPORT=$(free_port)
    SYNC_ROLE=worker SYNC_PORT=$WPORT SYNC_REDIS_URL="redis://127.0.0.1:$RPORT" \
      java "${JAVA_OPTS[@]}" -jar "$SERVER_JAR" --config "$WORK/bench.json" \
      > "$WORK/worker.log" 2>&1 &
    WORKER_PID=$!
    PIDS+=("$WORKER_PID")
    wait_ready "$WPORT"
    PORT=$(free_port)
    SYNC_ROLE=gateway SYNC_PORT=$PORT SYNC_REDIS_URL="redis://127.0.0.1:$RPORT" \
      java "${JAVA_OPTS[@]}" -jar "$SERVER_JAR" --config "$WORK/bench.json" \
      > "$WORK/gateway.log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS="$SERVER_PID,$WORKER_PID,$REDIS_PID"
    PIDS+=("$SERVER_PID")
    wait_ready "$PORT"
    run cluster-writes-saturation writes --writers 50 --collections 10 --subscribers 10 \
      --closed-loop --inflight 32 --warmup $WARMUP --duration $DURATION
    run cluster-fanout-saturation fanout --subscribers 1000 --writers 1 --collections 1 \
      --closed-loop --inflight $FANOUT_INFLIGHT --warmup $WARMUP --duration $DURATION
    stop_server
    kill "$WORKER_PID" 2>/dev/null || true
    wait "$WORKER_PID" 2>/dev/null || true
  else
    CLUSTER_NOTE="redis-server is not installed on this machine: cluster figures not taken"
    echo "== $CLUSTER_NOTE"
  fi
fi

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
PROBE_AFTER="$(python3 "$ROOT/bench/probe.py" "$WORK")"
echo "== machine probe: $PROBE_AFTER"
if [ "$DOCS" = 1 ]; then
  python3 "$ROOT/bench/render.py" --reports "$WORK/reports" --commands "$COMMANDS" \
    --doc "$ROOT/docs/benchmarks.md" --started "$STARTED" --load-before "$LOAD_BEFORE" \
    --load-after "$LOAD_AFTER" --probe-before "$PROBE_BEFORE" --probe-after "$PROBE_AFTER" \
    --note "$CLUSTER_NOTE" --server-jar "$SERVER_JAR"
  echo "== docs/benchmarks.md updated (section between <!-- bench:begin --> and <!-- bench:end -->)"
else
  python3 "$ROOT/bench/render.py" --reports "$WORK/reports" --commands "$COMMANDS" \
    --started "$STARTED" --load-before "$LOAD_BEFORE" --load-after "$LOAD_AFTER" \
    --probe-before "$PROBE_BEFORE" --probe-after "$PROBE_AFTER" --note "$CLUSTER_NOTE" \
    --server-jar "$SERVER_JAR"
fi
