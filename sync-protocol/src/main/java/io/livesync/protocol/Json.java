package io.livesync.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The shared JSON mapper and helpers. */
public final class Json {
  /**
   * Nesting deeper than this is refused by the parser itself, before any of our checks; the
   * protocol's own depth limit (32 by default) is checked by {@link Validation}.
   */
  public static final int PARSER_MAX_DEPTH = 256;

  /** Parse errors never quote the input: it may be a record's payload, which is never logged. */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false)
      .configure(com.fasterxml.jackson.core.StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION, false)
      .build();

  static {
    MAPPER.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(PARSER_MAX_DEPTH).build());
  }

  private Json() {
  }

  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  public static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw SyncException.badRequest("malformed JSON: " + e.getOriginalMessage());
    }
  }

  public static ObjectNode parseObject(String text) {
    JsonNode node = parse(text);
    if (node == null || !node.isObject()) {
      throw SyncException.badRequest("expected a JSON object");
    }
    return (ObjectNode) node;
  }

  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new SyncException(ErrorCode.INTERNAL, "cannot serialize JSON", e);
    }
  }

  /** Writes the fields of one flat object. */
  @FunctionalInterface
  public interface FieldWriter {
    void write(JsonGenerator g) throws IOException;
  }

  /**
   * One JSON object written straight to a generator: what {@link #write} of the same fields in
   * the same order gives, without building a tree and a serializer provider first.
   */
  public static String writeFields(FieldWriter fields) {
    SegmentedStringWriter sw = new SegmentedStringWriter(MAPPER.getFactory()._getBufferRecycler());
    try {
      try (JsonGenerator g = MAPPER.getFactory().createGenerator(sw)) {
        g.writeStartObject();
        fields.write(g);
        g.writeEndObject();
      }
      return sw.getAndClear();
    } catch (IOException e) {
      throw new SyncException(ErrorCode.INTERNAL, "cannot serialize JSON", e);
    }
  }

  /** Serializes with object keys sorted at every level, so equal documents give equal text. */
  public static String canonical(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    appendCanonical(node, sb);
    return sb.toString();
  }

  private static void appendCanonical(JsonNode node, StringBuilder sb) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      sb.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(quote(names.get(i))).append(':');
        appendCanonical(node.get(names.get(i)), sb);
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
        appendCanonical(it.next(), sb);
      }
      sb.append(']');
    } else {
      sb.append(write(node));
    }
  }

  private static String quote(String s) {
    return write(JsonNodeFactory.instance.textNode(s));
  }

  /** Converts a JSON object to plain Java maps, lists and scalars. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> toMap(ObjectNode node) {
    return MAPPER.convertValue(node, Map.class);
  }

  public static ObjectNode fromMap(Map<String, ?> map) {
    return MAPPER.valueToTree(map);
  }
}
