package io.livesync.core.redis;

import static io.livesync.core.StoreFixtures.doc;
import static io.livesync.core.StoreFixtures.insert;
import static io.livesync.core.StoreFixtures.delete;
import static io.livesync.core.StoreFixtures.outcome;
import static io.livesync.core.StoreFixtures.put;
import static io.livesync.core.StoreFixtures.update;
import static io.livesync.core.StoreFixtures.withOpId;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.CommitResult.Kind;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.Prior;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RedisStore reads and commits a batch with one script per collection (in chunks): the answers
 * must be those of one call per write, also across chunk boundaries and collections.
 */
@Timeout(60)
class RedisBatchTest extends RedisStoreCase {
  @Test
  void priorsOfABatchEqualGetAndFindOpInOrder() throws Exception {
    List<Mutation> stored = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      stored.add(insert("c" + (i % 2), "r" + i, doc("n", i)));
    }
    store.commit(stored).await(AWAIT, TimeUnit.SECONDS);
    List<Write> writes = new ArrayList<>();
    for (int i = 0; i < 340; i++) { // known records and opIds, then unknown ones
      String opId = i < 300 ? stored.get(i).opId() : "unknown-" + i;
      writes.add(new Write(Op.UPDATE, opId, "c" + (i % 2), "r" + i, doc("n", -i), null, null));
    }
    // an opId owned by another collection: findOp names that collection's outcome
    writes.add(new Write(Op.UPDATE, stored.get(1).opId(), "c0", "r0", doc(), null, null));

    List<Prior> priors = store.priors(writes).await(AWAIT, TimeUnit.SECONDS);

    assertThat(priors).hasSize(writes.size());
    for (int i = 0; i < writes.size(); i++) {
      Write w = writes.get(i);
      assertThat(priors.get(i).record()).as("record %d", i)
          .isEqualTo(store.get(w.collection(), w.id()).await(AWAIT, TimeUnit.SECONDS));
      assertThat(priors.get(i).op()).as("op %d", i)
          .isEqualTo(store.findOp(w.opId()).await(AWAIT, TimeUnit.SECONDS));
      assertThat(priors.get(i).op() != null).isEqualTo(i < 300 || i == 340);
    }
    assertThat(priors.get(340).op().ack().collection()).isEqualTo("c1");
    assertThat(store.priors(List.of()).await(AWAIT, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void oneCommitOfManyMutationsAnswersEachAsSeparateCallsWould() throws Exception {
    Mutation first = insert("a", "x", doc("v", 0));
    store.commit(List.of(first)).await(AWAIT, TimeUnit.SECONDS);
    StoredRecord x = store.get("a", "x").await(AWAIT, TimeUnit.SECONDS);

    List<Mutation> batch = new ArrayList<>();
    for (int i = 0; i < 450; i++) { // several chunks of 128 per collection
      batch.add(insert(i % 3 == 0 ? "b" : "a", "r" + i, doc("i", i)));
    }
    Mutation bumpX = update("a", "x", 1, doc("v", 1));
    Mutation staleX = update("a", "x", 1, doc("v", 2));
    Mutation retried = withOpId(insert("a", "y", doc()), batch.get(5).opId());
    Mutation foreign = withOpId(insert("b", "z", doc()), first.opId());
    Mutation superseded = outcome("superseded-op", WriteStatus.SUPERSEDED, x);
    batch.add(bumpX);
    batch.add(staleX);
    batch.add(retried);
    batch.add(foreign);
    batch.add(superseded);

    List<CommitResult> results = store.commit(batch).await(AWAIT, TimeUnit.SECONDS);

    int n = batch.size();
    assertThat(results).hasSize(n);
    long[] lastSeq = {1, 0}; // "a" holds x at seq 1
    for (int i = 0; i < n - 5; i++) {
      CommitResult r = results.get(i);
      assertThat(r.kind()).as("mutation %d", i).isEqualTo(Kind.COMMITTED);
      int c = batch.get(i).collection().equals("a") ? 0 : 1;
      assertThat(r.ack().seq()).as("seq of %d", i).isEqualTo(lastSeq[c] + 1);
      assertThat(r.change().seq()).isEqualTo(r.ack().seq());
      lastSeq[c] = r.ack().seq();
    }
    assertThat(results.get(n - 5).kind()).isEqualTo(Kind.COMMITTED);
    assertThat(results.get(n - 5).ack().seq()).isEqualTo(lastSeq[0] + 1);
    assertThat(results.get(n - 4).kind()).isEqualTo(Kind.CONFLICT);
    assertThat(results.get(n - 3).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(results.get(n - 3).previous().ack()).isEqualTo(results.get(5).ack());
    assertThat(results.get(n - 2).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(results.get(n - 2).previous().ack().collection()).isEqualTo("a");
    assertThat(results.get(n - 1).kind()).isEqualTo(Kind.COMMITTED);
    assertThat(results.get(n - 1).change()).isNull();

    assertThat(store.get("a", "x").await(AWAIT, TimeUnit.SECONDS).data().get("v").asInt())
        .isEqualTo(1);
    assertThat(store.get("a", "y").await(AWAIT, TimeUnit.SECONDS)).isNull();
    assertThat(store.get("b", "z").await(AWAIT, TimeUnit.SECONDS)).isNull();
    assertThat(store.findOp("superseded-op").await(AWAIT, TimeUnit.SECONDS).ack().status())
        .isEqualTo(WriteStatus.SUPERSEDED);
    // the histories hold every committed change once, in list order, without gaps
    for (String c : List.of("a", "b")) {
      ChangesPage page = store.changesSince(c, 0, 10_000).await(AWAIT, TimeUnit.SECONDS);
      assertThat(page.info().seq()).isEqualTo(c.equals("a") ? lastSeq[0] + 1 : lastSeq[1]);
      List<String> ids = page.records().stream().map(StoredRecord::id).toList();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < n - 5; i++) {
        if (batch.get(i).collection().equals(c)) {
          expected.add(batch.get(i).ack().id());
        }
      }
      if (c.equals("a")) {
        expected.add("x");
      }
      assertThat(ids).isEqualTo(expected);
    }
  }

  @Test
  void listAndTombstonePurgeFollowEveryTransitionOfARecord() throws Exception {
    long old = System.currentTimeMillis() - 60_000;
    // a: insert, update, delete, re-create; b: insert, delete, delete again (a newer tombstone)
    List<Mutation> steps = List.of(insert("t", "a", doc("v", 1)), update("t", "a", 1, doc("v", 2)),
        delete("t", "a", 2, old), put("t", "a", 3, doc("v", 4), null, "recreate", old),
        insert("t", "b", doc("v", 1)), delete("t", "b", 1, old),
        delete("t", "b", 2, System.currentTimeMillis()), insert("t", "c", doc("v", 1)));
    for (Mutation m : steps) { // one call each, and then the same again as one batch
      assertThat(store.commit(List.of(m)).await(AWAIT, TimeUnit.SECONDS).get(0).kind())
          .isEqualTo(Kind.COMMITTED);
    }
    List<Mutation> again = steps.stream().map(m -> (Mutation) withCollection(m, "u")).toList();
    assertThat(store.commit(again).await(AWAIT, TimeUnit.SECONDS))
        .allMatch(r -> r.kind() == Kind.COMMITTED);

    for (String c : List.of("t", "u")) {
      assertThat(store.list(c, null, 10).await(AWAIT, TimeUnit.SECONDS).records())
          .extracting(StoredRecord::id).containsExactly("a", "c");
      // b's tombstone is recent (its second delete), a is live again: nothing to purge
      assertThat(store.purgeTombstones(old + 1).await(AWAIT, TimeUnit.SECONDS)).isZero();
    }
    assertThat(store.purgeTombstones(System.currentTimeMillis() + 1)
        .await(AWAIT, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(store.get("t", "a").await(AWAIT, TimeUnit.SECONDS).version()).isEqualTo(4);
    assertThat(store.get("t", "b").await(AWAIT, TimeUnit.SECONDS)).isNull();
  }

  private static Mutation withCollection(Mutation m, String collection) {
    StoredRecord n = m.next();
    io.livesync.protocol.Change c = m.change();
    io.livesync.protocol.Ack a = m.ack();
    return new Mutation(m.opId() + "-" + collection, m.fingerprint(), m.expectedVersion(),
        new StoredRecord(collection, n.id(), n.data(), n.version(), 0, n.ts(), n.deleted(),
            n.meta(), n.updatedAt()),
        new io.livesync.protocol.Change(collection, c.id(), c.op(), c.data(), c.version(), 0,
            c.ts(), c.origin(), m.opId() + "-" + collection),
        new io.livesync.protocol.Ack(m.opId() + "-" + collection, collection, a.id(), a.status(),
            a.version(), 0, a.record()));
  }
}
