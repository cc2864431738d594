package io.livesync.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes JSON trees and fields to a {@link StringBuilder}, character for character what {@link
 * Json#MAPPER} writes (its default generator settings: no indentation, only {@code "}, {@code \}
 * and control characters escaped, the short forms {@code \b \t \n \f \r}, other controls as
 * upper-case backslash-u00XX, doubles as {@link Double#toString}). Record data, meta, changes and
 * acks are written for every write, and the mapper's path (a serializer provider and a
 * generator per call) cost several times the writing itself. Node types other than objects,
 * arrays, strings, booleans, null, int, long and finite double are rare and left to the mapper.
 * Stateless; JsonTextTest compares it with the mapper.
 */
final class JsonText {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  /** For ASCII: 0 when written as is, -1 for backslash-u00XX, else the escape's letter. */
  private static final int[] ESCAPES = new int[128];

  static {
    for (int c = 0; c < 32; c++) {
      ESCAPES[c] = -1;
    }
    ESCAPES['"'] = '"';
    ESCAPES['\\'] = '\\';
    ESCAPES['\b'] = 'b';
    ESCAPES['\t'] = 't';
    ESCAPES['\f'] = 'f';
    ESCAPES['\n'] = 'n';
    ESCAPES['\r'] = 'r';
  }

  private JsonText() {
  }

  static void value(StringBuilder sb, JsonNode node) {
    write(sb, node, false);
  }

  /** As {@link #value}, with the names of every object sorted. */
  static void canonical(StringBuilder sb, JsonNode node) {
    write(sb, node, true);
  }

  private static void write(StringBuilder sb, JsonNode node, boolean sorted) {
    if (node instanceof ObjectNode o) {
      if (sorted) {
        sortedObject(sb, o);
      } else {
        sb.append('{');
        boolean first = true;
        Iterator<Map.Entry<String, JsonNode>> it = o.fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!first) {
            sb.append(',');
          }
          first = false;
          string(sb, e.getKey());
          sb.append(':');
          write(sb, e.getValue(), false);
        }
        sb.append('}');
      }
    } else if (node instanceof ArrayNode a) {
      sb.append('[');
      for (int i = 0, n = a.size(); i < n; i++) {
        if (i > 0) {
          sb.append(',');
        }
        write(sb, a.get(i), sorted);
      }
      sb.append(']');
    } else if (node instanceof TextNode t) {
      string(sb, t.textValue());
    } else if (node instanceof IntNode || node instanceof LongNode) {
      sb.append(node.longValue());
    } else if (node instanceof BooleanNode b) {
      sb.append(b.booleanValue());
    } else if (node instanceof NullNode) {
      sb.append("null");
    } else if (node instanceof DoubleNode d && Double.isFinite(d.doubleValue())) {
      sb.append(Double.toString(d.doubleValue()));
    } else {
      sb.append(mapper(node));
    }
  }

  private static void sortedObject(StringBuilder sb, ObjectNode o) {
    String[] names = new String[o.size()];
    Iterator<String> it = o.fieldNames();
    for (int i = 0; i < names.length; i++) {
      names[i] = it.next();
    }
    Arrays.sort(names);
    sb.append('{');
    for (int i = 0; i < names.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      string(sb, names[i]);
      sb.append(':');
      write(sb, o.get(names[i]), true);
    }
    sb.append('}');
  }

  /** A JSON string: quoted and escaped. */
  static void string(StringBuilder sb, String s) {
    sb.append('"');
    int start = 0;
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      int esc;
      if (c < 128 && (esc = ESCAPES[c]) != 0) {
        sb.append(s, start, i).append('\\');
        if (esc < 0) {
          sb.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
        } else {
          sb.append((char) esc);
        }
        start = i + 1;
      }
    }
    if (start == 0) {
      sb.append(s);
    } else {
      sb.append(s, start, s.length());
    }
    sb.append('"');
  }

  /** A JSON string, or {@code null} for null (as ObjectNode.put of a null String gives). */
  static StringBuilder stringOrNull(StringBuilder sb, String s) {
    if (s == null) {
      return sb.append("null");
    }
    string(sb, s);
    return sb;
  }

  /**
   * The number of bytes of {@code s} in UTF-8, as {@code s.getBytes(UTF_8).length} counts them
   * (an unpaired surrogate becomes one byte, {@code ?}), without encoding.
   */
  static int utf8Length(CharSequence s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        continue;
      }
      if (c < 0x800) {
        bytes += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 2; // 4 bytes for the two chars
        i++;
      } else if (!Character.isSurrogate(c)) {
        bytes += 2;
      }
    }
    return bytes;
  }

  /** The mapper's own text, for the node types written above and every other one. */
  static String mapper(JsonNode node) {
    try {
      return Json.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new SyncException(ErrorCode.INTERNAL, "cannot serialize JSON", e);
    }
  }
}
