package io.livesync.core.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.SyncRecord;

/**
 * A record as the store keeps it: the protocol's view plus the conflict resolver's metadata
 * (for {@code field-lww}, the timestamp of each field) and the wall time of its last change,
 * which drives tombstone retention.
 *
 * @param meta resolver metadata, opaque to the store; null when the strategy keeps none
 * @param updatedAt wall-clock millis of the last accepted change
 */
public record StoredRecord(
    String collection, String id, ObjectNode data, long version, long seq, String ts,
    boolean deleted, ObjectNode meta, long updatedAt) {

  public SyncRecord toSyncRecord() {
    return new SyncRecord(collection, id, data, version, seq, ts, deleted);
  }

  public StoredRecord withSeq(long newSeq) {
    return new StoredRecord(collection, id, data, version, newSeq, ts, deleted, meta, updatedAt);
  }
}
