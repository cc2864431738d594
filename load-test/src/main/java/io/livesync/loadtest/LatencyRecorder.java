package io.livesync.loadtest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A latency recorder written from every event loop without the loops sharing a cache line: each
 * recording thread gets its own {@link SingleWriterRecorder}, and {@link #getIntervalHistogram}
 * adds them up. A single shared {@code Recorder} costs a few contended atomic operations per
 * value, which at a million deliveries per second on two loops is a good part of what the
 * generator spends per delivery. Thread-safe; {@link #getIntervalHistogram} is called by one
 * thread only.
 */
final class LatencyRecorder {
  private final long highest;
  private final List<PerThread> recorders = new CopyOnWriteArrayList<>();
  private final ThreadLocal<SingleWriterRecorder> mine = ThreadLocal.withInitial(this::newRecorder);

  /** One thread's recorder and the histogram its interval last came back in (for reuse). */
  private static final class PerThread {
    final SingleWriterRecorder recorder;
    Histogram interval;

    PerThread(SingleWriterRecorder recorder) {
      this.recorder = recorder;
    }
  }

  LatencyRecorder(long highest) {
    this.highest = highest;
  }

  private SingleWriterRecorder newRecorder() {
    SingleWriterRecorder r = new SingleWriterRecorder(1, highest, 3);
    recorders.add(new PerThread(r));
    return r;
  }

  void recordValue(long value) {
    mine.get().recordValue(value);
  }

  /** Everything recorded since the last call, from every thread (recycles {@code into}). */
  Histogram getIntervalHistogram(Histogram into) {
    Histogram out = into != null ? into : new Histogram(1, highest, 3);
    out.reset();
    for (PerThread t : recorders) {
      t.interval = t.recorder.getIntervalHistogram(t.interval);
      out.add(t.interval);
    }
    return out;
  }
}
