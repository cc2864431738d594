package io.livesync.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.redis.RedisServerProcess;
import io.livesync.server.testing.Poll;
import io.livesync.server.testing.Pull;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis loses history while clients stay subscribed, in the two ways it can:
 *
 * <ol>
 *   <li><b>A lost tail</b> (what {@code appendfsync everysec} risks, made exact with a snapshot):
 *       {@code SAVE}, more acked writes that every subscriber receives, {@code kill -9}, restart
 *       from the snapshot. The worker's next commit finds the seq below what it committed and
 *       gives the history a new epoch.
 *   <li><b>A flushed Redis</b> ({@code FLUSHALL}): the next commit starts a new epoch at seq 1.
 * </ol>
 *
 * <p>After each, the live subscribers (one writing, one only subscribed, neither doing anything
 * but what the protocol asks) must get a {@code reset} on their open subscription and converge
 * to exactly what the server now holds: the lost records gone, the writes after the loss there,
 * the cursor at the server's seq in the new epoch. Before, they silently kept the lost records
 * and dropped the new history's changes whose seq they had already passed.
 *
 * <p>The second test loses the tail together with the worker that committed it (both killed),
 * so the worker that commits next has no memory of it: the gateway, whose change feed delivered
 * the tail, tells it with each write.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class LostHistoryTest {
  private static final String COLLECTION = "lost-history";

  @Test
  void subscribersAreResetAndConvergeWhenRedisLosesItsTailOrIsFlushed() throws Exception {
    try (Cluster cluster = Cluster.builder("lost-history").gateways(1).workers(1)
            .fsync(RedisServerProcess.Fsync.NONE).start();
        Peers peers = new Peers(cluster)) {
      // 1. a lost tail
      Tail tail = peers.snapshotThenWriteMore();
      cluster.redis().kill9();
      cluster.redis().restart();
      peers.awaitReady(cluster.worker(0));
      String secondEpoch = peers.writeAndAwaitNewHistory(tail);
      long afterTail = Pull.seq(peers.gateway, COLLECTION);
      assertThat(afterTail).as("no seq is handed out twice").isGreaterThan(tail.acked());
      cluster.worker(0).line(l -> l.contains("lost its history after seq " + tail.saved()))
          .get(10, TimeUnit.SECONDS);

      // 2. a flushed Redis
      assertThat(cluster.redis().command("FLUSHALL")).isEqualTo("OK");
      peers.writer.writeFor(1_000, 5, 8, 15_000);
      String thirdEpoch = awaitConverged(peers.gateway, peers.all, 2);
      assertThat(thirdEpoch).as("the history after FLUSHALL")
          .isNotIn(tail.epoch(), secondEpoch);
      assertThat(Pull.seq(peers.gateway, COLLECTION)).as("a flushed history starts over")
          .isLessThan(afterTail);

      System.out.printf("lost history: snapshot at seq %d, %d acked writes lost with kill -9; "
              + "history went on at seq %d in a new epoch; then FLUSHALL, new epoch at seq %d; "
              + "both subscribers reset twice and converged (%s)%n", tail.saved(),
          tail.acked() - tail.saved(), tail.acked() + 1, Pull.seq(peers.gateway, COLLECTION),
          peers.summary());
    }
  }

  @Test
  void aLostTailIsNoticedThroughTheGatewayWhenTheWorkerThatCommittedItDiedWithRedis()
      throws Exception {
    try (Cluster cluster = Cluster.builder("lost-tail-worker").gateways(1).workers(1)
            .fsync(RedisServerProcess.Fsync.NONE).start();
        Peers peers = new Peers(cluster)) {
      Tail tail = peers.snapshotThenWriteMore();
      // the worker that committed the tail dies with Redis; a fresh one knows nothing of it
      cluster.kill9(cluster.worker(0));
      cluster.redis().kill9();
      cluster.redis().restart();
      Cluster.Node worker = cluster.restart(cluster.worker(0));
      peers.awaitReady(worker);
      peers.writeAndAwaitNewHistory(tail);
      worker.line(l -> l.contains("lost its history after seq " + tail.saved()))
          .get(10, TimeUnit.SECONDS);
      System.out.printf("lost tail with its worker: snapshot at seq %d, %d acked writes lost "
              + "with kill -9 of Redis and the worker; a fresh worker went on in a new epoch, "
              + "now at seq %d; both subscribers reset and converged (%s)%n", tail.saved(),
          tail.acked() - tail.saved(), Pull.seq(peers.gateway, COLLECTION), peers.summary());
    }
  }

  /** A snapshot's seq, the last acked seq after it, and the epoch they were written in. */
  private record Tail(long saved, long acked, String epoch) {
  }

  /** Two clients on the cluster's gateway: one writing, one only subscribed. */
  private static final class Peers implements AutoCloseable {
    final Cluster cluster;
    final String gateway;
    final Vertx vertx = Vertx.vertx();
    final SyncPeer writer;
    final SyncPeer reader;
    final List<SyncPeer> all;

    Peers(Cluster cluster) throws Exception {
      this.cluster = cluster;
      this.gateway = cluster.gateway(0).url();
      writer = new SyncPeer(vertx, "w", COLLECTION, cluster.gatewayPorts(), 0);
      reader = new SyncPeer(vertx, "r", COLLECTION, cluster.gatewayPorts(), 0);
      all = List.of(writer, reader);
      writer.connectAndSync();
      reader.connectAndSync();
    }

    /** Writes, SAVEs, writes more that everybody receives: the tail a restart will lose. */
    Tail snapshotThenWriteMore() throws Exception {
      writer.writeFor(1_000, 5, 8, 15_000);
      long saved = Pull.seq(gateway, COLLECTION);
      assertThat(cluster.redis().command("SAVE")).isEqualTo("OK");
      writer.writeFor(1_000, 5, 8, 15_000);
      long acked = Pull.seq(gateway, COLLECTION);
      assertThat(acked).as("writes acked after the snapshot").isGreaterThan(saved);
      return new Tail(saved, acked, awaitConverged(gateway, all, 0));
    }

    void awaitReady(Cluster.Node worker) throws Exception {
      for (Cluster.Node n : List.of(cluster.gateway(0), worker)) {
        Poll.until(n.name() + " ready again", 30_000,
            () -> Load.status(n.url() + "/health/ready") == 200);
      }
    }

    /**
     * After Redis came back from the snapshot: writes more, and checks that both clients were
     * reset into a new history that reuses no seq of the lost tail. Returns its epoch.
     */
    String writeAndAwaitNewHistory(Tail tail) throws Exception {
      assertThat(Pull.seq(gateway, COLLECTION)).as("the snapshot's seq").isEqualTo(tail.saved());
      writer.writeFor(1_000, 5, 8, 30_000);
      String epoch = awaitConverged(gateway, all, 1);
      assertThat(epoch).as("the history after a lost tail").isNotEqualTo(tail.epoch());
      assertThat(Pull.all(gateway, COLLECTION).values()).extracting(i -> i.path("seq").asLong())
          .as("seqs: from the snapshot (<= %d) or after the loss (> %d), none reused",
              tail.saved(), tail.acked())
          .allMatch(seq -> seq <= tail.saved() || seq > tail.acked())
          .anyMatch(seq -> seq > tail.acked());
      return epoch;
    }

    String summary() {
      return writer.summary() + "; " + reader.summary();
    }

    @Override
    public void close() throws Exception {
      all.forEach(SyncPeer::close);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Waits until every peer holds exactly the server's records at its seq, in its epoch, having
   * been reset {@code resets} times in all; returns that epoch.
   */
  private static String awaitConverged(String gateway, List<SyncPeer> peers, int resets)
      throws Exception {
    String epoch = Pull.page(gateway, COLLECTION, 0).path("epoch").asText();
    long seq = Pull.seq(gateway, COLLECTION);
    Map<String, JsonNode> pulled = Pull.all(gateway, COLLECTION);
    for (SyncPeer p : peers) {
      p.await("cursor " + seq + " in epoch " + epoch + " after " + resets + " resets", 20_000,
          () -> p.cursor() == seq && epoch.equals(p.epoch()) && p.resets() == resets);
      assertThat(p.unanswered()).as("%s: writes never acked", p.summary()).isEmpty();
      Verify.holdsExactly(p, pulled);
    }
    return epoch;
  }
}
