package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A write retried with the same opId takes effect at most once (ARCHITECTURE.md guarantee 3). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdempotencyTest {

  @Test
  void opIdRetriedAfterADroppedConnectionIsAppliedOnce() throws Exception {
    try (TestServer server = TestServer.start();
        WsClient watcher = WsClient.connectWelcomed(server.vertx(), server.port())) {
      watcher.subscribe("idem", 0, null);
      ObjectNode write = WsClient.writeMessage("update", "retry-1", "idem", "counter",
          Json.object().put("n", 1));

      // the write goes out and the connection drops before the client reads the ack
      WsClient first = WsClient.connectWelcomed(server.vertx(), server.port());
      first.send(write);
      first.socket().close();
      ObjectNode change = watcher.awaitType("change");
      assertThat(change.path("opId").asText()).isEqualTo("retry-1");

      // the client retries on a new connection with the same opId
      try (WsClient second = WsClient.connectWelcomed(server.vertx(), server.port())) {
        second.send(write);
        ObjectNode ack = second.awaitReply("retry-1");
        assertThat(ack.path("type").asText()).isEqualTo("ack");
        assertThat(ack.path("status").asText()).isEqualTo("applied");
        assertThat(ack.path("version").asLong()).isEqualTo(1);
        assertThat(ack.path("seq").asLong()).isEqualTo(change.path("seq").asLong());

        // a second retry on the same connection: the same ack again
        second.send(write);
        ObjectNode again = second.awaitReply("retry-1");
        assertThat(again.path("seq").asLong()).isEqualTo(ack.path("seq").asLong());

        // a fresh write shows the retries created no versions: it is version 2, seq 2
        ObjectNode next = second.write("update", "idem", "counter", Json.object().put("n", 2));
        assertThat(next.path("version").asLong()).isEqualTo(2);
        assertThat(next.path("seq").asLong()).isEqualTo(2);
        assertThat(watcher.awaitType("change").path("seq").asLong()).isEqualTo(2);
        assertThat(watcher.all().stream().filter(m -> m.path("type").asText().equals("change")))
            .hasSize(2);
      }
    }
  }

  @Test
  void aKnownOpIdReusedForAnotherWriteIsRefusedAndChangesNothing() throws Exception {
    try (TestServer server = TestServer.start();
        WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      c.send(WsClient.writeMessage("insert", "dup-1", "idem", "a", Json.object().put("v", 1)));
      assertThat(c.awaitReply("dup-1").path("status").asText()).isEqualTo("applied");
      c.send(WsClient.writeMessage("insert", "dup-1", "idem", "a", Json.object().put("v", 2)));
      ObjectNode error = c.awaitReply("dup-1");
      assertThat(error.path("type").asText()).isEqualTo("error");
      assertThat(error.path("code").asText()).isEqualTo("bad_request");
      c.send(WsClient.writeMessage("insert", "dup-1", "other", "a", Json.object().put("v", 1)));
      assertThat(c.awaitReply("dup-1").path("code").asText()).isEqualTo("bad_request");
      ObjectNode synced = c.subscribe("idem", 0, null);
      assertThat(synced.path("seq").asLong()).isEqualTo(1);
      ObjectNode page = c.awaitType("changes");
      assertThat(page.path("items").get(0).path("data")).isEqualTo(Json.object().put("v", 1));
      assertThat(c.subscribe("other", 0, null).path("seq").asLong()).isZero();
    }
  }
}
