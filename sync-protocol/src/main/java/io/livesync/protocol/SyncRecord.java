package io.livesync.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One record as the protocol shows it (PROTOCOL.md 1 and 3). A tombstone has
 * {@code deleted == true} and empty data. Treat {@code data} as immutable once built.
 */
public record SyncRecord(
    String collection, String id, ObjectNode data, long version, long seq, String ts,
    boolean deleted) {

  public SyncRecord {
    Objects.requireNonNull(collection, "collection");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(data, "data");
  }

  public SyncRecord withSeq(long newSeq) {
    return new SyncRecord(collection, id, data, version, newSeq, ts, deleted);
  }
}
