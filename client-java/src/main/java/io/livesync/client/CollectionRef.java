package io.livesync.client;

import io.livesync.protocol.SyncRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * One collection as seen from this device. Obtained from {@link SyncClient#collection(String)};
 * opening a collection subscribes it (from its persisted cursor) for as long as the client
 * lives.
 *
 * <p>Writes commit the local record and its outbox entry in one SQLite transaction, notify
 * listeners, and complete; they reach the server later (at once when connected). The returned
 * futures complete when the local commit is done, not when the server acknowledges: follow
 * acknowledgements with {@link SyncClient#addEventListener} or {@link SyncClient#awaitSynced}.
 * A write that is invalid (bad id, reserved field name, too large) fails its future with a
 * {@link io.livesync.protocol.SyncException} and changes nothing.
 *
 * <p>Documents are given as maps of JSON-compatible values (strings, numbers, booleans, lists,
 * maps, null) and read back as {@link SyncRecord}s holding Jackson {@code ObjectNode}s; use
 * {@link io.livesync.protocol.Json#toMap} for plain maps. All methods are thread-safe.
 */
public interface CollectionRef {

  /** The collection name. */
  String name();

  /** Inserts a new record with a generated id (a UUID); completes with the id. */
  CompletableFuture<String> save(Map<String, ?> data);

  /** Inserts the record, or replaces its whole document; completes with the id. */
  CompletableFuture<String> save(String id, Map<String, ?> data);

  /**
   * Changes only the given top-level fields; a null value removes the field. Only this delta
   * travels to the server. Under the last-writer-wins strategies an update of a missing record
   * creates it.
   */
  CompletableFuture<Void> update(String id, Map<String, ?> delta);

  /** Deletes the record (a tombstone on the server). */
  CompletableFuture<Void> delete(String id);

  /** The record in the local view, unless it does not exist or is deleted. */
  Optional<SyncRecord> get(String id);

  /** The live records of the local view, in id order. */
  List<SyncRecord> list();

  /**
   * Calls {@code listener} on {@code executor} with a snapshot now and after every change of the
   * local view (local writes, server changes, conflict outcomes). Calls for one listener never
   * overlap and come in order; changes that happen while a call is queued are coalesced into
   * the next snapshot, whose {@code changedIds} name them all. Closing the returned handle
   * (idempotent) stops the calls; one already running finishes.
   */
  AutoCloseable addChangeListener(Executor executor, ChangeListener listener);

  /**
   * The collection's live records as a stream of lists: the current list first, then one after
   * each change. Slow subscribers get the latest list, not every intermediate one. Delivered on
   * the client's callback executor.
   */
  Flow.Publisher<List<SyncRecord>> watch();

  /** One record's current state as a stream ({@code Optional.empty()} while it does not exist). */
  Flow.Publisher<Optional<SyncRecord>> watch(String id);
}
