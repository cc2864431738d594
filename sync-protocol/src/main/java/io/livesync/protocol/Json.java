package io.livesync.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  /** The text {@link #MAPPER} writes for {@code node}, byte for byte (see {@link JsonText}). */
  public static String write(JsonNode node) {
    StringBuilder sb = new StringBuilder(128);
    JsonText.value(sb, node);
    return sb.toString();
  }

  /** The size in bytes of {@link #write}'s text in UTF-8, without encoding it. */
  public static int utf8Size(JsonNode node) {
    StringBuilder sb = new StringBuilder(128);
    JsonText.value(sb, node);
    return JsonText.utf8Length(sb);
  }

  /**
   * Serializes with object keys sorted at every level, so equal documents give equal text (the
   * fingerprint of every write). Each name and scalar is written as {@link #write} writes it, so
   * stored fingerprints keep matching.
   */
  public static String canonical(JsonNode node) {
    StringBuilder sb = new StringBuilder(128);
    JsonText.canonical(sb, node);
    return sb.toString();
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
