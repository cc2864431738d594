package io.livesync.protocol;

/**
 * The answer to a write (PROTOCOL.md 2.4). {@code record} is present for {@code superseded},
 * {@code rejected} and {@code merged} so the writer can show the winner. For {@code superseded}
 * and {@code rejected}, {@code version} and {@code seq} are those of the current record (0 when
 * it does not exist).
 */
public record Ack(
    String opId, String collection, String id, WriteStatus status, long version, long seq,
    SyncRecord record) {

  /**
   * The ack with the seq a commit assigned; a merged ack's record (the new state) gets it too.
   * The record of a superseded or rejected ack is the current one and keeps its own seq.
   */
  public Ack withSeq(long newSeq) {
    SyncRecord r = record != null && status.changed() ? record.withSeq(newSeq) : record;
    return new Ack(opId, collection, id, status, version, newSeq, r);
  }
}
