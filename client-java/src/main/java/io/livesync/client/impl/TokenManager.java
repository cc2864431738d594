package io.livesync.client.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * The current access token: asked from the application's provider when first needed and again
 * on {@link #refresh()} (a 4001 close, an HTTP 401, or shortly before {@code exp}).
 * Thread-safe.
 */
final class TokenManager {
  private final Supplier<String> provider;
  private String token;
  private boolean fetched;

  TokenManager(Supplier<String> provider) {
    this.provider = provider;
  }

  boolean enabled() {
    return provider != null;
  }

  /** The token to send, or null when none is configured (or the provider gave none). */
  synchronized String current() {
    if (provider == null) {
      return null;
    }
    if (!fetched) {
      token = provider.get();
      fetched = true;
    }
    return token;
  }

  /** Asks the provider for a new token and returns it. */
  synchronized String refresh() {
    fetched = false;
    return current();
  }

  /**
   * The token's {@code exp} claim in epoch milliseconds, or -1 when it has none or is not a
   * readable JWT. The signature is not checked: the server does that.
   */
  static long expiryMillis(String jwt) {
    if (jwt == null) {
      return -1;
    }
    String[] parts = jwt.split("\\.");
    if (parts.length < 2) {
      return -1;
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
      JsonNode exp = Json.parse(new String(payload, StandardCharsets.UTF_8)).get("exp");
      return exp != null && exp.isNumber() ? exp.asLong() * 1000 : -1;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /**
   * When to ask for a new token: 80% into its remaining lifetime, but at least 30 s before
   * {@code exp} (the server's clock leeway) when the lifetime allows. -1 when it never expires.
   */
  static long refreshAtMillis(String jwt, long nowMillis) {
    long exp = expiryMillis(jwt);
    if (exp < 0) {
      return -1;
    }
    long remaining = Math.max(0, exp - nowMillis);
    long at = nowMillis + remaining * 8 / 10;
    return Math.min(at, Math.max(nowMillis, exp - 30_000));
  }
}
