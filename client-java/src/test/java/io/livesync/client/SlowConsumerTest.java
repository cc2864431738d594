package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.EventLog;
import io.livesync.client.testing.InProcessServer;
import io.livesync.client.testing.ServerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that stops reading (its listener blocks the client thread) while another writes a
 * lot: the server stops queueing live changes for it and later catches it up with
 * {@code changes} and {@code synced} in the middle of a live subscription. The client applies
 * them like any catch-up and converges.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SlowConsumerTest {
  private static final int UPDATES = 3000;
  private static final String PAYLOAD = "x".repeat(8 * 1024);

  @TempDir
  Path dir;

  @Test
  void aSlowConsumerIsCaughtUpAndConverges() throws Exception {
    try (InProcessServer server = InProcessServer.startWithConfig(dir,
        "{\"limits\":{\"maxBacklogBytes\":65536}}");
         SyncClient b = SyncClient.builder().serverUrl(server.url()).inMemoryStorage().build()) {
      var builder = SyncClient.builder().serverUrl(server.url()).inMemoryStorage();
      EventLog events = EventLog.on(builder);
      try (SyncClient a = builder.build()) {
        CollectionRef feedA = a.collection("feed");
        assertThat(a.awaitSynced(Duration.ofSeconds(20))).isTrue();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // a direct listener runs on the client's thread: blocking it stops A from reading
        feedA.addChangeListener(Runnable::run, s -> {
          if (!s.records().isEmpty() && blocked.getCount() > 0) {
            blocked.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });

        CollectionRef feedB = b.collection("feed");
        // every update changes the payload: the client sends only changed fields, so updates
        // that changed a counter alone would be ~200 bytes and fit in the sockets' buffers
        for (int i = 0; i < UPDATES; i++) {
          feedB.update("p" + (i % 20), Map.of("i", i, "payload", i + PAYLOAD)).join();
        }
        assertThat(blocked.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(b.awaitSynced(Duration.ofSeconds(90))).isTrue();
        release.countDown();

        var onServer = ServerState.pull(server.url(), "feed");
        assertThat(onServer.seq()).isEqualTo(UPDATES);
        Map<String, String> expected = ServerState.comparable(onServer.records());
        // A may still be working through what was queued for it: wait until its view converges
        CompletableFuture<Void> converged = new CompletableFuture<>();
        AutoCloseable h = feedA.addChangeListener(Runnable::run, s -> {
          java.util.TreeMap<String, io.livesync.protocol.SyncRecord> m = new java.util.TreeMap<>();
          s.records().forEach(r -> m.put(r.id(), r));
          if (ServerState.comparable(m).equals(expected)) {
            converged.complete(null);
          }
        });
        try {
          converged.get(90, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new AssertionError("A did not converge; versions: " + feedA.list().stream()
              .map(r -> r.id() + "=v" + r.version()).toList());
        } finally {
          h.close();
        }
        // The catch-up after the stall ends with synced at the last seq; that frame follows the
        // catch-up's last changes page, so it may still be on its way when A's view converges.
        events.await(e -> e instanceof SyncEvent.Synced s && s.collection().equals("feed")
            && s.seq() == UPDATES, Duration.ofSeconds(30));
        assertThat(a.awaitSynced(Duration.ofSeconds(30))).isTrue();
        assertThat(ServerState.metric(server.url(), "livesync_slow_consumer_total"))
            .as("the server stopped queueing changes for A").isPositive();
      }
    }
  }
}
