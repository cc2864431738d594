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
}
