package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.EventLog;
import io.livesync.client.testing.InProcessServer;
import io.livesync.client.testing.ServerState;
import io.livesync.client.testing.TcpProxy;
import io.livesync.protocol.Json;
import io.livesync.protocol.WriteStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: conflict events for {@code merged}, {@code superseded} and {@code rejected}
 * writes, each with the server's winning record, which replaces the local one; a rejected write
 * goes to the dead letters and does not block the writes behind it. Client A is kept offline
 * by a proxy refusing every connection while B writes, so A's writes really are concurrent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConflictEventsTest {
  @TempDir
  Path dir;
  private InProcessServer server;
  private TcpProxy proxy;
  private SyncClient b;
  private SyncClient a;
  private EventLog events;

  @BeforeEach
  void start() throws Exception {
    server = InProcessServer.startWithConfig(dir, "{\"worker\":{\"rules\":["
        + "{\"pattern\":\"ver*\",\"strategy\":\"version\"},"
        + "{\"pattern\":\"rec*\",\"strategy\":\"record-lww\"}]}}");
    proxy = new TcpProxy(server.port(), TcpProxy.Mode.PASS);
    b = SyncClient.builder().serverUrl(server.url()).inMemoryStorage().nodeId("B").build();
  }

  /** A behind the proxy; its wall clock runs a minute late so its offline writes are older. */
  private void startA(Clock clock) {
    var builder = SyncClient.builder().serverUrl(proxy.url()).storage(dir.resolve("a.db"))
        .nodeId("A").clock(clock).reconnectDelay(Duration.ofMillis(20))
        .maxReconnectDelay(Duration.ofMillis(200)).maxReconnectAttempts(1000);
    events = EventLog.on(builder);
    a = builder.build();
  }

  @AfterEach
  void stop() throws Exception {
    if (a != null) {
      a.close();
    }
    b.close();
    proxy.close();
    server.close();
  }

  private SyncEvent.Conflict conflict(String id) throws Exception {
    return (SyncEvent.Conflict) events.await(
        e -> e instanceof SyncEvent.Conflict c && c.write().id().equals(id),
        Duration.ofSeconds(20));
  }

  @Test
  void olderConcurrentWritesAreMergedOrSupersededAndTheWinnerReplacesTheLocalRecord()
      throws Exception {
    proxy.setMode(TcpProxy.Mode.REFUSE_ALL);
    startA(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-1)));
    CollectionRef todosA = a.collection("todos");
    CollectionRef recsA = a.collection("recs");
    todosA.save("m1", Map.of("x", "A", "y", "A")).join(); // field-lww: x loses, y wins
    todosA.update("s1", Map.of("x", "A")).join(); // field-lww: everything older
    recsA.update("r1", Map.of("z", "A")).join(); // record-lww: the whole write is older

    // an update writes only x (an insert would also write "y absent", newer than A's y)
    b.collection("todos").update("m1", Map.of("x", "B")).join();
    b.collection("todos").save("s1", Map.of("x", "B")).join();
    b.collection("recs").save("r1", Map.of("x", "B")).join();
    assertThat(b.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(todosA.get("m1").orElseThrow().data().path("x").asText()).isEqualTo("A");

    proxy.setMode(TcpProxy.Mode.PASS);

    SyncEvent.Conflict merged = conflict("m1");
    assertThat(merged.status()).isEqualTo(WriteStatus.MERGED);
    assertThat(merged.winner().data()).isEqualTo(Json.fromMap(Map.of("x", "B", "y", "A")));
    SyncEvent.Conflict superseded = conflict("s1");
    assertThat(superseded.status()).isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(superseded.winner().data()).isEqualTo(Json.fromMap(Map.of("x", "B")));
    SyncEvent.Conflict recordLww = conflict("r1");
    assertThat(recordLww.status()).isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(recordLww.winner().data()).isEqualTo(Json.fromMap(Map.of("x", "B")));

    assertThat(a.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(todosA.get("m1").orElseThrow().data())
        .isEqualTo(Json.fromMap(Map.of("x", "B", "y", "A")));
    assertThat(todosA.get("s1").orElseThrow().data()).isEqualTo(Json.fromMap(Map.of("x", "B")));
    assertThat(recsA.get("r1").orElseThrow().data()).isEqualTo(Json.fromMap(Map.of("x", "B")));
    assertThat(a.deadLetters()).isEmpty();
    assertThat(ServerState.comparable(todosA)).isEqualTo(
        ServerState.comparable(ServerState.pull(server.url(), "todos").records()));
  }

  @Test
  void aRejectedWriteIsDeadLetteredAndDoesNotBlockTheNextOnes() throws Exception {
    startA(Clock.systemUTC());
    CollectionRef versA = a.collection("vers");
    CollectionRef versB = b.collection("vers");
    versB.save("v1", Map.of("v", 1)).join();
    assertThat(b.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(a.awaitSynced(Duration.ofSeconds(20))).isTrue();
    ServerState.awaitConverged(server.url(), "vers", Duration.ofSeconds(20), versA, versB);
    assertThat(versA.get("v1").orElseThrow().version()).isEqualTo(1);

    proxy.setMode(TcpProxy.Mode.REFUSE_ALL);
    versB.update("v1", Map.of("v", 2)).join(); // B is based on version 1: applied, version 2
    assertThat(b.awaitSynced(Duration.ofSeconds(20))).isTrue();
    versA.update("v1", Map.of("v", "A")).join(); // A is based on version 1 too: stale
    versA.save("v2", Map.of("n", 1)).join();
    versA.update("v2", Map.of("n", 2)).join();
    versA.save("v3", Map.of("n", 3)).join();
    assertThat(a.pendingWrites()).isEqualTo(4);

    proxy.setMode(TcpProxy.Mode.PASS);
    SyncEvent.Conflict rejected = conflict("v1");
    assertThat(rejected.status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(rejected.winner().version()).isEqualTo(2);
    assertThat(rejected.winner().data()).isEqualTo(Json.fromMap(Map.of("v", 2)));
    SyncEvent.DeadLettered dead = (SyncEvent.DeadLettered) events.await(
        e -> e instanceof SyncEvent.DeadLettered, Duration.ofSeconds(10));
    assertThat(dead.deadLetter().write().id()).isEqualTo("v1");

    assertThat(a.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(versA.get("v1").orElseThrow().data()).isEqualTo(Json.fromMap(Map.of("v", 2)));
    assertThat(versA.get("v2").orElseThrow().data()).isEqualTo(Json.fromMap(Map.of("n", 2)));
    assertThat(versA.get("v2").orElseThrow().version()).isEqualTo(2);
    assertThat(versA.get("v3")).isPresent();
    assertThat(a.deadLetters()).hasSize(1);
    assertThat(a.deadLetters().get(0).status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(a.deadLetters().get(0).write().data()).isEqualTo(Json.fromMap(Map.of("v", "A")));
    assertThat(a.deadLetters().get(0).current().version()).isEqualTo(2);

    // redoing the write on the current version works; the dead letters can be cleared
    versA.update("v1", Map.of("v", "A")).join();
    assertThat(a.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(versA.get("v1").orElseThrow().version()).isEqualTo(3);
    assertThat(events.all(SyncEvent.Conflict.class)).hasSize(1);
    a.clearDeadLetters();
    assertThat(a.deadLetters()).isEmpty();
    assertThat(b.awaitSynced(Duration.ofSeconds(20))).isTrue();
    assertThat(ServerState.comparable(versB)).isEqualTo(ServerState.comparable(versA));
  }
}
