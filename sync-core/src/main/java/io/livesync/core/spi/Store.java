package io.livesync.core.spi;

import io.livesync.protocol.Write;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Where records, collection histories and opId outcomes live. Implementations: {@code
 * SqliteStore} (embedded) and {@code RedisStore} (cluster). Every implementation passes {@code
 * StoreContractTest}.
 *
 * <p>Guarantees every implementation gives:
 *
 * <ul>
 *   <li><b>Atomic mutations.</b> Each {@link Mutation} is applied all-or-nothing: the record, its
 *       seq, the collection's seq index and the opId's outcome change together, and a crash never
 *       leaves one without the others. A future that succeeds means the mutation is durable to
 *       the store's configured level.
 *   <li><b>Compare-and-set.</b> A mutation is stored only when the record's current version is
 *       its {@code expectedVersion}; otherwise the result is {@code CONFLICT} and nothing
 *       changes.
 *   <li><b>Idempotency.</b> A mutation whose opId is already known is not applied; the result is
 *       {@code DUPLICATE} with the remembered outcome. Outcomes are kept until {@link
 *       #purgeOps(long)} removes them.
 *   <li><b>Gap-free seq.</b> Committed changes of one collection get seq 1, 2, 3, … with no gap,
 *       in commit order; mutations of one {@link #commit(List)} call are committed in list order.
 *   <li><b>Snapshot reads.</b> {@link #changesSince} reads its page and the collection's markers
 *       from one snapshot.
 * </ul>
 *
 * <p>Threading: every method may be called from any thread, event loop included; none blocks.
 * Futures complete on a Vert.x context of the implementation's choosing.
 */
public interface Store {

  /**
   * The collection's markers, creating its history (a fresh random epoch, seq 0, horizon 0) if
   * it has none.
   */
  Future<CollectionInfo> collection(String name);

  /** The record, tombstones included, or null when the store has never seen it. */
  Future<StoredRecord> get(String collection, String id);

  /** What the store remembers of an opId, or null. */
  Future<OpRecord> findOp(String opId);

  /**
   * The inputs of one group commit: for each write, what {@link #get} of its record and {@link
   * #findOp} of its opId return, in one call so that a backend can read a whole batch with few
   * round trips. Each entry is read independently, as separate calls would be (the commit's
   * compare-and-set catches changes in between); the list is in the order of {@code writes}.
   * The default makes the two calls for every write.
   */
  default Future<List<Prior>> priors(List<Write> writes) {
    List<Future<StoredRecord>> records = new ArrayList<>(writes.size());
    List<Future<OpRecord>> ops = new ArrayList<>(writes.size());
    for (Write w : writes) {
      records.add(get(w.collection(), w.id()));
      ops.add(findOp(w.opId()));
    }
    return Future.all(Future.all(records), Future.all(ops)).map(v -> {
      List<Prior> out = new ArrayList<>(writes.size());
      for (int i = 0; i < writes.size(); i++) {
        out.add(new Prior(records.get(i).result(), ops.get(i).result()));
      }
      return out;
    });
  }

  /**
   * Commits mutations in list order. An implementation may commit all of them in one
   * transaction (group commit); each still succeeds or fails on its own as {@link CommitResult}
   * says. The future fails (with a {@code SyncException} of code {@code unavailable}) only when
   * the store could not be reached or written; then no result is known, and the writes must be
   * retried with the same opIds.
   */
  Future<List<CommitResult>> commit(List<Mutation> mutations);

  /**
   * Catch-up: the latest state of each record whose latest change has seq greater than {@code
   * since}, in seq order, at most {@code limit} of them.
   */
  Future<ChangesPage> changesSince(String collection, long since, int limit);

  /** Live records in id order, after {@code afterId} (exclusive; null for the first page). */
  Future<RecordsPage> list(String collection, String afterId, int limit);

  /**
   * Removes tombstones whose last change is older than {@code olderThanMillis} and raises each
   * affected collection's horizon to the highest seq removed. Returns how many were removed.
   */
  Future<Long> purgeTombstones(long olderThanMillis);

  /** Forgets opId outcomes recorded before {@code olderThanMillis}. Returns how many. */
  Future<Long> purgeOps(long olderThanMillis);

  /** Succeeds when the store can serve reads and writes now. */
  Future<Void> ping();

  /** Releases connections; pending operations finish first. */
  Future<Void> close();
}
