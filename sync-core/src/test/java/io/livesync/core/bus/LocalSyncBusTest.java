package io.livesync.core.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.bus.SyncBus.IncomingWrite;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.protocol.WriteStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded bus: writes reach a worker in order and are answered on the submitter's context,
 * or fail {@code unavailable} when no worker takes them or none answers in time; two local buses
 * on one Vertx (two embedded servers in one JVM) keep to themselves.
 */
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

  @Test
  void writesFromOneContextReachTheWorkerInOrderAndAreAnsweredOnThatContext() throws Exception {
    LocalSyncBus bus = new LocalSyncBus(vertx, 5_000);
    List<String> received = new ArrayList<>(); // touched on the worker's context only
    Context workerContext = deploy(new VerticleBase() {
      @Override
      public Future<?> start() {
        return bus.consumeWrites(in -> {
          received.add(in.write().opId());
          in.reply(WriteResult.ack(ackOf(in.write())));
        });
      }
    });
    Context gateway = vertx.getOrCreateContext();
    CompletableFuture<List<String>> answered = new CompletableFuture<>();
    gateway.runOnContext(v -> {
      List<String> order = new ArrayList<>();
      List<Future<WriteResult>> all = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        all.add(bus.submit(write("w" + i)).andThen(ar -> {
          if (Vertx.currentContext() != gateway) {
            answered.completeExceptionally(new AssertionError("answered on "
                + Vertx.currentContext() + ", not the submitter's context"));
          }
          order.add(ar.result().ack().opId());
        }));
      }
      Future.all(all).onSuccess(x -> answered.complete(order))
          .onFailure(answered::completeExceptionally);
    });
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      expected.add("w" + i);
    }
    assertThat(answered.get(10, TimeUnit.SECONDS)).containsExactlyElementsOf(expected);
    CompletableFuture<List<String>> atWorker = new CompletableFuture<>();
    workerContext.runOnContext(v -> atWorker.complete(List.copyOf(received)));
    assertThat(atWorker.get(5, TimeUnit.SECONDS)).containsExactlyElementsOf(expected);
    assertThat(bus.queuedWrites()).isZero();
  }

  @Test
  void aWriteNoWorkerAnswersInTimeFailsUnavailableAndCountsAsQueuedUntilAnswered()
      throws Exception {
    LocalSyncBus bus = new LocalSyncBus(vertx, 200);
    CompletableFuture<IncomingWrite> held = new CompletableFuture<>();
    Context workerContext = deploy(new VerticleBase() {
      @Override
      public Future<?> start() {
        return bus.consumeWrites(held::complete);
      }
    });
    Future<WriteResult> late = bus.submit(write("late"));
    IncomingWrite in = held.get(5, TimeUnit.SECONDS);
    assertThat(late.toCompletionStage().toCompletableFuture()).failsWithin(5, TimeUnit.SECONDS)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause().isInstanceOf(SyncException.class)
        .withMessageContaining("no worker answered in time")
        .withMessageContaining("retry it with the same opId");
    assertThat(((SyncException) late.cause()).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(bus.queuedWrites()).as("the worker still holds it").isEqualTo(1);

    workerContext.runOnContext(v -> in.reply(WriteResult.ack(ackOf(in.write()))));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (bus.queuedWrites() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(bus.queuedWrites()).isZero();
    assertThat(late.failed()).as("a late answer changes nothing").isTrue();
  }

  /** With a write timeout of a minute, "no worker" must be the answer, not a timeout. */
  @Test
  void withoutAWorkerAWriteFailsAtOnceAndOnceItsVerticleIsUndeployedToo() throws Exception {
    LocalSyncBus bus = new LocalSyncBus(vertx, 60_000);
    assertNoWorker(bus.submit(write("none")));
    assertThat(bus.queuedWrites()).isZero();

    String id = vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return bus.consumeWrites(in -> in.reply(WriteResult.ack(ackOf(in.write()))));
      }
    }).await(5, TimeUnit.SECONDS);
    assertThat(bus.submit(write("one")).await(5, TimeUnit.SECONDS).ack().opId()).isEqualTo("one");
    vertx.undeploy(id).await(5, TimeUnit.SECONDS);
    assertNoWorker(bus.submit(write("gone")));
    assertThat(bus.queuedWrites()).isZero();
  }

  @Test
  void twoWorkersTakeWritesInTurn() throws Exception {
    LocalSyncBus bus = new LocalSyncBus(vertx, 5_000);
    ConcurrentLinkedQueue<String> first = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> second = new ConcurrentLinkedQueue<>();
    for (ConcurrentLinkedQueue<String> seen : List.of(first, second)) {
      deploy(new VerticleBase() {
        @Override
        public Future<?> start() {
          return bus.consumeWrites(in -> {
            seen.add(in.write().opId());
            in.reply(WriteResult.ack(ackOf(in.write())));
          });
        }
      });
    }
    for (int i = 0; i < 10; i++) {
      bus.submit(write("t" + i)).await(5, TimeUnit.SECONDS);
    }
    assertThat(first).hasSize(5);
    assertThat(second).hasSize(5);
  }

  private static void assertNoWorker(Future<WriteResult> result) {
    assertThat(result.toCompletionStage().toCompletableFuture()).failsWithin(10, TimeUnit.SECONDS);
    assertThat(result.cause()).isInstanceOf(SyncException.class)
        .hasMessageContaining("no worker is available");
    assertThat(((SyncException) result.cause()).code()).isEqualTo(ErrorCode.UNAVAILABLE);
  }

  /** Deploys the verticle and returns its context. */
  private Context deploy(VerticleBase verticle) throws Exception {
    Promise<Context> started = Promise.promise();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() throws Exception {
        started.complete(context);
        return verticle.start(); // the inner verticle uses only what it captured
      }
    }).await(5, TimeUnit.SECONDS);
    return started.future().await(5, TimeUnit.SECONDS);
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
