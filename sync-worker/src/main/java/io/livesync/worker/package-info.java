/**
 * The worker: {@link io.livesync.worker.WorkerVerticle} consumes writes, resolves conflicts with
 * {@link io.livesync.worker.spi.ConflictResolver}s and commits them in groups. Everything here
 * runs on one event loop; the store does blocking work on its own threads.
 */
package io.livesync.worker;
