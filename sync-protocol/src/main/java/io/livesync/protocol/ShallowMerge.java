package io.livesync.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/** The protocol's shallow-merge rule for {@code update} (PROTOCOL.md 1.3). */
public final class ShallowMerge {
  private ShallowMerge() {
  }

  /**
   * Returns a new document: {@code base} with each top-level key of {@code delta} replacing that
   * field, and each {@code null} value removing it. Neither argument is modified.
   */
  public static ObjectNode apply(ObjectNode base, ObjectNode delta) {
    ObjectNode result = base == null ? Json.object() : base.deepCopy();
    Iterator<Map.Entry<String, JsonNode>> it = delta.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue() == null || e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), e.getValue());
      }
    }
    return result;
  }

  /** Applies a write's effect to a document: insert replaces, update merges, delete empties. */
  public static ObjectNode applyWrite(ObjectNode base, Op op, ObjectNode data) {
    switch (op) {
      case INSERT: return apply(Json.object(), data);
      case UPDATE: return apply(base, data);
      default: return Json.object();
    }
  }
}
