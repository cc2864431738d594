package io.livesync.protocol;

/** The outcome of one write: an {@link Ack} or an {@link ErrorInfo}, never both. */
public record WriteResult(Ack ack, ErrorInfo error) {
  public static WriteResult ack(Ack ack) {
    return new WriteResult(ack, null);
  }

  public static WriteResult error(ErrorInfo error) {
    return new WriteResult(null, error);
  }

  public boolean isAck() {
    return ack != null;
  }
}
