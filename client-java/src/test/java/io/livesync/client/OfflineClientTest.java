package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.EventLog;
import io.livesync.client.testing.TcpProxy;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.SyncException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client without a reachable server: the connection state machine's fallback path, local
 * writes, persistence of the outbox, the node id and the clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OfflineClientTest {
  @TempDir
  Path dir;

  /** A loopback port nothing listens on. */
  private static URI deadServer() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  private static SyncClient.Builder fast(URI url) {
    return SyncClient.builder().serverUrl(url).reconnectDelay(Duration.ofMillis(10))
        .maxReconnectDelay(Duration.ofMillis(50)).closeTimeout(Duration.ofMillis(200));
  }

  @Test
  void failedAttemptsLeadToPollingAfterMaxReconnectAttempts() throws Exception {
    var builder = fast(deadServer()).maxReconnectAttempts(3).inMemoryStorage();
    EventLog events = EventLog.on(builder);
    try (SyncClient client = builder.build()) {
      events.await(EventLog.state(ConnectionState.POLLING), Duration.ofSeconds(20));
      List<ConnectionState> states = events.all(SyncEvent.StateChanged.class).stream()
          .map(SyncEvent.StateChanged::current).toList();
      assertThat(states).startsWith(ConnectionState.CONNECTING, ConnectionState.RECONNECTING,
          ConnectionState.POLLING);

      client.collection("todos").save("t1", Map.of("a", 1)).join();
      assertThat(client.collection("todos").get("t1")).isPresent();
      assertThat(client.pendingWrites()).isEqualTo(1);
      assertThat(client.awaitSynced(Duration.ofMillis(300))).isFalse();
    }
  }

  @Test
  void realtimeOffPollsFromTheStartAndNeverOpensASocket() throws Exception {
    try (TcpProxy proxy = new TcpProxy(deadServer().getPort(), TcpProxy.Mode.REFUSE_WEBSOCKET)) {
      var builder = fast(proxy.url()).realtime(false).inMemoryStorage();
      EventLog events = EventLog.on(builder);
      try (SyncClient client = builder.build()) {
        events.await(EventLog.state(ConnectionState.POLLING), Duration.ofSeconds(10));
        client.collection("todos").save("t1", Map.of("a", 1)).join();
        // the push fails (nothing behind the proxy) and is reported
        events.await(e -> e instanceof SyncEvent.Error, Duration.ofSeconds(10));
        assertThat(client.state()).isEqualTo(ConnectionState.POLLING);
      }
      assertThat(proxy.refusedUpgrades()).isZero();
      assertThat(events.all(SyncEvent.StateChanged.class)).extracting(
          SyncEvent.StateChanged::current).containsExactly(ConnectionState.POLLING,
          ConnectionState.CLOSED);
    }
  }

  @Test
  void theOutboxNodeIdAndClockSurviveARestartEvenIfTheWallClockGoesBack() throws Exception {
    URI url = deadServer();
    Path file = dir.resolve("app.db");
    Instant t = Instant.parse("2030-01-01T00:00:00Z");
    String firstTs;
    String node;
    try (SyncClient client = fast(url).storage(file).maxReconnectAttempts(0)
        .clock(Clock.fixed(t, ZoneOffset.UTC)).build()) {
      node = client.nodeId();
      client.collection("todos").save("t1", Map.of("a", 1)).join();
      firstTs = client.collection("todos").get("t1").orElseThrow().ts();
    }
    assertThat(Hlc.millisOf(firstTs)).isEqualTo(t.toEpochMilli());

    try (SyncClient client = fast(url).storage(file).maxReconnectAttempts(0)
        .clock(Clock.fixed(t.minusSeconds(3600), ZoneOffset.UTC)).build()) {
      assertThat(client.nodeId()).isEqualTo(node);
      assertThat(client.pendingWrites()).isEqualTo(1);
      CollectionRef todos = client.collection("todos");
      assertThat(todos.get("t1")).isPresent();
      todos.update("t1", Map.of("b", 2)).join();
      String secondTs = todos.get("t1").orElseThrow().ts();
      assertThat(secondTs).isGreaterThan(firstTs);
      assertThat(Hlc.nodeOf(secondTs)).isEqualTo(node);
      assertThat(client.pendingWrites()).isEqualTo(2);
    }
  }

  @Test
  void aSecondClientOnTheSameFileIsRefused() throws Exception {
    Path file = dir.resolve("app.db");
    try (SyncClient client = fast(deadServer()).storage(file).build()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
          () -> fast(deadServer()).storage(file).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");
      assertThat(client.nodeId()).isNotBlank();
    }
  }

  @Test
  void invalidWritesFailTheirFutureAndChangeNothing() throws Exception {
    try (SyncClient client = fast(deadServer()).inMemoryStorage().build()) {
      CollectionRef todos = client.collection("todos");
      assertThat(todos.save("bad id!", Map.of("a", 1))).isCompletedExceptionally();
      assertThat(todos.save("ok", Map.of("_reserved", 1)))
          .failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(SyncException.class);
      assertThat(client.pendingWrites()).isZero();
      assertThat(todos.list()).isEmpty();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.collection("bad name"))
          .isInstanceOf(SyncException.class);
    }
  }

  @Test
  void aClosedClientRefusesWork() throws Exception {
    SyncClient client = fast(deadServer()).inMemoryStorage().build();
    CollectionRef todos = client.collection("todos");
    client.close();
    client.close(); // idempotent
    assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
    assertThat(todos.save("x", Map.of())).isCompletedExceptionally();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> todos.save("x", Map.of()).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void listenerHandlesCloseIdempotently() throws Exception {
    try (SyncClient client = fast(deadServer()).inMemoryStorage().build()) {
      CollectionRef todos = client.collection("todos");
      java.util.concurrent.BlockingQueue<CollectionSnapshot> seen =
          new java.util.concurrent.LinkedBlockingQueue<>();
      AutoCloseable h = todos.addChangeListener(Runnable::run, seen::add);
      assertThat(seen.poll(5, TimeUnit.SECONDS).records()).isEmpty();
      todos.save("a", Map.of("n", 1)).join();
      CollectionSnapshot s = seen.poll(5, TimeUnit.SECONDS);
      assertThat(s.changedIds()).containsExactly("a");
      assertThat(s.get("a")).isPresent();
      h.close();
      h.close();
      todos.save("b", Map.of("n", 1)).join();
      assertThat(seen.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }
}
