package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PacerTest {
  private static final long START = 1_000_000_000L;

  @Test
  void operationIsDueAtStartPlusIndexTimesInterval() {
    Pacer p = new Pacer(START, 1000); // 1 ms apart
    assertThat(p.intendedTime(0)).isEqualTo(START);
    assertThat(p.intendedTime(1)).isEqualTo(START + 1_000_000);
    assertThat(p.intendedTime(2500)).isEqualTo(START + 2_500_000_000L);
  }

  @Test
  void dueCountIncludesTheOperationDueExactlyNow() {
    Pacer p = new Pacer(START, 1000);
    assertThat(p.dueBy(START - 1)).isZero();
    assertThat(p.dueBy(START)).isEqualTo(1);
    assertThat(p.dueBy(START + 999_999)).isEqualTo(1);
    assertThat(p.dueBy(START + 1_000_000)).isEqualTo(2);
    assertThat(p.dueBy(START + 1_000_000_000L)).isEqualTo(1001);
  }

  @Test
  void aLateSenderCatchesUpWithTheOriginalIntendedTimes() {
    Pacer p = new Pacer(START, 100); // 10 ms apart
    // the sender stalls for 55 ms: six operations are due, each keeps its own intended time
    long now = START + 55_000_000;
    assertThat(p.pending(now)).isEqualTo(6);
    long[] stamps = new long[6];
    for (int i = 0; i < 6; i++) {
      stamps[i] = p.next();
    }
    assertThat(stamps).containsExactly(START, START + 10_000_000, START + 20_000_000,
        START + 30_000_000, START + 40_000_000, START + 50_000_000);
    assertThat(p.pending(now)).isZero();
    assertThat(p.issued()).isEqualTo(6);
    // latency measured from the intended time includes the stall (no coordinated omission)
    assertThat(now - stamps[0]).isEqualTo(55_000_000);
  }

  @Test
  void fractionalRatesDoNotDrift() {
    Pacer p = new Pacer(0, 3); // 333,333,333.3 ns apart
    assertThat(p.dueBy(10_000_000_000L - 1)).isEqualTo(30); // 0..29 within 10 s
    assertThat(p.intendedTime(30)).isEqualTo(10_000_000_000L);
  }

  @Test
  void missedCountsOperationsDueBeforeTheEndThatWereNeverTaken() {
    Pacer p = new Pacer(START, 1000);
    long end = START + 10_000_000; // 10 due: 0..9
    for (int i = 0; i < 7; i++) {
      p.next();
    }
    assertThat(p.missedBy(end)).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      p.next();
    }
    assertThat(p.missedBy(end)).isZero();
  }

  @Test
  void rateMustBePositive() {
    assertThatThrownBy(() -> new Pacer(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Pacer(0, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
