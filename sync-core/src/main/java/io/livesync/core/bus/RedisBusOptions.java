package io.livesync.core.bus;

import io.livesync.core.config.ConfigException;

/**
 * Settings of {@link RedisSyncBus}. Immutable.
 *
 * @param processId this process's name: the consumer name in the workers' group and the address
 *     workers reply to ({@code ls:replies:<processId>}); unique per running process
 *     ({@link #defaults} uses host name and pid)
 * @param writeTimeoutMillis how long {@code submit} waits for a worker's answer before failing
 *     with {@code unavailable} (default 10 s, as {@code WorkerConfig.writeTimeoutMillis})
 * @param claimIdleMillis a write delivered to a worker and not acknowledged for this long is
 *     claimed by another worker with XAUTOCLAIM (default 5 s)
 * @param pollIntervalMillis how often each subscribed collection's seq is compared with the last
 *     seq delivered, to notice a lost last message (default 1 s)
 * @param readBatch most writes one XREADGROUP returns (default 256)
 * @param maxInFlight most writes handed to the worker and not yet answered; reading pauses above
 *     it (default 2048)
 * @param blockMillis XREADGROUP BLOCK time (default 2 s)
 * @param trimIntervalMillis how often acknowledged writes are trimmed from the stream (default
 *     30 s)
 */
public record RedisBusOptions(String processId, long writeTimeoutMillis, long claimIdleMillis,
    long pollIntervalMillis, int readBatch, int maxInFlight, long blockMillis,
    long trimIntervalMillis) {

  public RedisBusOptions {
    if (processId == null || !processId.matches("[A-Za-z0-9_.:@-]{1,128}")) {
      throw new ConfigException("the Redis bus process id '" + processId + "' is not allowed; "
          + "use 1-128 of letters, digits, _ . : @ -");
    }
    positive("writeTimeoutMillis", writeTimeoutMillis);
    positive("claimIdleMillis", claimIdleMillis);
    positive("pollIntervalMillis", pollIntervalMillis);
    positive("readBatch", readBatch);
    positive("maxInFlight", maxInFlight);
    positive("blockMillis", blockMillis);
    positive("trimIntervalMillis", trimIntervalMillis);
  }

  /** The defaults above, for a process named {@code <host>-<pid>}. */
  public static RedisBusOptions defaults() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "_");
    } catch (java.net.UnknownHostException e) {
      host = "host";
    }
    return defaults(host + "-" + ProcessHandle.current().pid());
  }

  public static RedisBusOptions defaults(String processId) {
    return new RedisBusOptions(processId, 10_000, 5_000, 1_000, 256, 2048, 2_000, 30_000);
  }

  public RedisBusOptions withWriteTimeoutMillis(long millis) {
    return new RedisBusOptions(processId, millis, claimIdleMillis, pollIntervalMillis, readBatch,
        maxInFlight, blockMillis, trimIntervalMillis);
  }

  public RedisBusOptions withClaimIdleMillis(long millis) {
    return new RedisBusOptions(processId, writeTimeoutMillis, millis, pollIntervalMillis,
        readBatch, maxInFlight, blockMillis, trimIntervalMillis);
  }

  public RedisBusOptions withPollIntervalMillis(long millis) {
    return new RedisBusOptions(processId, writeTimeoutMillis, claimIdleMillis, millis, readBatch,
        maxInFlight, blockMillis, trimIntervalMillis);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new ConfigException("Redis bus " + name + " must be > 0, was " + value);
    }
  }
}
