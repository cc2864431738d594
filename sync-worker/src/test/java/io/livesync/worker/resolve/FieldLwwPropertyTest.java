package io.livesync.worker.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.ConflictResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * field-lww is a CRDT: the same writes in any order give the same record, and a write applied
 * twice changes nothing. With distinct timestamps the result is also what applying the writes
 * one after the other in ts order gives (the plain meaning of insert, update and delete).
 */
class FieldLwwPropertyTest {
  private static final int SHUFFLES = 12;
  private final ConflictResolver fieldLww = new FieldLwwResolver();
  private final ConflictResolver inOrder = new ClientWinsResolver();

  @Property(tries = 1000)
  void anyOrderGivesTheSameRecordAsTsOrder(@ForAll("distinctTs") List<Write> writes,
      @ForAll long seed) {
    List<Write> byTs = new ArrayList<>(writes);
    byTs.sort(Comparator.comparing(Write::ts));
    StoredRecord expected = null;
    for (Write w : byTs) {
      if (!(w.op() == Op.UPDATE && w.data().isEmpty())) {
        expected = Fixtures.apply(inOrder, expected, w);
      }
    }
    String reference = state(run(writes));
    assertThat(visible(reference)).as("ts order, for %s", show(writes))
        .isEqualTo(Fixtures.visibleState(expected));
    assertSameInEveryOrder(writes, seed, reference);
  }

  @Property(tries = 1000)
  void anyOrderGivesTheSameRecordEvenWithTsTies(@ForAll("tiedTs") List<Write> writes,
      @ForAll long seed) {
    assertSameInEveryOrder(writes, seed, state(run(writes)));
  }

  @Property(tries = 500)
  void applyingWritesAgainChangesNothing(@ForAll("tiedTs") List<Write> writes,
      @ForAll long seed) {
    Random random = new Random(seed);
    String reference = state(run(writes));
    List<Write> withRetries = new ArrayList<>(writes);
    for (int i = 0; i < 3; i++) {
      withRetries.add(random.nextInt(withRetries.size() + 1),
          writes.get(random.nextInt(writes.size())));
    }
    StoredRecord last = run(withRetries);
    assertThat(state(last)).as("with retries %s", show(withRetries)).isEqualTo(reference);
    for (Write w : writes) {
      assertThat(fieldLww.resolve(last, w).status()).as("re-applying %s", w)
          .isEqualTo(WriteStatus.SUPERSEDED);
    }
  }

  /**
   * The shortcut of FieldLwwState.of(current, clear) (registers not read when the incoming
   * clear is after everything in the record) gives the state the full read gives, after the
   * clear is merged; writes reach it with distinct and with tied timestamps.
   */
  @Property(tries = 1000)
  void readingPastAnIncomingClearGivesTheFullState(@ForAll("distinctTs") List<Write> distinct,
      @ForAll("tiedTs") List<Write> tied) {
    for (List<Write> writes : List.of(distinct, tied)) {
      StoredRecord current = null;
      for (Write w : writes) {
        if (w.op() != Op.UPDATE) {
          Stamp clear = w.op() == Op.DELETE ? Stamp.tombstone(w.ts()) : Stamp.absent(w.ts());
          FieldLwwState full = FieldLwwState.of(current);
          FieldLwwState shortcut = FieldLwwState.of(current, clear);
          assertThat(shortcut.mergeClear(clear)).isEqualTo(full.mergeClear(clear));
          assertThat(Json.write(shortcut.meta())).as("%s on %s", w, current)
              .isEqualTo(Json.write(full.meta()));
          assertThat(shortcut.data()).isEqualTo(full.data());
          assertThat(shortcut.deleted()).isEqualTo(full.deleted());
          assertThat(shortcut.clear()).isEqualTo(full.clear());
        }
        current = Fixtures.apply(fieldLww, current, w);
      }
    }
  }

  private void assertSameInEveryOrder(List<Write> writes, long seed, String reference) {
    Random random = new Random(seed);
    for (int i = 0; i < SHUFFLES; i++) {
      List<Write> order = new ArrayList<>(writes);
      Collections.shuffle(order, random);
      assertThat(state(run(order))).as("order %s vs %s", show(order), show(writes))
          .isEqualTo(reference);
    }
  }

  /** Applies the writes in order, as the worker would (version and seq + 1 on each change). */
  private StoredRecord run(List<Write> writes) {
    StoredRecord r = null;
    for (Write w : writes) {
      r = Fixtures.apply(fieldLww, r, w);
    }
    return r;
  }

  /** Everything that must not depend on the order: data, deleted, ts, and even the meta. */
  private static String state(StoredRecord r) {
    return Fixtures.visibleState(r) + (r == null ? "" : " meta " + Json.canonical(r.meta()));
  }

  private static String visible(String state) {
    int meta = state.indexOf(" meta ");
    return meta < 0 ? state : state.substring(0, meta);
  }

  private static String show(List<Write> writes) {
    return writes.stream()
        .map(w -> w.op().wire() + "@" + w.ts().substring(10, 13) + w.ts().substring(17)
            + (w.data() == null ? "" : Json.write(w.data())))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  @Provide
  Arbitrary<List<Write>> distinctTs() {
    Arbitrary<String> ts = Combinators.combine(Arbitraries.integers().between(1, 4),
        Arbitraries.integers().between(0, 2), Arbitraries.of("n1", "n2", "n3"))
        .as((millis, counter, node) -> Hlc.format(1_732_470_000_000L + millis, counter, node));
    return Arbitraries.integers().between(1, 8).flatMap(n -> Combinators.combine(
        writeSpecs().list().ofSize(n), ts.list().uniqueElements().ofSize(n))
        .as(FieldLwwPropertyTest::zip));
  }

  /** Timestamps from a tiny set, so different writes often share one. */
  @Provide
  Arbitrary<List<Write>> tiedTs() {
    Arbitrary<String> ts = Arbitraries.of(Fixtures.ts(1, "n1"), Fixtures.ts(1, "n2"),
        Fixtures.ts(2, "n1"));
    return Arbitraries.integers().between(1, 8).flatMap(n -> Combinators.combine(
        writeSpecs().list().ofSize(n), ts.list().ofSize(n)).as(FieldLwwPropertyTest::zip));
  }

  private record Spec(Op op, Map<String, String> fields) {
  }

  private static Arbitrary<Spec> writeSpecs() {
    Arbitrary<String> value = Arbitraries.of("1", "2", "\"x\"", "null", "[1]", "{\"k\":1}");
    Arbitrary<Map<String, String>> fields =
        Arbitraries.maps(Arbitraries.of("a", "b", "c"), value).ofMaxSize(3);
    return Combinators.combine(Arbitraries.of(Op.class), fields).as(Spec::new);
  }

  private static List<Write> zip(List<Spec> specs, List<String> timestamps) {
    List<Write> writes = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      Spec s = specs.get(i);
      String doc = s.fields().entrySet().stream()
          .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
          .collect(Collectors.joining(",", "{", "}"));
      writes.add(Fixtures.write(s.op(), timestamps.get(i),
          s.op() == Op.DELETE ? null : Json.parseObject(doc), null));
    }
    return writes;
  }
}
