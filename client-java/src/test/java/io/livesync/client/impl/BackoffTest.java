package io.livesync.client.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void theCeilingDoublesUpToTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 0.5);
    assertThat(b.ceilingMillis(0)).isEqualTo(100);
    assertThat(b.ceilingMillis(1)).isEqualTo(200);
    assertThat(b.ceilingMillis(4)).isEqualTo(1600);
    assertThat(b.ceilingMillis(5)).isEqualTo(2000);
    assertThat(b.ceilingMillis(62)).isEqualTo(2000);
    assertThat(b.ceilingMillis(10_000)).isEqualTo(2000);
    assertThat(b.ceilingMillis(-1)).isEqualTo(100);
  }

  @Test
  void largeBasesDoNotOverflow() {
    Backoff b = new Backoff(Duration.ofDays(365), Duration.ofDays(3650), () -> 1.0);
    for (int i = 0; i < 100; i++) {
      assertThat(b.ceilingMillis(i)).isPositive().isLessThanOrEqualTo(Duration.ofDays(3650)
          .toMillis());
    }
  }

  @Test
  void fullJitterSpreadsOverTheWholeRange() {
    Random r = new Random(42);
    Backoff b = new Backoff(Duration.ofMillis(1000), Duration.ofSeconds(30), r::nextDouble);
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 2000; i++) {
      long d = b.delayMillis(3);
      assertThat(d).isBetween(0L, 8000L);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assertThat(min).isLessThan(400);
    assertThat(max).isGreaterThan(7600);
  }
}
