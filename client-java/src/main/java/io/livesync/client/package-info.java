/**
 * The LiveSync Java client: {@link io.livesync.client.SyncClient} and
 * {@link io.livesync.client.CollectionRef}.
 *
 * <p>Threading: every public method is thread-safe and may be called from any thread. Writes do
 * their local SQLite commit on the calling thread (briefly blocking); networking and the
 * application of server changes run on one client thread. Listeners run on the
 * {@link java.util.concurrent.Executor} they were registered with, one call at a time per
 * listener.
 */
package io.livesync.client;
