package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.EventLog;
import io.livesync.client.testing.InProcessServer;
import io.livesync.client.testing.ServerState;
import io.livesync.client.testing.TcpProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: with WebSocket upgrades refused (by a real TCP proxy in front of the server) the
 * client syncs through HTTP polling, and switches back to the socket when upgrades work again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketFallbackTest {
  @TempDir
  Path dir;
  private InProcessServer server;
  private TcpProxy proxy;
  private SyncClient a;
  private SyncClient b;
  private EventLog events;

  @BeforeEach
  void start() throws Exception {
    server = InProcessServer.start(dir.resolve("server"));
    proxy = new TcpProxy(server.port(), TcpProxy.Mode.REFUSE_WEBSOCKET);
    var builder = SyncClient.builder().serverUrl(proxy.url()).storage(dir.resolve("a.db"))
        .nodeId("A").reconnectDelay(Duration.ofMillis(20))
        .maxReconnectDelay(Duration.ofMillis(400)).maxReconnectAttempts(2)
        .pollInterval(Duration.ofMillis(300))
        // a drop is noticed by the TCP close, or, when the JDK's WebSocket loses the end of
        // stream (WsConnection says when), by two silent heartbeat intervals
        .heartbeatInterval(Duration.ofSeconds(2));
    events = EventLog.on(builder);
    a = builder.build();
    b = SyncClient.builder().serverUrl(server.url()).inMemoryStorage().nodeId("B").build();
  }

  @AfterEach
  void stop() throws Exception {
    a.close();
    b.close();
    proxy.close();
    server.close();
  }

  private static CompletableFuture<CollectionSnapshot> when(CollectionRef ref,
      Predicate<CollectionSnapshot> p) {
    CompletableFuture<CollectionSnapshot> f = new CompletableFuture<>();
    AutoCloseable h = ref.addChangeListener(Runnable::run, s -> {
      if (p.test(s)) {
        f.complete(s);
      }
    });
    return f.whenComplete((s, e) -> {
      try {
        h.close();
      } catch (Exception ignored) {
        // idempotent
      }
    });
  }

  @Test
  void aDroppedConnectionIsNoticedWithoutTrafficAndRecovered() throws Exception {
    proxy.setMode(TcpProxy.Mode.PASS);
    events.await(EventLog.state(ConnectionState.CONNECTED), Duration.ofSeconds(20));
    int mark = events.mark();
    proxy.dropAll(); // no close frame, no write pending: the TCP close or the heartbeat tells
    events.awaitFrom(mark, EventLog.state(ConnectionState.RECONNECTING), Duration.ofSeconds(20));
    events.awaitFrom(mark, EventLog.state(ConnectionState.CONNECTED), Duration.ofSeconds(20));
    assertThat(a.awaitSynced(Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void pollsOverHttpWhileUpgradesAreRefusedThenReturnsToTheSocket() throws Exception {
    CollectionRef todosA = a.collection("todos");
    CollectionRef todosB = b.collection("todos");
    events.await(EventLog.state(ConnectionState.POLLING), Duration.ofSeconds(20));
    assertThat(proxy.refusedUpgrades()).isEqualTo(3); // the first attempt and 2 reconnects
    List<ConnectionState> path = events.all(SyncEvent.StateChanged.class).stream()
        .map(SyncEvent.StateChanged::current).toList();
    assertThat(path).containsExactly(ConnectionState.CONNECTING, ConnectionState.RECONNECTING,
        ConnectionState.POLLING);

    // A's writes go out by HTTP push ...
    var bSees = when(todosB, s -> s.get("fromA").isPresent());
    todosA.save("fromA", Map.of("via", "push")).join();
    bSees.get(20, TimeUnit.SECONDS);
    // ... and B's writes come in by HTTP pull
    var aSees = when(todosA, s -> s.get("fromB").isPresent());
    todosB.save("fromB", Map.of("via", "socket")).join();
    aSees.get(20, TimeUnit.SECONDS);
    assertThat(a.state()).isEqualTo(ConnectionState.POLLING);
    assertThat(a.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(a.pendingWrites()).isZero();

    // the socket comes back: a probe finds it, polling stops
    proxy.setMode(TcpProxy.Mode.PASS);
    events.await(e -> e instanceof SyncEvent.StateChanged s
        && s.previous() == ConnectionState.POLLING && s.current() == ConnectionState.CONNECTED,
        Duration.ofSeconds(20));
    var live = when(todosA, s -> s.get("live").isPresent());
    todosB.save("live", Map.of("n", 1)).join();
    live.get(20, TimeUnit.SECONDS);
    todosA.update("fromA", Map.of("via", "socket")).join();
    assertThat(a.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(b.awaitSynced(Duration.ofSeconds(20))).isTrue();
    var onServer = ServerState.awaitConverged(server.url(), "todos", Duration.ofSeconds(20),
        todosA, todosB);
    assertThat(todosB.get("fromA").orElseThrow().data().path("via").asText())
        .isEqualTo("socket");
    assertThat(ServerState.comparable(todosA)).isEqualTo(onServer)
        .isEqualTo(ServerState.comparable(todosB));

    // and when upgrades are refused again, the live socket is dropped and polling resumes
    proxy.setMode(TcpProxy.Mode.REFUSE_WEBSOCKET);
    events.awaitNext(EventLog.state(ConnectionState.POLLING), Duration.ofSeconds(20));
    var again = when(todosA, s -> s.get("again").isPresent());
    todosB.save("again", Map.of("n", 2)).join();
    again.get(20, TimeUnit.SECONDS);
  }
}
