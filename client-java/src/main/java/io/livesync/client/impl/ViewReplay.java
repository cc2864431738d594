package io.livesync.client.impl;

import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.ShallowMerge;
import io.livesync.protocol.SyncRecord;
import java.util.List;

/**
 * The local view of one record: the server's state with the outbox entries not yet reflected in
 * it replayed on top, in outbox order. Pure function.
 */
final class ViewReplay {
  private ViewReplay() {
  }

  /**
   * Returns the view, or null when the record does not exist in it (absent or deleted).
   *
   * @param server the server state known locally, or null
   * @param entries the record's outbox entries in outbox order
   */
  static SyncRecord replay(String collection, String id, SyncRecord server,
      List<OutboxEntry> entries) {
    var data = server != null && !server.deleted() ? server.data() : null;
    long version = server == null ? 0 : server.version();
    long seq = server == null ? 0 : server.seq();
    String ts = server == null ? null : server.ts();
    for (OutboxEntry e : entries) {
      if (!e.pending() && e.ackedVersion() <= version) {
        continue; // already part of the server state
      }
      Op op = e.write().op();
      if (op == Op.DELETE) {
        data = null;
      } else {
        data = ShallowMerge.apply(op == Op.INSERT || data == null ? Json.object() : data,
            e.write().data());
      }
      ts = e.write().ts();
    }
    return data == null ? null : new SyncRecord(collection, id, data, version, seq, ts, false);
  }
}
