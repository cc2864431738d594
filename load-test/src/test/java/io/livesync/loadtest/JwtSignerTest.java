package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class JwtSignerTest {
  private static final Base64.Decoder DEC = Base64.getUrlDecoder();

  @Test
  void tokenHasHs256HeaderClaimsAndAValidSignature() throws Exception {
    String token = new JwtSigner("s3cret-key").sign("alice", 1_900_000_000L);
    String[] parts = token.split("\\.");
    assertThat(parts).hasSize(3);
    for (String p : parts) {
      assertThat(p).doesNotContain("=").doesNotContain("+").doesNotContain("/");
    }
    JsonNode header = Json.parseObject(new String(DEC.decode(parts[0]), StandardCharsets.UTF_8));
    assertThat(header.path("alg").asText()).isEqualTo("HS256");
    assertThat(header.path("typ").asText()).isEqualTo("JWT");
    JsonNode claims = Json.parseObject(new String(DEC.decode(parts[1]), StandardCharsets.UTF_8));
    assertThat(claims.path("sub").asText()).isEqualTo("alice");
    assertThat(claims.path("exp").asLong()).isEqualTo(1_900_000_000L);
    assertThat(claims.path("sync").path("read").get(0).asText()).isEqualTo("*");
    assertThat(claims.path("sync").path("write").get(0).asText()).isEqualTo("*");

    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("s3cret-key".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(DEC.decode(parts[2])).isEqualTo(expected);
  }

  @Test
  void knownVector() {
    // HMAC-SHA256 of "a.b" with key "key", checked with an independent implementation
    byte[] sig = new JwtSigner("key").hmac("a.b");
    assertThat(java.util.HexFormat.of().formatHex(sig))
        .isEqualTo(hmacHex("key", "a.b"));
  }

  @Test
  void subjectIsJsonEscaped() {
    String token = new JwtSigner("k").sign("a\"b\\c", 1);
    JsonNode claims = Json.parseObject(new String(DEC.decode(token.split("\\.")[1]),
        StandardCharsets.UTF_8));
    assertThat(claims.path("sub").asText()).isEqualTo("a\"b\\c");
  }

  /** RFC 2104 HMAC from the SHA-256 digest, independent of javax.crypto.Mac. */
  private static String hmacHex(String key, String msg) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      byte[] k = java.util.Arrays.copyOf(key.getBytes(StandardCharsets.UTF_8), 64);
      byte[] ipad = new byte[64];
      byte[] opad = new byte[64];
      for (int i = 0; i < 64; i++) {
        ipad[i] = (byte) (k[i] ^ 0x36);
        opad[i] = (byte) (k[i] ^ 0x5c);
      }
      sha.update(ipad);
      byte[] inner = sha.digest(msg.getBytes(StandardCharsets.UTF_8));
      sha.update(opad);
      return java.util.HexFormat.of().formatHex(sha.digest(inner));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
