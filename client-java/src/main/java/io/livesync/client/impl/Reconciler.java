package io.livesync.client.impl;

import io.livesync.protocol.SyncRecord;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The consistency rules between the three kinds of local state: the server records, the
 * outbox and the view. A newer full record replaces an older one; an acked entry leaves the
 * outbox once the server state includes it (by version, or the cursor passing its seq); the view
 * of a record is recomputed from both whenever either moves. Called by {@link LocalStore}
 * inside its transactions, under its lock.
 */
final class Reconciler {
  private final Rows rows;
  private final OutboxIndex outbox;
  private final Map<String, TreeMap<String, SyncRecord>> views;

  Reconciler(Rows rows, OutboxIndex outbox, Map<String, TreeMap<String, SyncRecord>> views) {
    this.rows = rows;
    this.outbox = outbox;
    this.views = views;
  }

  /** Stores a full record when newer than the local state (or not yet reloaded in a reset). */
  boolean storeIfNewer(SyncRecord rec, Long resetGen) throws SQLException {
    if (rec.version() <= 0) {
      return false; // "does not exist" in a rejected/superseded ack
    }
    SyncRecord existing = rows.loadServer(rec.collection(), rec.id());
    long existingGen = existing == null ? 0 : rows.genOf(rec.collection(), rec.id());
    boolean newer = existing == null || rec.seq() > existing.seq()
        || rec.seq() == existing.seq() && rec.version() > existing.version();
    boolean stale = resetGen != null && existingGen != resetGen;
    if (!newer && !stale) {
      return false;
    }
    rows.upsertServer(rec, resetGen == null ? existingGen : resetGen);
    return true;
  }

  void rebaseLaterWrites(OutboxEntry acked, long version) throws SQLException {
    for (OutboxEntry later : outbox.forKey(acked.key())) {
      if (later.n() > acked.n() && later.pending()) {
        OutboxEntry rebased = later.withBaseVersion(version);
        rows.updateBase(rebased);
        outbox.replace(later, rebased);
      }
    }
  }

  void removeEntry(OutboxEntry e) throws SQLException {
    rows.deleteOutbox(e.n());
    outbox.remove(e);
  }

  /** Drops acked entries of the record that its server state now includes. */
  void confirmByVersion(String collection, String id) throws SQLException {
    SyncRecord server = rows.loadServer(collection, id);
    if (server == null) {
      return;
    }
    for (OutboxEntry e : outbox.forKey(OutboxEntry.key(collection, id))) {
      if (!e.pending() && e.ackedVersion() <= server.version()) {
        removeEntry(e);
      }
    }
  }

  /** Drops acked entries of the collection whose seq the cursor has passed. */
  Set<String> confirmByCursor(String collection, long seq) throws SQLException {
    if (outbox.size() == outbox.pendingCount()) {
      return Set.of();
    }
    Set<String> changed = new LinkedHashSet<>();
    for (OutboxEntry e : outbox.all()) {
      if (!e.pending() && e.write().collection().equals(collection) && e.ackedSeq() <= seq) {
        removeEntry(e);
        changed.addAll(refreshView(collection, e.write().id()));
      }
    }
    return changed;
  }

  /** Recomputes the view of one record; returns its id when the view changed. */
  Set<String> refreshView(String collection, String id) throws SQLException {
    SyncRecord server = rows.loadServer(collection, id);
    SyncRecord view = ViewReplay.replay(collection, id, server,
        outbox.forKey(OutboxEntry.key(collection, id)));
    TreeMap<String, SyncRecord> cache = views.get(collection);
    SyncRecord old = cache != null ? cache.get(id) : rows.loadLocal(collection, id);
    if (sameView(old, view)) {
      return Set.of();
    }
    if (view == null) {
      rows.deleteLocal(collection, id);
      if (cache != null) {
        cache.remove(id);
      }
    } else {
      rows.upsertLocal(view);
      if (cache != null) {
        cache.put(id, view);
      }
    }
    return Set.of(id);
  }

  private static boolean sameView(SyncRecord a, SyncRecord b) {
    if (a == null || b == null) {
      return a == b;
    }
    return a.version() == b.version() && a.seq() == b.seq()
        && java.util.Objects.equals(a.ts(), b.ts()) && a.data().equals(b.data());
  }
}
