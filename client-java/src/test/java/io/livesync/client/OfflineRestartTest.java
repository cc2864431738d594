package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.InProcessServer;
import io.livesync.client.testing.ServerState;
import io.livesync.client.testing.TcpProxy;
import io.livesync.protocol.SyncRecord;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: client A writes 500 records while the server is down; A is restarted (a new
 * SyncClient on the same file) before the server comes up; all 500 then reach the server
 * exactly once and client B sees them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OfflineRestartTest {
  private static final int WRITES = 500;
  @TempDir
  Path dir;
  private TcpProxy proxy;
  private InProcessServer server;

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private SyncClient.Builder clientA() {
    return SyncClient.builder().serverUrl(proxy.url()).storage(dir.resolve("a.db"))
        .reconnectDelay(Duration.ofMillis(50)).maxReconnectDelay(Duration.ofMillis(500))
        .maxReconnectAttempts(3).pollInterval(Duration.ofSeconds(1))
        .closeTimeout(Duration.ofMillis(500));
  }

  @Test
  void writesMadeOfflineSurviveARestartAndArriveExactlyOnce() throws Exception {
    int nowhere;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nowhere = s.getLocalPort();
    }
    proxy = new TcpProxy(nowhere, TcpProxy.Mode.REFUSE_ALL); // no server behind it yet

    String node;
    try (SyncClient a = clientA().build()) {
      node = a.nodeId();
      CollectionRef notes = a.collection("notes");
      for (int i = 0; i < WRITES; i++) {
        notes.save("n" + i, Map.of("i", i, "text", "note " + i)).join();
      }
      assertThat(a.pendingWrites()).isEqualTo(WRITES);
      assertThat(notes.list()).hasSize(WRITES);
    }

    try (SyncClient a = clientA().build()) {
      assertThat(a.nodeId()).isEqualTo(node);
      assertThat(a.pendingWrites()).isEqualTo(WRITES);
      assertThat(a.collection("notes").list()).hasSize(WRITES);

      server = InProcessServer.start(dir.resolve("server"));
      try (SyncClient b = SyncClient.builder().serverUrl(server.url()).inMemoryStorage()
          .build()) {
        CompletableFuture<Void> bSawAll = new CompletableFuture<>();
        b.collection("notes").addChangeListener(Runnable::run, s -> {
          if (s.records().size() == WRITES) {
            bSawAll.complete(null);
          }
        });
        proxy.setTarget(server.port());
        proxy.setMode(TcpProxy.Mode.PASS); // the server is back

        assertThat(a.awaitSynced(Duration.ofSeconds(60))).isTrue();
        assertThat(a.pendingWrites()).isZero();
        assertThat(a.deadLetters()).isEmpty();
        bSawAll.get(60, TimeUnit.SECONDS);
      }
      var onServer = ServerState.pull(server.url(), "notes");
      assertThat(onServer.records()).hasSize(WRITES);
      assertThat(onServer.seq()).as("one seq per write: none applied twice").isEqualTo(WRITES);
      for (SyncRecord r : onServer.records().values()) {
        assertThat(r.version()).as(r.id()).isEqualTo(1);
      }
      assertThat(ServerState.comparable(a.collection("notes")))
          .isEqualTo(ServerState.comparable(onServer.records()));
    }
  }
}
