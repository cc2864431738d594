package io.livesync.worker.resolve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.ConflictResolver;
import io.livesync.worker.spi.Resolution;

/**
 * {@code record-lww}: the whole record is one last-writer-wins register keyed by {@code ts}.
 *
 * <ul>
 *   <li>A write older than the record ({@code write.ts < record.ts}) is {@code superseded}.
 *   <li>Otherwise it is {@code applied} as in arrival order: an insert replaces the document (a
 *       {@code null} value means the field is absent), an update merges onto the visible document
 *       (onto {@code {}} when the record does not exist or is deleted, which creates or
 *       resurrects it), a delete makes a tombstone (also for a record that never existed, so an
 *       older write arriving later is superseded).
 *   <li>A write at exactly the record's ts (one node reusing a timestamp, or a replay) is
 *       {@code superseded} when its result equals the record (nothing to change, no new
 *       version); otherwise the greater of the two results wins, deterministically: a tombstone
 *       beats a document, two documents are ordered by canonical JSON.
 * </ul>
 * Keeps no meta.
 */
public final class RecordLwwResolver implements ConflictResolver {
  public static final String NAME = "record-lww";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Resolution resolve(StoredRecord current, Write write) {
    if (current == null) {
      return result(null, write);
    }
    int cmp = Hlc.compare(write.ts(), current.ts());
    if (cmp < 0) {
      return Resolution.unchanged(WriteStatus.SUPERSEDED,
          "record " + current.id() + " has a newer write (ts " + current.ts() + ")");
    }
    if (cmp == 0) {
      String before = tieKey(current.deleted(), Outcomes.visible(current));
      String after = tieKey(write.op() == Op.DELETE, Outcomes.applied(current, write.op(),
          write.data()));
      if (after.compareTo(before) <= 0) {
        return Resolution.unchanged(WriteStatus.SUPERSEDED, after.equals(before)
            ? "record " + current.id() + " already holds this write's result at ts " + current.ts()
            : "record " + current.id() + " has another write at the same ts " + current.ts()
                + ", which wins the tie-break");
      }
    }
    return result(current, write);
  }

  private static Resolution result(StoredRecord current, Write write) {
    boolean deleted = write.op() == Op.DELETE;
    ObjectNode data = deleted ? Json.object() : Outcomes.applied(current, write.op(), write.data());
    return Outcomes.changed(WriteStatus.APPLIED, current, write.op(), data, deleted, null,
        write.ts());
  }

  /** Orders two results at the same ts: a tombstone ("2") above any document ("1" + JSON). */
  private static String tieKey(boolean deleted, ObjectNode data) {
    return deleted ? "2" : "1" + Json.canonical(data);
  }
}
