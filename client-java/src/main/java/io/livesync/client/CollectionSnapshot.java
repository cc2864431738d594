package io.livesync.client;

import io.livesync.protocol.SyncRecord;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The local view of a collection at one moment: the server's state with pending local writes
 * replayed on top.
 *
 * @param collection the collection name
 * @param records the live (not deleted) records, in id order
 * @param changedIds ids changed since the previous snapshot given to the same listener (all ids
 *     for the first snapshot); a deleted id is in here but not in {@code records}
 */
public record CollectionSnapshot(String collection, List<SyncRecord> records,
    Set<String> changedIds) {

  public CollectionSnapshot {
    records = List.copyOf(records);
    changedIds = Set.copyOf(changedIds);
  }

  /** The record with this id, when it exists in this snapshot. */
  public Optional<SyncRecord> get(String id) {
    int lo = 0;
    int hi = records.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = records.get(mid).id().compareTo(id);
      if (c == 0) {
        return Optional.of(records.get(mid));
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return Optional.empty();
  }
}
