package io.livesync.client.testing;

import io.livesync.core.config.ConfigLoader;
import io.livesync.core.config.SyncConfig;
import io.livesync.server.SyncServer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real server in this JVM on a free loopback port, with its own data directory. */
public final class InProcessServer implements AutoCloseable {
  private final Vertx vertx;
  private final SyncServer server;

  private InProcessServer(Vertx vertx, SyncServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  public static InProcessServer start(Path dataDir) throws Exception {
    return start(dataDir, null, Map.of());
  }

  /**
   * Starts with this configuration (JSON), written to {@code dir/config.json}, and its data in
   * {@code dir/server}.
   */
  public static InProcessServer startWithConfig(Path dir, String configJson) throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, configJson);
    return start(dir.resolve("server"), config, Map.of());
  }

  /** Starts with an optional configuration file and extra SYNC_* settings. */
  public static InProcessServer start(Path dataDir, Path configFile, Map<String, String> env)
      throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("SYNC_PORT", "0");
    all.put("SYNC_DATA_DIR", dataDir.toString());
    SyncConfig config = ConfigLoader.load(configFile, all);
    Vertx vertx = Vertx.vertx();
    try {
      SyncServer server = SyncServer.start(vertx, config).toCompletionStage()
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new InProcessServer(vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  @Override
  public void close() throws Exception {
    try {
      server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
