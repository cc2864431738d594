package io.livesync.core;

import static io.livesync.core.StoreFixtures.delete;
import static io.livesync.core.StoreFixtures.doc;
import static io.livesync.core.StoreFixtures.insert;
import static io.livesync.core.StoreFixtures.outcome;
import static io.livesync.core.StoreFixtures.put;
import static io.livesync.core.StoreFixtures.update;
import static io.livesync.core.StoreFixtures.withOpId;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.CommitResult.Kind;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.RecordsPage;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.WriteStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guarantees of {@link Store} (its Javadoc), run against every backend: a backend's test
 * extends this class and returns a new, empty store from {@link #newStore(Vertx)}. Tests wait on
 * futures from the test thread with a timeout; backend-specific tests (durability across
 * restarts, failure injection) belong in the subclass.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class StoreContractTest {
  protected static final long AWAIT_SECONDS = 20;

  protected Vertx vertx;
  protected Store store;

  /** A new store holding nothing; it is closed after each test, then {@code vertx}. */
  protected abstract Store newStore(Vertx vertx) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    vertx = Vertx.vertx();
    store = newStore(vertx);
  }

  @AfterEach
  void closeStore() throws Exception {
    try {
      if (store != null) {
        await(store.close());
      }
    } finally {
      await(vertx.close());
    }
  }

  /** Waits for the future on the test thread; rethrows its failure. */
  protected static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** Waits for the future to fail and returns why. */
  protected static Throwable awaitFailure(Future<?> future) throws Exception {
    try {
      Object value = future.toCompletionStage().toCompletableFuture()
          .get(AWAIT_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("neither failed nor succeeded within " + AWAIT_SECONDS + " s", e);
    }
  }

  protected CommitResult commitOne(Mutation m) throws Exception {
    List<CommitResult> results = await(store.commit(List.of(m)));
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  protected static List<Long> seqs(List<StoredRecord> records) {
    return records.stream().map(StoredRecord::seq).toList();
  }

  protected static List<String> ids(List<StoredRecord> records) {
    return records.stream().map(StoredRecord::id).toList();
  }

  // ------------------------------------------------------------------ collections

  @Test
  void collectionIsCreatedOnFirstUseWithAStableFreshEpoch() throws Exception {
    CollectionInfo first = await(store.collection("todos"));
    assertThat(first.name()).isEqualTo("todos");
    assertThat(first.epoch()).isNotBlank();
    assertThat(first.seq()).isZero();
    assertThat(first.horizon()).isZero();
    assertThat(await(store.collection("todos"))).isEqualTo(first);
    assertThat(await(store.collection("notes")).epoch()).isNotEqualTo(first.epoch());
  }

  @Test
  void firstCommitCreatesTheCollectionHistory() throws Exception {
    commitOne(insert("fresh", "a", doc("n", 1)));
    CollectionInfo info = await(store.collection("fresh"));
    assertThat(info.epoch()).isNotBlank();
    assertThat(info.seq()).isEqualTo(1);
    commitOne(insert("fresh", "b", doc("n", 2)));
    assertThat(await(store.collection("fresh")).epoch()).isEqualTo(info.epoch());
    assertThat(await(store.changesSince("fresh", 0, 10)).info().epoch()).isEqualTo(info.epoch());
  }

  @Test
  void unknownRecordAndOpIdAreNull() throws Exception {
    assertThat(await(store.get("todos", "nope"))).isNull();
    assertThat(await(store.findOp("never-seen"))).isNull();
  }

  // ------------------------------------------------------------------ commit

  @Test
  void commitAssignsGapFreeSeqAcrossMutationsAndCalls() throws Exception {
    List<CommitResult> batch = await(store.commit(List.of(
        insert("todos", "a", doc("n", 1)), insert("todos", "b", doc("n", 2)),
        insert("todos", "c", doc("n", 3)))));
    assertThat(batch).extracting(CommitResult::kind).containsOnly(Kind.COMMITTED);
    assertThat(batch).extracting(r -> r.ack().seq()).containsExactly(1L, 2L, 3L);
    assertThat(batch).extracting(r -> r.change().seq()).containsExactly(1L, 2L, 3L);

    CommitResult next = commitOne(update("todos", "a", 1, doc("n", 10)));
    assertThat(next.ack().seq()).isEqualTo(4);
    assertThat(next.ack().version()).isEqualTo(2);
    assertThat(await(store.get("todos", "a")).seq()).isEqualTo(4);
    assertThat(await(store.get("todos", "b")).seq()).isEqualTo(2);
    assertThat(await(store.collection("todos")).seq()).isEqualTo(4);
    assertThat(commitOne(insert("other", "a", doc())).ack().seq())
        .as("seq is per collection").isEqualTo(1);
  }

  @Test
  void committedRecordReadsBackAsStored() throws Exception {
    Mutation m = put("todos", "a", 0, doc("title", "milk", "tags", List.of("x", "y")),
        doc("title", "0000000001000-0000-n1"), StoreFixtures.newOpId(), 1_700_000_000_000L);
    CommitResult r = commitOne(m);
    StoredRecord got = await(store.get("todos", "a"));
    assertThat(got).isEqualTo(m.next().withSeq(1));
    assertThat(r.ack()).isEqualTo(new io.livesync.protocol.Ack(m.opId(), "todos", "a",
        WriteStatus.APPLIED, 1, 1, null));
    assertThat(r.change().opId()).isEqualTo(m.opId());
    assertThat(r.change().data()).isEqualTo(m.next().data());

    commitOne(update("todos", "b", 0, doc("plain", true)));
    assertThat(await(store.get("todos", "b")).meta()).isNull();
  }

  @Test
  void casConflictStoresNothingAndConsumesNoSeq() throws Exception {
    commitOne(insert("todos", "a", doc("v", 1)));
    Mutation insertAgain = insert("todos", "a", doc("v", "other"));
    Mutation wrongVersion = update("todos", "a", 5, doc("v", 5));
    List<CommitResult> results = await(store.commit(List.of(insertAgain, wrongVersion)));
    assertThat(results).extracting(CommitResult::kind)
        .containsExactly(Kind.CONFLICT, Kind.CONFLICT);
    assertThat(results.get(0).ack()).isNull();

    StoredRecord a = await(store.get("todos", "a"));
    assertThat(a.version()).isEqualTo(1);
    assertThat(a.data()).isEqualTo(doc("v", 1));
    assertThat(await(store.collection("todos")).seq()).isEqualTo(1);
    assertThat(await(store.findOp(wrongVersion.opId())))
        .as("a conflict is not an outcome: the write is re-resolved under the same opId").isNull();

    Mutation retry = withOpId(update("todos", "a", 1, doc("v", 2)), wrongVersion.opId());
    CommitResult retried = commitOne(retry);
    assertThat(retried.kind()).isEqualTo(Kind.COMMITTED);
    assertThat(retried.ack().seq()).isEqualTo(2);
  }

  @Test
  void updateOfAMissingRecordIsAConflict() throws Exception {
    CommitResult r = commitOne(update("todos", "ghost", 1, doc("v", 2)));
    assertThat(r.kind()).isEqualTo(Kind.CONFLICT);
    assertThat(await(store.get("todos", "ghost"))).isNull();
    assertThat(await(store.collection("todos")).seq()).isZero();
  }

  @Test
  void aConflictLeavesItsOpIdFreeForARetryInTheSameBatch() throws Exception {
    commitOne(insert("todos", "a", doc("v", 1)));
    Mutation stale = update("todos", "a", 7, doc("v", 2));
    Mutation retry = withOpId(update("todos", "a", 1, doc("v", 2)), stale.opId());
    List<CommitResult> results = await(store.commit(List.of(stale, retry)));
    assertThat(results).extracting(CommitResult::kind)
        .containsExactly(Kind.CONFLICT, Kind.COMMITTED);
    assertThat(results.get(1).ack().seq()).isEqualTo(2);
    assertThat(await(store.findOp(stale.opId())).ack()).isEqualTo(results.get(1).ack());
    assertThat(await(store.get("todos", "a")).version()).isEqualTo(2);
  }

  @Test
  void mutationsOfOneBatchSeeTheEarlierOnes() throws Exception {
    List<CommitResult> results = await(store.commit(List.of(
        insert("todos", "a", doc("v", 1)), insert("todos", "a", doc("v", "racing")),
        update("todos", "a", 1, doc("v", 2)), update("todos", "a", 2, doc("v", 3)))));
    assertThat(results).extracting(CommitResult::kind)
        .containsExactly(Kind.COMMITTED, Kind.CONFLICT, Kind.COMMITTED, Kind.COMMITTED);
    assertThat(results).filteredOn(r -> r.kind() == Kind.COMMITTED)
        .extracting(r -> r.ack().seq()).containsExactly(1L, 2L, 3L);
    StoredRecord a = await(store.get("todos", "a"));
    assertThat(a.version()).isEqualTo(3);
    assertThat(a.seq()).isEqualTo(3);
    assertThat(a.data()).isEqualTo(doc("v", 3));
  }

  @Test
  void knownOpIdIsADuplicateAndStoresNothing() throws Exception {
    Mutation m = insert("todos", "a", doc("v", 1));
    CommitResult first = commitOne(m);
    commitOne(update("todos", "a", 1, doc("v", 2)));

    CommitResult again = commitOne(m);
    assertThat(again.kind())
        .as("a retry is recognized before its version is checked").isEqualTo(Kind.DUPLICATE);
    OpRecord previous = again.previous();
    assertThat(previous.opId()).isEqualTo(m.opId());
    assertThat(previous.fingerprint()).isEqualTo(m.fingerprint());
    assertThat(previous.ack()).isEqualTo(first.ack());
    assertThat(previous.createdAt()).isPositive();
    assertThat(await(store.findOp(m.opId()))).isEqualTo(previous);

    StoredRecord a = await(store.get("todos", "a"));
    assertThat(a.version()).isEqualTo(2);
    assertThat(a.data()).isEqualTo(doc("v", 2));
    assertThat(await(store.collection("todos")).seq()).isEqualTo(2);
  }

  @Test
  void sameOpIdTwiceInOneBatchIsADuplicateOfTheFirst() throws Exception {
    Mutation first = insert("todos", "a", doc("v", 1));
    Mutation second = withOpId(insert("todos", "b", doc("v", 2)), first.opId());
    List<CommitResult> results = await(store.commit(List.of(first, second)));
    assertThat(results).extracting(CommitResult::kind)
        .containsExactly(Kind.COMMITTED, Kind.DUPLICATE);
    assertThat(results.get(1).previous().ack()).isEqualTo(results.get(0).ack());
    assertThat(results.get(1).previous().ack().seq()).isEqualTo(1);
    assertThat(await(store.get("todos", "b"))).isNull();
    assertThat(await(store.collection("todos")).seq()).isEqualTo(1);
  }

  @Test
  void outcomeOnlyMutationIsRememberedWithoutSeq() throws Exception {
    commitOne(insert("todos", "a", doc("v", 1)));
    StoredRecord current = await(store.get("todos", "a"));
    Mutation superseded = outcome(StoreFixtures.newOpId(), WriteStatus.SUPERSEDED, current);
    Mutation rejected = outcome(StoreFixtures.newOpId(), WriteStatus.REJECTED, current);

    List<CommitResult> results = await(store.commit(List.of(superseded, rejected)));
    assertThat(results).extracting(CommitResult::kind).containsOnly(Kind.COMMITTED);
    assertThat(results.get(0).change()).isNull();
    assertThat(results.get(0).ack()).isEqualTo(superseded.ack());
    assertThat(results.get(1).ack().seq()).as("the current record's seq").isEqualTo(1);
    assertThat(await(store.collection("todos")).seq()).isEqualTo(1);
    assertThat(await(store.get("todos", "a"))).isEqualTo(current);

    OpRecord remembered = await(store.findOp(superseded.opId()));
    assertThat(remembered.ack()).isEqualTo(superseded.ack());
    assertThat(remembered.ack().record()).isEqualTo(current.toSyncRecord());
    assertThat(remembered.fingerprint()).isEqualTo(superseded.fingerprint());
    CommitResult retry = commitOne(superseded);
    assertThat(retry.kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(retry.previous().ack().status()).isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void emptyCommitIsANoOp() throws Exception {
    assertThat(await(store.commit(List.of()))).isEmpty();
  }

  // ------------------------------------------------------------------ catch-up

  @Test
  void changesSinceGivesTheLatestStateOfEachRecordInSeqOrder() throws Exception {
    commitOne(insert("todos", "a", doc("v", 1)));
    commitOne(insert("todos", "b", doc("v", 1)));
    commitOne(update("todos", "a", 1, doc("v", 2)));
    commitOne(update("todos", "a", 2, doc("v", 3)));

    ChangesPage all = await(store.changesSince("todos", 0, 100));
    assertThat(ids(all.records())).containsExactly("b", "a");
    assertThat(seqs(all.records())).containsExactly(2L, 4L);
    assertThat(all.records().get(1).data()).isEqualTo(doc("v", 3));
    assertThat(all.records().get(1).version()).isEqualTo(3);
    assertThat(all.hasMore()).isFalse();
    assertThat(all.cursor()).isEqualTo(4);
    assertThat(all.info().seq()).isEqualTo(4);

    assertThat(ids(await(store.changesSince("todos", 2, 100)).records())).containsExactly("a");
    ChangesPage none = await(store.changesSince("todos", 4, 100));
    assertThat(none.records()).isEmpty();
    assertThat(none.cursor()).isEqualTo(4);
  }

  @Test
  void changesSincePagesWithHasMoreAndCursor() throws Exception {
    for (String id : List.of("a", "b", "c", "d", "e")) {
      commitOne(insert("todos", id, doc("id", id)));
    }
    ChangesPage p1 = await(store.changesSince("todos", 0, 2));
    assertThat(seqs(p1.records())).containsExactly(1L, 2L);
    assertThat(p1.hasMore()).isTrue();
    assertThat(p1.cursor()).isEqualTo(2);
    ChangesPage p2 = await(store.changesSince("todos", p1.cursor(), 2));
    assertThat(seqs(p2.records())).containsExactly(3L, 4L);
    assertThat(p2.hasMore()).isTrue();
    assertThat(p2.cursor()).isEqualTo(4);
    ChangesPage p3 = await(store.changesSince("todos", p2.cursor(), 2));
    assertThat(seqs(p3.records())).containsExactly(5L);
    assertThat(p3.hasMore()).isFalse();
    assertThat(p3.cursor()).isEqualTo(5);

    ChangesPage exact = await(store.changesSince("todos", 3, 2));
    assertThat(seqs(exact.records())).containsExactly(4L, 5L);
    assertThat(exact.hasMore()).as("a full last page has nothing more").isFalse();
    assertThat(exact.cursor()).isEqualTo(5);
  }

  @Test
  void changesSinceIncludesTombstonesAndListExcludesThem() throws Exception {
    commitOne(insert("todos", "a", doc("v", 1)));
    commitOne(insert("todos", "b", doc("v", 1)));
    CommitResult deleted = commitOne(delete("todos", "a", 1, System.currentTimeMillis()));
    assertThat(deleted.ack().seq()).isEqualTo(3);

    ChangesPage page = await(store.changesSince("todos", 0, 10));
    assertThat(ids(page.records())).containsExactly("b", "a");
    StoredRecord tombstone = page.records().get(1);
    assertThat(tombstone.deleted()).isTrue();
    assertThat(tombstone.data()).isEqualTo(doc());
    assertThat(tombstone.version()).isEqualTo(2);
    assertThat(tombstone.seq()).isEqualTo(3);
    assertThat(await(store.get("todos", "a"))).isEqualTo(tombstone);
    assertThat(ids(await(store.list("todos", null, 10)).records())).containsExactly("b");
  }

  @Test
  void changesSinceOfAnUnknownCollectionStartsItsHistory() throws Exception {
    ChangesPage page = await(store.changesSince("brand-new", 0, 10));
    assertThat(page.records()).isEmpty();
    assertThat(page.hasMore()).isFalse();
    assertThat(page.cursor()).isZero();
    assertThat(page.info().epoch()).isNotBlank()
        .isEqualTo(await(store.collection("brand-new")).epoch());
  }

  @Test
  void listGivesLiveRecordsInIdOrderWithPaging() throws Exception {
    for (String id : List.of("e", "a", "d", "b", "c")) {
      commitOne(insert("todos", id, doc("id", id)));
    }
    commitOne(delete("todos", "c", 1, System.currentTimeMillis()));
    commitOne(insert("other", "aa", doc()));

    RecordsPage p1 = await(store.list("todos", null, 2));
    assertThat(ids(p1.records())).containsExactly("a", "b");
    assertThat(p1.next()).isEqualTo("b");
    RecordsPage p2 = await(store.list("todos", p1.next(), 2));
    assertThat(ids(p2.records())).containsExactly("d", "e");
    assertThat(p2.next()).as("nothing after e").isNull();
    assertThat(p2.records().get(0).data()).isEqualTo(doc("id", "d"));
    assertThat(await(store.list("todos", "e", 2)).records()).isEmpty();
    assertThat(await(store.list("empty", null, 2))).isEqualTo(new RecordsPage(List.of(), null));
  }

  // ------------------------------------------------------------------ retention

  @Test
  void purgeTombstonesRemovesOnlyOldTombstonesAndRaisesTheHorizon() throws Exception {
    long old = 1_000_000L;
    long recent = 9_000_000L;
    commitOne(put("todos", "live", 0, doc(), null, StoreFixtures.newOpId(), old));
    commitOne(insert("todos", "gone", doc()));
    commitOne(insert("todos", "fresh", doc()));
    commitOne(delete("todos", "gone", 1, old));
    commitOne(delete("todos", "fresh", 1, recent));
    commitOne(insert("notes", "n", doc()));
    commitOne(delete("notes", "n", 1, old));

    assertThat(await(store.purgeTombstones(5_000_000L))).isEqualTo(2);
    assertThat(await(store.get("todos", "gone"))).isNull();
    assertThat(await(store.get("todos", "fresh")).deleted()).isTrue();
    assertThat(await(store.get("todos", "live"))).isNotNull();
    assertThat(await(store.get("notes", "n"))).isNull();
    CollectionInfo todos = await(store.collection("todos"));
    assertThat(todos.horizon()).isEqualTo(4);
    assertThat(todos.seq()).isEqualTo(5);
    assertThat(await(store.collection("notes")).horizon()).isEqualTo(2);
    assertThat(ids(await(store.changesSince("todos", 0, 10)).records()))
        .containsExactly("live", "fresh");

    assertThat(await(store.purgeTombstones(5_000_000L))).isZero();
    assertThat(await(store.collection("todos")).horizon()).isEqualTo(4);
  }

  @Test
  void purgeTombstonesNeverLowersTheHorizon() throws Exception {
    commitOne(insert("todos", "p", doc()));
    commitOne(insert("todos", "q", doc()));
    commitOne(delete("todos", "p", 1, 3_000L));
    commitOne(delete("todos", "q", 1, 1_000L));
    assertThat(await(store.purgeTombstones(2_000L))).isEqualTo(1);
    assertThat(await(store.collection("todos")).horizon()).isEqualTo(4);
    assertThat(await(store.purgeTombstones(4_000L))).isEqualTo(1);
    assertThat(await(store.collection("todos")).horizon()).as("seq 3 < horizon 4").isEqualTo(4);
  }

  @Test
  void purgeOpsForgetsOutcomesRecordedBeforeTheCutoff() throws Exception {
    long before = System.currentTimeMillis();
    Mutation m = insert("todos", "a", doc());
    commitOne(m);
    commitOne(outcome(StoreFixtures.newOpId(), WriteStatus.REJECTED,
        await(store.get("todos", "a"))));
    long after = System.currentTimeMillis();
    OpRecord op = await(store.findOp(m.opId()));
    assertThat(op.createdAt()).isBetween(before, after);

    assertThat(await(store.purgeOps(before))).isZero();
    assertThat(await(store.findOp(m.opId()))).isNotNull();
    assertThat(await(store.purgeOps(after + 1))).isEqualTo(2);
    assertThat(await(store.findOp(m.opId()))).isNull();
    assertThat(await(store.get("todos", "a"))).as("records stay").isNotNull();
    assertThat(commitOne(m).kind()).as("a forgotten opId is new again; the CAS guards the record")
        .isEqualTo(Kind.CONFLICT);
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void pingSucceeds() throws Exception {
    await(store.ping());
  }

  @Test
  void closeFinishesPendingWritesThenRefuses() throws Exception {
    // Writes queued from one event loop (as a worker verticle does), close from another thread.
    CompletableFuture<List<Future<List<CommitResult>>>> queued = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      List<Future<List<CommitResult>>> writes = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        writes.add(store.commit(List.of(insert("todos", "r" + i, doc("i", i)))));
      }
      queued.complete(writes);
    });
    List<Future<List<CommitResult>>> pending = queued.get(AWAIT_SECONDS, TimeUnit.SECONDS);
    Future<Void> closed = store.close();
    for (Future<List<CommitResult>> f : pending) {
      assertThat(await(f).get(0).kind()).isEqualTo(Kind.COMMITTED);
    }
    await(closed);
    Throwable failure = awaitFailure(store.commit(List.of(insert("todos", "late", doc()))));
    assertThat(failure).isInstanceOf(SyncException.class);
    assertThat(((SyncException) failure).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    store = null;
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentCommitsFromManyThreadsGetGapFreeSeqWithoutDuplicates() throws Exception {
    int threads = 4;
    int callsPerThread = 25;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<List<Future<List<CommitResult>>>>> submitted =
          new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        submitted.add(pool.submit(() -> {
          start.await();
          List<Future<List<CommitResult>>> calls = new ArrayList<>();
          for (int call = 0; call < callsPerThread; call++) {
            List<Mutation> batch = new ArrayList<>();
            for (int k = 0; k <= call % 3; k++) {
              batch.add(insert("todos", "t" + thread + "-c" + call + "-k" + k, doc("k", k)));
            }
            calls.add(store.commit(batch));
          }
          return calls;
        }));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (var perThread : submitted) {
        for (Future<List<CommitResult>> call : perThread.get(AWAIT_SECONDS, TimeUnit.SECONDS)) {
          List<Long> callSeqs = await(call).stream().map(r -> {
            assertThat(r.kind()).isEqualTo(Kind.COMMITTED);
            assertThat(r.change().seq()).isEqualTo(r.ack().seq());
            return r.ack().seq();
          }).toList();
          assertThat(callSeqs).as("one call is committed in list order").isSorted();
          all.addAll(callSeqs);
        }
      }
      int total = all.size();
      assertThat(total)
          .isEqualTo(threads * IntStream.range(0, callsPerThread).map(c -> c % 3 + 1).sum());
      assertThat(all.stream().sorted().toList())
          .isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
      assertThat(await(store.collection("todos")).seq()).isEqualTo(total);
      ChangesPage page = await(store.changesSince("todos", 0, total + 1));
      assertThat(seqs(page.records())).isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void changesSinceReadsThePageAndTheMarkersFromOneSnapshot() throws Exception {
    int writes = 150;
    List<Future<List<CommitResult>>> pending = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      pending.add(store.commit(List.of(insert("todos", "r" + i, doc("i", i)))));
    }
    Future<?> done = Future.all(pending);
    int reads = 0;
    do {
      ChangesPage page = await(store.changesSince("todos", 0, writes + 1));
      // Every write creates a new record, so a consistent snapshot holds exactly seq records.
      assertThat(page.records()).hasSize((int) page.info().seq());
      assertThat(page.cursor()).isEqualTo(page.info().seq());
      assertThat(seqs(page.records()))
          .isEqualTo(LongStream.rangeClosed(1, page.info().seq()).boxed().toList());
      reads++;
    } while (!done.isComplete() || reads < 2);
    await(done);
    assertThat(await(store.changesSince("todos", 0, writes + 1)).records()).hasSize(writes);
  }
}
