#!/bin/sh
# Runs the save-to-listener benchmark (not a test; see SaveToListenerBench for what it measures).
#   client-java/bench.sh                                 in-process server
#   client-java/bench.sh http://127.0.0.1:8080 2000 500  a running server, 2000 saves, 500/s paced
set -e
cd "$(dirname "$0")"
mvn -o -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.livesync.client.bench.SaveToListenerBench "$@"
