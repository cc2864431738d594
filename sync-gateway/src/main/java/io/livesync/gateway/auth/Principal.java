package io.livesync.gateway.auth;

/**
 * Who a connection or request acts for, and what it may touch (PROTOCOL.md 2.1). Immutable.
 */
public interface Principal {
  /** The subject, e.g. {@code alice}; {@code anonymous} when authentication is off. */
  String user();

  boolean canRead(String collection);

  boolean canWrite(String collection);

  /** When the credential expires, in epoch millis; {@link Long#MAX_VALUE} when never. */
  long expiresAtMillis();

  /** The principal when authentication is disabled: full access, never expires. */
  Principal ANONYMOUS = new Principal() {
    @Override
    public String user() {
      return "anonymous";
    }

    @Override
    public boolean canRead(String collection) {
      return true;
    }

    @Override
    public boolean canWrite(String collection) {
      return true;
    }

    @Override
    public long expiresAtMillis() {
      return Long.MAX_VALUE;
    }
  };
}
