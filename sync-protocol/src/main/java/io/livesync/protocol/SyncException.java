package io.livesync.protocol;

/**
 * The one unchecked root of every sync failure. Carries a protocol {@link ErrorCode} and a
 * message written for the person who made the request. Expected failures (validation, limits)
 * are created without a stack trace: they are answers, not bugs.
 */
public class SyncException extends RuntimeException {
  private final ErrorCode code;

  public SyncException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public SyncException(ErrorCode code, String message, Throwable cause) {
    super(message, cause, true, true);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public static SyncException badRequest(String message) {
    return new SyncException(ErrorCode.BAD_REQUEST, message);
  }

  public static SyncException tooLarge(String message) {
    return new SyncException(ErrorCode.TOO_LARGE, message);
  }
}
