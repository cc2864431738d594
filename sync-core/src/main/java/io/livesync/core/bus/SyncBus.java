package io.livesync.core.bus;

import io.livesync.protocol.Change;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.List;

/**
 * The event bus between gateways and workers. {@code LocalSyncBus} carries it inside one JVM
 * (embedded mode); {@code RedisSyncBus} across processes (Redis Streams for writes, pub/sub for
 * changes). Gateway and worker verticles only see this interface.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>{@link #submit}: the write reaches one worker at least once; its future completes with
 *       the worker's answer, or fails with {@code unavailable} when none came in time (the write
 *       may still be applied later: the writer retries with the same opId).
 *   <li>{@link #subscribe}: changes of the collection published after the returned future
 *       completes are delivered to the handler in seq order, on the subscriber's context. A
 *       transport that can lose messages (pub/sub) may skip seqs; subscribers detect a skipped
 *       seq and catch up from the store.
 *   <li>{@link #publish}: called by a worker after its changes are durable, in seq order per
 *       collection.
 * </ul>
 *
 * <p>Threading: all methods may be called from any Vert.x context and never block.
 */
public interface SyncBus {

  /** Gateway side: hands a validated, timestamped write to a worker. */
  Future<WriteResult> submit(Write write);

  /** Gateway side: delivers the collection's changes to {@code handler} until unsubscribed. */
  Future<Subscription> subscribe(String collection, Handler<Change> handler);

  /**
   * As {@link #subscribe(String, Handler)}, and calls {@code newHistory} with the new epoch when
   * the collection's history was replaced while subscribed (its store lost data: a flushed
   * Redis, or one back without its last writes), in order with the changes: those delivered
   * after the call belong to the new history, whose seqs may repeat earlier ones. A bus whose
   * history cannot be replaced while it runs (the embedded one: SQLite is replaced only with
   * the process stopped) never calls it.
   */
  default Future<Subscription> subscribe(String collection, Handler<Change> handler,
      Handler<String> newHistory) {
    return subscribe(collection, handler);
  }

  /** Worker side: receives writes; the handler runs on the caller's context. */
  Future<Void> consumeWrites(Handler<IncomingWrite> handler);

  /** Worker side: announces committed changes, in seq order per collection. */
  Future<Void> publish(List<Change> changes);

  /** Succeeds when the bus can carry messages now. */
  Future<Void> ping();

  /** Stops consuming and releases connections. */
  Future<Void> close();

  /** A registration made by {@link #subscribe}. */
  interface Subscription {
    Future<Void> unsubscribe();
  }

  /** A write delivered to a worker, answered exactly once with {@link #reply}. */
  interface IncomingWrite {
    Write write();

    void reply(WriteResult result);
  }
}
