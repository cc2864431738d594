package io.livesync.gateway.impl;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open WebSockets, counted across every gateway instance of one Vert.x instance (one process):
 * in all ({@code websocket.maxConnections}) and per subject ({@code auth.maxConnectionsPerUser}).
 * A handshake takes a process slot before authentication and a user slot after it; each slot is
 * released exactly once, when the socket closes or the handshake fails. Thread-safe; acquire and
 * release happen on the instances' event loops.
 */
final class ConnectionSlots implements Shareable {
  private static final String MAP = "livesync.gateway";
  private static final String KEY = "connectionSlots";

  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();

  /** The counter shared by all gateway instances of this Vert.x instance. */
  static ConnectionSlots of(Vertx vertx) {
    LocalMap<String, ConnectionSlots> map = vertx.sharedData().getLocalMap(MAP);
    ConnectionSlots fresh = new ConnectionSlots();
    ConnectionSlots existing = map.putIfAbsent(KEY, fresh);
    return existing != null ? existing : fresh;
  }

  /** Takes one of the process's {@code max} slots; false when all are taken. */
  boolean tryOpen(int max) {
    while (true) {
      int n = total.get();
      if (n >= max) {
        return false;
      }
      if (total.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void close() {
    total.decrementAndGet();
  }

  /** Takes a slot for {@code user}; false when it already holds {@code max}. */
  boolean tryAcquire(String user, int max) {
    boolean[] taken = {false};
    perUser.compute(user, (k, n) -> {
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
    perUser.computeIfPresent(user, (k, n) -> n <= 1 ? null : n - 1);
  }
}
