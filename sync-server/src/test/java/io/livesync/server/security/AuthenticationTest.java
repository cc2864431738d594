package io.livesync.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PROTOCOL.md 2.1 end to end: every bad token fails the handshake with 401 before the upgrade
 * (and HTTP with 401), good tokens work from the header and the query, a refresh must keep the
 * subject, and expiry closes with 4001.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthenticationTest {
  private static TestServer server;
  private static Vertx client;

  @BeforeAll
  static void start() throws Exception {
    server = SecureServer.start(Map.of(), null);
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close();
  }

  private static void refused(String token) throws Exception {
    assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, token)))
        .as("handshake status").isEqualTo(401);
    SecureServer.Response r = SecureServer.http(server, HttpMethod.GET,
        "/v1/collections/todos/records", token, null);
    assertThat(r.status()).isEqualTo(401);
    ObjectNode body = Json.parseObject(r.body());
    assertThat(body.path("error").path("code").asText()).isEqualTo("unauthorized");
    if (token != null && token.length() > 8) {
      assertThat(r.body()).doesNotContain(token);
    }
  }

  @Test
  void missingTokenIs401() throws Exception {
    refused(null);
  }

  @Test
  void forgedSignatureIs401() throws Exception {
    String good = Jwt.alice();
    refused(Jwt.hs256("another-secret-another-secret-another!!".getBytes(StandardCharsets.UTF_8),
        Jwt.header("HS256", null), Jwt.claims("alice")));
    refused(good.substring(0, good.length() - 3) + (good.endsWith("AAA") ? "BBB" : "AAA"));
  }

  @Test
  void unsignedTokenIs401() throws Exception {
    ObjectNode claims = Jwt.claims("alice");
    refused(Jwt.segment(Jwt.header("none", null)) + "." + Jwt.segment(claims) + ".");
    refused(Jwt.segment(Jwt.header("none", null)) + "." + Jwt.segment(claims) + ".e30");
  }

  @Test
  void expiredAndExpLessTokensAre401() throws Exception {
    refused(Jwt.hs256(Jwt.claims("alice").put("exp", Jwt.now() - 120)));
    ObjectNode noExp = Jwt.claims("alice");
    noExp.remove("exp");
    refused(Jwt.hs256(noExp));
  }

  @Test
  void wrongIssuerOrAudienceIs401() throws Exception {
    refused(Jwt.hs256(Jwt.claims("alice").put("iss", "https://evil.test/")));
    refused(Jwt.hs256(Jwt.claims("alice").put("aud", "another-service")));
  }

  @Test
  void pathLikeKidIs401() throws Exception {
    refused(Jwt.hs256("x".repeat(40).getBytes(StandardCharsets.UTF_8),
        Jwt.header("HS256", "../../etc/passwd"), Jwt.claims("alice")));
    refused(Jwt.hs256("/etc/passwd".repeat(4).getBytes(StandardCharsets.UTF_8),
        Jwt.header("HS256", "/etc/passwd"), Jwt.claims("alice")));
  }

  @Test
  void validTokenFromHeaderOrQueryIsWelcomed() throws Exception {
    String token = Jwt.alice();
    try (WsClient c = WsClient.connect(client, SecureServer.ws(server, token))) {
      assertThat(c.awaitType("welcome").path("user").asText()).isEqualTo("alice");
    }
    for (String param : new String[] {"access_token", "token"}) {
      WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(server.port()).setURI("/v1/ws?" + param + "=" + token);
      try (WsClient c = WsClient.connect(client, o)) {
        assertThat(c.awaitType("welcome").path("user").asText()).isEqualTo("alice");
      }
    }
    SecureServer.Response r = SecureServer.http(server, HttpMethod.GET,
        "/v1/collections/todos/records", token, null);
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void refreshKeepsTheSubject() throws Exception {
    try (WsClient c = SecureServer.connect(client, server, Jwt.alice())) {
      long exp = Jwt.now() + 7200;
      ObjectNode claims = Jwt.claims("alice").put("exp", exp);
      c.send(Json.object().put("type", "auth").put("token", Jwt.hs256(claims)));
      assertThat(c.awaitType("authed").path("exp").asLong()).isEqualTo(exp + 30);
      c.send(Json.object().put("type", "ping"));
      c.awaitType("pong");
    }
  }

  @Test
  void refreshWithAnotherSubjectCloses4001() throws Exception {
    try (WsClient c = SecureServer.connect(client, server, Jwt.alice())) {
      c.send(Json.object().put("type", "auth").put("token", Jwt.user("mallory")));
      WsClient.awaitClose(c, (short) 4001);
    }
  }

  @Test
  void refreshWithABadTokenCloses4001() throws Exception {
    try (WsClient c = SecureServer.connect(client, server, Jwt.alice())) {
      c.send(Json.object().put("type", "auth").put("token", "not-a-token"));
      WsClient.awaitClose(c, (short) 4001);
    }
  }

  @Test
  void expiryCloses4001() throws Exception {
    // accepted within the 30 s leeway, and closed when the leeway runs out about 2 s later
    ObjectNode claims = Jwt.claims("alice").put("exp", Jwt.now() - 28);
    claims.set("sync", Jwt.grants(new String[] {"todos"}, new String[0]));
    long started = System.nanoTime();
    try (WsClient c = SecureServer.connect(client, server, Jwt.hs256(claims))) {
      WsClient.awaitClose(c, (short) 4001);
    }
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(10);
  }

  @Test
  void foreignOriginIs403BeforeUpgradeAndBeforeTheToken() throws Exception {
    try (TestServer strict = SecureServer.start(Map.of("SYNC_ALLOWED_ORIGINS",
        "https://app.example.com"), null)) {
      WebSocketConnectOptions foreign = SecureServer.ws(strict, Jwt.alice())
          .addHeader("Origin", "https://evil.example.com");
      assertThat(SecureServer.rejectedStatus(client, foreign)).isEqualTo(403);
      WebSocketConnectOptions foreignNoToken = SecureServer.ws(strict, null)
          .addHeader("Origin", "https://evil.example.com");
      assertThat(SecureServer.rejectedStatus(client, foreignNoToken)).isEqualTo(403);
      WebSocketConnectOptions allowed = SecureServer.ws(strict, Jwt.alice())
          .addHeader("Origin", "https://app.example.com");
      try (WsClient c = WsClient.connect(client, allowed)) {
        c.awaitType("welcome");
      }
    }
  }

  /** Algorithm confusion: the server trusts an RS256 public key; HMAC keyed with it fails. */
  @Test
  void hs256SignedWithTheServersRsaPublicKeyIs401() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair rsa = g.generateKeyPair();
    String pem = "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(rsa.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
    java.nio.file.Path file = java.nio.file.Files.createTempFile("issuer", ".pem");
    java.nio.file.Files.writeString(file, pem);
    try (TestServer rs = TestServer.start(Map.of("SYNC_JWT_PUBLIC_KEY", file.toString()),
        null)) {
      ObjectNode claims = Jwt.claims("mallory");
      claims.set("sync", Jwt.grants(new String[] {"*"}, new String[] {"*"}));
      for (byte[] key : new byte[][] {pem.getBytes(StandardCharsets.UTF_8),
          rsa.getPublic().getEncoded()}) {
        String token = Jwt.hs256(key, Jwt.header("HS256", null), claims);
        assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(rs, token)))
            .isEqualTo(401);
      }
      java.security.Signature s = java.security.Signature.getInstance("SHA256withRSA");
      s.initSign(rsa.getPrivate());
      String input = Jwt.segment(Jwt.header("RS256", null)) + "." + Jwt.segment(claims);
      s.update(input.getBytes(StandardCharsets.UTF_8));
      String good = input + "." + Jwt.B64.encodeToString(s.sign());
      try (WsClient c = WsClient.connect(client, SecureServer.ws(rs, good))) {
        assertThat(c.awaitType("welcome").path("user").asText()).isEqualTo("mallory");
      }
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }
}
