package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {
  @Test
  void addsUpEveryThreadsValuesOncePerInterval() throws Exception {
    LatencyRecorder r = new LatencyRecorder(Stats.MAX_MICROS);
    Thread other = new Thread(() -> {
      for (int i = 0; i < 1000; i++) {
        r.recordValue(2000);
      }
    });
    other.start();
    for (int i = 0; i < 500; i++) {
      r.recordValue(10);
    }
    other.join();
    Histogram h = r.getIntervalHistogram(null);
    assertThat(h.getTotalCount()).isEqualTo(1500);
    assertThat(h.getMinValue()).isEqualTo(10);
    assertThat(h.getValueAtPercentile(99)).isBetween(1990L, 2010L);

    r.recordValue(7);
    Histogram next = r.getIntervalHistogram(h);
    assertThat(next.getTotalCount()).as("only what came after the last interval").isEqualTo(1);
    assertThat(next.getMaxValue()).isEqualTo(7);
    assertThat(r.getIntervalHistogram(next).getTotalCount()).isZero();
  }
}
