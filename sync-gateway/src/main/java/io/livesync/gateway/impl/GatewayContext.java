package io.livesync.gateway.impl;

import io.livesync.core.metrics.SyncMetrics;
import io.livesync.core.spi.Store;
import io.livesync.gateway.auth.Authenticator;
import io.livesync.protocol.Limits;
import io.vertx.core.Vertx;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What one gateway verticle instance shares with its connections. Confined to that instance's
 * event loop (the metrics are thread-safe and process-wide).
 */
public final class GatewayContext {
  private final Store store;
  private final WriteService writes;
  private final FanOut fanOut;
  private final Authenticator authenticator;
  private final SyncMetrics metrics;
  private final Limits limits;
  private final long pingIntervalMillis;
  private final Set<Connection> connections = new LinkedHashSet<>();
  private final PingWheel<Connection> pings;
  /** This instance's share of {@code websocket.maxTotalBacklogBytes}. */
  private final long backlogBudget;
  /** Outbound bytes queued on this instance's connections and not yet on their sockets. */
  private long backlogBytes;

  GatewayContext(Store store, WriteService writes, FanOut fanOut, Authenticator authenticator,
      SyncMetrics metrics, Limits limits, long pingIntervalMillis, long backlogBudget) {
    this.store = store;
    this.writes = writes;
    this.fanOut = fanOut;
    this.authenticator = authenticator;
    this.metrics = metrics;
    this.limits = limits;
    this.pingIntervalMillis = pingIntervalMillis;
    this.pings = new PingWheel<>(connections, pingIntervalMillis);
    this.backlogBudget = backlogBudget;
  }

  /** A connection's outbound backlog grew (positive) or shrank (negative) by {@code bytes}. */
  void backlog(long bytes) {
    backlogBytes += bytes;
  }

  /** True while this instance's connections together hold more than its backlog budget. */
  boolean backlogOverBudget() {
    return backlogBytes > backlogBudget;
  }

  Store store() {
    return store;
  }

  WriteService writes() {
    return writes;
  }

  FanOut fanOut() {
    return fanOut;
  }

  Authenticator authenticator() {
    return authenticator;
  }

  SyncMetrics metrics() {
    return metrics;
  }

  Limits limits() {
    return limits;
  }

  long pingIntervalMillis() {
    return pingIntervalMillis;
  }

  PingWheel<Connection> pings() {
    return pings;
  }

  /** Starts pinging this instance's connections; call on its event loop. */
  public void startPinging(Vertx vertx) {
    pings.start(vertx);
  }

  public void stopPinging(Vertx vertx) {
    pings.stop(vertx);
  }

  /** Open connections of this instance, for draining and pinging. */
  public Set<Connection> connections() {
    return connections;
  }
}
