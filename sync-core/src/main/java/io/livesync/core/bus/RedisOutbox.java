package io.livesync.core.bus;

import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Collects items added from any thread and hands everything collected so far to {@code flush}
 * on {@code ctx}, once per run of that context's task queue: items added in one burst (e.g. the
 * answers to one group commit) are flushed together, and nothing waits for a timer.
 * Thread-safe.
 */
final class RedisOutbox<T> {
  private final Context ctx;
  private final Consumer<List<T>> flush;
  private List<T> items = new ArrayList<>();
  private boolean scheduled;

  RedisOutbox(Context ctx, Consumer<List<T>> flush) {
    this.ctx = ctx;
    this.flush = flush;
  }

  void add(T item) {
    boolean schedule;
    synchronized (this) {
      items.add(item);
      schedule = !scheduled;
      scheduled = true;
    }
    if (schedule) {
      ctx.runOnContext(v -> flush.accept(take()));
    }
  }

  private synchronized List<T> take() {
    List<T> taken = items;
    items = new ArrayList<>();
    scheduled = false;
    return taken;
  }
}
