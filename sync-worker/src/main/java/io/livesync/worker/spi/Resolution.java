package io.livesync.worker.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Op;
import io.livesync.protocol.WriteStatus;

/**
 * What a {@link ConflictResolver} decided for one write.
 *
 * <p>For {@code applied} and {@code merged}: the record's new state ({@code data}, {@code
 * deleted}, {@code meta}, {@code ts}) and the live change to publish ({@code changeOp}, {@code
 * changeData}: for an update, only the fields that changed with {@code null} for removed ones;
 * for an insert, the full document; for a delete, null). For {@code superseded} and {@code
 * rejected}: only the status (and an optional reason); the record is unchanged.
 *
 * @param ts the record's new timestamp: the greatest ts it has seen
 */
public record Resolution(WriteStatus status, ObjectNode data, boolean deleted, ObjectNode meta,
    String ts, Op changeOp, ObjectNode changeData, String reason) {

  public static Resolution unchanged(WriteStatus status, String reason) {
    if (status.changed()) {
      throw new IllegalArgumentException(status + " must change the record");
    }
    return new Resolution(status, null, false, null, null, null, null, reason);
  }

  public static Resolution changed(WriteStatus status, ObjectNode data, boolean deleted,
      ObjectNode meta, String ts, Op changeOp, ObjectNode changeData) {
    if (!status.changed()) {
      throw new IllegalArgumentException(status + " cannot change the record");
    }
    return new Resolution(status, data, deleted, meta, ts, changeOp, changeData, null);
  }
}
