package io.livesync.worker.spi;

import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Write;

/**
 * Decides the effect of one write on one record (PROTOCOL.md 1.3). Built-in: {@code field-lww},
 * {@code record-lww}, {@code version}, {@code client-wins}. Custom resolvers are found with
 * {@link java.util.ServiceLoader} (list the class in {@code
 * META-INF/services/io.livesync.worker.spi.ConflictResolver}) and chosen by {@link #name()} in
 * the worker's conflict rules.
 *
 * <p>Contract: {@link #resolve} is a pure function of its arguments (no I/O, no clock, no
 * shared state), called from the worker's event loop; it must be fast and must not block. The
 * write is already validated and carries a {@code ts}. The worker assigns version and seq.
 */
public interface ConflictResolver {
  /** The strategy name used in configuration, e.g. {@code field-lww}. */
  String name();

  /**
   * @param current the stored record, tombstones included, or null when it never existed
   * @param write the write, with {@code ts} set
   */
  Resolution resolve(StoredRecord current, Write write);
}
