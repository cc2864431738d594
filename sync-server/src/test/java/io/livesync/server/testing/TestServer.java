package io.livesync.server.testing;

import io.livesync.core.config.ConfigLoader;
import io.livesync.core.config.SyncConfig;
import io.livesync.server.NetworkTransport;
import io.livesync.server.SyncServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real server in this JVM on a free loopback port with its own data directory. Close it to
 * stop the server and delete the directory.
 */
public final class TestServer implements AutoCloseable {
  private final Vertx vertx;
  private final SyncServer server;
  private final Path dataDir;
  private final boolean ownsDir;

  private TestServer(Vertx vertx, SyncServer server, Path dataDir, boolean ownsDir) {
    this.vertx = vertx;
    this.server = server;
    this.dataDir = dataDir;
    this.ownsDir = ownsDir;
  }

  public static TestServer start() throws Exception {
    return start(Map.of(), null);
  }

  /**
   * @param env SYNC_* overrides (port and data dir are set unless given)
   * @param configJson a configuration file's content, or null
   */
  public static TestServer start(Map<String, String> env, String configJson) throws Exception {
    Path dir = env.containsKey("SYNC_DATA_DIR") ? Path.of(env.get("SYNC_DATA_DIR"))
        : Files.createTempDirectory("livesync-test");
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("SYNC_PORT", "0");
    all.putIfAbsent("SYNC_DATA_DIR", dir.toString());
    all.putIfAbsent("SYNC_GATEWAY_INSTANCES", "2");
    Path configFile = null;
    if (configJson != null) {
      configFile = dir.resolve("config.json");
      Files.writeString(configFile, configJson);
    }
    SyncConfig config = ConfigLoader.load(configFile, all);
    Vertx vertx = NetworkTransport.newVertx(config.server());
    try {
      SyncServer server = SyncServer.start(vertx, config)
          .await(30, TimeUnit.SECONDS);
      return new TestServer(vertx, server, dir, !env.containsKey("SYNC_DATA_DIR"));
    } catch (Exception e) {
      vertx.close().await(10, TimeUnit.SECONDS);
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  public String httpUrl() {
    return "http://127.0.0.1:" + port();
  }

  public Vertx vertx() {
    return vertx;
  }

  public SyncServer server() {
    return server;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the server but keeps the data directory (for restart tests). */
  public void stop() throws Exception {
    server.stop().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      stop();
    } finally {
      if (ownsDir) {
        deleteTree(dataDir);
      }
    }
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
