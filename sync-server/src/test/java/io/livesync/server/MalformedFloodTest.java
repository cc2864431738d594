package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One client floods the server with 10,000 malformed frames while another writes: the flooder
 * gets one {@code error} per frame and stays connected, the writer's writes are all acked and
 * fanned out, nothing malformed is stored, and the server stays ready.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MalformedFloodTest {
  private static final int FRAMES = 10_000;
  /** Every this many frames, one well-formed write whose data is over the 256 KiB limit. */
  private static final int OVERSIZED_EVERY = 500;
  private static final int WRITES = 300;

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
  void floodOfMalformedFramesIsAnsweredFrameByFrameWhileOthersWrite() throws Exception {
    WebSocketClient floodClient = server.vertx().createWebSocketClient(
        new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20));
    WebSocket flood = floodClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(server.port()).setURI("/v1/ws")).await(20, TimeUnit.SECONDS);
    AtomicInteger errors = new AtomicInteger();
    Map<String, AtomicInteger> byCode = new ConcurrentHashMap<>();
    Map<String, Boolean> opIdsAnswered = new ConcurrentHashMap<>();
    AtomicInteger unexpected = new AtomicInteger();
    CompletableFuture<Void> firstErrors = new CompletableFuture<>();
    CompletableFuture<Void> allErrors = new CompletableFuture<>();
    CompletableFuture<ObjectNode> pong = new CompletableFuture<>();
    flood.textMessageHandler(text -> {
      ObjectNode m = Json.parseObject(text);
      switch (m.path("type").asText()) {
        case "error": {
          byCode.computeIfAbsent(m.path("code").asText(), k -> new AtomicInteger())
              .incrementAndGet();
          if (m.hasNonNull("opId")) {
            opIdsAnswered.put(m.path("opId").asText(), true);
          }
          int n = errors.incrementAndGet();
          if (n == 100) {
            firstErrors.complete(null);
          }
          if (n == FRAMES) {
            allErrors.complete(null);
          }
          break;
        }
        case "welcome":
          break;
        case "pong":
          pong.complete(m);
          break;
        default:
          unexpected.incrementAndGet();
      }
    });

    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port());
        WsClient reader = WsClient.connectWelcomed(server.vertx(), server.port())) {
      reader.subscribe("calm", 0, null);
      int expectedOversized = 0;
      int withOpId = 0;
      for (int i = 0; i < FRAMES; i++) {
        if (i % OVERSIZED_EVERY == OVERSIZED_EVERY - 1) {
          expectedOversized++;
          withOpId++;
        } else if (i % 8 == 4 || i % 8 == 6) {
          withOpId++;
        }
        flood.writeTextMessage(malformed(i));
      }
      firstErrors.get(60, TimeUnit.SECONDS);

      int ackedDuringFlood = 0;
      for (int i = 0; i < WRITES; i++) {
        ObjectNode ack = writer.write("insert", "calm", "r" + (i % 50),
            Json.object().put("i", i));
        assertThat(ack.path("type").asText()).as("reply %s", ack).isEqualTo("ack");
        assertThat(ack.path("status").asText()).isEqualTo("applied");
        assertThat(ack.path("seq").asLong()).isEqualTo(i + 1);
        if (!allErrors.isDone()) {
          ackedDuringFlood++;
        }
      }
      List<ObjectNode> changes = reader.awaitCount("change", WRITES);
      for (int i = 0; i < WRITES; i++) {
        assertThat(changes.get(i).path("seq").asLong()).isEqualTo(i + 1);
      }

      allErrors.get(60, TimeUnit.SECONDS);
      flood.writeTextMessage("{\"type\":\"ping\"}");
      assertThat(pong.get(20, TimeUnit.SECONDS).path("time").asLong()).isPositive();
      assertThat(errors.get()).as("one error per malformed frame").isEqualTo(FRAMES);
      assertThat(unexpected.get()).isZero();
      assertThat(flood.isClosed()).as("the flooder stays connected").isFalse();
      assertThat(byCode.keySet()).containsExactlyInAnyOrder("bad_request", "too_large");
      assertThat(byCode.get("too_large").get()).isEqualTo(expectedOversized);
      assertThat(byCode.get("bad_request").get()).isEqualTo(FRAMES - expectedOversized);
      assertThat(opIdsAnswered).as("errors name the opId when readable").hasSize(withOpId);
      System.out.printf("flood: %d of %d writes acked while the flood was still being answered%n",
          ackedDuringFlood, WRITES);
    } finally {
      flood.close();
      floodClient.close();
    }

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
        URI.create(server.httpUrl() + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    for (String c : List.of("flood", "flood-big")) {
      HttpResponse<String> pull = http.send(HttpRequest.newBuilder(URI.create(server.httpUrl()
          + "/v1/sync/pull?collection=" + c)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(Json.parseObject(pull.body()).path("seq").asLong())
          .as("nothing stored in %s", c).isZero();
    }
  }

  /** Frame i of the flood: a mix of every kind of malformed input. */
  private static String malformed(int i) {
    if (i % OVERSIZED_EVERY == OVERSIZED_EVERY - 1) {
      return Json.write(WsClient.writeMessage("insert", "big-" + i, "flood-big", "x",
          Json.object().put("blob", "x".repeat(300 * 1024))));
    }
    switch (i % 8) {
      case 0:
        return "not json {" + i;
      case 1:
        return "[1,2," + i + "]";
      case 2:
        return "{\"type\":\"frobnicate\",\"n\":" + i + "}";
      case 3:
        return "{\"type\":\"subscribe\",\"collection\":\"bad name " + i + "\"}";
      case 4:
        return "{\"type\":\"insert\",\"opId\":\"op-" + i
            + "\",\"collection\":\"flood\",\"id\":\"bad id!\",\"data\":{}}";
      case 5:
        return Integer.toString(i);
      case 6:
        return "{\"type\":\"update\",\"opId\":\"op-" + i
            + "\",\"collection\":\"flood\",\"id\":\"x\",\"data\":[" + i + "]}";
      default:
        return "{\"since\":" + i + "}";
    }
  }
}
