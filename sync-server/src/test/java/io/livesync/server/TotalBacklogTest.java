package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.RawWs;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code websocket.maxTotalBacklogBytes}: many stalled subscribers, each below its own limit,
 * together may not queue more than the process's budget (a thousand sockets at 4 MiB each
 * exhausted a 2 GiB server's direct memory in a benchmark). Past the budget the stalled ones are
 * caught up later, as slow consumers; a subscriber that keeps reading still gets every change
 * live, and the stalled ones converge once they read again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TotalBacklogTest {
  private static final int STALLED = 6;
  private static final int WRITES = 2000;
  private static final long BUDGET = 256 * 1024;

  @Test
  void stalledSubscribersTogetherStayWithinTheBudget() throws Exception {
    // 2,000 writes of 4 KB: 8 MB per stalled socket, of which the kernel's socket buffers take
    // up to 4 MB (tcp_wmem); the rest stays below the per-connection limit of 64 MiB
    String config = "{\"limits\":{\"maxWritesPerSecond\":100000,\"maxBacklogBytes\":"
        + (64 << 20) + "},"
        + "\"websocket\":{\"maxTotalBacklogBytes\":" + BUDGET + "}}";
    List<RawWs> stalled = new ArrayList<>();
    try (TestServer server = TestServer.start(Map.of("SYNC_GATEWAY_INSTANCES", "1"), config);
        WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port());
        WsClient reader = WsClient.connectWelcomed(server.vertx(), server.port())) {
      reader.subscribe("firehose", 0, null);
      for (int i = 0; i < STALLED; i++) {
        RawWs slow = new RawWs(server.port(), 16 * 1024);
        stalled.add(slow);
        slow.sendText("{\"type\":\"subscribe\",\"collection\":\"firehose\"}");
        while (!Json.parseObject(slow.readText()).path("type").asText().equals("synced")) {
          // welcome, then synced of the empty collection
        }
      }
      // from here on the stalled clients read nothing until the writes are done

      String padding = "p".repeat(4000);
      ObjectNode lastReply = null;
      double maxQueued = 0;
      for (int i = 0; i < WRITES; i++) {
        String opId = UUID.randomUUID().toString();
        writer.send(WsClient.writeMessage("update", opId, "firehose", "r" + (i % 20),
            Json.object().put("i", i).put("pad", i + padding)));
        // one write at a time: the reader is never more than one change behind
        lastReply = writer.awaitReply(opId);
        if (i % 50 == 49) {
          maxQueued = Math.max(maxQueued,
              SlowConsumerTest.metric(server, "livesync_outbound_backlog_bytes"));
        }
      }
      assertThat(lastReply.path("type").asText()).isEqualTo("ack");
      maxQueued = Math.max(maxQueued,
          SlowConsumerTest.metric(server, "livesync_outbound_backlog_bytes"));

      // each stalled socket was sent less than its own limit: only the budget lags them
      assertThat(SlowConsumerTest.metric(server, "livesync_slow_consumer_total"))
          .isGreaterThanOrEqualTo(1);
      // the budget, plus what each connection may hold below the floor, plus one frame each
      assertThat(maxQueued).isLessThan(BUDGET + STALLED * (64 * 1024 + 8 * 1024.0) + 64 * 1024);

      // the reader kept up: every change, live, in seq order
      List<ObjectNode> live = reader.awaitCount("change", WRITES);
      for (int i = 0; i < WRITES; i++) {
        assertThat(live.get(i).path("seq").asLong()).isEqualTo(i + 1);
      }

      // the stalled ones read again and reach the last seq
      for (RawWs slow : stalled) {
        long cursor = 0;
        for (int read = 0; read < 10 * WRITES && cursor < WRITES; read++) {
          ObjectNode m = Json.parseObject(slow.readText());
          String type = m.path("type").asText();
          if (type.equals("change") || type.equals("synced")) {
            cursor = Math.max(cursor, m.path("seq").asLong());
          }
        }
        assertThat(cursor).isEqualTo(WRITES);
      }
    } finally {
      for (RawWs slow : stalled) {
        slow.close();
      }
    }
  }
}
