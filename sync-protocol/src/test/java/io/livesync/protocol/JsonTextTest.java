package io.livesync.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Json#write}, {@link Codec#change} and {@link Codec#ackJson} give, byte for byte, what
 * the mapper writes for the same tree (the reference: stored record data and acks, and frames
 * on the wire, must not change), and {@link Json#utf8Size} counts what getBytes would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JsonTextTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @Test
  void writeMatchesTheMapperOnRandomDocuments() {
    Random random = new Random(7);
    for (int i = 0; i < 5000; i++) {
      ObjectNode doc = RandomJson.object(random, 0);
      String expected = mapper(doc);
      assertThat(Json.write(doc)).isEqualTo(expected);
      assertThat(Json.utf8Size(doc))
          .isEqualTo(expected.getBytes(StandardCharsets.UTF_8).length);
      assertThat(Json.write(Json.parse(expected))).as("parsed back").isEqualTo(
          mapper(Json.parse(expected)));
    }
  }

  @Test
  void everyCharacterIsEscapedAsTheMapperEscapesIt() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x3000; c++) {
      all.append(c).append('x');
      String one = String.valueOf(c);
      assertThat(Json.write(F.textNode(one))).as("char %04x", (int) c)
          .isEqualTo(mapper(F.textNode(one)));
    }
    ObjectNode o = Json.object().put(all.toString(), all.toString());
    assertThat(Json.write(o)).isEqualTo(mapper(o));
    for (String s : List.of("\uD83D\uDE00", "\uD83D", "\uDE00", "a\uD83Db", "\uFFFF", "\u2028",
        "</script>", "\u007f", "é ü 漢字")) {
      ObjectNode d = Json.object().put(s, s);
      assertThat(Json.write(d)).as(s).isEqualTo(mapper(d));
      assertThat(Json.utf8Size(d)).as(s)
          .isEqualTo(mapper(d).getBytes(StandardCharsets.UTF_8).length);
    }
  }

  @Test
  void numbersAndOtherScalarsAsTheMapperWritesThem() {
    List<JsonNode> scalars = List.of(F.numberNode(1e300), F.numberNode(-0.0), F.numberNode(0.0),
        F.numberNode(1e-7), F.numberNode(1e7), F.numberNode(123456789.125),
        F.numberNode(Double.NaN), F.numberNode(Double.POSITIVE_INFINITY), F.numberNode(1.5f),
        F.numberNode(new BigDecimal("1E+5")), F.numberNode(new BigDecimal("0.00000001")),
        F.numberNode(new BigInteger("123456789012345678901234567890")), F.numberNode((short) 3),
        F.numberNode(Integer.MIN_VALUE), F.numberNode(Long.MIN_VALUE), F.numberNode(Long.MAX_VALUE),
        F.booleanNode(true), F.booleanNode(false), F.nullNode(), F.binaryNode(new byte[] {1, 2}),
        F.pojoNode("pojo"), F.textNode(""));
    for (JsonNode scalar : scalars) {
      assertThat(Json.write(scalar)).as("%s", scalar).isEqualTo(mapper(scalar));
      ArrayNode nested = F.arrayNode().add(F.arrayNode().add(scalar).add(F.arrayNode()));
      ObjectNode inObject = Json.object().set("v", nested);
      assertThat(Json.write(inObject)).isEqualTo(mapper(inObject));
    }
    String parsed = "{\"a\":1e5,\"b\":-0,\"c\":1.0E-10,\"d\":12345678901234567890,"
        + "\"e\":[[],[[1,2.5]],{}],\"f\":1E400,\"g\":-1e-400,\"h\":0.1}";
    JsonNode doc = Json.parse(parsed);
    assertThat(Json.write(doc)).isEqualTo(mapper(doc))
        .startsWith("{\"a\":100000.0,\"b\":0,");
  }

  @Test
  void changeAndAckFramesMatchTheTreesTheyReplaced() {
    Random random = new Random(11);
    for (int i = 0; i < 2000; i++) {
      Op op = Op.values()[random.nextInt(Op.values().length)];
      ObjectNode data = random.nextInt(5) == 0 ? null : RandomJson.object(random, 0);
      Change c = new Change(RandomJson.text(random), RandomJson.text(random), op, data, random.nextLong(),
          random.nextInt(1000), random.nextInt(8) == 0 ? null : RandomJson.text(random),
          random.nextBoolean() ? null : RandomJson.text(random), random.nextBoolean() ? null : RandomJson.text(random));
      assertThat(Codec.change(c)).isEqualTo(mapper(Codec.changeNode(c, true)));

      SyncRecord record = random.nextBoolean() ? null : new SyncRecord(RandomJson.text(random),
          RandomJson.text(random), RandomJson.object(random, 0), random.nextInt(50), random.nextLong(),
          random.nextInt(8) == 0 ? null : RandomJson.text(random), random.nextBoolean());
      WriteStatus status = WriteStatus.values()[random.nextInt(WriteStatus.values().length)];
      Ack a = new Ack(RandomJson.text(random), RandomJson.text(random), RandomJson.text(random), status, random.nextInt(99),
          random.nextLong(), record);
      assertThat(Codec.ackJson(a, false)).isEqualTo(mapper(Codec.ackNode(a)));
      assertThat(Codec.ack(a)).isEqualTo(mapper(Codec.ackNode(a).put("type", "ack")));
    }
  }

  private static String mapper(JsonNode node) {
    try {
      return Json.MAPPER.writeValueAsString(node);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
