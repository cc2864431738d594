package io.livesync.protocol;

/** The outcome of a write as reported in its {@code ack} (PROTOCOL.md 1.3). */
public enum WriteStatus {
  /** Took full effect; a new version and seq were assigned. */
  APPLIED("applied"),
  /** Took partial effect: some fields were older than concurrent writes. New version and seq. */
  MERGED("merged"),
  /** No effect: everything it wrote was older. No new version. */
  SUPERSEDED("superseded"),
  /** Refused by the conflict strategy or a custom resolver. No new version. */
  REJECTED("rejected");

  private final String wire;

  WriteStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** True when the write produced a new version and seq. */
  public boolean changed() {
    return this == APPLIED || this == MERGED;
  }

  public static WriteStatus fromWire(String wire) {
    for (WriteStatus s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    throw SyncException.badRequest("unknown ack status '" + wire + "'");
  }
}
