package io.livesync.client.impl;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The client's configuration, validated by {@link io.livesync.client.SyncClient.Builder}; see
 * the builder for each setting's meaning and default.
 *
 * @param writesPerSecond the socket's write pacing, at least 1
 * @param storage the SQLite file, or null for an in-memory store
 * @param tokenProvider null when no token is sent
 * @param callbackExecutor null for a client-owned daemon thread
 * @param nodeId null to use the persisted (or a newly generated) node id
 * @param eventListeners listeners registered before the client starts
 */
public record ClientSettings(URI serverUrl, Supplier<String> tokenProvider, Path storage,
    boolean realtime, Duration reconnectDelay, Duration maxReconnectDelay,
    int maxReconnectAttempts, Duration pollInterval, Duration heartbeatInterval,
    Duration closeTimeout, int writesPerSecond, Executor callbackExecutor, String nodeId, Clock clock,
    java.util.Map<io.livesync.client.SyncEventListener, Executor> eventListeners) {

  /** The WebSocket endpoint: the server URL with ws(s) and path /v1/ws. */
  public URI webSocketUri() {
    String scheme = "https".equals(serverUrl.getScheme()) ? "wss" : "ws";
    return URI.create(scheme + "://" + serverUrl.getRawAuthority() + basePath() + "/v1/ws");
  }

  /** An HTTP endpoint below the server URL, e.g. {@code /v1/sync/push}. */
  public URI http(String pathAndQuery) {
    return URI.create(serverUrl.getScheme() + "://" + serverUrl.getRawAuthority() + basePath()
        + pathAndQuery);
  }

  private String basePath() {
    String p = serverUrl.getRawPath();
    if (p == null) {
      return "";
    }
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
