package io.livesync.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.bus.LocalSyncBus;
import io.livesync.core.config.StoreConfig;
import io.livesync.core.config.WorkerConfig;
import io.livesync.core.metrics.SyncMetrics;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.core.store.SqliteStore;
import io.livesync.protocol.Change;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.resolve.Resolvers;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker with a real SQLite store and the local bus: many writes in flight at once, several
 * to the same records, so that batches overlap while records repeat.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerVerticleTest {
  private static final int RECORDS = 20;
  private static final int WRITES_PER_RECORD = 60;

  @TempDir
  Path dir;
  private Vertx vertx;
  private SqliteStore store;
  private LocalSyncBus bus;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    store = SqliteStore.open(vertx, dir.resolve("w.db"), "NORMAL").await();
    bus = new LocalSyncBus(vertx, 30_000);
  }

  private void deployWorker(Store workerStore) {
    Resolvers resolvers = Resolvers.load();
    WorkerConfig config = new WorkerConfig(Resolvers.DEFAULT, List.of(), 16,
        WorkerConfig.DEFAULT_MAX_QUEUED_WRITES, 30_000);
    StoreConfig storeConfig = new StoreConfig(dir.toString(), "NORMAL", null,
        TimeUnit.DAYS.toMillis(30), TimeUnit.DAYS.toMillis(1), TimeUnit.HOURS.toMillis(1));
    vertx.deployVerticle(() -> new WorkerVerticle(bus, workerStore,
        c -> resolvers.defaultResolver(), config, storeConfig, new SyncMetrics()),
        new io.vertx.core.DeploymentOptions()).await();
  }

  /** The real store, with every commit held until {@code gate} completes. */
  @SuppressWarnings("unchecked")
  private static Store commitsHeldUntil(Store real, Future<Void> gate) {
    return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(),
        new Class<?>[] {Store.class}, (proxy, method, args) -> {
          if (method.getName().equals("commit")) {
            return gate.compose(v -> real.commit((List<Mutation>) args[0]));
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /**
   * The real store, with every future it returns completed on another event loop, as the Redis
   * store's are (the Redis client's): the worker must bring results back to its own context.
   */
  private Store completingElsewhere(Store real) {
    Context foreign = vertx.getOrCreateContext();
    return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(),
        new Class<?>[] {Store.class}, (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (!(result instanceof Future<?> f)) {
            return result;
          }
          io.vertx.core.Promise<Object> moved = io.vertx.core.Promise.promise();
          f.onComplete(ar -> foreign.runOnContext(v -> {
            if (ar.succeeded()) {
              moved.complete(ar.result());
            } else {
              moved.fail(ar.cause());
            }
          }));
          return moved.future();
        });
  }

  @AfterEach
  void stop() throws Exception {
    // bounded: a worker whose state broke never drains, and its stop would wait forever
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void overlappingBatchesKeepEachRecordsWritesInArrivalOrderAndSeqGapFree() throws Exception {
    deployWorker(store);
    writeAndCheckOrder();
  }

  @Test
  void storeResultsCompletedOnAnotherEventLoopKeepTheSameGuarantees() throws Exception {
    deployWorker(completingElsewhere(store));
    writeAndCheckOrder();
  }

  private void writeAndCheckOrder() throws Exception {
    long total = (long) RECORDS * WRITES_PER_RECORD;
    ConcurrentLinkedQueue<Change> published = new ConcurrentLinkedQueue<>();
    io.vertx.core.Promise<Void> allPublished = io.vertx.core.Promise.promise();
    // subscribed from an event-loop context, as a gateway does: deliveries run there, in order
    io.vertx.core.Promise<Void> subscribed = io.vertx.core.Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> bus.subscribe("todos", c -> {
      published.add(c);
      if (published.size() == total) {
        allPublished.complete();
      }
    })
        .<Void>mapEmpty().onComplete(subscribed));
    subscribed.future().await();
    List<Future<WriteResult>> results = new ArrayList<>();
    // Every write of a record is an update at a later ts: each one changes the record, so the
    // record ends at version WRITES_PER_RECORD only if none was resolved against a stale read.
    for (int n = 0; n < WRITES_PER_RECORD; n++) {
      for (int r = 0; r < RECORDS; r++) {
        Write w = new Write(Op.UPDATE, "op-" + r + "-" + n, "todos", "r" + r,
            Json.object().put("n", n), Hlc.format(1_732_470_000_000L + n, 0, "t"), null);
        results.add(bus.submit(w));
      }
    }
    Future.all(results).await();
    for (int i = 0; i < results.size(); i++) {
      WriteResult res = results.get(i).result();
      assertThat(res.isAck()).as("write %d: %s", i, res).isTrue();
      assertThat(res.ack().status()).isEqualTo(WriteStatus.APPLIED);
      assertThat(res.ack().version()).as("write %d", i).isEqualTo(i / RECORDS + 1);
    }
    for (int r = 0; r < RECORDS; r++) {
      StoredRecord rec = store.get("todos", "r" + r).await();
      assertThat(rec.version()).isEqualTo(WRITES_PER_RECORD);
      assertThat(rec.data().get("n").asInt()).isEqualTo(WRITES_PER_RECORD - 1);
    }
    assertThat(store.collection("todos").await().seq()).isEqualTo(total);
    List<Long> acked = results.stream().map(f -> f.result().ack().seq()).sorted().toList();
    assertThat(acked).doesNotHaveDuplicates().hasSize((int) total);
    assertThat(acked.get(0)).isEqualTo(1);
    assertThat(acked.get(acked.size() - 1)).isEqualTo(total);
    // every change is published after its ack is sent: wait for the last one
    allPublished.future().await(10, TimeUnit.SECONDS);
    List<Long> seen = new ArrayList<>();
    published.forEach(c -> seen.add(c.seq()));
    assertThat(seen).hasSize((int) total).isSorted();
  }

  @Test
  void aRetriedOpIdInFlightIsAnsweredWithTheFirstOutcome() {
    deployWorker(store);
    List<Future<WriteResult>> results = new ArrayList<>();
    Write w = new Write(Op.INSERT, "op-dup", "todos", "d", Json.object().put("v", 1),
        Hlc.format(1_732_470_000_000L, 0, "t"), null);
    for (int i = 0; i < 5; i++) {
      results.add(bus.submit(w));
    }
    Future.all(results).await();
    assertThat(results).allSatisfy(f -> {
      assertThat(f.result().isAck()).isTrue();
      assertThat(f.result().ack().seq()).isEqualTo(1);
      assertThat(f.result().ack().version()).isEqualTo(1);
    });
    assertThat(store.collection("todos").await().seq()).isEqualTo(1);
  }

  /**
   * Overload: with the store's commits held, {@code maxQueuedWrites} writes wait for the worker
   * and further writes fail {@code unavailable} at once and are never applied, while the waiting
   * ones are all committed once the store answers; a shed write retried later is applied.
   */
  @Test
  void writesBeyondTheQueueBoundAreAnsweredUnavailableAtOnceAndNotApplied() throws Exception {
    bus = new LocalSyncBus(vertx, 30_000, 7);
    io.vertx.core.Promise<Void> gate = io.vertx.core.Promise.promise();
    deployWorker(commitsHeldUntil(store, gate.future()));
    // seven are admitted (two group commits in flight, five queued), three are shed
    List<Write> writes = new ArrayList<>();
    List<Future<WriteResult>> results = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Write w = new Write(Op.INSERT, "op-q" + i, "todos", "q" + i, Json.object().put("i", i),
          Hlc.format(1_732_470_000_000L + i, 0, "t"), null);
      writes.add(w);
      results.add(bus.submit(w));
    }
    for (Future<WriteResult> shed : results.subList(7, 10)) {
      assertThat(shed.failed()).isTrue();
      assertThat(shed.cause()).isInstanceOf(SyncException.class)
          .hasMessageContaining("overloaded").hasMessageContaining("not applied");
      assertThat(((SyncException) shed.cause()).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    }
    assertThat(results.subList(0, 7)).noneMatch(Future::isComplete);
    assertThat(bus.queuedWrites()).isEqualTo(7);
    assertThat(bus.shedWrites()).isEqualTo(3);

    gate.complete();
    Future.all(results.subList(0, 7)).await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 7; i++) {
      assertThat(results.get(i).result().ack().status()).isEqualTo(WriteStatus.APPLIED);
    }
    for (int i = 7; i < 10; i++) {
      assertThat(store.get("todos", "q" + i).await()).isNull();
      assertThat(store.findOp("op-q" + i).await()).isNull();
    }
    assertThat(store.collection("todos").await().seq()).isEqualTo(7);
    assertThat(bus.queuedWrites()).isZero();

    WriteResult retried = bus.submit(writes.get(8)).await(10, TimeUnit.SECONDS);
    assertThat(retried.ack().status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(retried.ack().seq()).isEqualTo(8);
  }
}
