package io.livesync.server.security;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Mints test JWTs with the JDK alone. */
final class Jwt {
  static final String SECRET = "security-test-secret-0123456789abcdef0123456789";
  static final String ISSUER = "https://auth.test/";
  static final String AUDIENCE = "livesync";
  static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwt() {
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** Claims of {@code sub}, issued by {@link #ISSUER} for {@link #AUDIENCE}, valid an hour. */
  static ObjectNode claims(String sub) {
    return Json.object().put("sub", sub).put("iss", ISSUER).put("aud", AUDIENCE)
        .put("iat", now()).put("exp", now() + 3600);
  }

  static ObjectNode grants(String[] read, String[] write) {
    ObjectNode g = Json.object();
    ArrayNode r = g.putArray("read");
    for (String s : read) {
      r.add(s);
    }
    ArrayNode w = g.putArray("write");
    for (String s : write) {
      w.add(s);
    }
    return g;
  }

  /** alice reads todos and her own scope, writes her own scope. */
  static String alice() {
    ObjectNode c = claims("alice");
    c.set("sync", grants(new String[] {"todos", "user:{sub}:*"}, new String[] {"user:{sub}:*"}));
    return hs256(c);
  }

  /** Reads and writes everything: used to look at what is stored. */
  static String admin() {
    ObjectNode c = claims("admin");
    c.set("sync", grants(new String[] {"*"}, new String[] {"*"}));
    return hs256(c);
  }

  static String user(String sub) {
    ObjectNode c = claims(sub);
    c.set("sync", grants(new String[] {"*"}, new String[] {"*"}));
    return hs256(c);
  }

  static String hs256(ObjectNode claims) {
    return hs256(SECRET.getBytes(StandardCharsets.UTF_8), header("HS256", null), claims);
  }

  static String hs256(byte[] key, ObjectNode header, ObjectNode claims) {
    String input = segment(header) + "." + segment(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode header(String alg, String kid) {
    ObjectNode h = Json.object().put("alg", alg).put("typ", "JWT");
    if (kid != null) {
      h.put("kid", kid);
    }
    return h;
  }

  static String segment(ObjectNode json) {
    return B64.encodeToString(Json.write(json).getBytes(StandardCharsets.UTF_8));
  }
}
