package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every WebSocket message of PROTOCOL.md 2.2-2.4 against a real server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketProtocolTest {
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void welcomeNamesTheProtocolConnectionAndUser() throws Exception {
    try (WsClient c = WsClient.connect(server.vertx(), server.port())) {
      ObjectNode w = c.awaitType("welcome");
      assertThat(w.path("protocol").asInt()).isEqualTo(1);
      assertThat(w.path("connectionId").asText()).isNotBlank();
      assertThat(w.path("user").asText()).isEqualTo("anonymous");
      assertThat(w.path("time").asLong())
          .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    }
  }

  @Test
  void insertUpdateDeleteAreAckedAndFannedOutAsDeltas() throws Exception {
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port());
        WsClient reader = WsClient.connectWelcomed(server.vertx(), server.port())) {
      ObjectNode synced = reader.subscribe("todos", 0, null);
      assertThat(synced.path("seq").asLong()).isZero();
      assertThat(synced.path("epoch").asText()).isNotBlank();
      writer.subscribe("todos", 0, null);

      ObjectNode ack = writer.write("insert", "todos", "t1",
          Json.object().put("title", "milk").put("n", 1));
      assertThat(ack.path("type").asText()).isEqualTo("ack");
      assertThat(ack.path("status").asText()).isEqualTo("applied");
      assertThat(ack.path("version").asLong()).isEqualTo(1);
      assertThat(ack.path("seq").asLong()).isEqualTo(1);
      assertThat(ack.has("record")).isFalse();

      ObjectNode change = reader.awaitType("change");
      assertThat(change.path("op").asText()).isEqualTo("insert");
      assertThat(change.path("data")).isEqualTo(Json.object().put("title", "milk").put("n", 1));
      assertThat(change.path("seq").asLong()).isEqualTo(1);
      assertThat(change.path("version").asLong()).isEqualTo(1);
      assertThat(change.path("opId").asText()).isEqualTo(ack.path("opId").asText());
      assertThat(change.path("origin").asText()).isEqualTo("server");
      assertThat(change.path("ts").asText()).matches("\\d{13}-[0-9a-f]{4}-server");
      // the writer's own connection sees its change too
      assertThat(writer.awaitType("change").path("seq").asLong()).isEqualTo(1);

      ObjectNode update = Json.object().put("done", true).putNull("n");
      ack = writer.write("update", "todos", "t1", update);
      assertThat(ack.path("version").asLong()).isEqualTo(2);
      change = reader.awaitType("change");
      assertThat(change.path("op").asText()).isEqualTo("update");
      assertThat(change.path("data")).isEqualTo(update);
      assertThat(change.path("seq").asLong()).isEqualTo(2);

      ack = writer.write("delete", "todos", "t1", null);
      assertThat(ack.path("status").asText()).isEqualTo("applied");
      change = reader.awaitType("change");
      assertThat(change.path("op").asText()).isEqualTo("delete");
      assertThat(change.has("data")).isFalse();
      assertThat(change.path("seq").asLong()).isEqualTo(3);
      assertThat(change.path("version").asLong()).isEqualTo(3);
    }
  }

  @Test
  void writerTimestampAndOriginAreKept() throws Exception {
    try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      c.subscribe("notes", 0, null);
      String ts = io.livesync.protocol.Hlc.format(System.currentTimeMillis(), 3, "deviceA");
      ObjectNode msg = WsClient.writeMessage("insert", "op-ts-1", "notes", "n1",
          Json.object().put("x", 1));
      msg.put("ts", ts);
      c.send(msg);
      assertThat(c.awaitReply("op-ts-1").path("status").asText()).isEqualTo("applied");
      ObjectNode change = c.awaitType("change");
      assertThat(change.path("ts").asText()).isEqualTo(ts);
      assertThat(change.path("origin").asText()).isEqualTo("deviceA");
    }
  }

  @Test
  void subscribeCatchesUpWithFullStateThenGoesLive() throws Exception {
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port())) {
      writer.write("insert", "c1", "a", Json.object().put("v", 1));
      writer.write("insert", "c1", "b", Json.object().put("v", 1));
      writer.write("update", "c1", "a", Json.object().put("w", 2));
      writer.write("delete", "c1", "b", null);
      try (WsClient reader = WsClient.connectWelcomed(server.vertx(), server.port())) {
        reader.send(Json.object().put("type", "subscribe").put("collection", "c1"));
        ObjectNode page = reader.awaitType("changes");
        assertThat(page.path("collection").asText()).isEqualTo("c1");
        assertThat(page.path("items")).hasSize(2);
        ObjectNode first = (ObjectNode) page.path("items").get(0);
        ObjectNode second = (ObjectNode) page.path("items").get(1);
        assertThat(first.path("id").asText()).isEqualTo("a");
        assertThat(first.path("op").asText()).isEqualTo("insert");
        assertThat(first.path("data")).isEqualTo(Json.object().put("v", 1).put("w", 2));
        assertThat(first.path("seq").asLong()).isEqualTo(3);
        assertThat(first.has("type")).isFalse();
        assertThat(second.path("id").asText()).isEqualTo("b");
        assertThat(second.path("op").asText()).isEqualTo("delete");
        assertThat(second.path("seq").asLong()).isEqualTo(4);
        ObjectNode synced = reader.awaitType("synced");
        assertThat(synced.path("seq").asLong()).isEqualTo(4);

        writer.write("insert", "c1", "c", Json.object());
        assertThat(reader.awaitType("change").path("seq").asLong()).isEqualTo(5);

        // resubscribing from the cursor sends nothing old
        ObjectNode again = reader.subscribe("c1", 5, synced.path("epoch").asText());
        assertThat(again.path("seq").asLong()).isEqualTo(5);
        assertThat(reader.all().stream().filter(m -> m.path("type").asText().equals("changes")))
            .hasSize(1);
      }
    }
  }

  @Test
  void foreignEpochIsToldToReset() throws Exception {
    try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      c.write("insert", "r1", "x", Json.object().put("v", 1));
      c.send(Json.object().put("type", "subscribe").put("collection", "r1").put("since", 1)
          .put("epoch", "some-other-epoch"));
      ObjectNode reset = c.awaitType("reset");
      assertThat(reset.path("collection").asText()).isEqualTo("r1");
      ObjectNode page = c.awaitType("changes");
      assertThat(page.path("items")).hasSize(1);
      assertThat(c.awaitType("synced").path("seq").asLong()).isEqualTo(1);
    }
  }

  @Test
  void unsubscribeStopsLiveChanges() throws Exception {
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port());
        WsClient reader = WsClient.connectWelcomed(server.vertx(), server.port())) {
      reader.subscribe("u1", 0, null);
      reader.subscribe("u2", 0, null);
      reader.send(Json.object().put("type", "unsubscribe").put("collection", "u1"));
      assertThat(reader.awaitType("unsubscribed").path("collection").asText()).isEqualTo("u1");
      writer.write("insert", "u1", "x", Json.object());
      writer.write("insert", "u2", "y", Json.object());
      ObjectNode change = reader.awaitType("change");
      assertThat(change.path("collection").asText()).isEqualTo("u2");
      assertThat(reader.all()).noneMatch(m -> m.path("type").asText().equals("change")
          && m.path("collection").asText().equals("u1"));
    }
  }

  @Test
  void pingIsAnsweredWithPong() throws Exception {
    try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      c.send("{\"type\":\"ping\"}");
      assertThat(c.awaitType("pong").path("time").asLong()).isPositive();
    }
  }

  @Test
  void authWithoutAuthenticationKeepsTheAnonymousUser() throws Exception {
    try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      c.send("{\"type\":\"auth\",\"token\":\"anything\"}");
      assertThat(c.awaitType("authed").has("exp")).isTrue();
    }
  }

  @Test
  void idleConnectionIsClosedWith1008() throws Exception {
    try (TestServer quick = TestServer.start(java.util.Map.of("SYNC_PING_INTERVAL_MS", "200"),
        null);
        io.livesync.server.testing.RawWs raw = new io.livesync.server.testing.RawWs(quick.port())) {
      // a client that completes the handshake and then never answers a ping
      assertThat(raw.awaitCloseCode()).isEqualTo(1008);
    }
  }

  @Test
  void stopClosesSocketsWith1012() throws Exception {
    TestServer other = TestServer.start();
    WsClient c = WsClient.connectWelcomed(other.vertx(), other.port());
    io.vertx.core.Vertx clientVertx = io.vertx.core.Vertx.vertx();
    try {
      other.server().stop().await(20, TimeUnit.SECONDS);
      assertThat(c.closed().await(10, TimeUnit.SECONDS)).isEqualTo((short) 1012);
    } finally {
      c.close();
      other.close();
      clientVertx.close();
    }
  }

  static Duration timeout() {
    return WsClient.TIMEOUT;
  }
}
