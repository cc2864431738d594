package io.livesync.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.bus.RedisSyncBus;
import io.livesync.core.redis.RedisServerProcess;
import io.livesync.core.store.RedisKeys;
import io.livesync.protocol.Json;
import io.livesync.server.testing.Poll;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3: a lost pub/sub message is detected and repaired with no client action. {@code CLIENT
 * KILL TYPE pubsub} closes every process's subscriber connection while 2 clients write, and a
 * write committed before any gateway could subscribe again is lost to every gateway (see {@link
 * #killWhileACommitIsOnItsWay}). Two subscriber-only clients (one per gateway) must converge
 * without doing anything: their streams stay contiguous, and what was lost arrives as the
 * store's full state (a live change without opId, or an unsolicited {@code changes}+{@code
 * synced}), so the test proves a loss was actually repaired. Replies to writers lost with the connection fail as
 * {@code unavailable}; the writers re-send them (same opId), which is ordinary write retry, not
 * a subscriber action.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class PubSubLossTest {
  private static final String COLLECTION = "pubsub-loss";
  private static final long WRITE_MILLIS = 15_000;
  /** Longest wait for the probe write to be appended while the workers are frozen. */
  private static final long APPEND_MILLIS = 10_000;
  /** Longest SUBSCRIBE is refused after the kill, waiting for a change committed meanwhile. */
  private static final long HOLD_MILLIS = 10_000;
  /** Longest wait after the hold for both subscribers to see the repair. */
  private static final long REPAIR_MILLIS = 15_000;

  @Test
  void changesLostWithTheSubscriberConnectionAreRepairedWithoutClientAction()
      throws Exception {
    Vertx vertx = Vertx.vertx();
    List<SyncPeer> peers = new ArrayList<>();
    try (Cluster cluster = Cluster.builder("pubsub-loss").gateways(2).workers(2)
        .fsync(RedisServerProcess.Fsync.EVERYSEC).start()) {
      List<SyncPeer> writers = new ArrayList<>();
      List<SyncPeer> subscribers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        SyncPeer w = new SyncPeer(vertx, "w" + i, COLLECTION, cluster.gatewayPorts(), i);
        SyncPeer s = new SyncPeer(vertx, "s" + i, COLLECTION, cluster.gatewayPorts(), i);
        writers.add(w);
        subscribers.add(s);
        peers.add(w);
        peers.add(s);
        w.connectAndSync();
        s.connectAndSync();
      }
      List<Thread> threads = Load.startWriters(writers, WRITE_MILLIS, 10, 16, 60_000);
      Load.awaitPeers(writers, "200 acks", 30_000, () -> Load.totalAcks(writers) >= 200);

      // every process has one (workers too: the bus subscribes to its reply channel)
      int killed = killWhileACommitIsOnItsWay(cluster, writers.get(0));
      assertThat(killed).as("pub/sub connections killed").isEqualTo(4);
      // the gateways re-subscribe (a SUBSCRIBE refused during the hold waits out the request
      // timeout first) and repair the loss
      Load.awaitPeers(subscribers, "a repair at both subscribers", REPAIR_MILLIS,
          () -> repairs(subscribers) == subscribers.size());
      for (Cluster.Node g : cluster.gateways()) {
        g.line(l -> l.contains("pub/sub connection lost")).get(10, TimeUnit.SECONDS);
      }
      Load.join(threads, WRITE_MILLIS + 90_000);

      Verify.Report r = Verify.converged(cluster.gateways().stream().map(Cluster.Node::url)
          .toList(), COLLECTION, peers, 30_000);
      for (SyncPeer s : subscribers) {
        assertThat(s.syncedCount() - s.unsolicitedSynced()).as("%s subscribed once", s.name)
            .isEqualTo(1);
        assertThat(s.subscriptionErrors()).isZero();
        assertThat(s.portsUsed()).as("%s kept its connection", s.name).hasSize(1);
        assertThat(s.repairedLive() + s.unsolicitedSynced()).as("%s saw a repair: %s", s.name,
            s.summary()).isPositive();
      }
      int unavailable = writers.stream().mapToInt(p -> p.errorsByCode()
          .getOrDefault("unavailable", 0)).sum();
      System.out.printf("pub/sub loss: CLIENT KILL TYPE pubsub (%d connections) while %d "
              + "writes were acked (collection seq %d); subscribers repaired without action: "
              + "s0 %d full-state live changes + %d unsolicited catch-ups, s1 %d + %d, 0 gaps, 0 "
              + "duplicates; %d writes whose reply was lost answered unavailable and re-sent%n",
          killed, r.acked(), r.seq(), subscribers.get(0).repairedLive(),
          subscribers.get(0).unsolicitedSynced(), subscribers.get(1).repairedLive(),
          subscribers.get(1).unsolicitedSynced(), unavailable);
    } finally {
      peers.forEach(SyncPeer::close);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Kills every pub/sub connection so that a change is committed and published while no gateway
   * is subscribed, which each gateway must then repair: without that, a kill can lose nothing.
   * Both workers are frozen (SIGSTOP) while a fresh write (a new opId on a new record, so not a
   * retry a worker answers without committing) is appended to the stream by way of the first
   * writer. SUBSCRIBE is refused from just before the kill until a worker, thawed after the kill,
   * has committed something. Without the freeze the stream could be empty at the kill (a gateway
   * appends nothing while its pub/sub connection is down) and the hold would end with no commit,
   * which is how this test once failed on a slow CI machine. The probe write's reply is lost
   * with the connection; the writer re-sends it (same opId) and gets the original ack. Returns
   * how many connections were killed.
   */
  private static int killWhileACommitIsOnItsWay(Cluster cluster, SyncPeer writer) {
    String probe = "probe-" + Long.toHexString(System.nanoTime());
    boolean frozen = false;
    boolean refusing = false;
    try {
      for (Cluster.Node w : cluster.workers()) {
        cluster.signal(w, "STOP");
      }
      frozen = true;
      writer.send(Json.object().put("type", "insert").put("opId", probe)
          .put("collection", COLLECTION).put("id", probe)
          .set("data", Json.object().put("probe", true)));
      assertThat(Poll.within(APPEND_MILLIS, () -> cluster.redis()
          .command("XREVRANGE", RedisSyncBus.WRITES, "+", "-", "COUNT", "200").contains(probe)))
          .as("the probe write %s was appended to the stream", probe).isTrue();
      assertThat(cluster.redis().command("ACL", "SETUSER", "default", "-subscribe"))
          .isEqualTo("OK");
      refusing = true;
      int killed = Integer.parseInt(cluster.redis().command("CLIENT", "KILL", "TYPE", "pubsub"));
      long seqAtKill = seq(cluster);
      for (Cluster.Node w : cluster.workers()) {
        cluster.signal(w, "CONT");
      }
      frozen = false;
      assertThat(Poll.within(HOLD_MILLIS, () -> seq(cluster) > seqAtKill))
          .as("a worker committed the probe write while no gateway could subscribe").isTrue();
      return killed;
    } finally {
      if (frozen) {
        cluster.workers().forEach(w -> cluster.signal(w, "CONT"));
      }
      if (refusing) {
        cluster.redis().command("ACL", "SETUSER", "default", "+subscribe");
      }
    }
  }

  /** The collection's seq as Redis holds it. */
  private static long seq(Cluster cluster) {
    return Long.parseLong(cluster.redis().command("GET", RedisKeys.seq(COLLECTION)));
  }

  /** Subscribers that saw a repair: a live change without opId or an unsolicited catch-up. */
  private static int repairs(List<SyncPeer> subscribers) {
    return (int) subscribers.stream()
        .filter(s -> s.repairedLive() + s.unsolicitedSynced() > 0).count();
  }
}
