package io.livesync.gateway;

import io.livesync.core.bus.SyncBus;
import io.livesync.core.config.SyncConfig;
import io.livesync.core.metrics.SyncMetrics;
import io.livesync.core.spi.Store;
import io.livesync.gateway.auth.Authenticator;
import io.livesync.gateway.impl.Connection;
import io.livesync.gateway.impl.GatewayRoutes;
import io.livesync.gateway.impl.InflateLimit;
import io.livesync.protocol.Hlc;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The edge: WebSocket {@code /v1/ws}, the HTTP API, health and metrics. Deploy one instance per
 * event loop; they share the listening port. Never knows whether the store and bus are local or
 * Redis.
 */
public final class GatewayVerticle extends VerticleBase {
  private final SyncConfig config;
  private final Store store;
  private final SyncBus bus;
  private final Authenticator authenticator;
  private final SyncMetrics metrics;
  private final Hlc clock;
  private final Readiness readiness;
  private GatewayRoutes routes;
  private HttpServer server;

  public GatewayVerticle(SyncConfig config, Store store, SyncBus bus, Authenticator authenticator,
      SyncMetrics metrics, Hlc clock, Readiness readiness) {
    this.config = config;
    this.store = store;
    this.bus = bus;
    this.authenticator = authenticator;
    this.metrics = metrics;
    this.clock = clock;
    this.readiness = readiness;
  }

  @Override
  public Future<?> start() {
    routes = new GatewayRoutes(vertx, context, config, store, bus, authenticator, metrics, clock,
        readiness);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.server().bind())
        .setPort(config.server().port())
        .setMaxWebSocketFrameSize(config.limits().maxFrameBytes())
        .setMaxWebSocketMessageSize(config.limits().maxFrameBytes())
        .setPerMessageWebSocketCompressionSupported(config.websocket().compression())
        .setPerFrameWebSocketCompressionSupported(false)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // idle HTTP connections go after three ping intervals (an upgraded WebSocket drops this
        // handler: WebSocketChannel; the PingWheel closes silent sockets)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE,
            3 * config.websocket().pingIntervalMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    routes.gatewayContext().startPinging(vertx);
    server = vertx.createHttpServer(options).requestHandler(routes.router());
    if (config.websocket().compression()) {
      server.connectionHandler(InflateLimit.installer(options, config.limits().maxFrameBytes()));
    }
    return server.listen();
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /**
   * Drains: every connection answers the writes it already received (new ones get {@code
   * unavailable}), then is closed with 1012 so its client reconnects elsewhere; then the server
   * stops listening. Bounded by {@code server.drainTimeoutMillis}.
   */
  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    for (Connection c : new ArrayList<>(routes.gatewayContext().connections())) {
      Future<Void> answered = Future.any(c.drain(),
          vertx.timer(config.server().drainTimeoutMillis())).mapEmpty();
      closing.add(answered.transform(
          v -> c.close(Connection.CLOSE_RESTART, "server restarting; reconnect")));
    }
    return Future.join(closing).transform(v -> {
      routes.gatewayContext().stopPinging(vertx);
      return server.close();
    });
  }
}
