package io.livesync.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;

/**
 * Generated JSON for the encoders' comparison tests: text with control characters, quotes,
 * backslashes, non-ASCII and surrogate pairs; ints, longs, doubles across magnitudes,
 * BigDecimals, BigIntegers, floats; nested arrays and objects.
 */
final class RandomJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private RandomJson() {
  }

  static String text(Random r) {
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

  static ObjectNode object(Random r, int depth) {
    ObjectNode o = F.objectNode();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      o.set(r.nextBoolean() ? text(r) : "f" + r.nextInt(20), value(r, depth + 1));
    }
    return o;
  }

  static JsonNode value(Random r, int depth) {
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
