package io.livesync.server;

import io.livesync.core.bus.LocalSyncBus;
import io.livesync.core.bus.SyncBus;
import io.livesync.core.config.ConfigException;
import io.livesync.core.config.ConfigLoader;
import io.livesync.core.config.ConflictRule;
import io.livesync.core.config.SyncConfig;
import io.livesync.core.metrics.SyncMetrics;
import io.livesync.core.spi.Store;
import io.livesync.core.bus.RedisBusOptions;
import io.livesync.core.bus.RedisSyncBus;
import io.livesync.core.store.RedisStore;
import io.livesync.core.store.SqliteStore;
import io.livesync.gateway.GatewayVerticle;
import io.livesync.gateway.Readiness;
import io.livesync.gateway.auth.Authenticator;
import io.livesync.gateway.auth.Authenticators;
import io.livesync.protocol.Hlc;
import io.livesync.worker.WorkerVerticle;
import io.livesync.worker.resolve.Resolvers;
import io.livesync.worker.spi.ConflictResolver;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runnable server: chooses the store and bus for the mode (SQLite and the local bus when no
 * Redis URL is configured), then deploys the worker and the gateway instances its role asks for.
 */
public final class SyncServer {
  private static final Logger LOG = LoggerFactory.getLogger(SyncServer.class);
  /** The embedded store's file in {@code store.dataDir}. */
  static final String DATABASE_FILE = "livesync.db";

  private final Vertx vertx;
  private final SyncConfig config;
  private final Store store;
  private final SyncBus bus;
  private final Readiness readiness = new Readiness();
  private final List<String> gatewayDeployments = new ArrayList<>();
  private String workerDeployment;
  private int port;

  private SyncServer(Vertx vertx, SyncConfig config, Store store, SyncBus bus) {
    this.vertx = vertx;
    this.config = config;
    this.store = store;
    this.bus = bus;
  }

  /** Starts everything the configuration's role asks for; fails with a clear message. */
  public static Future<SyncServer> start(Vertx vertx, SyncConfig config) {
    Function<String, ConflictResolver> resolverFor;
    try {
      resolverFor = resolvers(config);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new ConfigException(e.getMessage()));
    }
    if (config.store().clustered()) {
      return RedisStore.connect(vertx, config.store().redisUrl(),
          config.store().opRetentionMillis()).compose(store ->
          RedisSyncBus.connect(vertx, config.store().redisUrl(), store,
                  RedisBusOptions.defaults()
                      .withWriteTimeoutMillis(config.worker().writeTimeoutMillis()))
              .recover(err -> store.close().transform(v -> Future.failedFuture(err)))
              .compose(bus -> launch(vertx, config, store, bus, resolverFor)));
    }
    Path db = Path.of(config.store().dataDir(), DATABASE_FILE);
    return SqliteStore.open(vertx, db, config.store().sqliteSynchronous()).compose(store -> {
      LocalSyncBus bus = new LocalSyncBus(vertx, config.worker().writeTimeoutMillis(),
          config.worker().maxQueuedWrites());
      return launch(vertx, config, store, bus, resolverFor);
    });
  }

  private static Future<SyncServer> launch(Vertx vertx, SyncConfig config, Store store,
      SyncBus bus, Function<String, ConflictResolver> resolverFor) {
    SyncServer server = new SyncServer(vertx, config, store, bus);
    return server.deploy(resolverFor).map(server)
        .recover(err -> server.stop().transform(v -> Future.failedFuture(err)));
  }

  private static Function<String, ConflictResolver> resolvers(SyncConfig config) {
    Resolvers resolvers = Resolvers.load();
    resolvers.forName(config.worker().defaultStrategy());
    for (ConflictRule rule : config.worker().rules()) {
      resolvers.forName(rule.strategy());
    }
    return collection -> resolvers.forName(config.worker().strategyFor(collection));
  }

  private Future<Void> deploy(Function<String, ConflictResolver> resolverFor) {
    SyncMetrics metrics = new SyncMetrics();
    if (bus instanceof LocalSyncBus local) {
      metrics.gauge("livesync_writes_queued", "Embedded: writes submitted to the worker and not"
          + " yet answered (at most worker.maxQueuedWrites)", local::queuedWrites);
      metrics.counter("livesync_writes_shed_total", "Embedded: writes answered unavailable and"
          + " not applied because worker.maxQueuedWrites writes were waiting", local::shedWrites);
    }
    Future<Void> worker = Future.succeededFuture();
    if (config.server().role().runsWorker()) {
      worker = vertx.deployVerticle(() -> new WorkerVerticle(bus, store, resolverFor,
              config.worker(), config.store(), metrics), new DeploymentOptions().setInstances(1))
          .map(id -> {
            workerDeployment = id;
            return null;
          });
    }
    if (!config.server().role().runsGateway()) {
      return worker.compose(v -> {
        OpsVerticle ops = new OpsVerticle(config.server(), store, bus, metrics, readiness);
        return vertx.deployVerticle(ops).map(id -> {
          gatewayDeployments.add(id);
          port = ops.actualPort();
          return null;
        });
      });
    }
    Hlc clock = new Hlc(config.server().nodeId());
    Authenticator auth = Authenticators.forConfig(vertx, config.auth());
    SyncConfig config;
    try {
      config = withResolvedPort(this.config);
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    List<GatewayVerticle> instances = java.util.Collections.synchronizedList(new ArrayList<>());
    return worker.compose(v -> vertx.deployVerticle(() -> {
      GatewayVerticle g = new GatewayVerticle(config, store, bus, auth, metrics, clock, readiness);
      instances.add(g);
      return g;
    }, new DeploymentOptions().setInstances(config.server().gatewayInstances())))
        .compose(id -> {
          gatewayDeployments.add(id);
          port = instances.get(0).actualPort();
          for (GatewayVerticle g : instances) {
            if (g.actualPort() != port) {
              return Future.failedFuture(new IllegalStateException(
                  "gateway instances bound different ports: " + port + " and "
                      + g.actualPort()));
            }
          }
          return Future.succeededFuture();
        });
  }

  /**
   * Vert.x shares one listening socket among instances that listen on the same port, but not
   * among instances that each ask for port 0: resolve 0 to a free port first.
   */
  private static SyncConfig withResolvedPort(SyncConfig c) throws java.io.IOException {
    if (c.server().port() != 0) {
      return c;
    }
    int free;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getByName(c.server().bind()))) {
      free = probe.getLocalPort();
    }
    var s = c.server();
    return new SyncConfig(new io.livesync.core.config.ServerConfig(s.bind(), free, s.role(),
        s.gatewayInstances(), s.drainTimeoutMillis(), s.nodeId(), s.demo(), s.nativeTransport()),
        c.store(),
        c.websocket(), c.worker(), c.limits(), c.auth());
  }

  /** The bound HTTP port (0 when this process runs no gateway). */
  public int port() {
    return port;
  }

  public SyncConfig config() {
    return config;
  }

  /**
   * Drains and stops: readiness goes false; gateways close their sockets with 1012 and stop
   * listening; the worker finishes and acks what it received; then the bus and the store close.
   */
  public Future<Void> stop() {
    readiness.startDraining();
    List<Future<?>> gateways = new ArrayList<>();
    for (String id : gatewayDeployments) {
      gateways.add(vertx.undeploy(id));
    }
    gatewayDeployments.clear();
    return Future.join(gateways)
        .transform(v -> workerDeployment == null ? Future.succeededFuture()
            : vertx.undeploy(workerDeployment))
        .transform(v -> bus.close())
        .transform(v -> store.close())
        .mapEmpty();
  }

  /** {@code java -jar sync-server.jar [--config file.json]}. */
  public static void main(String[] args) {
    Path configFile = null;
    boolean newEpochs = false;
    for (int i = 0; i < args.length; i++) {
      if ((args[i].equals("--config") || args[i].equals("-c")) && i + 1 < args.length) {
        configFile = Path.of(args[++i]);
      } else if (args[i].equals("--new-epochs")) {
        newEpochs = true;
      } else if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println(usage());
        return;
      } else {
        System.err.println("unknown argument '" + args[i] + "'\n" + usage());
        System.exit(2);
      }
    }
    SyncConfig config;
    try {
      config = ConfigLoader.load(configFile, System.getenv());
    } catch (ConfigException e) {
      System.err.println("configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.print(ConfigLoader.describe(config));
    if (newEpochs) {
      System.exit(newEpochs(config));
      return;
    }
    Vertx vertx = NetworkTransport.newVertx(config.server());
    SyncServer server;
    try {
      server = start(vertx, config).await();
    } catch (Throwable e) {
      System.err.println("LiveSync failed to start: " + e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down: draining for at most {} ms", config.server().drainTimeoutMillis());
      try {
        server.stop().compose(v -> vertx.close())
            .await(config.server().drainTimeoutMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("drain did not finish in time: {}", e.toString());
      }
    }, "livesync-shutdown"));
    if (config.server().role().runsGateway()) {
      System.out.println("LiveSync listening on http://" + config.server().bind() + ":"
          + server.port() + " (role " + config.server().role().name().toLowerCase(Locale.ROOT)
          + ")");
    } else {
      System.out.println("LiveSync worker started");
    }
  }

  /** {@code --new-epochs}: see {@link RenewEpochs}; the process's exit status. */
  private static int newEpochs(SyncConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      int n = RenewEpochs.run(vertx, config).await();
      System.out.println("gave " + n + " collection" + (n == 1 ? "" : "s") + " a new epoch ("
          + (config.store().clustered() ? "Redis" : "SQLite") + "); every client resets them"
          + " at its next subscribe");
      return 0;
    } catch (Throwable e) {
      System.err.println("cannot give the collections new epochs: " + e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
  }

  private static String usage() {
    StringBuilder sb = new StringBuilder("usage: java -jar sync-server.jar [--config file.json]"
        + " [--new-epochs]\n"
        + "  --new-epochs  give every collection of the configured store a new epoch and exit"
        + " (after restoring a backup; docs/deploy.md)\n"
        + "environment overrides:\n");
    ConfigLoader.ENV.forEach((k, v) -> sb.append("  ").append(k).append(" -> ").append(v)
        .append('\n'));
    return sb.toString();
  }
}
