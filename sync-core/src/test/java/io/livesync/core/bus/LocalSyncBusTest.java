package io.livesync.core.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.protocol.WriteStatus;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two local buses on one Vertx (two embedded servers in one JVM) keep to themselves. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocalSyncBusTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void busesSharingOneVertxDoNotSeeEachOthersWritesOrChanges() throws Exception {
    LocalSyncBus a = new LocalSyncBus(vertx, 5_000);
    LocalSyncBus b = new LocalSyncBus(vertx, 5_000);
    ConcurrentLinkedQueue<String> writesAtA = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> writesAtB = new ConcurrentLinkedQueue<>();
    a.consumeWrites(in -> {
      writesAtA.add(in.write().opId());
      in.reply(WriteResult.ack(ackOf(in.write())));
    }).await();
    b.consumeWrites(in -> {
      writesAtB.add(in.write().opId());
      in.reply(WriteResult.ack(ackOf(in.write())));
    }).await();
    ConcurrentLinkedQueue<Change> changesAtA = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Change> changesAtB = new ConcurrentLinkedQueue<>();
    a.subscribe("todos", changesAtA::add).await();
    b.subscribe("todos", changesAtB::add).await();

    for (int i = 0; i < 10; i++) {
      a.submit(write("a" + i)).await(5, TimeUnit.SECONDS);
      b.submit(write("b" + i)).await(5, TimeUnit.SECONDS);
    }
    a.publish(List.of(change("a"))).await();
    b.publish(List.of(change("b"))).await();

    assertThat(writesAtA).allMatch(op -> op.startsWith("a")).hasSize(10);
    assertThat(writesAtB).allMatch(op -> op.startsWith("b")).hasSize(10);
    assertThat(a.queuedWrites()).isZero();
    assertThat(b.queuedWrites()).isZero();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while ((changesAtA.isEmpty() || changesAtB.isEmpty()) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(changesAtA).extracting(Change::opId).containsExactly("a");
    assertThat(changesAtB).extracting(Change::opId).containsExactly("b");
  }

  private static Write write(String opId) {
    return new Write(Op.INSERT, opId, "todos", opId, Json.object().put("v", 1),
        Hlc.format(1_732_470_000_000L, 0, "t"), null);
  }

  private static Ack ackOf(Write w) {
    return new Ack(w.opId(), w.collection(), w.id(), WriteStatus.APPLIED, 1, 1, null);
  }

  private static Change change(String opId) {
    return new Change("todos", opId, Op.INSERT, Json.object().put("v", 1), 1, 1,
        Hlc.format(1_732_470_000_000L, 0, "t"), "t", opId);
  }
}
