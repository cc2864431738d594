package io.livesync.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Everything the connections count and time. Recorders and adders are written from every event
 * loop; {@link #sample} is called from one sampling thread, which folds each interval into the
 * run totals (after the warm-up only) and into the timeline. Latencies are in microseconds.
 */
final class Stats {
  static final long MAX_MICROS = 3_600_000_000L;

  final LatencyRecorder ack = recorder();
  final LatencyRecorder fanout = recorder();
  final LatencyRecorder complete = recorder();
  final LatencyRecorder connect = recorder();
  final LatencyRecorder catchup = recorder();

  final LongAdder sent = new LongAdder();
  final LongAdder acks = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder changesCommitted = new LongAdder();
  final LongAdder deliveries = new LongAdder();
  final LongAdder catchupItems = new LongAdder();
  final LongAdder bytesIn = new LongAdder();
  final LongAdder bytesOut = new LongAdder();
  final LongAdder framesIn = new LongAdder();
  final LongAdder connected = new LongAdder();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder closedByServer = new LongAdder();
  final LongAdder gaps = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder resyncs = new LongAdder();
  final LongAdder stalled = new LongAdder();
  final ConcurrentHashMap<String, LongAdder> errorsByCode = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, LongAdder> ackStatus = new ConcurrentHashMap<>();

  /** Whole-measurement histograms, filled by the sampling thread from the intervals. */
  final Histogram ackTotal = histogram();
  final Histogram fanoutTotal = histogram();
  final Histogram completeTotal = histogram();
  final Histogram connectTotal = histogram();
  final Histogram catchupTotal = histogram();

  private Histogram ackInterval;
  private Histogram fanoutInterval;
  private Histogram completeInterval;
  private Histogram connectInterval;
  private Histogram catchupInterval;

  void error(String code) {
    errors.increment();
    errorsByCode.computeIfAbsent(code == null ? "unknown" : code, k -> new LongAdder())
        .increment();
  }

  void ackStatus(String status) {
    ackStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
  }

  static void record(LatencyRecorder r, long micros) {
    r.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
  }

  /** A point-in-time copy of the counters. */
  Counts counts() {
    return new Counts(sent.sum(), acks.sum(), errors.sum(), changesCommitted.sum(),
        deliveries.sum(), catchupItems.sum(), bytesIn.sum(), bytesOut.sum());
  }

  record Counts(long sent, long acks, long errors, long changes, long deliveries,
      long catchupItems, long bytesIn, long bytesOut) {
    Counts minus(Counts o) {
      return new Counts(sent - o.sent, acks - o.acks, errors - o.errors, changes - o.changes,
          deliveries - o.deliveries, catchupItems - o.catchupItems, bytesIn - o.bytesIn,
          bytesOut - o.bytesOut);
    }
  }

  /** Interval p99s of the latest {@link #sample}, in microseconds (0 when nothing recorded). */
  record IntervalLatency(long ackP99, long fanoutP99, long count) {
  }

  /**
   * Takes this interval's histograms; adds them to the totals when {@code measuring}. Called
   * by one thread only.
   */
  IntervalLatency sample(boolean measuring) {
    ackInterval = ack.getIntervalHistogram(ackInterval);
    fanoutInterval = fanout.getIntervalHistogram(fanoutInterval);
    completeInterval = complete.getIntervalHistogram(completeInterval);
    connectInterval = connect.getIntervalHistogram(connectInterval);
    catchupInterval = catchup.getIntervalHistogram(catchupInterval);
    // connect and catch-up times count from the start: they happen before the warm-up ends
    connectTotal.add(connectInterval);
    catchupTotal.add(catchupInterval);
    if (measuring) {
      ackTotal.add(ackInterval);
      fanoutTotal.add(fanoutInterval);
      completeTotal.add(completeInterval);
    }
    return new IntervalLatency(p99(ackInterval), p99(fanoutInterval),
        ackInterval.getTotalCount() + fanoutInterval.getTotalCount());
  }

  static Map<String, Long> sums(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  private static long p99(Histogram h) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99);
  }

  private static LatencyRecorder recorder() {
    return new LatencyRecorder(MAX_MICROS);
  }

  private static Histogram histogram() {
    return new Histogram(1, MAX_MICROS, 3);
  }
}
