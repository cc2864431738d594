package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.ServerProcess;
import io.livesync.client.testing.ServerState;
import io.livesync.client.testing.TcpProxy;
import io.livesync.protocol.SyncRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: the server process is killed (SIGKILL) in the middle of client A's outbox flush
 * and restarted on the same data directory; the outbox drains with no duplicate and no loss.
 * The client reaches the server through a proxy so the restarted server may use another port.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ServerKillTest {
  private static final int WRITES = 2000;
  @TempDir
  Path dir;
  private ServerProcess first;
  private ServerProcess second;
  private TcpProxy proxy;

  @AfterEach
  void stop() throws Exception {
    if (first != null) {
      first.kill();
    }
    if (second != null) {
      second.kill();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void killingTheServerMidFlushLosesAndDuplicatesNothing() throws Exception {
    Path data = dir.resolve("server");
    first = ServerProcess.start(data, 0);
    proxy = new TcpProxy(first.port(), TcpProxy.Mode.REFUSE_ALL);
    AtomicInteger acks = new AtomicInteger();
    CompletableFuture<Void> midFlush = new CompletableFuture<>();
    var builder = SyncClient.builder().serverUrl(proxy.url()).storage(dir.resolve("a.db"))
        .reconnectDelay(Duration.ofMillis(50)).maxReconnectDelay(Duration.ofMillis(500))
        .maxReconnectAttempts(1000)
        .eventListener(Runnable::run, e -> {
          if (e instanceof SyncEvent.Acked && acks.incrementAndGet() == 300) {
            midFlush.complete(null);
          }
        });
    try (SyncClient a = builder.build()) {
      CollectionRef items = a.collection("items");
      for (int i = 0; i < WRITES; i++) {
        items.save("i" + i, Map.of("i", i)).join();
      }
      proxy.setMode(TcpProxy.Mode.PASS); // the flush starts
      midFlush.get(60, TimeUnit.SECONDS);
      first.kill();
      int pendingAtKill = a.pendingWrites();
      assertThat(pendingAtKill).as("killed in the middle of the flush").isPositive();

      second = ServerProcess.start(data, 0);
      proxy.setTarget(second.port());

      assertThat(a.awaitSynced(Duration.ofSeconds(120))).isTrue();
      assertThat(a.pendingWrites()).isZero();
      assertThat(a.deadLetters()).isEmpty();
      assertThat(items.list()).hasSize(WRITES);

      var onServer = ServerState.pull(second.url(), "items");
      assertThat(onServer.records()).as("no loss").hasSize(WRITES);
      assertThat(onServer.seq()).as("no write applied twice").isEqualTo(WRITES);
      for (SyncRecord r : onServer.records().values()) {
        assertThat(r.version()).as(r.id()).isEqualTo(1);
      }
      assertThat(ServerState.comparable(items))
          .isEqualTo(ServerState.comparable(onServer.records()));

      try (SyncClient b = SyncClient.builder().serverUrl(second.url()).inMemoryStorage()
          .build()) {
        CollectionRef itemsB = b.collection("items");
        assertThat(b.awaitSynced(Duration.ofSeconds(30))).isTrue();
        assertThat(itemsB.list()).hasSize(WRITES);
      }
    }
  }
}
