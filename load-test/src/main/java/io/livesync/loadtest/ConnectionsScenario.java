package io.livesync.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code connections}: opens N connections, each subscribed to one collection and then idle,
 * and reads the server's heap in use from {@code /metrics} before and after (after a forced
 * full GC when {@code --server-pid} is given). Heap per connection = (after - before) / N.
 */
final class ConnectionsScenario extends Scenario {
  ConnectionsScenario(Run run) {
    super(run);
  }

  @Override
  void execute() throws Exception {
    ServerProbe probe = new ServerProbe(opts.httpBase(), opts.serverPid());
    int c = opts.collections();
    String[] names = new String[c];
    int[] subsPer = new int[c];
    for (int i = 0; i < c; i++) {
      names[i] = opts.prefix() + "-" + run.runId + "-" + i;
    }
    int n = opts.connections();
    for (int i = 0; i < n; i++) {
      subsPer[i % c]++;
    }
    run.collections(names, subsPer);
    long before = heap(probe, "before");
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      clients.add(run.newClient());
    }
    long deadline = System.nanoTime() + Scenario.seconds(60 + n / 100.0);
    run.log("connecting " + n + " idle connections ...");
    long t0 = System.nanoTime();
    int failed = run.connectAll(clients, deadline);
    List<io.vertx.core.Future<Long>> synced = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (clients.get(i).isOpen()) {
        synced.add(clients.get(i).subscribe(i % c, 0, null));
      }
    }
    int notSynced = Run.awaitAll(synced, deadline);
    double setupSecs = (System.nanoTime() - t0) / 1e9;
    check("all connections open", failed == 0, failed + " connection(s) failed");
    check("all subscribed", notSynced == 0, notSynced + " subscription(s) not synced");
    long open = n - failed;
    long after = heap(probe, "with connections");
    startMeasuring();
    long m0 = System.nanoTime();
    long m1 = run.timeline(m0 + TimeUnit.MILLISECONDS.toNanos(opts.durationMillis()), true,
        null);
    stopMeasuring();
    measuredSeconds = (m1 - m0) / 1e9;
    long afterHold = heap(probe, "after holding");
    long stillOpen = run.stats.connected.sum() - run.stats.closedByServer.sum();
    check("connections stayed open while idle", stillOpen == open, (open - stillOpen)
        + " closed by the server");
    results.put("connections", open);
    results.put("setupSeconds", Math.round(setupSecs * 10) / 10.0);
    results.put("connectionsPerSecond", Math.round(open / setupSecs));
    results.put("serverHeapBeforeBytes", before);
    results.put("serverHeapWithConnectionsBytes", after);
    results.put("serverHeapAfterHoldBytes", afterHold);
    if (before >= 0 && after >= 0 && open > 0) {
      long per = (after - before) / open;
      long perHold = afterHold >= 0 ? (afterHold - before) / open : -1;
      results.put("heapPerConnectionBytes", per);
      results.put("heapPerConnectionAfterHoldBytes", perHold);
      run.log(String.format(Locale.ROOT, "server heap per idle connection: %d B (%.2f KiB);"
          + " after holding %d s: %d B", per, per / 1024.0, opts.durationMillis() / 1000,
          perHold));
    }
    long gauge = ServerProbe.sum(probe.metrics(), "livesync_connections", null);
    results.put("serverConnectionsGauge", gauge);
    results.put("gcForced", opts.serverPid() > 0);
    if (opts.serverPid() <= 0) {
      run.notes.add("no --server-pid: heap was read without a forced GC, so it includes"
          + " garbage; give the server's pid for a meaningful per-connection figure");
    }
    if (before < 0) {
      run.notes.add("the server's /metrics has no jvm_memory_used_bytes: heap not measured");
    }
  }

  private long heap(ServerProbe probe, String when) throws Exception {
    probe.forceGc();
    long h = ServerProbe.heapUsed(probe.metrics());
    run.log(String.format(Locale.ROOT, "server heap %s: %.1f MiB", when, h / 1048576.0));
    return h;
  }
}
