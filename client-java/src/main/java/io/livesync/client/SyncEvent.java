package io.livesync.client;

import io.livesync.protocol.Ack;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.SyncRecord;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;

/**
 * Something the client observed: a connection state change, a collection caught up, a write's
 * outcome, an error. Delivered to listeners registered with
 * {@link SyncClient#addEventListener}, in the order the client saw them.
 */
public sealed interface SyncEvent {

  /** The connection moved from one state to another; {@code reason} says why (may be null). */
  record StateChanged(ConnectionState previous, ConnectionState current, String reason)
      implements SyncEvent {
  }

  /**
   * A collection is caught up with the server: the local copy reflects every change up to
   * {@code seq} in {@code epoch}.
   */
  record Synced(String collection, String epoch, long seq) implements SyncEvent {
  }

  /**
   * The server told the client to drop its copy of a collection (its cursor was below the
   * horizon or named another epoch). The copy is replaced, without flicker, once the reload
   * completes; pending writes are kept.
   */
  record CollectionReset(String collection) implements SyncEvent {
  }

  /** The server acknowledged a write, with any status. */
  record Acked(Write write, Ack ack) implements SyncEvent {
  }

  /**
   * A write did not fully win: {@code merged} (some fields lost to newer writes),
   * {@code superseded} (everything it wrote was older) or {@code rejected} (refused by the
   * conflict strategy). {@code winner} is the server's record, which replaced the local one; it
   * is null when the record does not exist on the server.
   */
  record Conflict(Write write, WriteStatus status, SyncRecord winner) implements SyncEvent {
  }

  /**
   * A write was moved to the dead-letter list ({@link SyncClient#deadLetters()}): rejected by
   * the conflict strategy, or refused with a permanent error (invalid, forbidden). Later writes
   * are not blocked by it.
   */
  record DeadLettered(DeadLetter deadLetter) implements SyncEvent {
  }

  /**
   * An error not tied to one write: a server {@code error} frame (e.g. a subscription refused),
   * a transport failure, a malformed message. {@code error} is null for local failures.
   */
  record Error(ErrorInfo error, Throwable cause) implements SyncEvent {
  }
}
