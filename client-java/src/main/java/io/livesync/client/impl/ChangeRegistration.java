package io.livesync.client.impl;

import io.livesync.client.ChangeListener;
import io.livesync.client.CollectionSnapshot;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One change listener of one collection. Signals accumulate changed ids; a delivery takes the
 * snapshot when it runs (so it is never stale) and names every id changed since the previous
 * one. Deliveries are serialized on the listener's executor.
 */
final class ChangeRegistration implements AutoCloseable {
  private final Executor serial;
  private final ChangeListener listener;
  private final Function<Set<String>, CollectionSnapshot> snapshots;
  private final Runnable onClose;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Set<String> pending = new LinkedHashSet<>();
  private boolean scheduled;

  /**
   * @param snapshots makes a snapshot naming the given changed ids; null ids means "all ids"
   *     (the first snapshot)
   */
  ChangeRegistration(Executor executor, ChangeListener listener,
      Function<Set<String>, CollectionSnapshot> snapshots, Runnable onClose) {
    this.serial = new SerialExecutor(executor);
    this.listener = listener;
    this.snapshots = snapshots;
    this.onClose = onClose;
  }

  /** Queues the first delivery: the current snapshot with every id as changed. */
  void start() {
    serial.execute(() -> {
      if (!closed.get()) {
        listener.onChange(snapshots.apply(null));
      }
    });
  }

  void signal(Set<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    synchronized (this) {
      if (closed.get()) {
        return;
      }
      pending.addAll(ids);
      if (scheduled) {
        return;
      }
      scheduled = true;
    }
    serial.execute(this::deliver);
  }

  private void deliver() {
    Set<String> ids;
    synchronized (this) {
      ids = pending;
      pending = new LinkedHashSet<>();
      scheduled = false;
    }
    if (!closed.get() && !ids.isEmpty()) {
      listener.onChange(snapshots.apply(ids));
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      onClose.run();
    }
  }
}
