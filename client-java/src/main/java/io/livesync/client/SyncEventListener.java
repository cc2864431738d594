package io.livesync.client;

/** Receives {@link SyncEvent}s; see {@link SyncClient#addEventListener}. */
@FunctionalInterface
public interface SyncEventListener {
  void onEvent(SyncEvent event);
}
