/**
 * The conflict-resolution plug-in interface. Resolvers are pure functions called on the worker's
 * event loop; they must not block.
 */
package io.livesync.worker.spi;
