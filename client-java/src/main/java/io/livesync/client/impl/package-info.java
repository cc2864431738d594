/**
 * The client's machinery; not an API. {@link io.livesync.client.impl.LocalStore} is the SQLite
 * store (thread-safe, synchronized); {@code Engine}, {@code ConnectionManager},
 * {@code OutboxSender} and {@code Replicator} run only on the client's single engine thread;
 * listeners are delivered through {@code SerialExecutor}s on the executors the application
 * gave.
 */
package io.livesync.client.impl;
