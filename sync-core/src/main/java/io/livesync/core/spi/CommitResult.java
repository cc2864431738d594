package io.livesync.core.spi;

import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;

/**
 * The store's answer for one {@link Mutation}.
 *
 * <ul>
 *   <li>{@link Kind#COMMITTED}: stored; {@code ack} and {@code change} carry the assigned seq
 *       ({@code change} is null when the mutation changed no record).
 *   <li>{@link Kind#CONFLICT}: the record's version was not the expected one; nothing was
 *       stored. Re-read, re-resolve, commit again.
 *   <li>{@link Kind#DUPLICATE}: the opId is already known; nothing was stored; {@code previous}
 *       is what the store remembers of it.
 * </ul>
 */
public record CommitResult(Kind kind, Ack ack, Change change, OpRecord previous) {
  public enum Kind { COMMITTED, CONFLICT, DUPLICATE }

  public static CommitResult committed(Ack ack, Change change) {
    return new CommitResult(Kind.COMMITTED, ack, change, null);
  }

  public static CommitResult conflict() {
    return new CommitResult(Kind.CONFLICT, null, null, null);
  }

  public static CommitResult duplicate(OpRecord previous) {
    return new CommitResult(Kind.DUPLICATE, null, null, previous);
  }
}
