/** The runnable server process. {@link io.livesync.server.SyncServer#start} may be called from any thread. */
package io.livesync.server;
