package io.livesync.core.config;

import io.livesync.protocol.Limits;

/**
 * The whole server configuration, immutable, built and validated once at start by {@link
 * ConfigLoader}. Each component takes its own part.
 */
public record SyncConfig(ServerConfig server, StoreConfig store, WebSocketConfig websocket,
    WorkerConfig worker, Limits limits, AuthConfig auth) {

  /** The defaults: embedded mode on 127.0.0.1:8080, data in ./data. */
  public static SyncConfig defaults() {
    return ConfigLoader.load(null, java.util.Map.of());
  }
}
