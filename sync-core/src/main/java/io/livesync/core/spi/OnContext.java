package io.livesync.core.spi;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Brings a future's completion back to a given context. The Store and bus SPIs complete their
 * futures on contexts of their choosing; the gateway's per-connection state is confined to its
 * event loop, and the worker's batching state to its verticle's, so every such future is hopped
 * back before its result touches that state.
 */
public final class OnContext {
  private OnContext() {
  }

  public static <T> Future<T> hop(Context context, Future<T> future) {
    Promise<T> promise = Promise.promise();
    future.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        promise.handle(ar);
      } else {
        context.runOnContext(v -> promise.handle(ar));
      }
    });
    return promise.future();
  }
}
