#!/usr/bin/env bash
# Runs the JavaScript client's tests: unit tests, Node client tests against the real server jar,
# and end-to-end tests of the demo page in Debian's Chromium. Installs what they need on a fresh
# Debian machine (chromium, the npm dev dependencies; builds the server jar if it is missing).
# Works unattended (CI=true, no stdin) and leaves no process running.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
  echo "client-js: installing Debian's chromium"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium </dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "client-js: Node.js 20 or later is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Dev dependencies exactly as locked (ws, playwright-core; playwright-core downloads no browser).
if ! npm ls --depth=0 >/dev/null 2>&1; then
  echo "client-js: npm ci"
  npm ci --no-audit --no-fund </dev/null
fi

# The jar serves the demo and a copy of src/ at /lib/: build it when missing or older than them.
if [ -z "${LIVESYNC_SERVER_JAR:-}" ]; then
  jar=../sync-server/target/sync-server.jar
  if [ ! -f "$jar" ] || [ -n "$(find src ../sync-gateway/src/main/resources/webroot -newer "$jar" -print -quit)" ]; then
    echo "client-js: building the server jar"
    (cd .. && mvn -B -ntp -q package -DskipTests -pl sync-server -am </dev/null)
  fi
fi

# The tests run in their own process group: whatever happens, nothing they started outlives them
# (servers are also killed by the tests' own hooks; Chromium exits with its Playwright pipe).
setsid node --test --test-concurrency=1 test/*.test.js </dev/null &
group=$!
cleanup() {
  kill -TERM -- "-$group" 2>/dev/null || true
  sleep 1
  kill -KILL -- "-$group" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
status=0
wait "$group" || status=$?
exit "$status"
