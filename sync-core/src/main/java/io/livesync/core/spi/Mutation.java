package io.livesync.core.spi;

import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import java.util.Objects;

/**
 * One resolved write, ready to commit.
 *
 * <p>When {@code next} is non-null the write changes the record: the store checks that the
 * record's current version is {@code expectedVersion} (0: the record must not exist), assigns
 * the collection's next seq, stores {@code next} with that seq, and fills the seq into
 * {@code change} and {@code ack} ({@link io.livesync.protocol.Ack#withSeq}: a merged ack's
 * record too), also in the outcome it remembers for the opId. When {@code next} is null (superseded, rejected) only the
 * opId's outcome is remembered.
 *
 * @param fingerprint {@link io.livesync.protocol.Write#fingerprint()}
 * @param next the record's new state with {@code version == expectedVersion + 1}; its seq is
 *     ignored and assigned by the store
 * @param change the change to publish (seq assigned by the store), or null with {@code next}
 * @param ack the ack for the writer (seq assigned by the store when {@code next} is non-null)
 */
public record Mutation(String opId, String fingerprint, long expectedVersion,
    StoredRecord next, Change change, Ack ack) {

  public Mutation {
    Objects.requireNonNull(opId, "opId");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(ack, "ack");
    if ((next == null) != (change == null)) {
      throw new IllegalArgumentException("next and change go together");
    }
    if (next != null && next.version() != expectedVersion + 1) {
      throw new IllegalArgumentException("next.version must be expectedVersion + 1");
    }
  }

  public String collection() {
    return ack.collection();
  }
}
