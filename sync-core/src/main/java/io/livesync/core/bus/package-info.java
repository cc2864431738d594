/**
 * The event bus contract between gateways and workers ({@link io.livesync.core.bus.SyncBus}) and
 * its transports. Every method is non-blocking; handlers run on the Vert.x context that
 * registered them.
 */
package io.livesync.core.bus;
