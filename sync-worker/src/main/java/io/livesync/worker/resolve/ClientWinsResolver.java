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
 * {@code client-wins}: every write is {@code applied} in arrival order, whatever its ts or
 * baseVersion. An insert replaces the document (a {@code null} value means the field is absent),
 * an update merges onto the visible document (onto {@code {}} for a missing or deleted record,
 * which creates or resurrects it), a delete makes a tombstone (also of a record that never
 * existed). The record's ts becomes the write's ts, even when older. Keeps no meta.
 */
public final class ClientWinsResolver implements ConflictResolver {
  public static final String NAME = "client-wins";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Resolution resolve(StoredRecord current, Write write) {
    boolean deleted = write.op() == Op.DELETE;
    ObjectNode data = deleted ? Json.object() : Outcomes.applied(current, write.op(), write.data());
    return Outcomes.changed(WriteStatus.APPLIED, current, write.op(), data, deleted, null,
        write.ts());
  }
}
