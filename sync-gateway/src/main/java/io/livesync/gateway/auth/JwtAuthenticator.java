package io.livesync.gateway.auth;

import io.livesync.core.config.AuthConfig;
import io.livesync.core.config.ConfigException;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies JWTs with Vert.x Auth JWT (PROTOCOL.md 2.1) and turns them into principals.
 *
 * <p>Stricter than {@code JWTAuth} alone: the header is checked first ({@code alg} must be one
 * the configured keys pin, never {@code none}; no {@code crit}; {@code kid} a bounded string
 * that is only compared with configured key ids); {@code exp} is required; {@code iss} and
 * {@code aud} are checked when configured; {@code sub} is required. The {@code sync} claim (name
 * configurable) gives the grants; no claim, no access.
 *
 * <p>A JWKS from a file or URL is fetched again every {@code jwksRefreshMillis} (in the
 * background, triggered by traffic) and at once, at most every tenth of that, when a token names
 * a kid the current set does not know, which is how a key rotation is picked up. A failed fetch
 * keeps the keys already loaded. Tokens and claims are never logged.
 *
 * <p>Thread-safe: shared by every gateway instance of a process, called on their event loops;
 * never blocks there.
 */
public final class JwtAuthenticator implements Authenticator {
  private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
  /** Tokens may live at most this long past now, so expiry timers stay sane. */
  private static final long MAX_LIFETIME_MILLIS = 100L * 365 * 24 * 3600 * 1000;

  private final Vertx vertx;
  private final AuthConfig config;
  private final JWTOptions options;
  private final List<PubSecKeyOptions> staticKeys;
  private final JwksSource jwks;
  private final AtomicReference<Future<KeySet>> refreshing = new AtomicReference<>();
  private volatile Future<KeySet> keys;
  private volatile long lastAttempt;

  private JwtAuthenticator(Vertx vertx, AuthConfig config, List<PubSecKeyOptions> staticKeys,
      JwksSource jwks) {
    this.vertx = vertx;
    this.config = config;
    this.staticKeys = staticKeys;
    this.jwks = jwks;
    this.options = new JWTOptions().setLeeway(config.leewaySeconds());
    if (config.issuer() != null) {
      options.setIssuer(config.issuer());
    }
    if (config.audience() != null) {
      options.setAudience(List.of(config.audience()));
    }
  }

  /**
   * Loads the configured keys. Inline values and files are read now (a missing or malformed key
   * refuses the start with a {@link ConfigException}); a JWKS URL is fetched in the background,
   * and until it arrives tokens are answered {@code unavailable}.
   */
  public static JwtAuthenticator create(Vertx vertx, AuthConfig config) {
    if (!config.hasKeys()) {
      throw new ConfigException("authentication is on but no key is configured: set "
          + "SYNC_JWT_SECRET, SYNC_JWT_PUBLIC_KEY or SYNC_JWT_JWKS");
    }
    List<PubSecKeyOptions> staticKeys = new ArrayList<>();
    if (config.jwtSecret() != null) {
      staticKeys.add(KeyMaterial.secret(config.jwtSecret()));
    }
    if (config.previousJwtSecret() != null) {
      // a token without kid is checked against each HS256 secret in turn
      staticKeys.add(KeyMaterial.secret(config.previousJwtSecret()));
    }
    if (config.publicKey() != null) {
      staticKeys.addAll(KeyMaterial.pem(pemText(config.publicKey())));
    }
    JwksSource jwks = config.jwks() == null ? null : new JwksSource(vertx, config.jwks());
    JwtAuthenticator auth = new JwtAuthenticator(vertx, config, List.copyOf(staticKeys), jwks);
    if (jwks == null) {
      auth.keys = Future.succeededFuture(auth.build(List.of()));
    } else if (jwks.kind() == JwksSource.Kind.URL) {
      auth.keys = auth.refresh();
    } else {
      try {
        auth.keys = Future.succeededFuture(auth.build(KeyMaterial.jwks(jwks.readNow())));
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException("SYNC_JWT_JWKS (" + jwks.shown() + ") cannot be used: "
            + e.getMessage());
      }
      auth.lastAttempt = System.currentTimeMillis();
    }
    return auth;
  }

  private static String pemText(String value) {
    if (value.trim().startsWith("-----BEGIN")) {
      return value;
    }
    try {
      Path path = Path.of(value.trim());
      if (Files.size(path) > JwksSource.MAX_BYTES) {
        throw new ConfigException("SYNC_JWT_PUBLIC_KEY file " + path + " is larger than 1 MiB");
      }
      return Files.readString(path);
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException("SYNC_JWT_PUBLIC_KEY: cannot read the PEM file '" + value.trim()
          + "' (" + e.getClass().getSimpleName() + "); give the path of the issuer's public key"
          + " in PEM, or the PEM text itself");
    }
  }

  private KeySet build(List<JsonObject> jwkKeys) {
    try {
      return KeySet.of(vertx, staticKeys, jwkKeys, options);
    } catch (RuntimeException e) {
      throw new ConfigException("a configured JWT key cannot be loaded: " + e.getMessage());
    }
  }

  @Override
  public boolean anonymousAllowed() {
    return false;
  }

  @Override
  public Future<Principal> authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(new SyncException(ErrorCode.UNAUTHORIZED,
          "a token is required: Authorization: Bearer <jwt> or ?access_token=<jwt>"));
    }
    TokenHeader header;
    try {
      header = TokenHeader.parse(token);
    } catch (SyncException e) {
      return Future.failedFuture(e);
    }
    refreshInBackgroundWhenDue();
    return keysFor(header).compose(set -> verify(set, header, token));
  }

  private Future<KeySet> keysFor(TokenHeader header) {
    Future<KeySet> current = keys;
    if (!current.isComplete()) {
      return current;
    }
    if (current.failed()) {
      return refreshIfCool().recover(err -> Future.failedFuture(new SyncException(
          ErrorCode.UNAVAILABLE, "the token signing keys could not be loaded yet; retry later")));
    }
    if (jwks != null && jwks.refreshable() && current.result().unknownKid(header.kid())) {
      return refreshIfCool();
    }
    return current;
  }

  private Future<Principal> verify(KeySet set, TokenHeader header, String token) {
    if (!set.algorithms().contains(header.alg())) {
      return Future.failedFuture(TokenHeader.invalid("algorithm " + header.shownAlg()
          + " is not accepted; this server verifies " + String.join(", ", set.algorithms())));
    }
    Future<User> user;
    try {
      user = set.provider().authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      user = Future.failedFuture(e);
    }
    return user.transform(ar -> {
      if (ar.failed()) {
        SyncException e = TokenHeader.invalid(reason(ar.cause()));
        LOG.debug("token refused: {}", e.getMessage());
        return Future.failedFuture(e);
      }
      try {
        return Future.succeededFuture(principal(claims(ar.result())));
      } catch (SyncException e) {
        LOG.debug("token refused: {}", e.getMessage());
        return Future.failedFuture(e);
      }
    });
  }

  private static JsonObject claims(User user) {
    JsonObject claims = user.attributes() == null ? null
        : user.attributes().getJsonObject("accessToken");
    return claims != null ? claims : user.principal();
  }

  /** Claim checks of our own, whatever the provider already did. */
  Principal principal(JsonObject claims) {
    long now = System.currentTimeMillis();
    long leewayMillis = config.leewaySeconds() * 1000L;
    if (!(claims.getValue("exp") instanceof Number exp)) {
      throw TokenHeader.invalid("the token has no exp; tokens must expire");
    }
    double expMillis = exp.doubleValue() * 1000;
    if (!(expMillis + leewayMillis > now)) {
      throw TokenHeader.invalid("the token has expired");
    }
    if (claims.getValue("nbf") instanceof Number nbf && nbf.doubleValue() * 1000 > now
        + leewayMillis) {
      throw TokenHeader.invalid("the token is not valid yet (nbf)");
    }
    if (config.issuer() != null && !config.issuer().equals(claims.getValue("iss"))) {
      throw TokenHeader.invalid("the token's issuer (iss) is not the configured one");
    }
    if (config.audience() != null && !audienceMatches(claims.getValue("aud"))) {
      throw TokenHeader.invalid("the token's audience (aud) does not name this server");
    }
    if (!(claims.getValue("sub") instanceof String sub) || sub.isEmpty() || sub.length() > 256) {
      throw TokenHeader.invalid("the token has no subject (sub)");
    }
    Grants[] grants = Grants.ofClaim(claims.getValue(config.claim()), sub);
    long expiresAt = (long) Math.min(expMillis + leewayMillis, (double) now
        + MAX_LIFETIME_MILLIS);
    return new TokenPrincipal(sub, grants[0], grants[1], expiresAt);
  }

  private boolean audienceMatches(Object aud) {
    if (aud instanceof String s) {
      return s.equals(config.audience());
    }
    return aud instanceof JsonArray a && a.contains(config.audience());
  }

  /** A reason fit for the client; the provider's own message may carry internals. */
  private static String reason(Throwable err) {
    String m = String.valueOf(err.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (m.contains("expired")) {
      return "the token has expired";
    }
    if (m.contains("issuer")) {
      return "the token's issuer (iss) is not the configured one";
    }
    if (m.contains("audience") || m.contains("aud")) {
      return "the token's audience (aud) does not name this server";
    }
    if (m.contains("signature") || err instanceof io.vertx.ext.auth.NoSuchKeyIdException) {
      return "the signature does not verify with the configured keys";
    }
    return "the token is not valid";
  }

  // ------------------------------------------------------------------ JWKS refresh

  private void refreshInBackgroundWhenDue() {
    if (jwks != null && jwks.refreshable()
        && System.currentTimeMillis() - lastAttempt >= config.jwksRefreshMillis()) {
      refresh();
    }
  }

  /** A fetch now unless the last one started less than a tenth of the interval ago. */
  private Future<KeySet> refreshIfCool() {
    long cooldown = Math.max(1000, config.jwksRefreshMillis() / 10);
    if (System.currentTimeMillis() - lastAttempt < cooldown) {
      Future<KeySet> running = refreshing.get();
      return running != null ? running : keys;
    }
    return refresh();
  }

  /** One fetch at a time; a failure keeps the current keys. */
  private Future<KeySet> refresh() {
    io.vertx.core.Promise<KeySet> promise = io.vertx.core.Promise.promise();
    Future<KeySet> running = refreshing.compareAndExchange(null, promise.future());
    if (running != null) {
      return running;
    }
    lastAttempt = System.currentTimeMillis();
    jwks.fetch().map(text -> build(KeyMaterial.jwks(text))).onComplete(ar -> {
      refreshing.set(null);
      if (ar.succeeded()) {
        keys = Future.succeededFuture(ar.result());
        promise.complete(ar.result());
        return;
      }
      LOG.warn("JWKS from {} could not be loaded ({}); keeping the keys loaded before",
          jwks.shown(), ar.cause().getMessage());
      Future<KeySet> previous = keys;
      if (previous != null && previous.succeeded()) {
        promise.complete(previous.result());
      } else {
        promise.fail(new SyncException(ErrorCode.UNAVAILABLE,
            "the token signing keys could not be loaded yet; retry later"));
      }
    });
    return promise.future();
  }
}
