package io.livesync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The naming rules and limits of PROTOCOL.md 1 and 2.6, with the error code of each refusal. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ValidationTest {
  private static final Limits L = Limits.DEFAULTS;
  private static final long NOW = 1_732_470_000_000L;

  @Test
  void collectionNames() {
    for (String ok : List.of("todos", "user:alice:todos", "a.b-c_d:E9", "x", "a".repeat(128))) {
      assertThat(Validation.collection(ok)).isEqualTo(ok);
    }
    for (String bad : List.of("", "a".repeat(129), "bad name", "slash/x", "ünïcode", "at@x",
        "tab\t", "new\nline", "semi;colon", "star*")) {
      assertBadRequest(() -> Validation.collection(bad), bad);
    }
    assertBadRequest(() -> Validation.collection(null), "null");
    assertThatThrownBy(() -> Validation.collection("bad name!"))
        .hasMessageContaining("'bad name!'").hasMessageContaining("letters, digits");
  }

  @Test
  void recordIdsAndOpIds() {
    for (String ok : List.of("t1", "alice@example.com", "a:b.c-d_e", "550e8400-e29b-41d4-a716-"
        + "446655440000", "i".repeat(128))) {
      assertThat(Validation.id(ok)).isEqualTo(ok);
      assertThat(Validation.opId(ok)).isEqualTo(ok);
    }
    for (String bad : List.of("", "i".repeat(129), "bad id", "x/y", "é", "a#b", "q?")) {
      assertBadRequest(() -> Validation.id(bad), bad);
      assertBadRequest(() -> Validation.opId(bad), bad);
    }
    assertBadRequest(() -> Validation.id(null), "null");
    assertBadRequest(() -> Validation.opId(null), "null");
  }

  @Test
  void reservedTopLevelFieldsAreRefusedNestedOnesAreNot() {
    assertBadRequest(() -> Validation.data(Json.object().put("_id", 1), L), "_id");
    assertBadRequest(() -> Validation.data(Json.object().put("ok", 1).put("_", 2), L), "_");
    assertThatThrownBy(() -> Validation.data(Json.object().put("_rev", 1), L))
        .hasMessageContaining("reserved");
    ObjectNode nested = Json.object();
    nested.putObject("meta").put("_internal", 1);
    assertThatCode(() -> Validation.data(nested, L)).doesNotThrowAnyException();
    assertThatCode(() -> Validation.data(Json.object().put("a_b", 1), L))
        .doesNotThrowAnyException();
  }

  @Test
  void depthExactly32IsAcceptedAnd33IsTooLarge() {
    assertThatCode(() -> Validation.data(nestedObjects(32), L)).doesNotThrowAnyException();
    assertTooLarge(() -> Validation.data(nestedObjects(33), L));
    assertThatCode(() -> Validation.data(nestedArrays(32), L)).doesNotThrowAnyException();
    assertTooLarge(() -> Validation.data(nestedArrays(33), L));
    assertTooLarge(() -> Validation.data(nestedObjects(200), L));
    assertThatCode(() -> Validation.data(Json.object(), L)).doesNotThrowAnyException();

    Limits shallow = withDepth(3);
    assertThatCode(() -> Validation.data(nestedObjects(3), shallow)).doesNotThrowAnyException();
    assertTooLarge(() -> Validation.data(nestedObjects(4), shallow));
    // a wide document is not deep: siblings do not add up
    ObjectNode wide = Json.object();
    for (int i = 0; i < 100; i++) {
      wide.putObject("f" + i).putObject("g").put("h", i);
    }
    assertThatCode(() -> Validation.data(wide, shallow)).doesNotThrowAnyException();
  }

  @Test
  void dataSizeIsCountedInUtf8BytesUpToTheLimit() {
    int overhead = Json.write(Json.object().put("b", "")).getBytes(StandardCharsets.UTF_8)
        .length;
    ObjectNode exact = Json.object().put("b", "x".repeat(L.maxDataBytes() - overhead));
    assertThat(Json.write(exact).getBytes(StandardCharsets.UTF_8)).hasSize(L.maxDataBytes());
    assertThatCode(() -> Validation.data(exact, L)).doesNotThrowAnyException();
    ObjectNode over = Json.object().put("b", "x".repeat(L.maxDataBytes() - overhead + 1));
    assertTooLarge(() -> Validation.data(over, L));
    // two-byte characters: half as many fit
    int chars = (L.maxDataBytes() - overhead) / 2 + 1;
    assertTooLarge(() -> Validation.data(Json.object().put("b", "é".repeat(chars)), L));
  }

  @Test
  void tsFormat() {
    for (String ok : List.of("1732470000000-0000-deviceA", "0000000000000-ffff-a",
        "1732470000000-00af-node_1-x", "1732470000000-0000-" + "n".repeat(64))) {
      assertThatCode(() -> Validation.ts(ok, NOW, L)).as(ok).doesNotThrowAnyException();
    }
    for (String bad : List.of("", "yesterday", "173247000000-0000-dev", "17324700000000-0000-d",
        "1732470000000-000-dev", "1732470000000-00000-dev", "1732470000000-00AF-dev",
        "1732470000000-0000-", "1732470000000-0000-bad node", "1732470000000-0000-"
            + "n".repeat(65), "1732470000000_0000_dev", "1732470000000-0000-dev:1",
        " 1732470000000-0000-dev")) {
      assertBadRequest(() -> Validation.ts(bad, NOW, L), bad);
    }
    assertBadRequest(() -> Validation.ts(null, NOW, L), "null");
  }

  @Test
  void clockSkewIsMeasuredAgainstTheServerClock() {
    long skew = L.maxClockSkewMillis();
    assertThatCode(() -> Validation.ts(Hlc.format(NOW + skew, 0, "d"), NOW, L))
        .as("exactly the limit ahead").doesNotThrowAnyException();
    assertThatCode(() -> Validation.ts(Hlc.format(NOW - 365L * 24 * 3600 * 1000, 0, "d"), NOW,
        L)).as("far in the past").doesNotThrowAnyException();
    assertThatThrownBy(() -> Validation.ts(Hlc.format(NOW + skew + 1, 0, "d"), NOW, L))
        .isInstanceOf(SyncException.class)
        .satisfies(e -> assertThat(((SyncException) e).code()).isEqualTo(ErrorCode.CLOCK_SKEW))
        .hasMessageContaining("ahead");
    Write future = new Write(Op.INSERT, "o", "c", "i", Json.object(),
        Hlc.format(NOW + 3_600_000, 0, "d"), null);
    assertThatThrownBy(() -> Validation.write(future, NOW, L))
        .satisfies(e -> assertThat(((SyncException) e).code()).isEqualTo(ErrorCode.CLOCK_SKEW));
  }

  @Test
  void wholeWrites() {
    assertThatCode(() -> Validation.write(new Write(Op.INSERT, "o", "c", "i",
        Json.object().put("a", 1), null, null), NOW, L)).doesNotThrowAnyException();
    assertThatCode(() -> Validation.write(new Write(Op.UPDATE, "o", "c", "i",
        Json.object().putNull("a"), Hlc.format(NOW, 0, "d"), 3L), NOW, L))
        .as("null removes a field in an update").doesNotThrowAnyException();
    assertThatCode(() -> Validation.write(new Write(Op.DELETE, "o", "c", "i", null, null, null),
        NOW, L)).doesNotThrowAnyException();
    assertThatCode(() -> Validation.write(new Write(Op.DELETE, "o", "c", "i", Json.object(),
        null, null), NOW, L)).doesNotThrowAnyException();
    assertBadRequest(() -> Validation.write(new Write(Op.DELETE, "o", "c", "i",
        Json.object().put("a", 1), null, null), NOW, L), "delete with data");
    assertBadRequest(() -> Validation.write(new Write(Op.INSERT, "o", "c", "i", null, null,
        null), NOW, L), "insert without data");
    assertBadRequest(() -> Validation.write(new Write(Op.UPDATE, "o", "c", "i", null, null,
        null), NOW, L), "update without data");
    assertBadRequest(() -> Validation.write(new Write(Op.INSERT, "o", "c", "i", Json.object(),
        null, -1L), NOW, L), "negative baseVersion");
    assertBadRequest(() -> Validation.write(new Write(Op.INSERT, "o", "bad name", "i",
        Json.object(), null, null), NOW, L), "bad collection");
    assertBadRequest(() -> Validation.write(new Write(Op.INSERT, "o o", "c", "i",
        Json.object(), null, null), NOW, L), "bad opId");
    assertBadRequest(() -> Validation.write(new Write(Op.INSERT, "o", "c", "i",
        Json.object().put("_x", 1), null, null), NOW, L), "reserved");
    assertTooLarge(() -> Validation.write(new Write(Op.UPDATE, "o", "c", "i", nestedObjects(33),
        null, null), NOW, L));
  }

  @Test
  void limitsRefuseNonPositiveValuesNamingTheSetting() {
    assertThatThrownBy(() -> new Limits(0, 1, 1, 1, 1, 1, 1, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFrameBytes");
    assertThatThrownBy(() -> new Limits(1, 1, 1, 1, 1, 1, 1, 1, 1, -5))
        .hasMessageContaining("maxPageSize");
    assertThatThrownBy(() -> withDepth(Json.PARSER_MAX_DEPTH))
        .hasMessageContaining("maxDepth");
    assertThat(L.maxFrameBytes()).isEqualTo(1 << 20);
    assertThat(L.maxDataBytes()).isEqualTo(256 * 1024);
    assertThat(L.maxDepth()).isEqualTo(32);
    assertThat(L.maxSubscriptions()).isEqualTo(256);
    assertThat(L.maxWritesPerSecond()).isEqualTo(1000);
    assertThat(L.maxBacklogBytes()).isEqualTo(4L << 20);
    assertThat(L.maxHttpBodyBytes()).isEqualTo(4L << 20);
    assertThat(L.maxPushWrites()).isEqualTo(500);
    assertThat(L.maxClockSkewMillis()).isEqualTo(60_000);
  }

  @Test
  void parserRefusesAbsurdNestingAsBadRequest() {
    String deep = "{\"a\":".repeat(Json.PARSER_MAX_DEPTH + 10) + "1"
        + "}".repeat(Json.PARSER_MAX_DEPTH + 10);
    assertBadRequest(() -> Json.parseObject(deep), "parser depth");
  }

  // ------------------------------------------------------------------ helpers

  /** A data object whose depth is {@code depth}: itself at 1, each nested object one more. */
  static ObjectNode nestedObjects(int depth) {
    ObjectNode root = Json.object();
    ObjectNode at = root;
    for (int d = 2; d <= depth; d++) {
      at = at.putObject("n");
    }
    at.put("leaf", true);
    return root;
  }

  private static ObjectNode nestedArrays(int depth) {
    ObjectNode root = Json.object();
    if (depth == 1) {
      return root;
    }
    ArrayNode at = root.putArray("a");
    for (int d = 3; d <= depth; d++) {
      at = at.addArray();
    }
    at.add(1);
    return root;
  }

  private static Limits withDepth(int depth) {
    return new Limits(L.maxFrameBytes(), L.maxDataBytes(), depth, L.maxSubscriptions(),
        L.maxWritesPerSecond(), L.maxBacklogBytes(), L.maxHttpBodyBytes(), L.maxPushWrites(),
        L.maxClockSkewMillis(), L.maxPageSize());
  }

  private static void assertBadRequest(ThrowingCallable call, String what) {
    assertThatThrownBy(call).as(what).isInstanceOf(SyncException.class)
        .satisfies(e -> assertThat(((SyncException) e).code()).as(what)
            .isEqualTo(ErrorCode.BAD_REQUEST));
  }

  private static void assertTooLarge(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(SyncException.class)
        .satisfies(e -> assertThat(((SyncException) e).code()).isEqualTo(ErrorCode.TOO_LARGE));
  }
}
