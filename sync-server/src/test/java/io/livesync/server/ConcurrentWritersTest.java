package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.protocol.ShallowMerge;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Four clients write concurrently to overlapping ids; two subscribers each see a contiguous seq
 * stream holding exactly the applied and merged writes, and their replicas equal the server's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentWritersTest {
  private static final int WRITERS = 4;
  private static final int WRITES_EACH = 300;
  private static final int IDS = 12;

  @Test
  void subscribersSeeAContiguousStreamAndConverge() throws Exception {
    try (TestServer server = TestServer.start()) {
      List<WsClient> subscribers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        WsClient s = WsClient.connectWelcomed(server.vertx(), server.port());
        s.subscribe("shared", 0, null);
        subscribers.add(s);
      }
      List<WsClient> writers = new ArrayList<>();
      for (int i = 0; i < WRITERS; i++) {
        writers.add(WsClient.connectWelcomed(server.vertx(), server.port()));
      }
      List<Thread> threads = new ArrayList<>();
      List<List<String>> opIds = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        WsClient writer = writers.get(w);
        List<String> mine = new ArrayList<>();
        opIds.add(mine);
        Random random = new Random(42 + w);
        Thread t = new Thread(() -> {
          for (int i = 0; i < WRITES_EACH; i++) {
            String id = "r" + random.nextInt(IDS);
            String opId = UUID.randomUUID().toString();
            mine.add(opId);
            int kind = random.nextInt(10);
            String type = kind < 3 ? "insert" : kind < 9 ? "update" : "delete";
            ObjectNode data = type.equals("delete") ? null
                : Json.object().put("f" + random.nextInt(4), random.nextInt(1000))
                    .put("w", writer.hashCode());
            writer.send(WsClient.writeMessage(type, opId, "shared", id, data));
          }
        });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      int changed = 0;
      for (int w = 0; w < WRITERS; w++) {
        for (String opId : opIds.get(w)) {
          ObjectNode reply = writers.get(w).awaitReply(opId);
          assertThat(reply.path("type").asText()).isEqualTo("ack");
          String status = reply.path("status").asText();
          if (status.equals("applied") || status.equals("merged")) {
            changed++;
          }
        }
      }
      assertThat(changed).isPositive();

      Map<String, JsonNode> serverState =
          io.livesync.server.testing.Pull.all(server.httpUrl(), "shared");
      for (WsClient s : subscribers) {
        List<ObjectNode> changes = s.awaitCount("change", changed);
        assertThat(changes).hasSize(changed);
        Map<String, ObjectNode> replica = new HashMap<>();
        Map<String, Boolean> deleted = new HashMap<>();
        for (int i = 0; i < changes.size(); i++) {
          ObjectNode c = changes.get(i);
          assertThat(c.path("seq").asLong()).as("seq of change %d", i).isEqualTo(i + 1);
          String id = c.path("id").asText();
          switch (c.path("op").asText()) {
            case "insert":
              replica.put(id, (ObjectNode) c.path("data"));
              deleted.put(id, false);
              break;
            case "update":
              replica.put(id, ShallowMerge.apply(Boolean.TRUE.equals(deleted.get(id))
                  ? Json.object() : replica.getOrDefault(id, Json.object()),
                  (ObjectNode) c.path("data")));
              deleted.put(id, false);
              break;
            default:
              replica.put(id, Json.object());
              deleted.put(id, true);
          }
        }
        for (Map.Entry<String, JsonNode> e : serverState.entrySet()) {
          JsonNode record = e.getValue();
          assertThat(deleted.get(e.getKey())).as("deleted " + e.getKey())
              .isEqualTo(record.path("op").asText().equals("delete"));
          if (!record.path("op").asText().equals("delete")) {
            assertThat(replica.get(e.getKey())).as("record " + e.getKey())
                .isEqualTo(record.path("data"));
          }
        }
        assertThat(replica.keySet()).isEqualTo(serverState.keySet());
      }
      subscribers.forEach(WsClient::close);
      writers.forEach(WsClient::close);
    }
  }
}
