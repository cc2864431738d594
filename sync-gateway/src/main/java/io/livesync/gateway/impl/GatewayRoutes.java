package io.livesync.gateway.impl;

import io.livesync.core.bus.SyncBus;
import io.livesync.core.config.SyncConfig;
import io.livesync.core.metrics.SyncMetrics;
import io.livesync.core.spi.OnContext;
import io.livesync.core.spi.Store;
import io.livesync.gateway.Readiness;
import io.livesync.gateway.auth.Authenticator;
import io.livesync.gateway.auth.Principal;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.SyncException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds one gateway instance's router: the WebSocket upgrade (Origin check, then the token,
 * then the upgrade), the HTTP API behind authentication, health, metrics, the optional demo.
 */
public final class GatewayRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayRoutes.class);
  /** Handshakes answered with an error before the upgrade, by reason. */
  static final String HANDSHAKES_REFUSED = "livesync_handshakes_refused_total";
  /** A full server's hint to come back later (clients also back off on their own). */
  private static final String RETRY_AFTER_SECONDS = "1";

  private final Vertx vertx;
  private final Context context;
  private final SyncConfig config;
  private final Store store;
  private final SyncBus bus;
  private final Authenticator authenticator;
  private final SyncMetrics metrics;
  private final Readiness readiness;
  private final GatewayContext gw;
  private final Router router;
  private final ConnectionSlots slots;

  public GatewayRoutes(Vertx vertx, Context context, SyncConfig config, Store store, SyncBus bus,
      Authenticator authenticator, SyncMetrics metrics, Hlc clock, Readiness readiness) {
    this.vertx = vertx;
    this.context = context;
    this.config = config;
    this.store = store;
    this.bus = bus;
    this.authenticator = authenticator;
    this.metrics = metrics;
    this.readiness = readiness;
    WriteService writes = new WriteService(bus, clock, config.limits(), metrics);
    this.gw = new GatewayContext(store, writes, new FanOut(bus, context), authenticator, metrics,
        config.limits(), config.websocket().pingIntervalMillis(),
        Math.max(1, config.websocket().maxTotalBacklogBytes()
            / Math.max(1, config.server().gatewayInstances())));
    this.slots = ConnectionSlots.of(vertx);
    this.router = build();
  }

  public Router router() {
    return router;
  }

  public GatewayContext gatewayContext() {
    return gw;
  }

  private Router build() {
    Router r = Router.router(vertx);
    r.get("/health/live").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json").end("{\"status\":\"UP\"}"));
    r.get("/health/ready").handler(this::ready);
    r.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    r.get("/v1/ws").handler(this::upgrade);
    r.route("/v1/*").handler(BodyHandler.create(false)
        .setBodyLimit(config.limits().maxHttpBodyBytes()));
    r.route("/v1/*").handler(this::authenticateHttp);
    new HttpApi(gw).mount(r);
    if (config.server().demo()) {
      r.route("/lib/*").handler(StaticHandler.create("client-js").setCachingEnabled(false));
      r.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    }
    r.route().last().handler(ctx -> ctx.fail(new SyncException(ErrorCode.NOT_FOUND,
        "no such endpoint: " + ctx.request().method() + " " + ctx.request().path())));
    r.route().failureHandler(this::failure);
    return r;
  }

  private void ready(RoutingContext ctx) {
    if (readiness.draining()) {
      ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
          .end("{\"status\":\"DRAINING\"}");
      return;
    }
    OnContext.hop(context, Future.all(store.ping(), bus.ping())).onComplete(ar ->
        ctx.response().setStatusCode(ar.succeeded() ? 200 : 503)
            .putHeader("content-type", "application/json")
            .end(ar.succeeded() ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}"));
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (readiness.draining()) {
      refuse(ctx, "draining", new SyncException(ErrorCode.UNAVAILABLE,
          "this gateway is shutting down; connect to another"));
      return;
    }
    if (!req.canUpgradeToWebSocket()) {
      refuse(ctx, "bad_request",
          SyncException.badRequest("this endpoint needs a WebSocket upgrade"));
      return;
    }
    String origin = req.getHeader("Origin");
    List<String> allowed = config.websocket().allowedOrigins();
    if (origin != null && !allowed.isEmpty() && !allowed.contains(origin)) {
      refuse(ctx, "origin", new SyncException(ErrorCode.FORBIDDEN, "origin not allowed"));
      return;
    }
    String token = token(req);
    if (token == null && !authenticator.anonymousAllowed()) {
      refuse(ctx, "unauthorized", new SyncException(ErrorCode.UNAUTHORIZED,
          "a token is required: Authorization: Bearer <jwt> or ?access_token=<jwt>"));
      return;
    }
    // the process's cap, before the token is verified: a full server refuses at the least cost
    int maxConnections = config.websocket().maxConnections();
    if (!slots.tryOpen(maxConnections)) {
      ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
      refuse(ctx, "max_connections", new SyncException(ErrorCode.UNAVAILABLE, "this server holds "
          + maxConnections + " open connections, its limit; retry later or connect to another"));
      return;
    }
    req.pause();
    OnContext.hop(context, authenticator.authenticate(token)).onComplete(ar -> {
      if (ar.failed()) {
        slots.close();
        req.resume();
        // unauthorized, or unavailable while a JWKS URL has not been fetched yet
        refuse(ctx, ar.cause() instanceof SyncException se ? se.code().wire() : "internal",
            ar.cause());
        return;
      }
      Principal principal = ar.result();
      // the per-user cap: anonymous (authentication off, loopback only) is not capped
      String capped = principal == Principal.ANONYMOUS ? null : principal.user();
      int max = config.auth().maxConnectionsPerUser();
      if (capped != null && !slots.tryAcquire(capped, max)) {
        slots.close();
        req.resume();
        refuse(ctx, "max_connections_per_user", new SyncException(ErrorCode.RATE_LIMITED, "user "
            + capped + " already has " + max + " open connections, the limit; close one before"
            + " opening another"));
        return;
      }
      req.toWebSocket().onSuccess(vertxWs -> {
        releaseOnClose(req, capped);
        io.netty.channel.Channel channel = channelOf(req);
        WebSocketChannel ws;
        try {
          if (channel == null) {
            throw new IllegalStateException("the upgraded request has no Netty channel");
          }
          // Vert.x's WebSocket handler leaves the pipeline, and with it 8 KiB of heap per
          // connection (WebSocketChannel says why); this is the task the upgrade completed in
          ws = WebSocketChannel.takeOver(channel, config.limits().maxFrameBytes(),
              HttpServerOptions.DEFAULT_WEBSOCKET_CLOSING_TIMEOUT * 1000L);
        } catch (RuntimeException e) {
          LOG.error("cannot serve an upgraded WebSocket; closing it", e);
          vertxWs.close((short) 1011, "internal error");
          return;
        }
        new Connection(ws, context, gw, principal).start();
      }).onFailure(err -> {
        release(capped);
        LOG.debug("WebSocket upgrade failed: {}", err.toString());
      });
    });
  }

  /** Answers a handshake with an error before the upgrade, counted by reason. */
  private void refuse(RoutingContext ctx, String reason, Throwable error) {
    metrics.counter(HANDSHAKES_REFUSED, "reason", reason).increment();
    ctx.fail(error);
  }

  /** The socket's Netty channel, for writes flushed once per event-loop turn; null if unknown. */
  private static io.netty.channel.Channel channelOf(HttpServerRequest req) {
    return req.connection() instanceof ConnectionBase base
        ? base.channelHandlerContext().channel() : null;
  }

  /**
   * The channel's close, however it happens, frees the process's slot and the user's (when
   * {@code user} is not null) exactly once. vertx-web wraps the socket, so the channel is taken
   * from the request's connection.
   */
  private void releaseOnClose(HttpServerRequest req, String user) {
    if (req.connection() instanceof ConnectionBase base) {
      base.channelHandlerContext().channel().closeFuture().addListener(f -> release(user));
    } else {
      release(user);
      LOG.warn("cannot observe the socket's close; the connection caps are not applied");
    }
  }

  private void release(String user) {
    slots.close();
    if (user != null) {
      slots.release(user);
    }
  }

  private void authenticateHttp(RoutingContext ctx) {
    String token = token(ctx.request());
    if (token == null && !authenticator.anonymousAllowed()) {
      ctx.fail(new SyncException(ErrorCode.UNAUTHORIZED,
          "a token is required: Authorization: Bearer <jwt>"));
      return;
    }
    OnContext.hop(context, authenticator.authenticate(token)).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ctx.put(HttpApi.PRINCIPAL, ar.result());
        ctx.next();
      }
    });
  }

  /** The bearer token of a request: the Authorization header, else access_token or token. */
  static String token(HttpServerRequest req) {
    String header = req.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String t = header.substring(7).trim();
      return t.isEmpty() ? null : t;
    }
    String q = req.getParam("access_token");
    if (q == null) {
      q = req.getParam("token");
    }
    return q == null || q.isEmpty() ? null : q;
  }

  private void failure(RoutingContext ctx) {
    Throwable err = ctx.failure();
    SyncException se;
    if (err instanceof SyncException s) {
      se = s;
    } else if (ctx.statusCode() == 413) {
      se = SyncException.tooLarge("the request body is larger than "
          + config.limits().maxHttpBodyBytes() + " bytes");
    } else if (ctx.statusCode() == 404) {
      se = new SyncException(ErrorCode.NOT_FOUND, "not found");
    } else if (ctx.statusCode() == 400) {
      se = SyncException.badRequest("bad request");
    } else if (ctx.statusCode() == 405) {
      se = SyncException.badRequest("method not allowed");
    } else {
      LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(),
          err);
      se = new SyncException(ErrorCode.INTERNAL, "internal error");
    }
    HttpApi.error(ctx, new ErrorInfo(se.code(), se.getMessage(), null, null));
  }
}
