/**
 * The service-provider interface that storage backends implement: {@link
 * io.livesync.core.spi.Store} and the values it exchanges. Every method is non-blocking and may
 * be called from any thread.
 */
package io.livesync.core.spi;
