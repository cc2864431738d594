package io.livesync.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Json#canonical} gives, byte for byte, the text of the first implementation (kept here
 * as the reference: one mapper call per name and scalar), because fingerprints stored by older
 * servers are compared with new ones when a write is retried.
 */
class JsonCanonicalTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @Test
  void matchesTheReferenceOnRandomDocuments() {
    Random random = new Random(42);
    for (int i = 0; i < 3000; i++) {
      JsonNode doc = RandomJson.object(random, 0);
      assertThat(Json.canonical(doc)).isEqualTo(reference(doc));
    }
  }

  @Test
  void sortsNamesAtEveryLevelAndMatchesTheReferenceOnScalars() {
    ObjectNode o = Json.object().put("b", 1).put("a", 2.5);
    o.putObject("c").put("z", true).putNull("y");
    assertThat(Json.canonical(o)).isEqualTo("{\"a\":2.5,\"b\":1,\"c\":{\"y\":null,\"z\":true}}");
    for (JsonNode scalar : List.of(F.numberNode(1e300), F.numberNode(-0.0), F.numberNode(1.5f),
        F.numberNode(new BigDecimal("1E+5")), F.numberNode(new BigInteger("123456789012345678901234567890")),
        F.numberNode((short) 3), F.numberNode(Long.MIN_VALUE), F.textNode("é\u0000"))) {
      assertThat(Json.canonical(scalar)).isEqualTo(reference(scalar));
    }
  }


  private static String reference(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    appendReference(node, sb);
    return sb.toString();
  }

  private static void appendReference(JsonNode node, StringBuilder sb) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      sb.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(mapper(F.textNode(names.get(i)))).append(':');
        appendReference(node.get(names.get(i)), sb);
      }
      sb.append('}');
    } else if (node.isArray()) {
      sb.append('[');
      Iterator<JsonNode> it = node.elements();
      boolean first = true;
      while (it.hasNext()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        appendReference(it.next(), sb);
      }
      sb.append(']');
    } else {
      sb.append(mapper(node));
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
