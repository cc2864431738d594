package io.livesync.core.redis;

import static io.livesync.core.StoreFixtures.doc;
import static io.livesync.core.StoreFixtures.insert;
import static io.livesync.core.StoreFixtures.update;
import static io.livesync.core.StoreFixtures.withOpId;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.StoreContractTest;
import io.livesync.core.redis.RedisServerProcess.Fsync;
import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.CommitResult.Kind;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.core.store.RedisStore;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on a real redis-server, plus what only Redis can show. */
class RedisStoreTest extends StoreContractTest {
  static final long OP_RETENTION = 24L * 3600 * 1000;
  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();

  @Override
  protected Store newStore(Vertx vertx) throws Exception {
    assertThat(redis.command("FLUSHALL")).isEqualTo("OK");
    return await(RedisStore.connect(vertx, redis.url(), OP_RETENTION));
  }

  @Test
  void twoWorkersRacingOnOneRecordGetGapFreeSeqs() throws Exception {
    Store other = await(RedisStore.connect(vertx, redis.url(), OP_RETENTION));
    int perWorker = 60;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<List<Long>>> workers = new ArrayList<>();
      for (Store s : List.of(store, other)) {
        workers.add(pool.submit(incrementer(s, perWorker)));
      }
      List<Long> seqs = new ArrayList<>();
      for (var w : workers) {
        seqs.addAll(w.get(AWAIT_SECONDS, TimeUnit.SECONDS));
      }
      long total = 2L * perWorker;
      assertThat(seqs.stream().sorted().toList())
          .isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
      StoredRecord counter = await(store.get("race", "counter"));
      assertThat(counter.version()).isEqualTo(total);
      assertThat(counter.data().get("n").asLong()).isEqualTo(total);
      assertThat(await(other.collection("race")).seq()).isEqualTo(total);
    } finally {
      pool.shutdownNow();
      await(other.close());
    }
  }

  /** Read, compute, compare-and-set; on conflict read again (what a worker does). */
  private static Callable<List<Long>> incrementer(Store s, int times) {
    return () -> {
      List<Long> seqs = new ArrayList<>();
      int attempts = 0;
      while (seqs.size() < times) {
        if (++attempts > times * 200) {
          throw new AssertionError("too many conflicts");
        }
        StoredRecord current = await(s.get("race", "counter"));
        long version = current == null ? 0 : current.version();
        Mutation m = version == 0 ? insert("race", "counter", doc("n", 1))
            : update("race", "counter", version, doc("n", version + 1));
        CommitResult r = await(s.commit(List.of(m))).get(0);
        if (r.kind() == Kind.COMMITTED) {
          seqs.add(r.ack().seq());
        } else {
          assertThat(r.kind()).isEqualTo(Kind.CONFLICT);
        }
      }
      return seqs;
    };
  }

  @Test
  void aFlushedRedisStartsANewEpoch() throws Exception {
    commitOne(insert("todos", "a", doc("v", 1)));
    CollectionInfo before = await(store.collection("todos"));
    assertThat(before.seq()).isEqualTo(1);

    assertThat(redis.command("FLUSHALL")).isEqualTo("OK");

    CollectionInfo after = await(store.collection("todos"));
    assertThat(after.epoch()).isNotEqualTo(before.epoch());
    assertThat(after.seq()).isZero();
    assertThat(commitOne(insert("todos", "b", doc())).ack().seq()).isEqualTo(1);
    assertThat(await(store.changesSince("todos", 0, 10)).info().epoch())
        .isEqualTo(after.epoch());
  }

  @Test
  void anOpIdReusedForAnotherCollectionIsADuplicateOfTheFirstWrite() throws Exception {
    Mutation first = insert("todos", "a", doc("v", 1));
    commitOne(first);
    Mutation reused = withOpId(insert("notes", "n", doc("v", 2)), first.opId());

    CommitResult r = commitOne(reused);
    assertThat(r.kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(r.previous().ack().collection()).isEqualTo("todos");
    assertThat(r.previous().fingerprint()).isEqualTo(first.fingerprint())
        .isNotEqualTo(new io.livesync.protocol.Write(io.livesync.protocol.Op.INSERT,
            first.opId(), "notes", "n", doc("v", 2), null, null).fingerprint());
    assertThat(await(store.get("notes", "n"))).isNull();
    assertThat(await(store.findOp(first.opId())).ack().collection()).isEqualTo("todos");
  }

  @Test
  void aFlushedScriptCacheIsReloaded() throws Exception {
    commitOne(insert("todos", "a", doc()));
    assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("OK");
    assertThat(commitOne(insert("todos", "b", doc())).ack().seq()).isEqualTo(2);
    assertThat(await(store.changesSince("todos", 0, 10)).records()).hasSize(2);
  }

  @Test
  void kill9AndRestartWithAppendfsyncAlwaysKeepsEveryAcknowledgedCommit() throws Exception {
    try (RedisServerProcess durable = RedisServerProcess.start(Fsync.ALWAYS)) {
      Store s = await(RedisStore.connect(vertx, durable.url(), OP_RETENTION));
      try {
        List<Mutation> acked = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          Mutation m = insert("todos", "r" + i, doc("i", i));
          assertThat(await(s.commit(List.of(m))).get(0).kind()).isEqualTo(Kind.COMMITTED);
          acked.add(m);
        }
        CollectionInfo before = await(s.collection("todos"));

        durable.kill9();
        durable.restart();

        CollectionInfo after = await(retryUntilAvailable(() -> s.collection("todos")));
        assertThat(after).isEqualTo(before);
        for (int i = 0; i < acked.size(); i++) {
          StoredRecord r = await(s.get("todos", "r" + i));
          assertThat(r.data()).isEqualTo(doc("i", i));
          assertThat(r.seq()).isEqualTo(i + 1);
        }
        OpRecord op = await(s.findOp(acked.get(7).opId()));
        assertThat(op.ack().seq()).isEqualTo(8);
        assertThat(await(s.commit(List.of(acked.get(0)))).get(0).kind())
            .isEqualTo(Kind.DUPLICATE);
        assertThat(await(s.commit(List.of(insert("todos", "new", doc())))).get(0).ack().seq())
            .isEqualTo(41);
      } finally {
        await(s.close());
      }
    }
  }

  /**
   * What {@code appendfsync everysec} risks, made exact with a snapshot: Redis comes back from
   * a {@code SAVE} taken after seq 3, without seqs 4 and 5 that were acknowledged. The next
   * commit of the store that committed them must not hand out seq 4 again in the same epoch (a
   * client holding the lost seq 4 would take the new one for a change it already has): the
   * history gets a new epoch and goes on from seq 6.
   */
  @Test
  void aRedisBackWithoutItsLastWritesGivesTheHistoryANewEpochAndReusesNoSeq() throws Exception {
    try (RedisServerProcess snapshotted = RedisServerProcess.start(Fsync.NONE)) {
      Store s = await(RedisStore.connect(vertx, snapshotted.url(), OP_RETENTION));
      try {
        for (int i = 1; i <= 3; i++) {
          commitOne(s, insert("todos", "kept" + i, doc("i", i)));
        }
        assertThat(snapshotted.command("SAVE")).isEqualTo("OK");
        commitOne(s, insert("todos", "lost4", doc()));
        assertThat(commitOne(s, insert("todos", "lost5", doc())).ack().seq()).isEqualTo(5);
        CollectionInfo before = await(s.collection("todos"));

        snapshotted.kill9();
        snapshotted.restart();

        CollectionInfo restored = await(retryUntilAvailable(() -> s.collection("todos")));
        assertThat(restored.epoch()).as("a snapshot keeps the epoch").isEqualTo(before.epoch());
        assertThat(restored.seq()).isEqualTo(3);
        assertThat(await(s.get("todos", "lost4"))).isNull();

        CommitResult next = commitOne(s, insert("todos", "after", doc()));
        assertThat(next.ack().seq()).as("no seq is handed out twice").isEqualTo(6);
        CollectionInfo after = await(s.collection("todos"));
        assertThat(after.epoch()).as("the history has a new epoch").isNotEqualTo(before.epoch());
        assertThat(after.seq()).isEqualTo(6);
        ChangesPage page = await(s.changesSince("todos", 0, 10));
        assertThat(page.info().epoch()).isEqualTo(after.epoch());
        assertThat(page.records()).extracting(StoredRecord::id)
            .containsExactly("kept1", "kept2", "kept3", "after");
        assertThat(commitOne(s, insert("todos", "later", doc())).ack().seq()).isEqualTo(7);
        assertThat(await(s.collection("todos")).epoch()).as("one new epoch, not one per commit")
            .isEqualTo(after.epoch());

        // another process's store has no witness: it commits in the new epoch as it finds it
        Store other = await(RedisStore.connect(vertx, snapshotted.url(), OP_RETENTION));
        try {
          assertThat(commitOne(other, insert("todos", "other", doc())).ack().seq()).isEqualTo(8);
          assertThat(await(other.collection("todos")).epoch()).isEqualTo(after.epoch());
        } finally {
          await(other.close());
        }
      } finally {
        await(s.close());
      }
    }
  }

  /**
   * A store that committed nothing to the collection, told by a gateway that its feed delivered
   * up to seq 5 when Redis holds 3 (what a lost tail looks like to a process that did not commit
   * it), gives the history a new epoch and goes on at 6. What it hears in another epoch, or
   * below what it knows, changes nothing.
   */
  @Test
  void aLostTailAGatewayTellsOfGivesTheHistoryANewEpochAndReusesNoSeq() throws Exception {
    for (int i = 1; i <= 3; i++) {
      commitOne(store, insert("told", "kept" + i, doc("i", i)));
    }
    String epoch = await(store.collection("told")).epoch();
    RedisStore fresh = await(RedisStore.connect(vertx, redis.url(), OP_RETENTION));
    try {
      fresh.heard("told", epoch, 5);
      fresh.heard("told", "an-epoch-from-before", 50);
      fresh.heard("told", epoch, 4);
      CommitResult next = commitOne(fresh, insert("told", "after", doc()));
      assertThat(next.ack().seq()).as("after the seq the gateway delivered").isEqualTo(6);
      CollectionInfo after = await(fresh.collection("told"));
      assertThat(after.epoch()).as("a new history").isNotEqualTo(epoch);
      assertThat(after.seq()).isEqualTo(6);

      // a gateway's report of the seq Redis has is no lost tail: nothing changes
      fresh.heard("told", after.epoch(), 6);
      assertThat(commitOne(fresh, insert("told", "later", doc())).ack().seq()).isEqualTo(7);
      assertThat(await(fresh.collection("told")).epoch()).isEqualTo(after.epoch());
    } finally {
      await(fresh.close());
    }
  }

  /** After a restore from a backup: every collection a new epoch, seqs kept and continued. */
  @Test
  void renewingEpochsGivesEveryCollectionANewOneAndKeepsItsSeq() throws Exception {
    commitOne(store, insert("renew-a", "x", doc()));
    commitOne(store, insert("renew-a", "y", doc()));
    commitOne(store, insert("renew-b", "x", doc()));
    CollectionInfo a = await(store.collection("renew-a"));
    CollectionInfo b = await(store.collection("renew-b"));

    assertThat(await(((RedisStore) store).renewEpochs())).isEqualTo(2);

    CollectionInfo a2 = await(store.collection("renew-a"));
    CollectionInfo b2 = await(store.collection("renew-b"));
    assertThat(a2.epoch()).isNotEqualTo(a.epoch()).isNotEqualTo(b2.epoch());
    assertThat(b2.epoch()).isNotEqualTo(b.epoch());
    assertThat(a2.seq()).isEqualTo(2);
    assertThat(commitOne(store, insert("renew-a", "z", doc())).ack().seq()).isEqualTo(3);
    assertThat(await(store.changesSince("renew-a", 0, 10)).info().epoch())
        .as("commits go on in the new epoch").isEqualTo(a2.epoch());
  }

  @Test
  void whileRedisIsDownEverythingFailsUnavailableThenTheStoreRecoversByItself()
      throws Exception {
    try (RedisServerProcess flaky = RedisServerProcess.start(Fsync.ALWAYS)) {
      Store s = await(RedisStore.connect(vertx, flaky.url(), OP_RETENTION));
      try {
        commitOne(s, insert("todos", "before", doc()));
        flaky.kill9();

        for (Future<?> f : List.of(s.commit(List.of(insert("todos", "during", doc()))),
            s.get("todos", "before"), s.changesSince("todos", 0, 10), s.ping(),
            s.collection("todos"))) {
          Throwable err = awaitFailure(f);
          assertThat(err).isInstanceOf(SyncException.class);
          assertThat(((SyncException) err).code()).isEqualTo(ErrorCode.UNAVAILABLE);
        }

        flaky.restart();
        CommitResult r = await(retryUntilAvailable(
            () -> s.commit(List.of(insert("todos", "after", doc()))))).get(0);
        assertThat(r.kind()).isEqualTo(Kind.COMMITTED);
        assertThat(r.ack().seq()).isEqualTo(2);
        assertThat(await(s.get("todos", "during"))).as("a failed commit left nothing").isNull();
      } finally {
        await(s.close());
      }
    }
  }

  private static CommitResult commitOne(Store s, Mutation m) throws Exception {
    return await(s.commit(List.of(m))).get(0);
  }

  /**
   * Retries an operation that fails with {@code unavailable} every 100 ms until it succeeds,
   * for at most 15 s (the store reconnects by itself; nothing else signals when it has).
   */
  private <T> Future<T> retryUntilAvailable(java.util.function.Supplier<Future<T>> op) {
    long deadline = System.currentTimeMillis() + 15_000;
    return retry(op, deadline);
  }

  private <T> Future<T> retry(java.util.function.Supplier<Future<T>> op, long deadline) {
    return op.get().recover(err -> {
      boolean unavailable = err instanceof SyncException se
          && se.code() == ErrorCode.UNAVAILABLE;
      if (!unavailable || System.currentTimeMillis() > deadline) {
        return Future.failedFuture(err);
      }
      return vertx.timer(100).compose(v -> retry(op, deadline));
    });
  }
}
