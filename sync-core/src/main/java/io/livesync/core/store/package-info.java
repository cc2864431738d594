/**
 * Storage backends of {@link io.livesync.core.spi.Store}, side by side: {@link
 * io.livesync.core.store.SqliteStore} (embedded) and the Redis store (cluster).
 *
 * <p>Threading contract: every public method is non-blocking and may be called from any thread,
 * event loop included. {@code SqliteStore} runs every write (commits, collection creation,
 * purges) on one dedicated thread (the worker pool {@code livesync-sqlite-writer} of size 1) that
 * owns the only writer connection, one transaction per call; reads run on the worker pool
 * {@code livesync-sqlite-reader} over a fixed set of read-only connections, each read on one
 * connection and {@code changesSince} in one read transaction (one WAL snapshot). Futures
 * complete on the caller's Vert.x context, after {@code COMMIT} for writes. The package-private
 * classes ({@code SqliteWriter}, {@code SqliteReads}, …) block and are only ever called from those
 * pools.
 */
package io.livesync.core.store;
