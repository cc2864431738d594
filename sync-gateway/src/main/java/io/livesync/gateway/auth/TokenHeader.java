package io.livesync.gateway.auth;

import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The parts of a compact JWS header the server looks at before any key is touched: its shape,
 * {@code alg} (never {@code none}), {@code crit} (refused: no extension is understood) and
 * {@code kid} (a bounded string, only ever compared with the ids of configured keys; headers
 * that point at keys elsewhere, {@code jku}, {@code x5u}, {@code jwk}, {@code x5c}, are ignored).
 */
record TokenHeader(String alg, String kid) {
  /** Longest token accepted, in characters. */
  static final int MAX_TOKEN_CHARS = 16 * 1024;
  static final int MAX_KID_CHARS = 256;

  static TokenHeader parse(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw invalid("the token is longer than " + MAX_TOKEN_CHARS + " characters");
    }
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0
        || second == token.length() - 1 || !base64url(token)) {
      throw invalid("the token is not a signed JWT (header.payload.signature, base64url)");
    }
    JsonObject header;
    try {
      header = new JsonObject(new String(Base64.getUrlDecoder().decode(token.substring(0, first)),
          StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw invalid("the token header is not a JSON object");
    }
    if (!(header.getValue("alg") instanceof String alg) || alg.isEmpty()) {
      throw invalid("the token header has no alg");
    }
    if (alg.toLowerCase(Locale.ROOT).equals("none")) {
      throw invalid("unsigned tokens (alg none) are refused");
    }
    if (header.containsKey("crit")) {
      throw invalid("the token header lists critical extensions (crit); none is supported");
    }
    Object kid = header.getValue("kid");
    if (kid != null && (!(kid instanceof String k) || k.length() > MAX_KID_CHARS)) {
      throw invalid("the token header's kid must be a string of at most " + MAX_KID_CHARS
          + " characters");
    }
    return new TokenHeader(alg, (String) kid);
  }

  private static boolean base64url(String token) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** The algorithm as it may be shown back: only when it looks like an algorithm name. */
  String shownAlg() {
    return alg.matches("[A-Za-z0-9]{1,16}") ? alg : "(unprintable)";
  }

  static SyncException invalid(String why) {
    return new SyncException(ErrorCode.UNAUTHORIZED, "token rejected: " + why);
  }
}
