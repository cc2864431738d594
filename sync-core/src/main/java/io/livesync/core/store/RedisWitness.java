package io.livesync.core.store;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The highest {@code (epoch, seq)} this process knows each collection reached, so that a Redis
 * that comes back without its last acknowledged writes is noticed: {@code commit.lua} gets the
 * collection's witness and, finding the seq below it in the same epoch, gives the history a new
 * epoch and goes on from the witnessed seq (see the script's header). A witness comes from this
 * process's own commits ({@link #saw}) and from what gateways tell with each write ({@link
 * #heard}: the last seq their change feed delivered), so a lost tail is noticed as long as one
 * running process saw it. Without a witness (a collection nobody still running saw, or one
 * forgotten, see {@link #MAX_COLLECTIONS}) a lost tail goes unnoticed. Thread-safe.
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
    makeRoomFor(collection);
    seen.merge(collection, new Seen(epoch, seq), (old, now) ->
        old.epoch().equals(now.epoch()) && old.seq() >= now.seq() ? old : now);
  }

  /**
   * Records what another process saw of the collection (a gateway's change feed). It raises the
   * witness of the same epoch, or becomes the witness when there is none; it never replaces a
   * witness of another epoch, which this process's own commits keep current (epochs have no
   * order, and a gateway's may be the one from before a replaced history).
   */
  void heard(String collection, String epoch, long seq) {
    if (epoch == null || epoch.isEmpty() || seq <= 0) {
      return;
    }
    makeRoomFor(collection);
    seen.merge(collection, new Seen(epoch, seq), (old, now) ->
        old.epoch().equals(now.epoch()) && now.seq() > old.seq() ? now : old);
  }

  private void makeRoomFor(String collection) {
    if (seen.size() >= MAX_COLLECTIONS && !seen.containsKey(collection)) {
      Iterator<String> any = seen.keySet().iterator();
      if (any.hasNext()) {
        seen.remove(any.next());
      }
    }
  }
}
