package io.livesync.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livesync.core.config.AuthConfig;
import io.livesync.core.config.ConfigException;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JwtAuthenticatorTest {
  static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
  static final JsonObject TODO_GRANTS = new JsonObject()
      .put("read", new JsonArray().add("todos").add("user:{sub}:*"))
      .put("write", new JsonArray().add("user:{sub}:*"));

  static Vertx vertx;
  static KeyPair rsa;
  static KeyPair ec;

  @TempDir
  Path tmp;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    rsa = Tokens.rsa();
    ec = Tokens.ec();
  }

  @AfterAll
  static void tearDown() {
    vertx.close().await();
  }

  static AuthConfig config(String secret, String publicKey, String jwks) {
    return new AuthConfig(true, secret, null, publicKey, jwks, null, null, "sync", 30, 600_000,
        100);
  }

  static AuthConfig withIssuer(String issuer, String audience) {
    return new AuthConfig(true, SECRET, null, null, null, issuer, audience, "sync", 30, 600_000,
        100);
  }

  static Principal ok(Authenticator auth, String token) {
    try {
      return auth.authenticate(token).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("token refused: " + e.getMessage(), e);
    }
  }

  static SyncException refused(Authenticator auth, String token) {
    Future<Principal> f = auth.authenticate(token);
    try {
      f.await(10, TimeUnit.SECONDS);
    } catch (SyncException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a SyncException, got " + e, e);
    }
    throw new AssertionError("token was accepted");
  }

  static void unauthorized(Authenticator auth, String token, String why) {
    SyncException e = refused(auth, token);
    assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(e.getMessage()).contains(why);
  }

  // ------------------------------------------------------------------ HS256

  @Test
  void validHs256TokenGivesPrincipalWithGrantsAndExpiryPlusLeeway() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    Principal p = ok(auth, Tokens.hs256(SECRET, claims));
    assertThat(p.user()).isEqualTo("alice");
    assertThat(p.canRead("todos")).isTrue();
    assertThat(p.canRead("user:alice:notes")).isTrue();
    assertThat(p.canRead("user:bob:notes")).isFalse();
    assertThat(p.canWrite("todos")).isFalse();
    assertThat(p.canWrite("user:alice:x")).isTrue();
    assertThat(p.expiresAtMillis()).isEqualTo((claims.getLong("exp") + 30) * 1000);
    assertThat(auth.anonymousAllowed()).isFalse();
  }

  /** Rotating the HS256 secret: tokens signed with either the current or the previous pass. */
  @Test
  void aPreviousHs256SecretIsAcceptedBesideTheCurrentOne() {
    String previous = "the-previous-secret-of-at-least-32-bytes";
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, new AuthConfig(true, SECRET, previous,
        null, null, null, null, "sync", 30, 600_000, 100));
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    assertThat(ok(auth, Tokens.hs256(SECRET, claims)).user()).isEqualTo("alice");
    assertThat(ok(auth, Tokens.hs256(previous, claims)).user()).isEqualTo("alice");
    unauthorized(auth, Tokens.hs256("a-third-secret-of-at-least-32-bytes!!", claims),
        "signature");
    // without the previous secret, its tokens are refused
    JwtAuthenticator current = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    unauthorized(current, Tokens.hs256(previous, claims), "signature");
  }

  @Test
  void forgedSignatureIsRefused() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    String forged = Tokens.hs256("another-secret-of-at-least-32-bytes!!", Tokens.claims("alice",
        TODO_GRANTS));
    unauthorized(auth, forged, "signature does not verify");
    // a valid token whose payload was swapped keeps its old signature
    String good = Tokens.hs256(SECRET, Tokens.claims("alice", TODO_GRANTS));
    String[] parts = good.split("\\.");
    String swapped = parts[0] + "." + Tokens.segment(Tokens.claims("admin", new JsonObject()
        .put("read", new JsonArray().add("*")))) + "." + parts[2];
    unauthorized(auth, swapped, "signature does not verify");
  }

  @Test
  void unsignedTokensAreRefused() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    unauthorized(auth, Tokens.none(claims), "not a signed JWT");
    unauthorized(auth, Tokens.none(claims) + "c2ln", "alg none");
    String noneUpper = Tokens.segment(Tokens.header("NoNe", null)) + "."
        + Tokens.segment(claims) + ".c2ln";
    unauthorized(auth, noneUpper, "alg none");
    String twoParts = Tokens.segment(Tokens.header("HS256", null)) + "."
        + Tokens.segment(claims);
    unauthorized(auth, twoParts, "not a signed JWT");
  }

  @Test
  void garbageIsRefusedWithoutInternals() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    for (String junk : new String[] {"x", "a.b.c", "...", "e30.e30.e30", "%%.%%.%%",
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln", "x".repeat(20_000)}) {
      SyncException e = refused(auth, junk);
      assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
      assertThat(e.getMessage()).startsWith("token rejected: ").doesNotContain("Exception")
          .doesNotContain(junk.length() > 3 ? junk : "\u0000");
    }
    SyncException missing = refused(auth, null);
    assertThat(missing.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
  }

  @Test
  void expiredTokensAreRefusedButLeewayIsHonoured() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    JsonObject expired = Tokens.claims("alice", TODO_GRANTS).put("exp", Tokens.now() - 60);
    unauthorized(auth, Tokens.hs256(SECRET, expired), "expired");
    JsonObject inLeeway = Tokens.claims("alice", TODO_GRANTS).put("exp", Tokens.now() - 10);
    assertThat(ok(auth, Tokens.hs256(SECRET, inLeeway)).user()).isEqualTo("alice");
    JsonObject notYet = Tokens.claims("alice", TODO_GRANTS).put("nbf", Tokens.now() + 300);
    unauthorized(auth, Tokens.hs256(SECRET, notYet), "");
  }

  @Test
  void tokensWithoutExpAreRefused() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    claims.remove("exp");
    unauthorized(auth, Tokens.hs256(SECRET, claims), "no exp");
    unauthorized(auth, Tokens.hs256(SECRET, claims.copy().put("exp", "tomorrow")), "");
  }

  @Test
  void tokensWithoutSubjectAreRefused() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    claims.remove("sub");
    unauthorized(auth, Tokens.hs256(SECRET, claims), "subject");
  }

  @Test
  void issuerAndAudienceAreCheckedWhenConfigured() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx,
        withIssuer("https://auth.example.com/", "livesync"));
    JsonObject right = Tokens.claims("alice", TODO_GRANTS)
        .put("iss", "https://auth.example.com/").put("aud", "livesync");
    assertThat(ok(auth, Tokens.hs256(SECRET, right)).user()).isEqualTo("alice");
    assertThat(ok(auth, Tokens.hs256(SECRET, right.copy().put("aud",
        new JsonArray().add("other").add("livesync")))).user()).isEqualTo("alice");
    unauthorized(auth, Tokens.hs256(SECRET, right.copy().put("iss", "https://evil.example/")),
        "issuer");
    unauthorized(auth, Tokens.hs256(SECRET, right.copy().put("aud", "other-service")),
        "audience");
    JsonObject noIss = right.copy();
    noIss.remove("iss");
    unauthorized(auth, Tokens.hs256(SECRET, noIss), "issuer");
    JsonObject noAud = right.copy();
    noAud.remove("aud");
    unauthorized(auth, Tokens.hs256(SECRET, noAud), "audience");
  }

  @Test
  void critHeadersAreRefused() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    String token = Tokens.hs256(SECRET.getBytes(StandardCharsets.UTF_8),
        Tokens.header("HS256", null).put("crit", new JsonArray().add("exp")),
        Tokens.claims("alice", TODO_GRANTS));
    unauthorized(auth, token, "crit");
  }

  // ------------------------------------------------------------------ claims

  @Test
  void noClaimMeansNoAccess() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    Principal p = ok(auth, Tokens.hs256(SECRET, Tokens.claims("alice", null)));
    assertThat(p.canRead("todos")).isFalse();
    assertThat(p.canWrite("todos")).isFalse();
    Principal malformed = ok(auth, Tokens.hs256(SECRET, Tokens.claims("alice", null)
        .put("sync", "everything")));
    assertThat(malformed.canRead("todos")).isFalse();
    Principal notStrings = ok(auth, Tokens.hs256(SECRET, Tokens.claims("alice",
        new JsonObject().put("read", new JsonArray().add(1).add(new JsonObject()).add("a")))));
    assertThat(notStrings.canRead("a")).isTrue();
    assertThat(notStrings.canRead("1")).isFalse();
  }

  @Test
  void patternsAreExactOrPrefixAndSubjectSubstitutionIsSafe() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    JsonObject grants = new JsonObject().put("read", new JsonArray().add("*"))
        .put("write", new JsonArray().add("shared").add("team:a*").add("user:{sub}:*"));
    Principal p = ok(auth, Tokens.hs256(SECRET, Tokens.claims("bob", grants)));
    assertThat(p.canRead("anything:at:all")).isTrue();
    assertThat(p.canWrite("shared")).isTrue();
    assertThat(p.canWrite("shared2")).isFalse();
    assertThat(p.canWrite("team:abc")).isTrue();
    assertThat(p.canWrite("team:b")).isFalse();
    assertThat(p.canWrite("user:bob:x")).isTrue();
    assertThat(p.canWrite("user:bobby:x")).isFalse();
    // a subject holding a scope separator must not reach into another user's scope
    Principal sneaky = ok(auth, Tokens.hs256(SECRET, Tokens.claims("bob:private", grants)));
    assertThat(sneaky.canWrite("user:bob:private:notes")).isFalse();
    assertThat(sneaky.canWrite("shared")).isTrue();
    Principal star = ok(auth, Tokens.hs256(SECRET, Tokens.claims("*", grants)));
    assertThat(star.canWrite("user:bob:x")).isFalse();
  }

  @Test
  void claimNameIsConfigurable() {
    AuthConfig cfg = new AuthConfig(true, SECRET, null, null, null, null, null,
        "https://livesync/acl", 30, 600_000, 100);
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, cfg);
    JsonObject claims = Tokens.claims("alice", null).put("https://livesync/acl", TODO_GRANTS);
    assertThat(ok(auth, Tokens.hs256(SECRET, claims)).canRead("todos")).isTrue();
    assertThat(ok(auth, Tokens.hs256(SECRET, Tokens.claims("alice", TODO_GRANTS)))
        .canRead("todos")).isFalse();
  }

  // ------------------------------------------------------------------ public keys

  @Test
  void rs256AndEs256PublicKeysFromPemFile() throws Exception {
    Path pem = tmp.resolve("issuer.pem");
    Files.writeString(pem, Tokens.pem(rsa.getPublic()) + Tokens.pem(ec.getPublic()));
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(null, pem.toString(), null));
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    assertThat(ok(auth, Tokens.rs256(rsa.getPrivate(), null, claims)).user()).isEqualTo("alice");
    assertThat(ok(auth, Tokens.es256(ec.getPrivate(), "any-kid", claims)).user())
        .isEqualTo("alice");
    KeyPair other = Tokens.rsa();
    unauthorized(auth, Tokens.rs256(other.getPrivate(), null, claims), "signature");
    // HS256 is not pinned to any configured key
    unauthorized(auth, Tokens.hs256(SECRET, claims), "algorithm HS256 is not accepted");
  }

  @Test
  void inlinePemIsAccepted() {
    JwtAuthenticator auth = JwtAuthenticator.create(vertx,
        config(null, Tokens.pem(ec.getPublic()), null));
    assertThat(ok(auth, Tokens.es256(ec.getPrivate(), null, Tokens.claims("al", null))).user())
        .isEqualTo("al");
    unauthorized(auth, Tokens.rs256(rsa.getPrivate(), null, Tokens.claims("al", null)),
        "algorithm RS256 is not accepted");
  }

  /** The classic confusion: HMAC keyed with the public key the server trusts for RS256. */
  @Test
  void hs256SignedWithTheRsaPublicKeyIsRefused() {
    String pem = Tokens.pem(rsa.getPublic());
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(null, pem, null));
    JsonObject claims = Tokens.claims("mallory", new JsonObject()
        .put("write", new JsonArray().add("*")));
    for (byte[] key : new byte[][] {pem.getBytes(StandardCharsets.UTF_8),
        pem.trim().getBytes(StandardCharsets.UTF_8), rsa.getPublic().getEncoded()}) {
      unauthorized(auth, Tokens.hs256(key, Tokens.header("HS256", null), claims),
          "algorithm HS256 is not accepted");
    }
  }

  @Test
  void badKeyMaterialRefusesToStart() throws Exception {
    assertThatThrownBy(() -> JwtAuthenticator.create(vertx,
        config(null, tmp.resolve("missing.pem").toString(), null)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read the PEM file");
    String privatePem = "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(rsa.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    assertThatThrownBy(() -> JwtAuthenticator.create(vertx, config(null, privatePem, null)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("private key must never");
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    assertThatThrownBy(() -> JwtAuthenticator.create(vertx,
        config(null, Tokens.pem(g.generateKeyPair().getPublic()), null)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("too weak");
    assertThatThrownBy(() -> JwtAuthenticator.create(vertx, config(null, null, "{\"keys\":[]}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("no RS256 or ES256");
    assertThatThrownBy(() -> JwtAuthenticator.create(vertx, config(null, null, null)))
        .isInstanceOf(ConfigException.class);
  }

  // ------------------------------------------------------------------ JWKS

  static String jwks(JsonObject... keys) {
    JsonArray arr = new JsonArray();
    for (JsonObject k : keys) {
      arr.add(k);
    }
    return new JsonObject().put("keys", arr).encode();
  }

  @Test
  void kidIsOnlyAMapKeyNeverAPath() throws Exception {
    Path file = tmp.resolve("jwks.json");
    Files.writeString(file, jwks(Tokens.jwk(rsa.getPublic(), "k1")));
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, config(null, null, file.toString()));
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    assertThat(ok(auth, Tokens.rs256(rsa.getPrivate(), "k1", claims)).user()).isEqualTo("alice");
    for (String kid : new String[] {"../../etc/passwd", "/etc/passwd", file.toString(),
        "file:///etc/passwd", "k1/../k1", "https://evil.example/jwks.json"}) {
      unauthorized(auth, Tokens.rs256(rsa.getPrivate(), kid, claims), "signature");
      KeyPair attacker = Tokens.rsa();
      unauthorized(auth, Tokens.rs256(attacker.getPrivate(), kid, claims), "signature");
    }
    // with an HS256 secret the kid is ignored: a forged token with a path kid is still forged
    JwtAuthenticator hs = JwtAuthenticator.create(vertx, config(SECRET, null, null));
    unauthorized(hs, Tokens.hs256("forged-forged-forged-forged-forged!".getBytes(),
        Tokens.header("HS256", "../../etc/passwd"), claims), "signature");
    unauthorized(hs, Tokens.hs256(SECRET.getBytes(), Tokens.header("HS256",
        "x".repeat(300)), claims), "kid");
  }

  @Test
  void jwksFileRotationIsPickedUpOnAnUnknownKid() throws Exception {
    Path file = tmp.resolve("jwks.json");
    Files.writeString(file, jwks(Tokens.jwk(rsa.getPublic(), "old")));
    AuthConfig cfg = new AuthConfig(true, null, null, null, file.toString(), null, null, "sync",
        30, 10_000, 100);
    JwtAuthenticator auth = JwtAuthenticator.create(vertx, cfg);
    JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
    assertThat(ok(auth, Tokens.rs256(rsa.getPrivate(), "old", claims)).user()).isEqualTo("alice");
    KeyPair next = Tokens.ec();
    Files.writeString(file, jwks(Tokens.jwk(rsa.getPublic(), "old"),
        Tokens.jwk(next.getPublic(), "new")));
    String rotated = Tokens.es256(next.getPrivate(), "new", claims);
    // the refetch is rate limited (a tenth of the interval, 1 s here): wait for the event
    long deadline = System.currentTimeMillis() + 10_000;
    Principal p = null;
    while (p == null && System.currentTimeMillis() < deadline) {
      try {
        p = auth.authenticate(rotated).await(10, TimeUnit.SECONDS);
      } catch (SyncException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
        vertx.timer(100).await();
      }
    }
    assertThat(p).as("rotated key accepted").isNotNull();
    assertThat(ok(auth, Tokens.rs256(rsa.getPrivate(), "old", claims)).user()).isEqualTo("alice");
  }

  @Test
  void jwksFromUrlIsFetchedAndFailuresKeepServingUnavailable() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    String doc = jwks(Tokens.jwk(ec.getPublic(), "e1"));
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      hits.incrementAndGet();
      if (req.path().equals("/jwks.json")) {
        req.response().putHeader("content-type", "application/json").end(doc);
      } else {
        req.response().setStatusCode(500).end();
      }
    }).listen(0, "127.0.0.1").await();
    try {
      String base = "http://127.0.0.1:" + server.actualPort();
      JwtAuthenticator auth = JwtAuthenticator.create(vertx,
          config(null, null, base + "/jwks.json"));
      JsonObject claims = Tokens.claims("alice", TODO_GRANTS);
      assertThat(ok(auth, Tokens.es256(ec.getPrivate(), "e1", claims)).user())
          .isEqualTo("alice");
      assertThat(hits.get()).isEqualTo(1);

      JwtAuthenticator broken = JwtAuthenticator.create(vertx,
          config(null, null, base + "/broken"));
      SyncException e = refused(broken, Tokens.es256(ec.getPrivate(), "e1", claims));
      assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    } finally {
      server.close().await();
    }
  }
}
