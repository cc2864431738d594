package io.livesync.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import java.util.UUID;

/**
 * Builds {@link Mutation}s the way the worker does, from the real protocol types, for store
 * tests. Every seq is left at 0: the store assigns it.
 */
public final class StoreFixtures {
  public static final String NODE = "tester";

  private StoreFixtures() {
  }

  public static String newOpId() {
    return UUID.randomUUID().toString();
  }

  /** A JSON object from name/value pairs. */
  public static ObjectNode doc(Object... namesAndValues) {
    ObjectNode o = Json.object();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      o.set((String) namesAndValues[i], Json.MAPPER.valueToTree(namesAndValues[i + 1]));
    }
    return o;
  }

  /** Creates a record that must not exist yet (expected version 0). */
  public static Mutation insert(String collection, String id, ObjectNode data) {
    return put(collection, id, 0, data, null, newOpId(), System.currentTimeMillis());
  }

  /** Replaces the record's document, expecting it at {@code expectedVersion}. */
  public static Mutation update(String collection, String id, long expectedVersion,
      ObjectNode data) {
    return put(collection, id, expectedVersion, data, null, newOpId(),
        System.currentTimeMillis());
  }

  /** Sets the record to {@code data} and {@code meta} at {@code expectedVersion + 1}. */
  public static Mutation put(String collection, String id, long expectedVersion, ObjectNode data,
      ObjectNode meta, String opId, long updatedAt) {
    Op op = expectedVersion == 0 ? Op.INSERT : Op.UPDATE;
    String ts = Hlc.format(updatedAt, 0, NODE);
    long version = expectedVersion + 1;
    StoredRecord next = new StoredRecord(collection, id, data, version, 0, ts, false, meta,
        updatedAt);
    Change change = new Change(collection, id, op, data, version, 0, ts, NODE, opId);
    Ack ack = new Ack(opId, collection, id, WriteStatus.APPLIED, version, 0, null);
    return new Mutation(opId, fingerprint(op, opId, collection, id, data, ts, expectedVersion),
        expectedVersion, next, change, ack);
  }

  /** Tombstones the record, expecting it at {@code expectedVersion}. */
  public static Mutation delete(String collection, String id, long expectedVersion,
      long updatedAt) {
    String opId = newOpId();
    String ts = Hlc.format(updatedAt, 0, NODE);
    long version = expectedVersion + 1;
    StoredRecord next = new StoredRecord(collection, id, Json.object(), version, 0, ts, true,
        null, updatedAt);
    Change change = new Change(collection, id, Op.DELETE, null, version, 0, ts, NODE, opId);
    Ack ack = new Ack(opId, collection, id, WriteStatus.APPLIED, version, 0, null);
    return new Mutation(opId,
        fingerprint(Op.DELETE, opId, collection, id, null, ts, expectedVersion),
        expectedVersion, next, change, ack);
  }

  /**
   * A write that changed nothing ({@code superseded} or {@code rejected}): only its outcome is
   * remembered. The ack carries the current record, as the protocol says.
   */
  public static Mutation outcome(String opId, WriteStatus status, StoredRecord current) {
    Ack ack = new Ack(opId, current.collection(), current.id(), status, current.version(),
        current.seq(), current.toSyncRecord());
    String fp = fingerprint(Op.UPDATE, opId, current.collection(), current.id(),
        doc("stale", true), null, current.version());
    return new Mutation(opId, fp, current.version(), null, null, ack);
  }

  /** The same mutation under another opId (a different write that happens to look alike). */
  public static Mutation withOpId(Mutation m, String opId) {
    Change c = m.change();
    Ack a = m.ack();
    return new Mutation(opId, m.fingerprint(), m.expectedVersion(), m.next(),
        c == null ? null : new Change(c.collection(), c.id(), c.op(), c.data(), c.version(),
            c.seq(), c.ts(), c.origin(), opId),
        new Ack(opId, a.collection(), a.id(), a.status(), a.version(), a.seq(), a.record()));
  }

  private static String fingerprint(Op op, String opId, String collection, String id,
      ObjectNode data, String ts, long baseVersion) {
    return new Write(op, opId, collection, id, data, ts, baseVersion).fingerprint();
  }
}
