package io.livesync.worker.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.ShallowMerge;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.Resolution;
import java.util.Iterator;
import java.util.Map;

/** What every strategy shares: the visible document and the live change of a resolution. */
final class Outcomes {
  private Outcomes() {
  }

  /** The document a client sees: empty when the record does not exist or is a tombstone. */
  static ObjectNode visible(StoredRecord current) {
    if (current == null || current.deleted() || current.data() == null) {
      return Json.object();
    }
    return current.data();
  }

  /**
   * A changed record with its live change (PROTOCOL.md 2.4): a tombstone is published as a
   * {@code delete} without data; the result of an {@code update} as the diff from the old visible
   * document (so an update that resurrects a tombstone carries the whole document, still as an
   * update applied onto an empty one); anything else (an insert, or a delete that only partly
   * took effect) as an {@code insert} with the full document.
   */
  static Resolution changed(WriteStatus status, StoredRecord current, Op op, ObjectNode data,
      boolean deleted, ObjectNode meta, String ts) {
    if (deleted) {
      return Resolution.changed(status, Json.object(), true, meta, ts, Op.DELETE, null);
    }
    if (op == Op.UPDATE) {
      return Resolution.changed(status, data, false, meta, ts, Op.UPDATE,
          diff(visible(current), data));
    }
    return Resolution.changed(status, data, false, meta, ts, Op.INSERT, data);
  }

  /** Changed and added keys with their new values, removed keys with JSON null. */
  static ObjectNode diff(ObjectNode before, ObjectNode after) {
    ObjectNode delta = Json.object();
    Iterator<Map.Entry<String, JsonNode>> it = after.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().equals(before.get(e.getKey()))) {
        delta.set(e.getKey(), e.getValue());
      }
    }
    Iterator<String> names = before.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!after.has(name)) {
        delta.putNull(name);
      }
    }
    return delta;
  }

  /** The document a write leaves when applied on top of {@code current} in arrival order. */
  static ObjectNode applied(StoredRecord current, Op op, ObjectNode data) {
    return ShallowMerge.applyWrite(visible(current), op, data);
  }
}
