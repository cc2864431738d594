package io.livesync.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One write (PROTOCOL.md 2.3): an {@code insert}, {@code update} or {@code delete}.
 *
 * @param data the full document for insert, the delta for update, null for delete
 * @param ts the writer's HLC timestamp, or null when the server should stamp it
 * @param baseVersion the version the writer last saw, or null
 */
public record Write(
    Op op, String opId, String collection, String id, ObjectNode data, String ts,
    Long baseVersion) {

  public Write {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(opId, "opId");
    Objects.requireNonNull(collection, "collection");
    Objects.requireNonNull(id, "id");
  }

  public Write withTs(String newTs) {
    return new Write(op, opId, collection, id, data, newTs, baseVersion);
  }

  /**
   * A stable description of what this write asks for, used to tell a retry (same opId, same
   * write) from a re-used opId (same opId, another write). The timestamp is left out on purpose:
   * a server-stamped retry gets a new one.
   */
  public String fingerprint() {
    return op.wire() + '\u0000' + collection + '\u0000' + id + '\u0000'
        + (data == null ? "" : Json.canonical(data));
  }
}
