package io.livesync.protocol;

/**
 * A request that could not be decoded or validated, remembering the opId and collection it
 * belonged to (when they could be read) so the {@code error} reply can name them.
 */
public final class MessageException extends SyncException {
  private final String opId;
  private final String collection;

  public MessageException(SyncException cause, String opId, String collection) {
    super(cause.code(), cause.getMessage());
    this.opId = opId;
    this.collection = collection;
  }

  public String opId() {
    return opId;
  }

  public String collection() {
    return collection;
  }

  public ErrorInfo toErrorInfo() {
    return new ErrorInfo(code(), getMessage(), opId, collection);
  }
}
