package io.livesync.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.redis.RedisServerProcess;
import io.livesync.server.testing.Poll;
import io.livesync.server.testing.Pull;
import io.vertx.core.Vertx;
import java.util.ArrayList;
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
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class LostHistoryTest {
  private static final String COLLECTION = "lost-history";

  @Test
  void subscribersAreResetAndConvergeWhenRedisLosesItsTailOrIsFlushed() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<SyncPeer> peers = new ArrayList<>();
    try (Cluster cluster = Cluster.builder("lost-history").gateways(1).workers(1)
        .fsync(RedisServerProcess.Fsync.NONE).start()) {
      String gateway = cluster.gateway(0).url();
      SyncPeer writer = new SyncPeer(vertx, "w", COLLECTION, cluster.gatewayPorts(), 0);
      SyncPeer reader = new SyncPeer(vertx, "r", COLLECTION, cluster.gatewayPorts(), 0);
      peers.add(writer);
      peers.add(reader);
      writer.connectAndSync();
      reader.connectAndSync();

      // 1. a lost tail
      writer.writeFor(1_000, 5, 8, 15_000);
      long saved = Pull.seq(gateway, COLLECTION);
      assertThat(cluster.redis().command("SAVE")).isEqualTo("OK");
      writer.writeFor(1_000, 5, 8, 15_000);
      long acked = Pull.seq(gateway, COLLECTION);
      assertThat(acked).as("writes acked after the snapshot").isGreaterThan(saved);
      String firstEpoch = awaitConverged(gateway, peers, 0);

      cluster.redis().kill9();
      cluster.redis().restart();
      for (Cluster.Node n : List.of(cluster.gateway(0), cluster.worker(0))) {
        Poll.until(n.name() + " ready again", 30_000,
            () -> Load.status(n.url() + "/health/ready") == 200);
      }
      assertThat(Pull.seq(gateway, COLLECTION)).as("the snapshot's seq").isEqualTo(saved);
      writer.writeFor(1_000, 5, 8, 30_000);
      String secondEpoch = awaitConverged(gateway, peers, 1);
      assertThat(secondEpoch).as("the history after a lost tail").isNotEqualTo(firstEpoch);
      long afterTail = Pull.seq(gateway, COLLECTION);
      assertThat(Pull.all(gateway, COLLECTION).values()).extracting(i -> i.path("seq").asLong())
          .as("seqs: from the snapshot (<= %d) or after the loss (> %d), none reused", saved,
              acked)
          .allMatch(seq -> seq <= saved || seq > acked)
          .anyMatch(seq -> seq > acked);
      assertThat(afterTail).as("no seq is handed out twice").isGreaterThan(acked);
      cluster.worker(0).line(l -> l.contains("lost its history after seq " + saved))
          .get(10, TimeUnit.SECONDS);

      // 2. a flushed Redis
      assertThat(cluster.redis().command("FLUSHALL")).isEqualTo("OK");
      writer.writeFor(1_000, 5, 8, 15_000);
      String thirdEpoch = awaitConverged(gateway, peers, 2);
      assertThat(thirdEpoch).as("the history after FLUSHALL").isNotIn(firstEpoch, secondEpoch);
      assertThat(Pull.seq(gateway, COLLECTION)).as("a flushed history starts over")
          .isLessThan(afterTail);

      System.out.printf("lost history: snapshot at seq %d, %d acked writes lost with kill -9; "
              + "history went on at seq %d in a new epoch; then FLUSHALL, new epoch at seq %d; "
              + "both subscribers reset twice and converged (%s; %s)%n",
          saved, acked - saved, acked + 1, Pull.seq(gateway, COLLECTION), writer.summary(),
          reader.summary());
    } finally {
      peers.forEach(SyncPeer::close);
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
