package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Live changes of one commit batch reach each subscriber as separate, intact messages in seq
 * order, whether a change is small (copied into the socket's buffer of the event-loop turn) or
 * large (written by reference), and mixed with the acks of the same socket.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FanOutFramingTest {
  private static final int WRITES = 90;
  private static TestServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = TestServer.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** Every third change is over the 8 KiB copy limit; the rest are small. */
  private static ObjectNode data(int i) {
    int size = i % 3 == 1 ? 20_000 + i : 10 + i;
    return Json.object().put("i", i).put("p", String.valueOf((char) ('a' + i % 26)).repeat(size));
  }

  @Test
  void smallAndLargeChangesOfOneBatchArriveIntactAndInOrder() throws Exception {
    String col = "framing-" + UUID.randomUUID().toString().substring(0, 8);
    List<WsClient> subscribers = new ArrayList<>();
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port())) {
      for (int s = 0; s < 3; s++) {
        WsClient c = WsClient.connectWelcomed(server.vertx(), server.port());
        subscribers.add(c);
        c.subscribe(col, 0, null);
      }
      writer.subscribe(col, 0, null);
      // sent back to back, without waiting for acks, so that commits batch several writes
      List<String> opIds = new ArrayList<>();
      for (int i = 0; i < WRITES; i++) {
        String opId = "op-" + i;
        opIds.add(opId);
        writer.send(WsClient.writeMessage("insert", opId, col, "r" + i, data(i)));
      }
      Map<String, Long> seqOfId = new HashMap<>();
      for (String opId : opIds) {
        ObjectNode ack = writer.awaitReply(opId);
        assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("ack");
        seqOfId.put(ack.path("id").asText(), ack.path("seq").asLong());
      }
      List<WsClient> receivers = new ArrayList<>(subscribers);
      receivers.add(writer);
      for (WsClient c : receivers) {
        List<ObjectNode> changes = c.awaitCount("change", WRITES);
        assertThat(changes).hasSize(WRITES);
        for (int k = 0; k < WRITES; k++) {
          ObjectNode ch = changes.get(k);
          assertThat(ch.path("seq").asLong()).as("seq order").isEqualTo(k + 1);
          int i = ch.path("data").path("i").asInt();
          assertThat(ch.path("id").asText()).isEqualTo("r" + i);
          assertThat(seqOfId.get("r" + i)).isEqualTo(ch.path("seq").asLong());
          assertThat(ch.path("data")).as("change %d intact", i).isEqualTo(data(i));
        }
      }
    } finally {
      for (WsClient c : subscribers) {
        c.close();
      }
    }
  }
}
