/** Process-wide Prometheus meters. Thread-safe. */
package io.livesync.core.metrics;
