package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.transport.Transport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server runs on native epoll where the platform has it and on NIO when configured so, and
 * the gateway's own channel handlers serve a subscriber on either.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NetworkTransportTest {

  @Test
  void nioWhenNativeIsSwitchedOff() {
    assertThat(NetworkTransport.choose(false)).isSameAs(Transport.NIO);
    assertThat(NetworkTransport.describe(false, Transport.NIO))
        .isEqualTo("nio (server.nativeTransport is false)");
  }

  @Test
  void epollWhereAvailableElseNioWithTheCause() {
    Transport chosen = NetworkTransport.choose(true);
    if (Transport.EPOLL != null && Transport.EPOLL.available()) {
      assertThat(chosen).isSameAs(Transport.EPOLL);
      assertThat(NetworkTransport.describe(true, chosen)).isEqualTo("epoll (native)");
    } else {
      assertThat(chosen).isSameAs(Transport.NIO);
      assertThat(NetworkTransport.describe(true, chosen)).startsWith("nio (native epoll unavailable: ");
    }
  }

  @Test
  void linuxX8664RunsOnEpoll() {
    assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
        && System.getProperty("os.arch").matches("amd64|x86_64"), "epoll is bundled for x86_64");
    assertThat(Transport.EPOLL).isNotNull();
    assertThat(Transport.EPOLL.unavailabilityCause()).isNull();
  }

  @Test
  void subscribersGetChangesOnEpoll() throws Exception {
    assumeTrue(Transport.EPOLL != null && Transport.EPOLL.available(), "no epoll here");
    try (TestServer server = TestServer.start()) {
      assertThat(server.vertx().isNativeTransportEnabled()).isTrue();
      roundTrip(server);
    }
  }

  @Test
  void subscribersGetChangesOnNio() throws Exception {
    try (TestServer server = TestServer.start(Map.of("SYNC_NATIVE_TRANSPORT", "false"), null)) {
      assertThat(server.vertx().isNativeTransportEnabled()).isFalse();
      roundTrip(server);
    }
  }

  /** Two subscribers, one of them the writer, get every change in seq order; pings answered. */
  private static void roundTrip(TestServer server) throws Exception {
    String col = "transport";
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port());
        WsClient reader = WsClient.connectWelcomed(server.vertx(), server.port())) {
      writer.subscribe(col, 0, null);
      reader.subscribe(col, 0, null);
      for (int i = 0; i < 5; i++) {
        ObjectNode ack = writer.write("insert", col, "r" + i, Json.object().put("i", i));
        assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("ack");
      }
      for (WsClient c : List.of(writer, reader)) {
        List<ObjectNode> changes = c.awaitCount("change", 5);
        for (int k = 0; k < 5; k++) {
          assertThat(changes.get(k).path("seq").asLong()).isEqualTo(k + 1);
        }
      }
      reader.send(Json.object().put("type", "ping"));
      assertThat(reader.awaitType("pong")).isNotNull();
    }
  }
}
