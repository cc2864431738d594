package io.livesync.worker.resolve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.ConflictResolver;
import io.livesync.worker.spi.Resolution;

/**
 * {@code version}: optimistic concurrency, "server wins". A write names the version it was based
 * on ({@code baseVersion}); it is applied only if that is still the record's version, otherwise
 * {@code rejected} and the writer gets the current record to rebase on. Timestamps play no part
 * in the decision.
 *
 * <ul>
 *   <li>A record that never existed is at version 0: an insert or a delete with no baseVersion or
 *       baseVersion 0 is applied (a delete then leaves a tombstone at version 1); any other
 *       baseVersion is rejected. An update is rejected: there is nothing to update (use insert).
 *   <li>An existing record, a tombstone included: the write needs {@code baseVersion} equal to
 *       the record's version; a missing one is rejected too, as the writer cannot have seen the
 *       record. A tombstone counts as existing so that a writer who never saw the delete cannot
 *       silently re-create the record: an insert based on the tombstone's version re-creates it,
 *       a delete based on it is applied (a new tombstone version), an update is rejected (the
 *       record is deleted; re-create it with an insert).
 *   <li>An applied write takes effect as in arrival order (insert replaces, a {@code null} in an
 *       insert means the field is absent; update merges; delete makes a tombstone) and the
 *       record's ts becomes the write's ts. Keeps no meta.
 * </ul>
 */
public final class VersionResolver implements ConflictResolver {
  public static final String NAME = "version";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Resolution resolve(StoredRecord current, Write write) {
    Long base = write.baseVersion();
    if (current == null) {
      if (write.op() == Op.UPDATE) {
        return rejected("record " + write.id() + " does not exist; an update needs an existing "
            + "record (use insert to create it)");
      }
      if (base != null && base != 0) {
        return rejected("record " + write.id() + " does not exist; the write was based on version "
            + base);
      }
    } else if (base == null) {
      return rejected("record " + write.id() + " is at version " + current.version()
          + "; the write carried no baseVersion (send the version it was based on)");
    } else if (base != current.version()) {
      return rejected("record " + write.id() + " is at version " + current.version()
          + "; the write was based on " + base);
    } else if (current.deleted() && write.op() == Op.UPDATE) {
      return rejected("record " + write.id() + " is deleted (version " + current.version()
          + "); re-create it with an insert");
    }
    boolean deleted = write.op() == Op.DELETE;
    ObjectNode data = deleted ? Json.object() : Outcomes.applied(current, write.op(), write.data());
    return Outcomes.changed(WriteStatus.APPLIED, current, write.op(), data, deleted, null,
        write.ts());
  }

  private static Resolution rejected(String reason) {
    return Resolution.unchanged(WriteStatus.REJECTED, reason);
  }
}
