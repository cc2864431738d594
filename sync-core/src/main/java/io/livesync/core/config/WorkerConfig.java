package io.livesync.core.config;

import java.util.List;

/**
 * The write path.
 *
 * @param defaultStrategy conflict strategy for collections no rule matches (default {@code
 *     field-lww})
 * @param rules per-collection strategies, first match wins
 * @param maxBatch most writes committed in one group (default 1000)
 * @param maxQueuedWrites embedded mode: most writes submitted to the worker and not yet answered
 *     (default 10,000); past it, new writes are answered {@code unavailable} at once, without
 *     being applied, instead of queueing without bound. In cluster mode the Redis stream holds
 *     the backlog and each worker reads at most {@code RedisBusOptions.maxInFlight} at a time
 * @param writeTimeoutMillis how long a gateway waits for a worker's answer before replying
 *     {@code unavailable} (default 10 s)
 */
public record WorkerConfig(String defaultStrategy, List<ConflictRule> rules, int maxBatch,
    int maxQueuedWrites, long writeTimeoutMillis) {

  public static final int DEFAULT_MAX_QUEUED_WRITES = 10_000;

  /** The strategy name for a collection. */
  public String strategyFor(String collection) {
    for (ConflictRule rule : rules) {
      if (rule.matches(collection)) {
        return rule.strategy();
      }
    }
    return defaultStrategy;
  }
}
