package io.livesync.client.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outbox held in memory, mirroring the {@code outbox} table: by position, by record and by
 * opId. Not thread-safe; guarded by the {@link LocalStore} lock.
 */
final class OutboxIndex {
  private final TreeMap<Long, OutboxEntry> byN = new TreeMap<>();
  private final Map<String, List<OutboxEntry>> byKey = new HashMap<>();
  private final Map<String, OutboxEntry> byOpId = new HashMap<>();
  private int pending;

  void clear() {
    byN.clear();
    byKey.clear();
    byOpId.clear();
    pending = 0;
  }

  void add(OutboxEntry e) {
    byN.put(e.n(), e);
    byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
    byOpId.put(e.write().opId(), e);
    if (e.pending()) {
      pending++;
    }
  }

  void replace(OutboxEntry old, OutboxEntry e) {
    byN.put(e.n(), e);
    List<OutboxEntry> list = byKey.get(e.key());
    list.set(list.indexOf(old), e);
    byOpId.put(e.write().opId(), e);
    pending += (e.pending() ? 1 : 0) - (old.pending() ? 1 : 0);
  }

  void remove(OutboxEntry e) {
    byN.remove(e.n());
    List<OutboxEntry> list = byKey.get(e.key());
    list.remove(e);
    if (list.isEmpty()) {
      byKey.remove(e.key());
    }
    byOpId.remove(e.write().opId());
    if (e.pending()) {
      pending--;
    }
  }

  OutboxEntry byOpId(String opId) {
    return byOpId.get(opId);
  }

  /** The record's entries in outbox order (a copy). */
  List<OutboxEntry> forKey(String key) {
    List<OutboxEntry> list = byKey.get(key);
    return list == null ? List.of() : List.copyOf(list);
  }

  /** Every entry in outbox order (a copy). */
  List<OutboxEntry> all() {
    return new ArrayList<>(byN.values());
  }

  /** Pending entries in outbox order (a copy). */
  List<OutboxEntry> pending() {
    List<OutboxEntry> out = new ArrayList<>(pending);
    for (OutboxEntry e : byN.values()) {
      if (e.pending()) {
        out.add(e);
      }
    }
    return out;
  }

  int pendingCount() {
    return pending;
  }

  int size() {
    return byN.size();
  }
}
