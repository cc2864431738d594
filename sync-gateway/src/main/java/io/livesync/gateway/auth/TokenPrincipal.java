package io.livesync.gateway.auth;

/**
 * The principal of a verified token: its subject, the grants of its claim, and when it stops
 * being valid (its {@code exp} plus the configured leeway). Immutable.
 */
record TokenPrincipal(String user, Grants read, Grants write, long expiresAtMillis)
    implements Principal {

  @Override
  public boolean canRead(String collection) {
    return read.allows(collection);
  }

  @Override
  public boolean canWrite(String collection) {
    return write.allows(collection);
  }
}
