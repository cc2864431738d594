package io.livesync.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.Poll;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The limits of PROTOCOL.md 2.6 against a real server, each answered with its code: frame 1009,
 * data and depth {@code too_large}, the subscription cap, the write rate ({@code rate_limited},
 * nothing applied, 4008 for a connection that keeps at it), the HTTP body (413), the per-user
 * connection cap (429 before the upgrade), and a flood of unauthenticated handshakes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LimitsTest {
  static final int WRITES_PER_SECOND = 50;
  static final int PER_USER = 3;
  private static TestServer server;
  private static Vertx client;

  @BeforeAll
  static void start() throws Exception {
    server = SecureServer.start(Map.of("SYNC_MAX_CONNECTIONS_PER_USER", "" + PER_USER),
        "{\"limits\":{\"maxSubscriptions\":3,\"maxWritesPerSecond\":" + WRITES_PER_SECOND
            + ",\"maxHttpBodyBytes\":65536}}");
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close();
  }

  static String deep(int depth) {
    return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
  }

  /** Live (non-deleted) records of a collection, read with a token that may read anything. */
  static List<String> storedIdsUnchecked(String collection) {
    try {
      return storedIds(collection);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> storedIds(String collection) throws Exception {
    List<String> ids = new ArrayList<>();
    String after = null;
    for (int page = 0; page < 100; page++) {
      SecureServer.Response r = SecureServer.http(server, HttpMethod.GET,
          "/v1/collections/" + collection + "/records?limit=500"
              + (after == null ? "" : "&after=" + after), Jwt.admin(), null);
      assertThat(r.status()).isEqualTo(200);
      ObjectNode body = Json.parseObject(r.body());
      body.path("items").forEach(i -> ids.add(i.path("id").asText()));
      if (body.path("next").isNull()) {
        return ids;
      }
      after = body.path("next").asText();
    }
    throw new AssertionError("too many pages");
  }

  @Test
  void frameOverOneMibIsClosed1009() throws Exception {
    try (WsClient c = SecureServer.connect(client, server, Jwt.admin())) {
      c.socket().writeTextMessage("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(1 << 20) + "\"}");
      WsClient.awaitClose(c, (short) 1009);
    }
  }

  @Test
  void oversizedOrTooDeepDataIsTooLargeAndStoresNothing() throws Exception {
    try (WsClient c = SecureServer.connect(client, server, Jwt.admin())) {
      ObjectNode big = Json.object().put("text", "x".repeat(300 * 1024));
      ObjectNode reply = c.write("insert", "limits", "big", big);
      assertThat(reply.path("code").asText()).isEqualTo("too_large");
      ObjectNode deep = (ObjectNode) Json.parse(deep(33));
      assertThat(c.write("insert", "limits", "deep", deep).path("code").asText())
          .isEqualTo("too_large");
      assertThat(c.write("insert", "limits", "ok", (ObjectNode) Json.parse(deep(31)))
          .path("type").asText()).isEqualTo("ack");
    }
    assertThat(storedIds("limits")).containsExactly("ok");
  }

  @Test
  void subscriptionCapIsEnforced() throws Exception {
    try (WsClient c = SecureServer.connect(client, server, Jwt.admin())) {
      for (int i = 0; i < 3; i++) {
        c.subscribe("subs" + i, 0, null);
      }
      c.send(Json.object().put("type", "subscribe").put("collection", "subs3"));
      ObjectNode err = c.await(m -> m.path("type").asText().equals("error"));
      assertThat(err.path("collection").asText()).isEqualTo("subs3");
      assertThat(err.path("message").asText()).contains("3 subscriptions");
      c.send(Json.object().put("type", "unsubscribe").put("collection", "subs0"));
      c.awaitType("unsubscribed");
      c.subscribe("subs3", 0, null);
    }
  }

  @Test
  void writeFloodIsRateLimitedAndNothingBeyondTheLimitIsStored() throws Exception {
    int sent = 1000;
    long started = System.nanoTime();
    Short closeCode;
    List<ObjectNode> replies;
    try (WsClient c = SecureServer.connect(client, server, Jwt.admin())) {
      for (int i = 0; i < sent; i++) {
        c.socket().writeTextMessage(Json.write(WsClient.writeMessage("insert",
            UUID.randomUUID().toString(), "flood", "f" + i, Json.object().put("i", i))));
      }
      closeCode = c.closed().await(30, TimeUnit.SECONDS);
      replies = c.all();
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + 1;
    assertThat(closeCode).as("a connection that keeps exceeding its rate").isEqualTo((short) 4008);
    long limited = replies.stream().filter(m -> m.path("code").asText().equals("rate_limited"))
        .count();
    Set<String> acked = new HashSet<>();
    replies.stream().filter(m -> m.path("type").asText().equals("ack"))
        .forEach(m -> acked.add(m.path("id").asText()));
    assertThat(limited).isGreaterThan(0);
    // admitted writes still in the worker when the socket closed are committed afterwards
    // (their acks are lost with the socket, the writes are not): wait for the first second's
    // budget to be stored before counting
    Poll.until("the admitted burst stored", 20_000,
        () -> storedIdsUnchecked("flood").size() >= WRITES_PER_SECOND);
    List<String> stored = storedIds("flood");
    assertThat(stored).containsAll(acked);
    // every stored write was admitted by the limiter: at most the budget per elapsed window
    assertThat(stored.size()).isBetween(WRITES_PER_SECOND,
        (int) (WRITES_PER_SECOND * (seconds + 1)));
    assertThat(stored.size()).isLessThan(sent - (int) limited + 1);
    // operators see the refusals: every rate_limited reply was counted, and more may have been
    // refused after the last one that reached the socket before 4008
    String metrics = SecureServer.http(server, HttpMethod.GET, "/metrics", null, null).body();
    Matcher counted = Pattern.compile("(?m)^livesync_gateway_write_outcomes_total\\{"
        + "[^}]*outcome=\"rate_limited\"[^}]*} (\\S+)$").matcher(metrics);
    assertThat(counted.find()).as("a rate_limited outcome in %s", metrics).isTrue();
    assertThat((long) Double.parseDouble(counted.group(1))).isGreaterThanOrEqualTo(limited);
  }

  @Test
  void httpBodyOverTheLimitIs413() throws Exception {
    String body = "{\"text\":\"" + "x".repeat(70_000) + "\"}";
    SecureServer.Response r = SecureServer.http(server, HttpMethod.PUT,
        "/v1/collections/limits/records/huge", Jwt.admin(), body);
    assertThat(r.status()).isEqualTo(413);
    assertThat(Json.parseObject(r.body()).path("error").path("code").asText())
        .isEqualTo("too_large");
  }

  @Test
  void perUserConnectionCapIs429BeforeTheUpgradeAcrossInstances() throws Exception {
    String carol = Jwt.user("carol");
    List<WsClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < PER_USER; i++) {
        open.add(SecureServer.connect(client, server, carol));
      }
      assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, carol)))
          .isEqualTo(429);
      try (WsClient dave = SecureServer.connect(client, server, Jwt.user("dave"))) {
        dave.send(Json.object().put("type", "ping"));
        dave.awaitType("pong");
      }
      // a closed connection frees its slot: a clean close, then an abrupt one
      WsClient first = open.remove(0);
      first.close();
      open.add(connectWhenFree(carol));
      open.remove(0).close();
      try (RawClient raw = rawWhenFree(carol)) {
        assertThat(raw.responseHead()).startsWith("HTTP/1.1 101");
      }
      open.add(connectWhenFree(carol));
      assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, carol)))
          .isEqualTo(429);
    } finally {
      open.forEach(WsClient::close);
    }
  }

  private static WsClient connectWhenFree(String token) throws Exception {
    return SecureServer.connectWhenFree(client, server, token, 429);
  }

  private static RawClient rawWhenFree(String token) throws Exception {
    return SecureServer.rawWhenFree(client, server, token, 429);
  }

  @Test
  void tenThousandHandshakesWithoutATokenLeaveTheServerServing() throws Exception {
    int total = 10_000;
    int parallel = 32;
    WebSocketClient ws = client.createWebSocketClient();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger unauthorized = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    AtomicInteger finished = new AtomicInteger();
    WebSocketConnectOptions options = SecureServer.ws(server, null);
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      if (started.incrementAndGet() > total) {
        return;
      }
      ws.connect(options).onComplete(ar -> {
        if (ar.failed() && ar.cause() instanceof UpgradeRejectedException u
            && u.getStatus() == 401) {
          unauthorized.incrementAndGet();
        } else {
          other.incrementAndGet();
          if (ar.succeeded()) {
            ar.result().close();
          }
        }
        if (finished.incrementAndGet() == total) {
          done.complete();
        } else {
          next[0].run();
        }
      });
    };
    client.runOnContext(v -> {
      for (int i = 0; i < parallel; i++) {
        next[0].run();
      }
    });
    done.future().await(240, TimeUnit.SECONDS);
    ws.close().await(10, TimeUnit.SECONDS);
    assertThat(unauthorized.get()).isEqualTo(total);
    assertThat(other.get()).isZero();
    try (WsClient c = SecureServer.connect(client, server, Jwt.admin())) {
      assertThat(c.write("insert", "after-flood", "a1", Json.object().put("ok", true))
          .path("type").asText()).isEqualTo("ack");
    }
    JsonNode health = Json.parse(SecureServer.http(server, HttpMethod.GET,
        "/health/ready", null, null).body());
    assertThat(health.path("status").asText()).isEqualTo("UP");
  }
}
