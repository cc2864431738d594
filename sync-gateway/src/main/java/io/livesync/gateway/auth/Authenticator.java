package io.livesync.gateway.auth;

import io.vertx.core.Future;

/**
 * Turns the token of a handshake or request into a {@link Principal}. Called on the event loop;
 * must not block.
 */
public interface Authenticator {
  /**
   * @param token the bearer token, or null when the request carried none
   * @return the principal, or a failed future with a {@code SyncException} of code {@code
   *     unauthorized}
   */
  Future<Principal> authenticate(String token);

  /** True when requests without a token are accepted as {@link Principal#ANONYMOUS}. */
  boolean anonymousAllowed();

  /** Authentication disabled: every request is {@link Principal#ANONYMOUS}. */
  Authenticator DISABLED = new Authenticator() {
    @Override
    public Future<Principal> authenticate(String token) {
      return Future.succeededFuture(Principal.ANONYMOUS);
    }

    @Override
    public boolean anonymousAllowed() {
      return true;
    }
  };
}
