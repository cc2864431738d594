package io.livesync.loadtest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every scenario shares: building the report from the run's counters. */
abstract class Scenario {
  final Run run;
  final Options opts;
  final Map<String, Object> results = new LinkedHashMap<>();
  final Map<String, String> checks = new LinkedHashMap<>();
  Stats.Counts measureStart;
  Stats.Counts measureEnd;
  private double[] cpuStart;
  private double[] cpuEnd;
  double measuredSeconds;
  long expectedDeliveries = -1;
  long missedSends;

  Scenario(Run run) {
    this.run = run;
    this.opts = run.opts;
  }

  static Scenario forName(Run run) {
    return switch (run.opts.scenario()) {
      case "fanout", "writes", "mixed" -> new WriteScenario(run);
      case "connections" -> new ConnectionsScenario(run);
      case "catchup" -> new CatchupScenario(run);
      default -> throw new IllegalArgumentException("unknown scenario " + run.opts.scenario());
    };
  }

  abstract void execute() throws Exception;

  /** Marks the start of the measured window: counters and CPU times. */
  void startMeasuring() {
    measureStart = run.stats.counts();
    cpuStart = cpu();
  }

  /** Marks the end of the measured window. */
  void stopMeasuring() {
    measureEnd = run.stats.counts();
    cpuEnd = cpu();
  }

  private double[] cpu() {
    return new double[] {new CpuMeter(opts.serverPids()).server(), CpuMeter.self(),
        System.nanoTime() / 1e9};
  }

  /** CPU use over the measured window: per cent of one core, and per operation. */
  private void cpuResults(Stats.Counts m) {
    if (cpuStart == null || cpuEnd == null) {
      return;
    }
    double wall = Math.max(1e-9, cpuEnd[2] - cpuStart[2]);
    double loader = cpuEnd[1] - cpuStart[1];
    results.put("loaderCpuPercent", Math.round(loader / wall * 100));
    if (cpuStart[0] < 0 || cpuEnd[0] < 0) {
      return;
    }
    double server = cpuEnd[0] - cpuStart[0];
    results.put("serverCpuPercent", Math.round(server / wall * 100));
    if (m.deliveries() + m.catchupItems() > 0) {
      results.put("serverCpuMicrosPerDelivery", Math.round(server * 1e6
          / (m.deliveries() + m.catchupItems()) * 100) / 100.0);
    }
    if (m.acks() > 0) {
      results.put("serverCpuMicrosPerAckedWrite", Math.round(server * 1e6 / m.acks() * 100)
          / 100.0);
    }
  }

  static long seconds(double s) {
    return (long) (s * 1e9);
  }

  void check(String name, boolean ok, String otherwise) {
    checks.put(name, ok ? "ok" : otherwise);
  }

  Report report() {
    Stats s = run.stats;
    Stats.Counts total = s.counts();
    Stats.Counts m = measureEnd == null || measureStart == null ? new Stats.Counts(0, 0, 0, 0,
        0, 0, 0, 0) : measureEnd.minus(measureStart);
    double secs = Math.max(1e-9, measuredSeconds);
    cpuResults(m);
    Report.Totals totals = totals(total);
    Report.Totals measured = new Report.Totals(m.sent(), m.acks(), m.errors(), m.changes(), -1,
        m.deliveries(), m.catchupItems(), m.bytesIn(), m.bytesOut(), 0, 0, 0, 0, 0);
    Report.Rates rates = new Report.Rates(m.sent() / secs, m.acks() / secs, m.errors() / secs,
        m.deliveries() / secs, m.catchupItems() / secs, m.bytesIn() / secs,
        m.bytesOut() / secs);
    Map<String, Report.Latency> lat = new LinkedHashMap<>();
    lat.put("ack", Report.Latency.of(s.ackTotal));
    lat.put("fanout", Report.Latency.of(s.fanoutTotal));
    lat.put("complete", Report.Latency.of(s.completeTotal));
    lat.put("connect", Report.Latency.of(s.connectTotal));
    lat.put("catchup", Report.Latency.of(s.catchupTotal));
    List<String> notes = new java.util.ArrayList<>(run.notes);
    notes.add("ack: write due (open loop) or sent (closed loop) to its ack; fanout: write due/sent"
        + " to its change at each subscriber (one sample per delivery); complete: to acked and"
        + " delivered at every subscriber; connect: TCP + upgrade + welcome; catchup: subscribe"
        + " to synced.");
    notes.add("bytes are WebSocket payload bytes, without frame and TCP overhead.");
    if (s.stalled.sum() > 0) {
      notes.add(s.stalled.sum() + " closed-loop writes were released after 2 s without"
          + " completing (their change reached a subscriber inside a catch-up page)");
    }
    if (s.resyncs.sum() > 0) {
      notes.add(s.resyncs.sum() + " unrequested catch-ups (slow consumer or gap) happened");
    }
    return new Report(opts.scenario(), run.startedAt, opts.describe(), measuredSeconds, totals,
        measured, rates, Stats.sums(s.errorsByCode), Stats.sums(s.ackStatus), lat,
        List.copyOf(run.timeline), results, checks, notes);
  }

  Report.Totals totals(Stats.Counts c) {
    Stats s = run.stats;
    return new Report.Totals(c.sent(), c.acks(), c.errors(), c.changes(), expectedDeliveries,
        c.deliveries(), c.catchupItems(), c.bytesIn(), c.bytesOut(), s.connected.sum(),
        s.connectFailures.sum(), missedSends, s.gaps.sum(), s.duplicates.sum());
  }
}
