package io.livesync.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code websocket.maxConnections}: the process's cap on open WebSockets, counted across its
 * gateway instances (the test server runs two), refused with 503 and {@code Retry-After} before
 * the token is verified, with every slot given back when a handshake fails or a socket closes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionCapTest {
  static final int CAP = 4;
  static final int PER_USER = 2;
  private static TestServer server;
  private static Vertx client;

  @BeforeAll
  static void start() throws Exception {
    server = SecureServer.start(Map.of("SYNC_MAX_CONNECTIONS", "" + CAP,
        "SYNC_MAX_CONNECTIONS_PER_USER", "" + PER_USER), null);
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void aFullServerRefusesWith503BeforeTheTokenAndEveryClosedSocketFreesItsSlot() throws Exception {
    String forged = Jwt.hs256("another-secret-of-32-bytes-or-more!!".getBytes(),
        Jwt.header("HS256", null), Jwt.claims("mallory"));
    List<WsClient> open = new ArrayList<>();
    try {
      // refused handshakes hold no slot: bad tokens (401) and the per-user cap (429)
      for (int i = 0; i < 20; i++) {
        assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, forged)))
            .isEqualTo(401);
      }
      String alice = Jwt.user("alice");
      open.add(SecureServer.connect(client, server, alice));
      open.add(SecureServer.connect(client, server, alice));
      for (int i = 0; i < 10; i++) {
        assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, alice)))
            .isEqualTo(429);
      }
      open.add(SecureServer.connect(client, server, Jwt.user("bob")));
      open.add(SecureServer.connect(client, server, Jwt.user("carol")));

      // full: a valid token is refused with 503, and so is a forged one (no verification spent)
      try (RawClient dave = new RawClient(server.port(), Jwt.user("dave"), null)) {
        assertThat(dave.responseHead()).startsWith("HTTP/1.1 503")
            .containsPattern("(?im)^retry-after: 1$");
        assertThat(Json.parseObject(dave.responseBody()).path("error").path("code").asText())
            .isEqualTo("unavailable");
      }
      assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, forged)))
          .isEqualTo(503);
      // the connections held keep working
      for (WsClient c : open) {
        c.send(Json.object().put("type", "ping"));
        c.awaitType("pong");
      }

      // a clean close frees a slot, and so does an abrupt one
      open.remove(0).close();
      open.add(connectWhenFree(Jwt.user("dave")));
      open.remove(0).close();
      try (RawClient erin = rawWhenFree(Jwt.user("erin"))) {
        assertThat(erin.responseHead()).startsWith("HTTP/1.1 101");
        assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, alice)))
            .isEqualTo(503);
      } // erin's socket is dropped without a close frame
      open.add(connectWhenFree(Jwt.user("frank")));
      assertThat(SecureServer.rejectedStatus(client, SecureServer.ws(server, alice)))
          .isEqualTo(503);

      String metrics = SecureServer.http(server, HttpMethod.GET, "/metrics", null, null).body();
      assertThat(refused(metrics, "max_connections")).isGreaterThanOrEqualTo(4);
      assertThat(refused(metrics, "unauthorized")).isEqualTo(20);
      assertThat(refused(metrics, "max_connections_per_user")).isEqualTo(10);
    } finally {
      open.forEach(WsClient::close);
    }
  }

  /** A counter of {@code livesync_handshakes_refused_total} from the Prometheus text. */
  private static long refused(String metrics, String reason) {
    Matcher m = Pattern.compile("(?m)^livesync_handshakes_refused_total\\{reason=\""
        + reason + "\",?} (\\S+)$").matcher(metrics);
    assertThat(m.find()).as("a %s counter in %s", reason, metrics).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  private static WsClient connectWhenFree(String token) throws Exception {
    return SecureServer.connectWhenFree(client, server, token, 503);
  }

  private static RawClient rawWhenFree(String token) throws Exception {
    return SecureServer.rawWhenFree(client, server, token, 503);
  }
}
