package io.livesync.protocol;

/** The protocol's error codes (PROTOCOL.md 2.5), each with the HTTP status it maps to. */
public enum ErrorCode {
  BAD_REQUEST("bad_request", 400),
  UNAUTHORIZED("unauthorized", 401),
  FORBIDDEN("forbidden", 403),
  NOT_FOUND("not_found", 404),
  TOO_LARGE("too_large", 413),
  RATE_LIMITED("rate_limited", 429),
  CLOCK_SKEW("clock_skew", 400),
  UNAVAILABLE("unavailable", 503),
  INTERNAL("internal", 500);

  private final String wire;
  private final int httpStatus;

  ErrorCode(String wire, int httpStatus) {
    this.wire = wire;
    this.httpStatus = httpStatus;
  }

  /** The code as it appears on the wire, e.g. {@code bad_request}. */
  public String wire() {
    return wire;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public static ErrorCode fromWire(String wire) {
    for (ErrorCode c : values()) {
      if (c.wire.equals(wire)) {
        return c;
      }
    }
    return INTERNAL;
  }
}
