package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.protocol.ShallowMerge;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PROTOCOL.md 2.4: a subscriber that stops reading is caught up, not cut off. Its backlog stays
 * bounded; once it reads again it receives {@code changes} pages of the latest state and {@code
 * synced}, then live changes, and its replica equals the server's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowConsumerTest {
  private static final int RECORDS = 20;
  private static final int WRITES = 3000;

  @Test
  void aStalledSubscriberIsCaughtUpAndConverges() throws Exception {
    String config = "{\"limits\":{\"maxBacklogBytes\":65536,\"maxWritesPerSecond\":100000}}";
    try (TestServer server = TestServer.start(Map.of("SYNC_GATEWAY_INSTANCES", "1"), config);
        WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port());
        io.livesync.server.testing.RawWs slow =
            new io.livesync.server.testing.RawWs(server.port(), 16 * 1024)) {
      List<ObjectNode> all = new java.util.ArrayList<>();
      slow.sendText("{\"type\":\"subscribe\",\"collection\":\"firehose\"}");
      while (!all.isEmpty() ? !all.get(all.size() - 1).path("type").asText().equals("synced")
          : true) {
        all.add(Json.parseObject(slow.readText()));
      }
      // from here on the slow client reads nothing until the writes are done

      String padding = "p".repeat(4000);
      String lastOpId = null;
      for (int i = 0; i < WRITES; i++) {
        lastOpId = UUID.randomUUID().toString();
        writer.send(WsClient.writeMessage("update", lastOpId, "firehose", "r" + (i % RECORDS),
            Json.object().put("i", i).put("pad", i + padding)));
      }
      assertThat(writer.awaitReply(lastOpId).path("type").asText()).isEqualTo("ack");
      assertThat(metric(server, "livesync_slow_consumer_total")).isPositive();

      // the last write's seq is WRITES: the stream ends at synced or a live change of WRITES
      for (int read = 0; read < 10 * WRITES; read++) {
        ObjectNode m = Json.parseObject(slow.readText());
        all.add(m);
        if ((m.path("type").asText().equals("synced") || m.path("type").asText().equals("change"))
            && m.path("seq").asLong() == WRITES) {
          break;
        }
      }
      Map<String, ObjectNode> replica = new HashMap<>();
      long cursor = 0;
      int liveAfterLag = 0;
      boolean caughtUp = false;
      int initialSynced = 0;
      for (ObjectNode m : all) {
        switch (m.path("type").asText()) {
          case "change":
            long seq = m.path("seq").asLong();
            if (seq <= cursor) {
              continue;
            }
            assertThat(seq).as("live change after cursor %d", cursor).isEqualTo(cursor + 1);
            cursor = seq;
            replica.merge(m.path("id").asText(), (ObjectNode) m.path("data"),
                ShallowMerge::apply);
            if (caughtUp) {
              liveAfterLag++;
            }
            break;
          case "changes":
            for (JsonNode item : m.path("items")) {
              replica.put(item.path("id").asText(), (ObjectNode) item.path("data"));
            }
            caughtUp = true;
            break;
          case "synced":
            cursor = m.path("seq").asLong();
            initialSynced++;
            break;
          default:
        }
      }
      assertThat(caughtUp).as("a catch-up (changes page) arrived after the stall").isTrue();
      assertThat(initialSynced).isGreaterThanOrEqualTo(2);
      assertThat(cursor).isEqualTo(WRITES);
      Map<String, JsonNode> server0 =
          io.livesync.server.testing.Pull.all(server.httpUrl(), "firehose");
      assertThat(replica.keySet()).isEqualTo(server0.keySet());
      server0.forEach((id, item) -> assertThat(replica.get(id)).isEqualTo(item.path("data")));
      // far fewer messages than writes reached the stalled client: updates were collapsed
      long changeMessages = all.stream().filter(m -> m.path("type").asText().equals("change"))
          .count();
      assertThat(changeMessages).isLessThan(WRITES);
    }
  }

  static double metric(TestServer server, String name) throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    String body = http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(server.httpUrl() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    for (String line : body.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }
}
