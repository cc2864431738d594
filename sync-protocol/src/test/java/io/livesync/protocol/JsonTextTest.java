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
      ObjectNode doc = object(random, 0);
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
      ObjectNode data = random.nextInt(5) == 0 ? null : object(random, 0);
      Change c = new Change(text(random), text(random), op, data, random.nextLong(),
          random.nextInt(1000), random.nextInt(8) == 0 ? null : text(random),
          random.nextBoolean() ? null : text(random), random.nextBoolean() ? null : text(random));
      assertThat(Codec.change(c)).isEqualTo(mapper(Codec.changeNode(c, true)));

      SyncRecord record = random.nextBoolean() ? null : new SyncRecord(text(random),
          text(random), object(random, 0), random.nextInt(50), random.nextLong(),
          random.nextInt(8) == 0 ? null : text(random), random.nextBoolean());
      WriteStatus status = WriteStatus.values()[random.nextInt(WriteStatus.values().length)];
      Ack a = new Ack(text(random), text(random), text(random), status, random.nextInt(99),
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

  private static String text(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(12);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      sb.append(switch (kind) {
        case 0 -> (char) r.nextInt(0x20);
        case 1 -> "\"\\/".charAt(r.nextInt(3));
        case 2 -> (char) (0x80 + r.nextInt(0x780));
        case 3 -> (char) (0x800 + r.nextInt(0xF7FF));
        case 4 -> "\uD83D\uDE00";
        default -> (char) (0x20 + r.nextInt(0x5F));
      });
    }
    return sb.toString();
  }

  private static ObjectNode object(Random r, int depth) {
    ObjectNode o = F.objectNode();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      o.set(r.nextBoolean() ? text(r) : "f" + r.nextInt(20), value(r, depth + 1));
    }
    return o;
  }

  private static JsonNode value(Random r, int depth) {
    switch (r.nextInt(depth > 3 ? 10 : 12)) {
      case 0: return F.textNode(text(r));
      case 1: return F.numberNode(r.nextInt());
      case 2: return F.numberNode(r.nextLong());
      case 3: return F.numberNode(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
      case 4: return F.booleanNode(r.nextBoolean());
      case 5: return F.nullNode();
      case 6: return F.numberNode(new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(20) - 10));
      case 7: return F.numberNode(BigInteger.valueOf(r.nextLong()).shiftLeft(r.nextInt(80)));
      case 8: return F.numberNode(r.nextFloat());
      case 9: return F.numberNode((double) r.nextInt(1_000_000));
      case 10: {
        ArrayNode a = F.arrayNode();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          a.add(value(r, depth + 1));
        }
        return a;
      }
      default: return object(r, depth);
    }
  }
}
