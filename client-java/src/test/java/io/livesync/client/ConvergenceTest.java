package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.InProcessServer;
import io.livesync.client.testing.ServerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: two clients write 1,000 mixed operations each, concurrently, to overlapping
 * records; afterwards both local stores equal each other and the server.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConvergenceTest {
  private static final String COLLECTION = "converge";
  private static final int OPS = 1000;
  private static final int RECORDS = 40;

  @TempDir
  Path dir;

  @Test
  void twoClientsWritingConcurrentlyConverge() throws Exception {
    try (InProcessServer server = InProcessServer.start(dir.resolve("server"));
         SyncClient a = client(server, "A");
         SyncClient b = client(server, "B")) {
      CollectionRef refA = a.collection(COLLECTION);
      CollectionRef refB = b.collection(COLLECTION);

      CompletableFuture<Void> writerA = CompletableFuture.runAsync(() -> writeMix(refA, 1));
      CompletableFuture<Void> writerB = CompletableFuture.runAsync(() -> writeMix(refB, 2));
      CompletableFuture.allOf(writerA, writerB).get(60, TimeUnit.SECONDS);

      assertThat(a.awaitSynced(Duration.ofSeconds(90))).as("A synced").isTrue();
      assertThat(b.awaitSynced(Duration.ofSeconds(90))).as("B synced").isTrue();
      assertThat(a.pendingWrites()).isZero();
      assertThat(b.pendingWrites()).isZero();
      assertThat(a.deadLetters()).isEmpty();
      assertThat(b.deadLetters()).isEmpty();

      // each is synced with its own writes; the other's last changes may still be in flight
      Map<String, String> expected = ServerState.awaitConverged(server.url(), COLLECTION,
          Duration.ofSeconds(20), refA, refB);
      assertThat(expected).isNotEmpty();
      assertThat(ServerState.comparable(refA)).isEqualTo(expected);
      assertThat(ServerState.comparable(refB)).isEqualTo(expected);
    }
  }

  private SyncClient client(InProcessServer server, String node) {
    return SyncClient.builder().serverUrl(server.url()).storage(dir.resolve(node + ".db"))
        .nodeId(node).reconnectDelay(Duration.ofMillis(100)).build();
  }

  /** 1,000 inserts, updates (some removing a field) and deletes over shared ids. */
  private static void writeMix(CollectionRef ref, long seed) {
    Random r = new Random(seed);
    for (int i = 0; i < OPS; i++) {
      String id = "r" + r.nextInt(RECORDS);
      int kind = r.nextInt(100);
      if (kind < 35) {
        Map<String, Object> doc = new HashMap<>();
        for (int f = 0; f < 1 + r.nextInt(4); f++) {
          doc.put("f" + r.nextInt(6), r.nextInt(1000));
        }
        doc.put("by", ref.name() + seed);
        ref.save(id, doc).join();
      } else if (kind < 80) {
        Map<String, Object> delta = new HashMap<>();
        delta.put("f" + r.nextInt(6), r.nextInt(5) == 0 ? null : r.nextInt(1000));
        delta.put("n" + seed, i);
        ref.update(id, delta).join();
      } else {
        ref.delete(id).join();
      }
    }
  }
}
