package io.livesync.gateway.auth;

import io.livesync.core.config.ConfigException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns configured key material into Vert.x key options, pinning one algorithm to each key:
 * HS256 for the shared secret, RS256 for RSA public keys (at least 2048 bits), ES256 for P-256
 * public keys. Anything else is refused with a message that names the problem; private keys are
 * never accepted.
 */
final class KeyMaterial {
  static final String HS256 = "HS256";
  static final String RS256 = "RS256";
  static final String ES256 = "ES256";
  static final int MAX_KEYS = 100;

  private static final Pattern PEM_BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
  /** The order of the P-256 group: tells secp256r1 apart from other 256-bit curves. */
  private static final BigInteger P256_ORDER = new BigInteger(
      "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  private KeyMaterial() {
  }

  static PubSecKeyOptions secret(String secret) {
    return new PubSecKeyOptions().setAlgorithm(HS256).setBuffer(secret);
  }

  /** Every {@code PUBLIC KEY} block of a PEM text, each with the algorithm its key type pins. */
  static List<PubSecKeyOptions> pem(String text) {
    List<PubSecKeyOptions> keys = new ArrayList<>();
    Matcher m = PEM_BLOCK.matcher(text);
    while (m.find()) {
      String kind = m.group(1);
      if (!kind.equals("PUBLIC KEY")) {
        throw new ConfigException("SYNC_JWT_PUBLIC_KEY holds a '" + kind + "' block; give the "
            + "identity provider's public key only, as -----BEGIN PUBLIC KEY----- (SPKI)"
            + (kind.contains("PRIVATE") ? ". A private key must never be given to the server"
                : ""));
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(m.group(2));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("SYNC_JWT_PUBLIC_KEY: a PUBLIC KEY block is not valid base64");
      }
      String alg = algorithmOf(der);
      keys.add(new PubSecKeyOptions().setAlgorithm(alg).setBuffer(m.group()));
    }
    if (keys.isEmpty()) {
      throw new ConfigException("SYNC_JWT_PUBLIC_KEY holds no -----BEGIN PUBLIC KEY----- block; "
          + "give a PEM file with the RS256 or ES256 public key of the token issuer");
    }
    if (keys.size() > MAX_KEYS) {
      throw new ConfigException("SYNC_JWT_PUBLIC_KEY holds more than " + MAX_KEYS + " keys");
    }
    return keys;
  }

  private static String algorithmOf(byte[] der) {
    PublicKey key = null;
    for (String type : new String[] {"RSA", "EC"}) {
      try {
        key = KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
        break;
      } catch (Exception e) {
        // try the next type
      }
    }
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < 2048) {
        throw new ConfigException("SYNC_JWT_PUBLIC_KEY: an RSA key of "
            + rsa.getModulus().bitLength() + " bits is too weak; use at least 2048 bits");
      }
      return RS256;
    }
    if (key instanceof ECPublicKey ec) {
      if (!ec.getParams().getOrder().equals(P256_ORDER)) {
        throw new ConfigException("SYNC_JWT_PUBLIC_KEY: an EC key must be on curve P-256 "
            + "(ES256); other curves are not accepted");
      }
      return ES256;
    }
    throw new ConfigException("SYNC_JWT_PUBLIC_KEY: a PUBLIC KEY block is neither an RSA nor an "
        + "EC public key");
  }

  /**
   * The usable signing keys of a JWKS document, each with its algorithm set explicitly. Keys for
   * encryption, symmetric keys and algorithms other than RS256/ES256 are skipped.
   *
   * @throws IllegalArgumentException when the document is malformed or holds no usable key
   */
  static List<JsonObject> jwks(String text) {
    JsonObject doc;
    try {
      doc = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("the JWKS is not a JSON object");
    }
    if (!(doc.getValue("keys") instanceof JsonArray keys)) {
      throw new IllegalArgumentException("the JWKS has no \"keys\" array");
    }
    List<JsonObject> usable = new ArrayList<>();
    for (int i = 0; i < keys.size() && usable.size() < MAX_KEYS; i++) {
      if (!(keys.getValue(i) instanceof JsonObject jwk)) {
        continue;
      }
      String alg = jwkAlgorithm(jwk);
      if (alg != null) {
        usable.add(jwk.copy().put("alg", alg).put("use", "sig"));
      }
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException("the JWKS holds no RS256 or ES256 signing key");
    }
    return usable;
  }

  private static String jwkAlgorithm(JsonObject jwk) {
    Object use = jwk.getValue("use");
    if (use != null && !"sig".equals(use)) {
      return null;
    }
    Object kid = jwk.getValue("kid");
    if (kid != null && !(kid instanceof String)) {
      return null;
    }
    String kty = jwk.getValue("kty") instanceof String s ? s : "";
    Object alg = jwk.getValue("alg");
    switch (kty) {
      case "RSA":
        return alg == null || RS256.equals(alg) ? RS256 : null;
      case "EC":
        return (alg == null || ES256.equals(alg)) && "P-256".equals(jwk.getValue("crv"))
            ? ES256 : null;
      default:
        return null;
    }
  }

  static String describe(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    return v.startsWith("http") ? "URL" : v.startsWith("{") ? "inline JWKS" : "file";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
