package io.livesync.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.redis.RedisServerProcess;
import io.livesync.server.testing.Poll;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3: {@code kill -9} of Redis ({@code appendonly yes}, {@code appendfsync always}) while 4
 * clients write, then a restart on the same port and directory (the append-only file is
 * replayed). During the outage every write is answered {@code unavailable} (never a false ack)
 * and {@code /health/ready} of gateways and workers is 503; after the restart the service
 * resumes by itself (readiness 200, acks flow again, subscribers are caught up); no acked write
 * is lost, no opId is applied twice, the epoch survives (no reset), all replicas converge.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RedisRestartTest {
  private static final String COLLECTION = "redis-restart";
  private static final long WRITE_MILLIS = 20_000;
  private static final long MIN_OUTAGE_MILLIS = 4_000;

  @Test
  void killMinus9AndRestartOfRedisUnderLoadLosesNoAckedWriteAndResumesByItself()
      throws Exception {
    Vertx vertx = Vertx.vertx();
    List<SyncPeer> peers = new ArrayList<>();
    try (Cluster cluster = Cluster.builder("redis-restart").gateways(2).workers(2)
        .fsync(RedisServerProcess.Fsync.ALWAYS).start()) {
      List<String> probes = List.of(cluster.gateway(0).url(), cluster.gateway(1).url(),
          cluster.worker(0).url(), cluster.worker(1).url());
      for (String url : probes) {
        assertThat(Load.status(url + "/health/ready")).as("%s ready", url).isEqualTo(200);
      }
      for (int i = 0; i < 4; i++) {
        SyncPeer p = new SyncPeer(vertx, "p" + i, COLLECTION, cluster.gatewayPorts(), i % 2);
        peers.add(p);
        p.connectAndSync();
      }
      String epoch = peers.get(0).epoch();
      List<Thread> writers = Load.startWriters(peers, WRITE_MILLIS, 20, 16, 90_000);
      Load.awaitPeers(peers, "300 acks", 30_000, () -> Load.totalAcks(peers) >= 300);

      int ackedBeforeKill = Load.totalAcks(peers);
      long killedAt = System.nanoTime();
      cluster.redis().kill9();
      long killReturned = System.nanoTime();

      for (String url : probes) {
        Poll.until(url + " /health/ready = 503", 10_000,
            () -> Load.status(url + "/health/ready") == 503);
      }
      assertThat(Load.status(cluster.gateway(0).url() + "/health/live")).as("still live")
          .isEqualTo(200);
      Load.awaitPeers(peers, "an outage of " + MIN_OUTAGE_MILLIS + " ms with unavailable "
          + "answers to every client", 20_000, () -> elapsedMillis(killedAt) >= MIN_OUTAGE_MILLIS
          && peers.stream().allMatch(p -> unavailableSince(p, killedAt) >= 5));
      // a REST write is refused too, with 503 unavailable
      var rest = Load.send("PUT", cluster.gateway(1).url() + "/v1/collections/" + COLLECTION
          + "/records/during-outage", "{\"x\":1}");
      assertThat(rest.statusCode()).as("REST write during the outage: %s", rest.body())
          .isEqualTo(503);
      assertThat(rest.body()).contains("unavailable");

      long restartAt = System.nanoTime();
      long outageMillis = TimeUnit.NANOSECONDS.toMillis(restartAt - killedAt);
      long acksDuringOutage = Load.ackTimes(peers).stream()
          .filter(t -> t > killReturned + TimeUnit.MILLISECONDS.toNanos(500) && t < restartAt)
          .count();
      int unavailableDuringOutage = peers.stream()
          .mapToInt(p -> unavailableSince(p, killedAt)).sum();
      cluster.redis().restart();
      long restarted = System.nanoTime();

      int acksAtRestart = Load.totalAcks(peers);
      long readyMillis = 0;
      for (String url : probes) {
        Poll.until(url + " ready again", 30_000,
            () -> Load.status(url + "/health/ready") == 200);
        readyMillis = elapsedMillis(restarted);
      }
      Load.awaitPeers(peers, "acks flowing again", 30_000,
          () -> Load.totalAcks(peers) >= acksAtRestart + 100);
      long acksResumedMillis = elapsedMillis(restarted);
      Load.join(writers, WRITE_MILLIS + 120_000);

      assertThat(acksDuringOutage).as("acks received while Redis was down").isZero();
      assertThat(acksResumedMillis).as("ms from the restart until 100 more acks").isLessThan(
          10_000);
      Verify.Report r = Verify.converged(cluster.gateways().stream().map(Cluster.Node::url)
          .toList(), COLLECTION, peers, 30_000);
      for (SyncPeer p : peers) {
        assertThat(p.epoch()).as("%s: the epoch survived the restart", p.name).isEqualTo(epoch);
      }
      int subscriptionErrors = peers.stream().mapToInt(SyncPeer::subscriptionErrors).sum();
      System.out.println("acks per second from the kill (restart after "
          + outageMillis + " ms): " + perSecond(Load.ackTimes(peers), killedAt));
      List<Long> unavailable = new ArrayList<>();
      peers.forEach(p -> unavailable.addAll(p.unavailableNanos()));
      java.util.Collections.sort(unavailable);
      System.out.println("unavailable answers per second from the kill: "
          + perSecond(unavailable, killedAt));
      System.out.printf("redis restart (appendfsync always): %d writes acked (%d before the "
              + "kill), collection seq %d, none lost; outage %d ms, %d writes answered "
              + "unavailable during it (and REST 503), 0 acks during it; after the restart "
              + "acks flowed again within %d ms and every /health/ready was 200 within %d ms; "
              + "subscribers: %d unsolicited catch-ups, %d live changes, %d catch-up items, %d "
              + "subscription errors re-subscribed; epoch unchanged, 0 resets%n",
          r.acked(), ackedBeforeKill, r.seq(), outageMillis, unavailableDuringOutage,
          acksResumedMillis, readyMillis, r.catchUps(), r.liveChanges(), r.catchUpItems(),
          subscriptionErrors);
    } finally {
      peers.forEach(SyncPeer::close);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static List<Integer> perSecond(List<Long> sortedNanos, long from) {
    List<Integer> counts = new ArrayList<>();
    for (long t : sortedNanos) {
      if (t < from) {
        continue;
      }
      int second = (int) TimeUnit.NANOSECONDS.toSeconds(t - from);
      while (counts.size() <= second) {
        counts.add(0);
      }
      counts.set(second, counts.get(second) + 1);
    }
    return counts;
  }

  private static long elapsedMillis(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  private static int unavailableSince(SyncPeer p, long since) {
    return (int) p.unavailableNanos().stream().filter(t -> t > since).count();
  }
}
