package io.livesync.gateway.impl;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open WebSockets per subject, counted across every gateway instance of one Vert.x instance
 * (one process): the per-user connection cap. Thread-safe; acquire and release happen on the
 * instances' event loops.
 */
final class UserConnections implements Shareable {
  private static final String MAP = "livesync.gateway";
  private static final String KEY = "userConnections";

  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  /** The counter shared by all gateway instances of this Vert.x instance. */
  static UserConnections of(Vertx vertx) {
    LocalMap<String, UserConnections> map = vertx.sharedData().getLocalMap(MAP);
    UserConnections fresh = new UserConnections();
    UserConnections existing = map.putIfAbsent(KEY, fresh);
    return existing != null ? existing : fresh;
  }

  /** Takes a slot for {@code user}; false when it already holds {@code max}. */
  boolean tryAcquire(String user, int max) {
    boolean[] taken = {false};
    open.compute(user, (k, n) -> {
      int current = n == null ? 0 : n;
      if (current >= max) {
        return n;
      }
      taken[0] = true;
      return current + 1;
    });
    return taken[0];
  }

  void release(String user) {
    open.computeIfPresent(user, (k, n) -> n <= 1 ? null : n - 1);
  }

  int count(String user) {
    return open.getOrDefault(user, 0);
  }
}
