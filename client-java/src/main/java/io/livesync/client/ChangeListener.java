package io.livesync.client;

/** Receives snapshots of a collection's local view; see {@link CollectionRef#addChangeListener}. */
@FunctionalInterface
public interface ChangeListener {
  void onChange(CollectionSnapshot snapshot);
}
