package io.livesync.core.store;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The highest {@code (epoch, seq)} this process has committed to each collection, so that a
 * Redis that comes back without its last acknowledged writes is noticed: {@code commit.lua} gets
 * the collection's witness and, finding the seq below it in the same epoch, gives the history a
 * new epoch and goes on from the witnessed seq (see the script's header). Without a witness (a
 * collection this process never committed to, or forgotten, see {@link #MAX_COLLECTIONS}) a lost
 * tail goes unnoticed, as it did before. Thread-safe.
 */
final class RedisWitness {
  /** Collections remembered at most; beyond, an arbitrary one is forgotten per new one. */
  static final int MAX_COLLECTIONS = 100_000;

  /** What this process last committed to one collection. */
  record Seen(String epoch, long seq) {
  }

  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  /** The collection's witness, or null when this process has none. */
  Seen of(String collection) {
    return seen.get(collection);
  }

  /**
   * Records a commit answer: a new epoch replaces the witness (the script saw the history
   * replaced), the same epoch keeps the higher seq.
   */
  void saw(String collection, String epoch, long seq) {
    if (epoch.isEmpty()) {
      return;
    }
    if (seen.size() >= MAX_COLLECTIONS && !seen.containsKey(collection)) {
      Iterator<String> any = seen.keySet().iterator();
      if (any.hasNext()) {
        seen.remove(any.next());
      }
    }
    seen.merge(collection, new Seen(epoch, seq), (old, now) ->
        old.epoch().equals(now.epoch()) && old.seq() >= now.seq() ? old : now);
  }
}
