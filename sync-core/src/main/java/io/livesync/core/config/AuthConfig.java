package io.livesync.core.config;

/**
 * Authentication of tokens (PROTOCOL.md 2.1) and the per-user connection cap. Key material is
 * given as a value or a location; {@link #toString()} never shows a secret.
 *
 * @param enabled verify tokens (env {@code SYNC_AUTH} {@code on}/{@code off}; default: on when
 *     any key is configured). Off is only allowed on a loopback bind
 * @param jwtSecret HS256 shared secret, at least 32 bytes (env {@code SYNC_JWT_SECRET})
 * @param previousJwtSecret a second HS256 secret accepted beside {@code jwtSecret} while the
 *     token issuer moves from one to the other, at least 32 bytes (env {@code
 *     SYNC_JWT_PREVIOUS_SECRET}); only with {@code jwtSecret}
 * @param publicKey RS256/ES256 public keys: a PEM file path, or the PEM text itself (env {@code
 *     SYNC_JWT_PUBLIC_KEY}); several {@code PUBLIC KEY} blocks may follow each other
 * @param jwks a JSON Web Key Set: an {@code https://} URL ({@code http://} only for loopback
 *     hosts), a file path, or the JSON text itself (env {@code SYNC_JWT_JWKS})
 * @param issuer required {@code iss} when set (env {@code SYNC_JWT_ISSUER})
 * @param audience required {@code aud} entry when set (env {@code SYNC_JWT_AUDIENCE})
 * @param claim the claim that carries read/write patterns (default {@code sync}; env {@code
 *     SYNC_JWT_CLAIM})
 * @param leewaySeconds clock leeway for {@code exp}, {@code nbf} and {@code iat} (default 30)
 * @param jwksRefreshMillis how often the JWKS is fetched again, and the least time between two
 *     fetches triggered by an unknown {@code kid} is a tenth of it (default 10 min)
 * @param maxConnectionsPerUser open WebSockets one subject may hold in this process; more are
 *     refused with HTTP 429 before the upgrade (default 100; not applied to {@code anonymous})
 */
public record AuthConfig(boolean enabled, String jwtSecret, String previousJwtSecret,
    String publicKey, String jwks,
    String issuer, String audience, String claim, int leewaySeconds, long jwksRefreshMillis,
    int maxConnectionsPerUser) {

  /** True when any key material is configured. */
  public boolean hasKeys() {
    return jwtSecret != null || publicKey != null || jwks != null;
  }

  @Override
  public String toString() {
    return "AuthConfig[enabled=" + enabled + ", jwtSecret=" + (jwtSecret == null ? "(none)"
        : "***") + ", previousJwtSecret=" + (previousJwtSecret == null ? "(none)" : "***")
        + ", publicKey=" + shown(publicKey) + ", jwks=" + shown(jwks) + ", issuer="
        + issuer + ", audience=" + audience + ", claim=" + claim + ", leewaySeconds="
        + leewaySeconds + ", jwksRefreshMillis=" + jwksRefreshMillis
        + ", maxConnectionsPerUser=" + maxConnectionsPerUser + "]";
  }

  /** A location is shown; inline key material only as its kind. */
  static String shown(String value) {
    if (value == null) {
      return "(none)";
    }
    String v = value.trim();
    if (v.startsWith("-----BEGIN")) {
      return "(inline PEM)";
    }
    if (v.startsWith("{")) {
      return "(inline JWKS)";
    }
    int query = v.indexOf('?');
    return ConfigLoader.redactUrl(query < 0 ? v : v.substring(0, query) + "?…");
  }
}
