package io.livesync.server;

import io.livesync.core.bus.SyncBus;
import io.livesync.core.config.ServerConfig;
import io.livesync.core.metrics.SyncMetrics;
import io.livesync.core.spi.Store;
import io.livesync.gateway.Readiness;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * A worker-only process's HTTP surface: {@code /health/live}, {@code /health/ready} (store and
 * bus reachable, not draining) and {@code /metrics}, on the configured port. Nothing else.
 */
final class OpsVerticle extends VerticleBase {
  private final ServerConfig config;
  private final Store store;
  private final SyncBus bus;
  private final SyncMetrics metrics;
  private final Readiness readiness;
  private HttpServer server;

  OpsVerticle(ServerConfig config, Store store, SyncBus bus, SyncMetrics metrics,
      Readiness readiness) {
    this.config = config;
    this.store = store;
    this.bus = bus;
    this.metrics = metrics;
    this.readiness = readiness;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(config.port(), config.bind());
  }

  int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    switch (req.path()) {
      case "/health/live":
        req.response().putHeader("content-type", "application/json").end("{\"status\":\"UP\"}");
        return;
      case "/health/ready":
        if (readiness.draining()) {
          req.response().setStatusCode(503).putHeader("content-type", "application/json")
              .end("{\"status\":\"DRAINING\"}");
          return;
        }
        Future.all(store.ping(), bus.ping()).onComplete(ar -> req.response()
            .setStatusCode(ar.succeeded() ? 200 : 503)
            .putHeader("content-type", "application/json")
            .end(ar.succeeded() ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}"));
        return;
      case "/metrics":
        req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
            .end(metrics.scrape());
        return;
      default:
        req.response().setStatusCode(404).putHeader("content-type", "application/json")
            .end("{\"error\":{\"code\":\"not_found\",\"message\":\"a worker serves only "
                + "/health/live, /health/ready and /metrics\"}}");
    }
  }
}
