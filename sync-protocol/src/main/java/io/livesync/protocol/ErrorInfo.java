package io.livesync.protocol;

/** An {@code error} message (PROTOCOL.md 2.4); opId and collection are null when not relevant. */
public record ErrorInfo(ErrorCode code, String message, String opId, String collection) {
  public static ErrorInfo of(SyncException e, String opId, String collection) {
    return new ErrorInfo(e.code(), e.getMessage(), opId, collection);
  }
}
