package io.livesync.core.store;

import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * Counts the operations in progress so {@link RedisStore#close()} lets them finish before it
 * closes the connection, and refuses operations started after it. Thread-safe.
 */
final class RedisInFlight {
  private int running;
  private boolean closing;
  private Promise<Void> drained;

  <T> Future<T> track(Supplier<Future<T>> operation) {
    synchronized (this) {
      if (closing) {
        return Future.failedFuture(new SyncException(ErrorCode.UNAVAILABLE,
            "the Redis store is closed"));
      }
      running++;
    }
    Future<T> f;
    try {
      f = operation.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.andThen(ar -> finished());
  }

  /** Completes when every operation started before this call has finished. */
  Future<Void> close() {
    synchronized (this) {
      closing = true;
      if (running == 0) {
        return Future.succeededFuture();
      }
      if (drained == null) {
        drained = Promise.promise();
      }
      return drained.future();
    }
  }

  private void finished() {
    Promise<Void> done = null;
    synchronized (this) {
      running--;
      if (running == 0 && closing && drained != null) {
        done = drained;
      }
    }
    if (done != null) {
      done.tryComplete();
    }
  }
}
