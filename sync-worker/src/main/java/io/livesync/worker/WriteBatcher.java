package io.livesync.worker;

import io.livesync.core.bus.SyncBus.IncomingWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The queue of writes waiting for the next group commit. A batch never holds two writes to the
 * same record, nor a write to a record of a batch still in flight: the later one waits, so every
 * write is resolved against the stored state and a record's writes keep their arrival order.
 * Event-loop confined.
 */
final class WriteBatcher {
  private final Deque<Pending> queue = new ArrayDeque<>();
  private final int maxBatch;

  WriteBatcher(int maxBatch) {
    this.maxBatch = maxBatch;
  }

  /** A queued write and how many times a compare-and-set conflict sent it back. */
  record Pending(IncomingWrite incoming, int attempts) {
    String key() {
      return incoming.write().collection() + '\u0000' + incoming.write().id();
    }
  }

  void add(IncomingWrite w) {
    queue.addLast(new Pending(w, 0));
  }

  /** Puts writes back at the head, in the given order, ahead of everything queued. */
  void retryFirst(List<Pending> writes) {
    for (int i = writes.size() - 1; i >= 0; i--) {
      queue.addFirst(writes.get(i));
    }
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }

  /** Takes the next batch: at most maxBatch writes, one per record, in arrival order. */
  List<Pending> next() {
    return next(Set.of());
  }

  /**
   * Takes the next batch, leaving queued every write to a record in {@code busy} (the records
   * of batches still being committed), so that a record's writes never overlap in flight.
   */
  List<Pending> next(Set<String> busy) {
    List<Pending> batch = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    List<Pending> skipped = new ArrayList<>();
    int examined = 0;
    int scanLimit = maxBatch * 4;
    while (!queue.isEmpty() && batch.size() < maxBatch && examined < scanLimit) {
      Pending p = queue.pollFirst();
      examined++;
      String key = p.key();
      if (!busy.contains(key) && keys.add(key)) {
        batch.add(p);
      } else {
        skipped.add(p);
      }
    }
    retryFirst(skipped);
    return batch;
  }
}
