package io.livesync.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.redis.RedisServerProcess;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3: {@code kill -9} of a gateway while 4 clients (2 per gateway) write and subscribe. The
 * killed gateway's clients reconnect through the other gateway and subscribe from their cursor
 * {@code (epoch, seq)}: no reset, 0 missing and 0 duplicated seqs, their unanswered writes are
 * re-sent with the same opIds and applied once, and every replica converges. The killed gateway
 * is then restarted and serves the same state.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class GatewayKillTest {
  private static final String COLLECTION = "gateway-kill";
  private static final long WRITE_MILLIS = 15_000;

  @Test
  void clientsOfAKilledGatewayResumeThroughTheOtherFromTheirCursors() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<SyncPeer> peers = new ArrayList<>();
    try (Cluster cluster = Cluster.builder("gateway-kill").gateways(2).workers(2)
        .fsync(RedisServerProcess.Fsync.EVERYSEC).start()) {
      for (int i = 0; i < 4; i++) {
        SyncPeer p = new SyncPeer(vertx, "p" + i, COLLECTION, cluster.gatewayPorts(), i % 2);
        peers.add(p);
        p.connectAndSync();
      }
      List<SyncPeer> orphans = List.of(peers.get(0), peers.get(2));
      List<Thread> writers = Load.startWriters(peers, WRITE_MILLIS, 20, 16, 60_000);
      Load.awaitPeers(peers, "300 acks", 30_000, () -> Load.totalAcks(peers) >= 300);

      Cluster.Node victim = cluster.gateway(0);
      int ackedBeforeKill = Load.totalAcks(peers);
      int inFlight = orphans.stream().mapToInt(SyncPeer::outstanding).sum();
      long cursorAtKill = orphans.stream().mapToLong(SyncPeer::cursor).min().orElseThrow();
      long killedAt = System.nanoTime();
      cluster.kill9(victim);

      for (SyncPeer p : orphans) {
        p.await("reconnected through the other gateway and synced", 20_000,
            () -> p.reconnectedAtNanos().size() == 1 && p.connected()
                && p.syncedAtNanos().stream().anyMatch(t -> t > p.reconnectedAtNanos().get(0)));
      }
      long reconnectMillis = 0;
      long resyncMillis = 0;
      for (SyncPeer p : orphans) {
        long reconnected = p.reconnectedAtNanos().get(0);
        long synced = p.syncedAtNanos().stream().filter(t -> t > reconnected).findFirst()
            .orElseThrow();
        reconnectMillis = Math.max(reconnectMillis,
            TimeUnit.NANOSECONDS.toMillis(reconnected - killedAt));
        resyncMillis = Math.max(resyncMillis, TimeUnit.NANOSECONDS.toMillis(synced - killedAt));
        assertThat(p.portsUsed()).as("%s moved to the other gateway", p.name)
            .containsExactly(victim.port(), cluster.gateway(1).port());
      }
      Load.join(writers, WRITE_MILLIS + 90_000);

      Cluster.Node restarted = cluster.restart(victim);
      Verify.Report r = Verify.converged(cluster.gateways().stream().map(Cluster.Node::url)
          .toList(), COLLECTION, peers, 30_000);
      int resent = orphans.stream().mapToInt(SyncPeer::resent).sum();
      System.out.printf("gateway kill: %d writes acked (%d before the kill), collection seq %d; "
              + "%d writes in flight on the killed gateway's sockets, re-sent through the other "
              + "(%d re-sends in all); its 2 clients reconnected within %d ms and were synced "
              + "from cursors >= %d within %d ms of the kill, with 0 resets, 0 missing and 0 "
              + "duplicated seqs (%d live changes, %d catch-up items over all clients); "
              + "restarted gateway on port %d serves the same pull%n",
          r.acked(), ackedBeforeKill, r.seq(), inFlight, resent, reconnectMillis, cursorAtKill,
          resyncMillis, r.liveChanges(), r.catchUpItems(), restarted.port());
    } finally {
      peers.forEach(SyncPeer::close);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
