/**
 * Server configuration: immutable records built once at start by {@link
 * io.livesync.core.config.ConfigLoader} from a JSON file and {@code SYNC_*} environment
 * variables. Thread-safe (immutable).
 */
package io.livesync.core.config;
