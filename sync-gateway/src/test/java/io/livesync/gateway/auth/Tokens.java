package io.livesync.gateway.auth;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Mints JWTs with the JDK alone, so the tests do not trust the library they test. */
final class Tokens {
  static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Tokens() {
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** Claims for subject {@code sub} expiring in an hour, with the given sync claim. */
  static JsonObject claims(String sub, JsonObject sync) {
    JsonObject c = new JsonObject().put("sub", sub).put("iat", now()).put("exp", now() + 3600);
    if (sync != null) {
      c.put("sync", sync);
    }
    return c;
  }

  static String hs256(byte[] key, JsonObject header, JsonObject claims) {
    String input = segment(header) + "." + segment(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String hs256(String secret, JsonObject claims) {
    return hs256(secret.getBytes(StandardCharsets.UTF_8), header("HS256", null), claims);
  }

  static String rs256(PrivateKey key, String kid, JsonObject claims) {
    return sign("SHA256withRSA", key, header("RS256", kid), claims, false);
  }

  static String es256(PrivateKey key, String kid, JsonObject claims) {
    return sign("SHA256withECDSA", key, header("ES256", kid), claims, true);
  }

  static String sign(String jca, PrivateKey key, JsonObject header, JsonObject claims,
      boolean ecdsa) {
    String input = segment(header) + "." + segment(claims);
    try {
      Signature s = Signature.getInstance(jca);
      s.initSign(key);
      s.update(input.getBytes(StandardCharsets.UTF_8));
      byte[] sig = s.sign();
      return input + "." + B64.encodeToString(ecdsa ? derToJose(sig) : sig);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** An unsigned token: {@code header.payload.} */
  static String none(JsonObject claims) {
    return segment(header("none", null)) + "." + segment(claims) + ".";
  }

  static JsonObject header(String alg, String kid) {
    JsonObject h = new JsonObject().put("alg", alg).put("typ", "JWT");
    if (kid != null) {
      h.put("kid", kid);
    }
    return h;
  }

  static String segment(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair ec() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  static JsonObject jwk(PublicKey key, String kid) {
    JsonObject j = new JsonObject().put("kid", kid).put("use", "sig");
    if (key instanceof RSAPublicKey rsa) {
      j.put("kty", "RSA").put("alg", "RS256").put("n", unsigned(rsa.getModulus()))
          .put("e", unsigned(rsa.getPublicExponent()));
    } else {
      ECPublicKey ec = (ECPublicKey) key;
      j.put("kty", "EC").put("crv", "P-256").put("x", fixed(ec.getW().getAffineX()))
          .put("y", fixed(ec.getW().getAffineY()));
    }
    return j;
  }

  private static String unsigned(BigInteger n) {
    byte[] b = n.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    return B64.encodeToString(b);
  }

  private static String fixed(BigInteger n) {
    byte[] b = n.toByteArray();
    byte[] out = new byte[32];
    int len = Math.min(b.length, 32);
    System.arraycopy(b, b.length - len, out, 32 - len, len);
    return B64.encodeToString(out);
  }

  /** ECDSA signatures are DER in the JDK and r||s in JOSE. */
  private static byte[] derToJose(byte[] der) {
    int offset = 3;
    if (der[1] == (byte) 0x81) {
      offset = 4;
    }
    int rLen = der[offset];
    byte[] r = Arrays.copyOfRange(der, offset + 1, offset + 1 + rLen);
    int sLen = der[offset + 2 + rLen];
    byte[] s = Arrays.copyOfRange(der, offset + 3 + rLen, offset + 3 + rLen + sLen);
    byte[] out = new byte[64];
    copyFixed(r, out, 0);
    copyFixed(s, out, 32);
    return out;
  }

  private static void copyFixed(byte[] v, byte[] out, int at) {
    int len = Math.min(v.length, 32);
    System.arraycopy(v, v.length - len, out, at + 32 - len, len);
  }
}
