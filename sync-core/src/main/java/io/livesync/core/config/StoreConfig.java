package io.livesync.core.config;

/**
 * Storage.
 *
 * @param dataDir directory of the embedded SQLite store (default {@code ./data}; env {@code
 *     SYNC_DATA_DIR})
 * @param sqliteSynchronous SQLite {@code synchronous} pragma: {@code FULL} (default; an ack
 *     survives power loss) or {@code NORMAL} (survives a process crash, not power loss)
 * @param redisUrl when set, cluster mode: the Redis store and bus (env {@code SYNC_REDIS_URL})
 * @param tombstoneRetentionMillis how long tombstones are kept (default 30 days)
 * @param opRetentionMillis how long opId outcomes are remembered (default 24 h; at least 24 h)
 * @param purgeIntervalMillis how often expired tombstones and opIds are purged (default 1 h)
 */
public record StoreConfig(String dataDir, String sqliteSynchronous, String redisUrl,
    long tombstoneRetentionMillis, long opRetentionMillis, long purgeIntervalMillis) {

  public boolean clustered() {
    return redisUrl != null && !redisUrl.isBlank();
  }
}
