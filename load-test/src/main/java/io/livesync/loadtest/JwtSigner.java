package io.livesync.loadtest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs HS256 JSON Web Tokens (RFC 7519) for a secured server: {@code sub}, {@code exp} and the
 * {@code sync} claim granting read and write on every collection. Thread-safe.
 */
public final class JwtSigner {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final String HEADER = B64.encodeToString(
      "{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

  private final SecretKeySpec key;

  public JwtSigner(String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("the JWT secret is empty");
    }
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  /** A token for {@code subject} that expires at {@code expEpochSeconds}. */
  public String sign(String subject, long expEpochSeconds) {
    String claims = "{\"sub\":\"" + jsonEscape(subject) + "\",\"exp\":" + expEpochSeconds
        + ",\"sync\":{\"read\":[\"*\"],\"write\":[\"*\"]}}";
    String signingInput = HEADER + "." + B64.encodeToString(claims.getBytes(
        StandardCharsets.UTF_8));
    return signingInput + "." + B64.encodeToString(hmac(signingInput));
  }

  byte[] hmac(String signingInput) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  private static String jsonEscape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
