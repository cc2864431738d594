#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what the tests
# need when it is missing (redis-server, chromium; kubectl is expected on the
# image, and the manifest checks are skipped with a message without it), runs
# the Maven reactor (unit, contract, end-to-end and multi-process tests), then
# the JavaScript client's Node and browser tests against the built server jar.
# Works unattended (CI=true, no stdin) and leaves no process running.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" </dev/null
fi

mvn -B -ntp verify

if [ -f client-js/run-tests.sh ]; then
  bash client-js/run-tests.sh
fi
