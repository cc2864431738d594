package io.livesync.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The update rule of PROTOCOL.md 1.3: a shallow merge where {@code null} removes a field. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShallowMergeTest {

  @Test
  void eachTopLevelKeyReplacesItsFieldAndNullRemovesIt() {
    ObjectNode base = Json.parseObject("{\"title\":\"milk\",\"done\":false,\"n\":1}");
    ObjectNode delta = Json.parseObject("{\"done\":true,\"n\":null,\"tag\":\"shop\"}");
    assertThat(ShallowMerge.apply(base, delta)).isEqualTo(Json.parseObject(
        "{\"title\":\"milk\",\"done\":true,\"tag\":\"shop\"}"));
  }

  @Test
  void nestedObjectsAreReplacedWholeNotMerged() {
    ObjectNode base = Json.parseObject("{\"address\":{\"city\":\"Oslo\",\"zip\":\"0150\"}}");
    ObjectNode delta = Json.parseObject("{\"address\":{\"city\":\"Bergen\"}}");
    assertThat(ShallowMerge.apply(base, delta)).isEqualTo(Json.parseObject(
        "{\"address\":{\"city\":\"Bergen\"}}"));
    ObjectNode nestedNull = Json.parseObject("{\"address\":{\"zip\":null}}");
    assertThat(ShallowMerge.apply(base, nestedNull).path("address"))
        .as("a null inside a nested value is a value, not a removal")
        .isEqualTo(Json.parseObject("{\"zip\":null}"));
  }

  @Test
  void removingAnAbsentFieldAndAnEmptyDeltaChangeNothing() {
    ObjectNode base = Json.parseObject("{\"a\":1}");
    assertThat(ShallowMerge.apply(base, Json.parseObject("{\"b\":null}"))).isEqualTo(base);
    assertThat(ShallowMerge.apply(base, Json.object())).isEqualTo(base);
    assertThat(ShallowMerge.apply(null, Json.parseObject("{\"a\":1,\"b\":null}")))
        .as("a missing base is empty").isEqualTo(Json.parseObject("{\"a\":1}"));
  }

  @Test
  void inputsAreNotModified() {
    ObjectNode base = Json.parseObject("{\"a\":1,\"b\":{\"c\":2}}");
    ObjectNode delta = Json.parseObject("{\"a\":null,\"d\":[1]}");
    String baseBefore = Json.write(base);
    String deltaBefore = Json.write(delta);
    ObjectNode merged = ShallowMerge.apply(base, delta);
    ((ObjectNode) merged.get("b")).put("c", 99);
    assertThat(Json.write(base)).isEqualTo(baseBefore);
    assertThat(Json.write(delta)).isEqualTo(deltaBefore);
  }

  @Test
  void applyWriteInsertReplacesUpdateMergesDeleteEmpties() {
    ObjectNode base = Json.parseObject("{\"a\":1,\"b\":2}");
    assertThat(ShallowMerge.applyWrite(base, Op.INSERT, Json.parseObject("{\"c\":3,\"d\":null}")))
        .as("fields absent from an insert are removed; null means absent")
        .isEqualTo(Json.parseObject("{\"c\":3}"));
    assertThat(ShallowMerge.applyWrite(base, Op.UPDATE, Json.parseObject("{\"b\":null,"
        + "\"c\":3}"))).isEqualTo(Json.parseObject("{\"a\":1,\"c\":3}"));
    assertThat(ShallowMerge.applyWrite(base, Op.DELETE, null)).isEqualTo(Json.object());
    assertThat(ShallowMerge.applyWrite(null, Op.UPDATE, Json.parseObject("{\"x\":1}")))
        .isEqualTo(Json.parseObject("{\"x\":1}"));
  }

  @Property(tries = 500)
  void mergingTheSameDeltaTwiceIsMergingItOnce(@ForAll("docs") ObjectNode base,
      @ForAll("deltas") ObjectNode delta) {
    ObjectNode once = ShallowMerge.apply(base, delta);
    assertThat(ShallowMerge.apply(once, delta)).isEqualTo(once);
  }

  @Property(tries = 500)
  void theResultHasExactlyTheExpectedFields(@ForAll("docs") ObjectNode base,
      @ForAll("deltas") ObjectNode delta) {
    ObjectNode merged = ShallowMerge.apply(base, delta);
    delta.fields().forEachRemaining(e -> {
      if (e.getValue().isNull()) {
        assertThat(merged.has(e.getKey())).isFalse();
      } else {
        assertThat(merged.get(e.getKey())).isEqualTo(e.getValue());
      }
    });
    base.fields().forEachRemaining(e -> {
      if (!delta.has(e.getKey())) {
        assertThat(merged.get(e.getKey())).isEqualTo(e.getValue());
      }
    });
    merged.fieldNames().forEachRemaining(name ->
        assertThat(base.has(name) || delta.has(name)).isTrue());
  }

  @Provide
  Arbitrary<ObjectNode> docs() {
    return Arbitraries.maps(Arbitraries.of("a", "b", "c", "d", "e"),
            Arbitraries.integers().between(0, 5))
        .ofMaxSize(5).map(m -> {
          ObjectNode o = Json.object();
          m.forEach(o::put);
          return o;
        });
  }

  @Provide
  Arbitrary<ObjectNode> deltas() {
    return Arbitraries.maps(Arbitraries.of("a", "b", "c", "d", "e"),
            Arbitraries.integers().between(-1, 5))
        .ofMaxSize(5).map(m -> {
          ObjectNode o = Json.object();
          m.forEach((k, v) -> {
            if (v < 0) {
              o.putNull(k);
            } else {
              o.put(k, v);
            }
          });
          return o;
        });
  }
}
