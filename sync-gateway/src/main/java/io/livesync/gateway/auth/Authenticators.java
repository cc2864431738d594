package io.livesync.gateway.auth;

import io.livesync.core.config.AuthConfig;
import io.vertx.core.Vertx;

/** Chooses the authenticator a configuration asks for. */
public final class Authenticators {
  private Authenticators() {
  }

  /**
   * {@link JwtAuthenticator} when authentication is on, else {@link Authenticator#DISABLED}
   * (which {@code ConfigLoader} only allows on a loopback bind).
   *
   * @throws io.livesync.core.config.ConfigException when key material cannot be loaded
   */
  public static Authenticator forConfig(Vertx vertx, AuthConfig config) {
    return config.enabled() ? JwtAuthenticator.create(vertx, config) : Authenticator.DISABLED;
  }
}
