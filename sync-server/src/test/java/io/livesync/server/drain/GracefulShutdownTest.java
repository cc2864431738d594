package io.livesync.server.drain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.cluster.Cluster;
import io.livesync.server.testing.Pull;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 7: SIGTERM drains. Real gateway and worker processes on loopback sharing a real Redis.
 * A gateway that gets SIGTERM answers the writes it already received, closes its sockets with
 * 1012 and exits; its clients reconnect through the other gateway and converge. A worker that
 * gets SIGTERM mid-load finishes what it took, exits within the drain timeout, and loses nothing.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {
  private static final long DRAIN_MILLIS = 10_000;
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /** A writer that keeps every write it sent until it is acked, and re-sends on reconnect. */
  private static final class Writer {
    final Map<String, ObjectNode> unanswered = new LinkedHashMap<>();
    final Map<String, ObjectNode> acks = new LinkedHashMap<>();
    WsClient socket;
    int replies;

    Writer(WsClient socket) {
      this.socket = socket;
    }

    void write(String collection, int i) {
      String opId = UUID.randomUUID().toString();
      ObjectNode msg = WsClient.writeMessage("update", opId, collection, "r" + (i % 25),
          Json.object().put("i", i).put("writer", hashCode()));
      unanswered.put(opId, msg);
      socket.send(msg);
    }

    /** Collects the answers that arrived; unavailable answers stay unanswered (to retry). */
    void collect() {
      for (ObjectNode m : socket.all().subList(replies, socket.all().size())) {
        replies++;
        String opId = m.path("opId").asText(null);
        if (opId == null || !unanswered.containsKey(opId)) {
          continue;
        }
        if (m.path("type").asText().equals("ack")) {
          acks.put(opId, m);
          unanswered.remove(opId);
        } else if (m.path("type").asText().equals("error")) {
          assertThat(m.path("code").asText()).as("error for " + opId).isEqualTo("unavailable");
        }
      }
    }

    /** Moves to another gateway and re-sends everything not yet acked, same opIds. */
    void failOver(Vertx vertx, int port) throws Exception {
      collect();
      socket.close();
      socket = WsClient.connectWelcomed(vertx, port);
      replies = 0;
      for (ObjectNode msg : unanswered.values()) {
        socket.send(msg);
      }
    }

    /** Waits for every write's ack; an {@code unavailable} answer is retried (bounded). */
    void awaitAllAcked() {
      for (String opId : new ArrayList<>(unanswered.keySet())) {
        ObjectNode reply = socket.awaitReply(opId);
        for (int attempt = 0; attempt < 5 && reply.path("type").asText().equals("error"); attempt++) {
          assertThat(reply.path("code").asText()).as(reply.toString()).isEqualTo("unavailable");
          socket.send(unanswered.get(opId));
          reply = socket.awaitReply(opId);
        }
        assertThat(reply.path("type").asText()).as(reply.toString()).isEqualTo("ack");
        acks.put(opId, reply);
        unanswered.remove(opId);
      }
    }
  }

  @Test
  void sigtermToAGatewayLosesNoAckedWriteAndItsClientsMoveOver() throws Exception {
    try (Cluster cluster = Cluster.builder("drain-gateway").gateways(2).workers(1)
        .env("SYNC_DRAIN_TIMEOUT_MS", Long.toString(DRAIN_MILLIS)).start()) {
      Cluster.Node doomed = cluster.gateway(0);
      Cluster.Node survivor = cluster.gateway(1);
      WsClient watcher = WsClient.connectWelcomed(vertx, survivor.port());
      watcher.subscribe("drained", 0, null);
      List<Writer> writers = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        writers.add(new Writer(WsClient.connectWelcomed(vertx, doomed.port())));
      }
      for (int i = 0; i < 150; i++) {
        for (Writer w : writers) {
          w.write("drained", i);
        }
      }
      // SIGTERM while writes are still in flight
      long signalled = System.nanoTime();
      int exit = cluster.sigterm(doomed);
      long drainedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
      assertThat(drainedMillis).as("exit within the drain timeout")
          .isLessThan(DRAIN_MILLIS + 15_000);
      assertThat(exit).isEqualTo(143);
      System.out.println("gateway SIGTERM to exit: " + drainedMillis + " ms");
      for (Writer w : writers) {
        assertThat(w.socket.closed().await(10, TimeUnit.SECONDS)).isEqualTo((short) 1012);
        w.failOver(vertx, survivor.port());
        for (int i = 150; i < 200; i++) {
          w.write("drained", i);
        }
        w.awaitAllAcked();
      }

      Map<String, JsonNode> state = Pull.all(survivor.url(), "drained");
      int applied = 0;
      for (Writer w : writers) {
        assertThat(w.acks).hasSize(200);
        applied += w.acks.size();
        for (ObjectNode ack : w.acks.values()) {
          assertThat(ack.path("status").asText()).isEqualTo("applied");
        }
      }
      // every acked write took effect exactly once: one seq per applied write
      assertThat(Pull.seq(survivor.url(), "drained")).isEqualTo(applied);
      List<ObjectNode> changes = watcher.awaitCount("change", applied);
      for (int i = 0; i < changes.size(); i++) {
        assertThat(changes.get(i).path("seq").asLong()).isEqualTo(i + 1);
      }
      assertThat(state).hasSize(25);
      for (Writer w : writers) {
        w.socket.close();
      }
      watcher.close();
    }
  }

  @Test
  void sigtermToAWorkerMidLoadLosesNothingAndExitsInTime() throws Exception {
    try (Cluster cluster = Cluster.builder("drain-worker").gateways(1).workers(2)
        .env("SYNC_DRAIN_TIMEOUT_MS", Long.toString(DRAIN_MILLIS)).start()) {
      Cluster.Node gateway = cluster.gateway(0);
      Writer writer = new Writer(WsClient.connectWelcomed(vertx, gateway.port()));
      for (int i = 0; i < 300; i++) {
        writer.write("worker-drain", i);
      }
      long signalled = System.nanoTime();
      int exit = cluster.sigterm(cluster.worker(0));
      long drainedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
      assertThat(exit).isEqualTo(143);
      assertThat(drainedMillis).as("exit within the drain timeout")
          .isLessThan(DRAIN_MILLIS + 15_000);
      System.out.println("worker SIGTERM to exit: " + drainedMillis + " ms");
      for (int i = 300; i < 400; i++) {
        writer.write("worker-drain", i);
      }
      // writes answered unavailable (none expected, but allowed) are retried with their opIds
      writer.collect();
      for (ObjectNode msg : writer.unanswered.values()) {
        writer.socket.send(msg);
      }
      writer.awaitAllAcked();
      assertThat(writer.acks).hasSize(400);
      // Two workers commit concurrently, so an older write to a record may commit after a newer
      // one: field-lww answers it superseded (no new seq). Each applied or merged write has its
      // own seq, and the collection has exactly those.
      java.util.Set<Long> seqs = new java.util.HashSet<>();
      for (ObjectNode ack : writer.acks.values()) {
        String status = ack.path("status").asText();
        assertThat(status).isIn("applied", "merged", "superseded");
        if (!status.equals("superseded")) {
          assertThat(seqs.add(ack.path("seq").asLong())).as("seq used twice").isTrue();
        }
      }
      assertThat(Pull.seq(gateway.url(), "worker-drain")).isEqualTo(seqs.size());
      writer.socket.close();
    }
  }
}
