package io.livesync.core.config;

import java.util.List;

/**
 * The write path.
 *
 * @param defaultStrategy conflict strategy for collections no rule matches (default {@code
 *     field-lww})
 * @param rules per-collection strategies, first match wins
 * @param maxBatch most writes committed in one group (default 1000)
 * @param writeTimeoutMillis how long a gateway waits for a worker's answer before replying
 *     {@code unavailable} (default 10 s)
 */
public record WorkerConfig(String defaultStrategy, List<ConflictRule> rules, int maxBatch,
    long writeTimeoutMillis) {

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
