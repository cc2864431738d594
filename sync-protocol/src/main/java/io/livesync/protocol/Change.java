package io.livesync.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One accepted change (PROTOCOL.md 2.4). Live changes carry the op's delta; catch-up items
 * carry the full current state with op {@code insert} or {@code delete}.
 *
 * @param data the delta or document; null for a delete
 * @param origin the writer's node id (from its ts), or null
 * @param opId the write's opId, or null for a catch-up item
 */
public record Change(
    String collection, String id, Op op, ObjectNode data, long version, long seq, String ts,
    String origin, String opId) {

  public Change withSeq(long newSeq) {
    return new Change(collection, id, op, data, version, newSeq, ts, origin, opId);
  }

  /** The catch-up form of a record: its full current state. */
  public static Change ofRecord(SyncRecord r) {
    return new Change(r.collection(), r.id(), r.deleted() ? Op.DELETE : Op.INSERT,
        r.deleted() ? null : r.data(), r.version(), r.seq(), r.ts(), Hlc.nodeOf(r.ts()), null);
  }
}
