package io.livesync.core.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Binds the {@code auth} section and enforces the start-up rules of PROTOCOL.md 2.1: a server
 * with authentication on has a key, and a server without authentication listens on loopback
 * only. Every refusal says how to fix it.
 */
final class AuthRules {
  static final int MIN_SECRET_BYTES = 32;

  private static final String HOW_TO_KEY = "set SYNC_JWT_SECRET (HS256 shared secret, at least "
      + MIN_SECRET_BYTES + " bytes, e.g. `openssl rand -base64 32`), SYNC_JWT_PUBLIC_KEY (RS256/"
      + "ES256 public key, PEM file) or SYNC_JWT_JWKS (JWKS file or https URL)";

  private AuthRules() {
  }

  static AuthConfig bind(ConfigLoader.Section s) {
    String secret = blankToNull(s.text("jwtSecret", null));
    String previousSecret = blankToNull(s.text("previousJwtSecret", null));
    String publicKey = blankToNull(s.text("publicKey", null));
    String jwks = blankToNull(s.text("jwks", null));
    boolean hasKeys = secret != null || publicKey != null || jwks != null;
    String claim = s.text("claim", "sync").trim();
    if (claim.isEmpty()) {
      throw new ConfigException("auth.claim (SYNC_JWT_CLAIM) must not be empty; the default is "
          + "sync");
    }
    return new AuthConfig(enabled(s.text("enabled", null), hasKeys), secret, previousSecret,
        publicKey, jwks,
        blankToNull(s.text("issuer", null)), blankToNull(s.text("audience", null)), claim,
        s.intRange("leewaySeconds", 30, 0, 300),
        s.longMin("jwksRefreshMillis", 600_000, 10_000),
        s.intRange("maxConnectionsPerUser", 100, 1, 1_000_000));
  }

  private static boolean enabled(String value, boolean hasKeys) {
    if (value == null || value.isBlank()) {
      return hasKeys;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "on": case "true": case "1": case "yes":
        return true;
      case "off": case "false": case "0": case "no":
        return false;
      default:
        throw new ConfigException("auth.enabled (SYNC_AUTH) must be on or off, was '" + value
            + "'");
    }
  }

  private static void checkSecretLength(String name, String secret) {
    if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new ConfigException(name + " is shorter than " + MIN_SECRET_BYTES + " bytes and could"
          + " be guessed; use at least " + MIN_SECRET_BYTES + " random bytes, e.g. `openssl rand"
          + " -base64 32`");
    }
  }

  static void validate(ServerConfig server, AuthConfig auth) {
    if (auth.previousJwtSecret() != null && auth.jwtSecret() == null) {
      throw new ConfigException("SYNC_JWT_PREVIOUS_SECRET (auth.previousJwtSecret) is only "
          + "accepted beside SYNC_JWT_SECRET, while tokens move from one secret to the other; "
          + "set the secret tokens are signed with now as SYNC_JWT_SECRET");
    }
    checkSecretLength("SYNC_JWT_SECRET (auth.jwtSecret)", auth.jwtSecret());
    checkSecretLength("SYNC_JWT_PREVIOUS_SECRET (auth.previousJwtSecret)",
        auth.previousJwtSecret());
    if (auth.jwks() != null) {
      checkJwksLocation(auth.jwks().trim());
    }
    if (!server.role().runsGateway()) {
      return;
    }
    if (auth.enabled() && !auth.hasKeys()) {
      throw new ConfigException("authentication is on (SYNC_AUTH) but no key is configured, so "
          + "no token could ever be verified: " + HOW_TO_KEY
          + "; or, on a loopback bind only, set SYNC_AUTH=off");
    }
    if (!auth.enabled() && !isLoopback(server.bind())) {
      throw new ConfigException("server.bind " + server.bind() + " accepts connections from "
          + "other machines but authentication is off, so anyone could read and write every "
          + "record: " + HOW_TO_KEY + (auth.hasKeys() ? " and remove SYNC_AUTH=off" : "")
          + "; or bind 127.0.0.1 (SYNC_BIND=127.0.0.1) for local development");
    }
  }

  /** A JWKS fetched over plain HTTP could be replaced by anyone on the path. */
  private static void checkJwksLocation(String jwks) {
    String lower = jwks.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      return;
    }
    URI uri;
    try {
      uri = URI.create(jwks);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("SYNC_JWT_JWKS is not a valid URL");
    }
    if (uri.getHost() == null) {
      throw new ConfigException("SYNC_JWT_JWKS URL has no host");
    }
    if (lower.startsWith("http://") && !isLoopback(uri.getHost())) {
      throw new ConfigException("SYNC_JWT_JWKS must be an https:// URL (plain http is only "
          + "accepted for loopback hosts): keys fetched in clear text could be replaced");
    }
  }

  /** 127.0.0.0/8, ::1 and {@code localhost}; host names are never resolved. */
  static boolean isLoopback(String bind) {
    if (bind == null) {
      return false;
    }
    String b = bind.trim().toLowerCase(Locale.ROOT);
    if (b.startsWith("[") && b.endsWith("]")) {
      b = b.substring(1, b.length() - 1);
    }
    if (b.equals("localhost")) {
      return true;
    }
    if (b.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      String[] octets = b.split("\\.");
      for (String o : octets) {
        if (Integer.parseInt(o) > 255) {
          return false;
        }
      }
      return octets[0].equals("127");
    }
    if (b.contains(":") && b.matches("[0-9a-f:.]+")) {
      try {
        return InetAddress.getByName(b).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
