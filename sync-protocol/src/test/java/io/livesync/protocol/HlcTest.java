package io.livesync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hybrid logical clock timestamps (PROTOCOL.md 1.2). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HlcTest {
  private static final long T = 1_732_470_000_000L;

  @Test
  void formatIsZeroPaddedMillisHexCounterAndNode() {
    assertThat(Hlc.format(T, 0, "deviceA")).isEqualTo("1732470000000-0000-deviceA");
    assertThat(Hlc.format(5, 10, "n")).isEqualTo("0000000000005-000a-n");
    assertThat(Hlc.format(T, 0xffff, "n")).isEqualTo("1732470000000-ffff-n");
    String ts = Hlc.format(T, 0x1b2, "node_1-x");
    assertThat(Hlc.isValid(ts)).isTrue();
    assertThat(Hlc.millisOf(ts)).isEqualTo(T);
    assertThat(Hlc.counterOf(ts)).isEqualTo(0x1b2);
    assertThat(Hlc.nodeOf(ts)).isEqualTo("node_1-x");
    assertThat(Hlc.nodeOf("garbage")).isNull();
    assertThat(Hlc.nodeOf(null)).isNull();
  }

  @Test
  void nodeIdsAreChecked() {
    assertThat(new Hlc("a").node()).isEqualTo("a");
    assertThat(new Hlc("n".repeat(64)).node()).hasSize(64);
    for (String bad : new String[] {"", "bad node", "n".repeat(65), "a:b", "é", null}) {
      assertThatThrownBy(() -> new Hlc(bad)).as(String.valueOf(bad))
          .isInstanceOf(SyncException.class);
    }
  }

  @Test
  void nowFollowsTheWallClockWhenItMovesAhead() {
    AtomicLong wall = new AtomicLong(T);
    Hlc clock = new Hlc("a", wall::get);
    assertThat(clock.now()).isEqualTo(Hlc.format(T, 0, "a"));
    wall.set(T + 5);
    assertThat(clock.now()).isEqualTo(Hlc.format(T + 5, 0, "a"));
  }

  @Test
  void nowIsStrictlyMonotonicWhenTheWallClockStandsStillOrGoesBack() {
    AtomicLong wall = new AtomicLong(T);
    Hlc clock = new Hlc("a", wall::get);
    String last = clock.now();
    for (int i = 0; i < 1000; i++) {
      if (i == 300) {
        wall.set(T - 10_000); // NTP step backwards
      }
      if (i == 600) {
        wall.set(T + 1);
      }
      String next = clock.now();
      assertThat(next).as("step %d", i).isGreaterThan(last);
      last = next;
    }
    assertThat(Hlc.millisOf(last)).isGreaterThanOrEqualTo(T);
  }

  @Test
  void counterOverflowCarriesIntoTheMillis() {
    Hlc clock = new Hlc("a", () -> T);
    String last = clock.now();
    for (int i = 1; i <= 0xffff; i++) {
      String next = clock.now();
      assertThat(next.compareTo(last)).isPositive();
      last = next;
    }
    assertThat(last).isEqualTo(Hlc.format(T, 0xffff, "a"));
    String carried = clock.now();
    assertThat(carried).isEqualTo(Hlc.format(T + 1, 0, "a"));
    assertThat(carried).isGreaterThan(last);
    assertThat(clock.now()).isEqualTo(Hlc.format(T + 1, 1, "a"));
  }

  @Test
  void observeAdvancesToAtLeastTheReceivedTime() {
    Hlc clock = new Hlc("a", () -> T);
    String remote = Hlc.format(T + 5000, 7, "b");
    clock.observe(remote);
    String next = clock.now();
    assertThat(next).isGreaterThan(remote);
    assertThat(next).isEqualTo(Hlc.format(T + 5000, 8, "a"));

    clock.observe(Hlc.format(T - 1000, 0, "c"));
    clock.observe("not a timestamp");
    clock.observe(null);
    assertThat(clock.now()).as("older or malformed times change nothing")
        .isEqualTo(Hlc.format(T + 5000, 9, "a"));

    clock.observe(Hlc.format(T + 5000, 0x20, "z"));
    assertThat(clock.now()).as("same millis, higher counter").isEqualTo(
        Hlc.format(T + 5000, 0x21, "a"));

    clock.observeMillis(T + 9000);
    assertThat(clock.now()).isEqualTo(Hlc.format(T + 9000, 1, "a"));
    clock.observeMillis(T);
    assertThat(clock.now()).isEqualTo(Hlc.format(T + 9000, 2, "a"));
  }

  @Test
  void concurrentCallersNeverGetTheSameTimestamp() throws Exception {
    Hlc clock = new Hlc("a");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<List<String>>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        tasks.add(() -> {
          List<String> out = new ArrayList<>();
          String last = "";
          for (int i = 0; i < 20_000; i++) {
            String ts = clock.now();
            assertThat(ts).isGreaterThan(last);
            last = ts;
            out.add(ts);
          }
          return out;
        });
      }
      Set<String> all = new HashSet<>();
      for (Future<List<String>> f : pool.invokeAll(tasks, 20, TimeUnit.SECONDS)) {
        all.addAll(f.get());
      }
      assertThat(all).hasSize(80_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void compareOrdersNullFirst() {
    assertThat(Hlc.compare(null, null)).isZero();
    assertThat(Hlc.compare(null, Hlc.format(0, 0, "a"))).isNegative();
    assertThat(Hlc.compare(Hlc.format(0, 0, "a"), null)).isPositive();
  }

  /** Plain string order is HLC order: time, then counter, then node. */
  @Property(tries = 2000)
  void stringOrderIsHlcOrder(@ForAll("millis") long m1, @ForAll("counter") int c1,
      @ForAll("node") String n1, @ForAll("millis") long m2, @ForAll("counter") int c2,
      @ForAll("node") String n2) {
    String a = Hlc.format(m1, c1, n1);
    String b = Hlc.format(m2, c2, n2);
    int expected = m1 != m2 ? Long.compare(m1, m2) : c1 != c2 ? Integer.compare(c1, c2)
        : n1.compareTo(n2);
    assertThat(Integer.signum(a.compareTo(b))).as("%s vs %s", a, b)
        .isEqualTo(Integer.signum(expected));
    assertThat(Integer.signum(Hlc.compare(a, b))).isEqualTo(Integer.signum(expected));
    assertThat(Hlc.isValid(a)).isTrue();
    assertThat(Hlc.millisOf(a)).isEqualTo(m1);
    assertThat(Hlc.counterOf(a)).isEqualTo(c1);
    assertThat(Hlc.nodeOf(a)).isEqualTo(n1);
  }

  @Provide
  Arbitrary<Long> millis() {
    return Arbitraries.oneOf(Arbitraries.longs().between(0, 9_999_999_999_999L),
        Arbitraries.longs().between(T - 3, T + 3));
  }

  @Provide
  Arbitrary<Integer> counter() {
    return Arbitraries.oneOf(Arbitraries.integers().between(0, 0xffff),
        Arbitraries.of(0, 9, 10, 15, 16, 0xff, 0x100, 0xfff, 0x1000, 0xffff));
  }

  @Provide
  Arbitrary<String> node() {
    return Arbitraries.strings().withChars("aAzZ09_-").ofMinLength(1).ofMaxLength(4);
  }
}
