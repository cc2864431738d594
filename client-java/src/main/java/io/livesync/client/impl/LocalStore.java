package io.livesync.client.impl;

import io.livesync.client.DeadLetter;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Op;
import io.livesync.protocol.ShallowMerge;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.SyncRecord;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The client's local SQLite store: server state, local view, cursors, outbox, dead letters (see
 * {@link StoreSchema}). Every operation is one transaction, so a local write commits its view
 * record and its outbox entry together, and a received change commits the record, the view and
 * the cursor together.
 *
 * <p>Thread-safe: every method synchronizes on the store (one SQLite connection). Methods that
 * change the local view return the ids whose view changed, for listener notification. The
 * outbox and the views of opened collections are mirrored in memory; if a transaction fails
 * they are reloaded from the database.
 */
public final class LocalStore implements AutoCloseable {
  private final Connection conn;
  private final Rows rows;
  private final OutboxIndex outbox = new OutboxIndex();
  private final Map<String, TreeMap<String, SyncRecord>> views = new HashMap<>();
  private final Reconciler rules;
  private boolean closed;

  /** The cursor of a collection; {@code resetGen} is non-null while a reset reload runs. */
  public record Cursor(String epoch, long seq, Long resetGen) {
    static final Cursor INITIAL = new Cursor(null, 0, null);
  }

  /** What an ack did locally. */
  public record AckOutcome(Set<String> changedIds, DeadLetter deadLetter) {
  }

  private LocalStore(Connection conn) throws SQLException {
    this.conn = conn;
    StoreSchema.create(conn);
    this.rows = new Rows(conn);
    this.rules = new Reconciler(rows, outbox, views);
    for (OutboxEntry e : rows.loadOutbox()) {
      outbox.add(e);
    }
  }

  /**
   * Opens (creating when missing) the store in {@code file}, or in memory when null. The file is
   * locked for this store: a second client on it fails here, not later.
   */
  public static LocalStore open(Path file) {
    String url = file == null ? "jdbc:sqlite::memory:" : "jdbc:sqlite:" + file.toAbsolutePath();
    try {
      Connection c = DriverManager.getConnection(url);
      try (Statement s = c.createStatement()) {
        if (file != null) {
          s.execute("PRAGMA locking_mode=EXCLUSIVE");
          s.execute("PRAGMA journal_mode=WAL");
          // NORMAL in WAL mode: a commit survives a crash of the process (the case that
          // matters on a device); only an OS crash or power loss may lose the last commits.
          s.execute("PRAGMA synchronous=NORMAL");
          s.execute("BEGIN EXCLUSIVE"); // takes the lock now
          s.execute("COMMIT");
        }
      } catch (SQLException e) {
        c.close();
        if (e.getMessage() != null && e.getMessage().contains("SQLITE_BUSY")) {
          throw new IllegalStateException("storage file " + file + " is in use by another "
              + "SyncClient (one client per file; close the other one first)", e);
        }
        throw e;
      }
      return new LocalStore(c);
    } catch (SQLException e) {
      throw new SyncException(ErrorCode.INTERNAL, "cannot open the local store "
          + (file == null ? "in memory" : file.toString()) + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- meta

  /** The persisted node id; {@code preferred} (when non-null) replaces it, else one is made. */
  public synchronized String nodeId(String preferred, java.util.function.Supplier<String> gen) {
    return tx(() -> {
      String stored = rows.meta("node_id");
      String id = preferred != null ? preferred : stored != null ? stored : gen.get();
      if (!id.equals(stored)) {
        rows.putMeta("node_id", id);
      }
      return id;
    });
  }

  /** The latest HLC timestamp this store has issued or received, or null. */
  public synchronized String lastTimestamp() {
    return tx(() -> {
      String issued = rows.meta("hlc");
      String received = rows.maxServerTs();
      return io.livesync.protocol.Hlc.compare(issued, received) >= 0 ? issued : received;
    });
  }

  // ---------------------------------------------------------------- reads

  /** Loads the collection's view into memory (idempotent); its reads are then served there. */
  public synchronized void openCollection(String collection) {
    if (!views.containsKey(collection)) {
      views.put(collection, tx(() -> rows.loadView(collection)));
    }
  }

  public synchronized Optional<SyncRecord> get(String collection, String id) {
    TreeMap<String, SyncRecord> view = views.get(collection);
    if (view != null) {
      return Optional.ofNullable(view.get(id));
    }
    return Optional.ofNullable(tx(() -> rows.loadLocal(collection, id)));
  }

  public synchronized List<SyncRecord> list(String collection) {
    TreeMap<String, SyncRecord> view = views.get(collection);
    if (view != null) {
      return List.copyOf(view.values());
    }
    return List.copyOf(tx(() -> rows.loadView(collection)).values());
  }

  /** The server state of a record as known locally (tombstones included), or null. */
  public synchronized SyncRecord serverRecord(String collection, String id) {
    return tx(() -> rows.loadServer(collection, id));
  }

  /** Every server record of the collection as known locally, tombstones included. */
  public synchronized List<SyncRecord> serverRecords(String collection) {
    return tx(() -> rows.loadServerAll(collection));
  }

  public synchronized Cursor cursor(String collection) {
    return tx(() -> rows.cursor(collection));
  }

  // ---------------------------------------------------------------- outbox

  /**
   * Commits a local write: the outbox entry, the new view of the record and the HLC, in one
   * transaction. The write's baseVersion is chosen here: the version of the record's last
   * pending write's base when one exists (it is updated when that one is acknowledged), else
   * the server version known locally.
   */
  public synchronized OutboxEntry write(Write w, long nowMillis) {
    return tx(() -> {
      List<OutboxEntry> before = outbox.forKey(OutboxEntry.key(w.collection(), w.id()));
      Long base;
      if (!before.isEmpty()) {
        base = before.get(before.size() - 1).write().baseVersion();
      } else {
        SyncRecord server = rows.loadServer(w.collection(), w.id());
        base = server == null ? null : server.version();
      }
      Write stored = new Write(w.op(), w.opId(), w.collection(), w.id(), w.data(), w.ts(), base);
      long n = rows.insertOutbox(stored, nowMillis);
      OutboxEntry e = new OutboxEntry(n, stored, null, null);
      outbox.add(e);
      rows.putMeta("hlc", w.ts());
      rules.refreshView(w.collection(), w.id());
      return e;
    });
  }

  /** Pending entries in outbox order. */
  public synchronized List<OutboxEntry> pending() {
    return outbox.pending();
  }

  public synchronized OutboxEntry entry(String opId) {
    return outbox.byOpId(opId);
  }

  public synchronized int pendingCount() {
    return outbox.pendingCount();
  }

  /** Entries pending or acknowledged but not yet visible in the server state. */
  public synchronized int outboxSize() {
    return outbox.size();
  }

  /** Collections that have outbox entries (to be opened at start). */
  public synchronized Set<String> outboxCollections() {
    Set<String> out = new LinkedHashSet<>();
    for (OutboxEntry e : outbox.all()) {
      out.add(e.write().collection());
    }
    return out;
  }

  /**
   * Applies the server's acknowledgement of a pending entry. {@code applied}: the entry waits
   * (acked) for the own change unless the server state already includes it. {@code merged},
   * {@code superseded}, {@code rejected}: the ack's record (the winner) replaces the local
   * server state when it is newer, and the entry leaves the outbox; a rejected write becomes a
   * dead letter. Later writes of the record take the new version as their baseVersion.
   */
  public synchronized AckOutcome applyAck(String opId, Ack ack, Instant now) {
    return tx(() -> {
      OutboxEntry e = outbox.byOpId(opId);
      if (e == null || !e.pending()) {
        return new AckOutcome(Set.of(), null); // a duplicate answer to a retry
      }
      String c = e.write().collection();
      String id = e.write().id();
      if (ack.record() != null) {
        // the winner is fresh server truth; during a reset reload it counts as reloaded
        rules.storeIfNewer(ack.record(), rows.cursor(c).resetGen());
      }
      DeadLetter dead = null;
      if (ack.status().changed()) {
        rules.rebaseLaterWrites(e, ack.version());
        SyncRecord server = rows.loadServer(c, id);
        boolean visible = server != null && server.version() >= ack.version()
            || rows.cursor(c).seq() >= ack.seq() && ack.seq() > 0;
        if (ack.status() == WriteStatus.APPLIED && !visible) {
          OutboxEntry acked = e.acked(ack.version(), ack.seq());
          rows.markAcked(acked);
          outbox.replace(e, acked);
        } else {
          rules.removeEntry(e);
        }
      } else {
        rules.removeEntry(e);
        if (ack.status() == WriteStatus.REJECTED) {
          dead = new DeadLetter(e.write(), WriteStatus.REJECTED, null, ack.record(), now);
          rows.insertDeadLetter(dead);
        }
      }
      rules.confirmByVersion(c, id);
      return new AckOutcome(rules.refreshView(c, id), dead);
    });
  }

  /** Moves a pending entry the server refused with a permanent error to the dead letters. */
  public synchronized AckOutcome deadLetter(String opId, ErrorInfo error, Instant now) {
    return tx(() -> {
      OutboxEntry e = outbox.byOpId(opId);
      if (e == null || !e.pending()) {
        return new AckOutcome(Set.of(), null);
      }
      rules.removeEntry(e);
      DeadLetter dead = new DeadLetter(e.write(), null, error,
          rows.loadServer(e.write().collection(), e.write().id()), now);
      rows.insertDeadLetter(dead);
      return new AckOutcome(rules.refreshView(e.write().collection(), e.write().id()), dead);
    });
  }

  public synchronized List<DeadLetter> deadLetters() {
    return tx(rows::deadLetters);
  }

  public synchronized void clearDeadLetters() {
    tx(() -> {
      rows.clearDeadLetters();
      return null;
    });
  }

  // ---------------------------------------------------------------- server input

  /** A {@code reset}: reload the collection from 0; old records are dropped when it ends. */
  public synchronized void beginReset(String collection) {
    tx(() -> {
      rows.putCursor(collection, new Cursor(null, 0, rows.nextGen(collection)));
      return null;
    });
  }

  /**
   * Applies catch-up items (full states, from a {@code changes} page or a pull page). Outside a
   * reset an item replaces the local state only when newer (higher seq); during a reset it
   * replaces any state not already reloaded.
   */
  public synchronized Set<String> applyFullStates(String collection, List<Change> items) {
    return tx(() -> {
      Long gen = rows.cursor(collection).resetGen();
      Set<String> changed = new LinkedHashSet<>();
      for (Change ch : items) {
        SyncRecord rec = new SyncRecord(collection, ch.id(),
            ch.op() == Op.DELETE || ch.data() == null ? io.livesync.protocol.Json.object()
                : ch.data(), ch.version(), ch.seq(), ch.ts(), ch.op() == Op.DELETE);
        if (rules.storeIfNewer(rec, gen)) {
          rules.confirmByVersion(collection, ch.id());
          changed.addAll(rules.refreshView(collection, ch.id()));
        }
      }
      return changed;
    });
  }

  /** Result of a live change: applied, or a gap in the record's versions (re-subscribe). */
  public record LiveOutcome(boolean gap, Set<String> changedIds) {
  }

  /**
   * Applies one live change whose seq is the cursor + 1 and advances the cursor, in one
   * transaction. A delta that does not follow the local version of the record is not applied
   * and reported as a gap.
   */
  public synchronized LiveOutcome applyLive(Change ch) {
    return tx(() -> {
      String c = ch.collection();
      SyncRecord existing = rows.loadServer(c, ch.id());
      SyncRecord next = null;
      if (existing == null || ch.version() > existing.version()) {
        if (ch.op() == Op.INSERT) {
          next = full(c, ch, ShallowMerge.apply(io.livesync.protocol.Json.object(), data(ch)));
        } else if (ch.op() == Op.DELETE) {
          next = new SyncRecord(c, ch.id(), io.livesync.protocol.Json.object(), ch.version(),
              ch.seq(), ch.ts(), true);
        } else if (existing == null ? ch.version() == 1
            : ch.version() == existing.version() + 1) {
          var base = existing == null || existing.deleted() ? null : existing.data();
          next = full(c, ch, ShallowMerge.apply(base, data(ch)));
        } else {
          return new LiveOutcome(true, Set.of());
        }
      }
      Cursor cur = rows.cursor(c);
      rows.putCursor(c, new Cursor(cur.epoch(), ch.seq(), cur.resetGen()));
      Set<String> changed = new LinkedHashSet<>();
      if (next != null) {
        rows.upsertServer(next, 0);
        rules.confirmByVersion(c, ch.id());
        changed.addAll(rules.refreshView(c, ch.id()));
      }
      changed.addAll(rules.confirmByCursor(c, ch.seq()));
      return new LiveOutcome(false, changed);
    });
  }

  /**
   * Sets the cursor ({@code synced}, or a pull page). With {@code complete}, a reset reload
   * in progress ends: records it did not reload are dropped.
   */
  public synchronized Set<String> setCursor(String collection, String epoch, long seq,
      boolean complete) {
    return tx(() -> {
      Cursor cur = rows.cursor(collection);
      Set<String> changed = new LinkedHashSet<>();
      Long gen = cur.resetGen();
      if (complete && gen != null) {
        for (String id : rows.deleteServerNotInGen(collection, gen)) {
          changed.addAll(rules.refreshView(collection, id));
        }
        gen = null;
      }
      rows.putCursor(collection, new Cursor(epoch, seq, gen));
      changed.addAll(rules.confirmByCursor(collection, seq));
      return changed;
    });
  }

  // ---------------------------------------------------------------- internals

  private static com.fasterxml.jackson.databind.node.ObjectNode data(Change ch) {
    return ch.data() == null ? io.livesync.protocol.Json.object() : ch.data();
  }

  private static SyncRecord full(String c, Change ch,
      com.fasterxml.jackson.databind.node.ObjectNode data) {
    return new SyncRecord(c, ch.id(), data, ch.version(), ch.seq(), ch.ts(), false);
  }

  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work} in one transaction; on failure rolls back and reloads the mirrors. */
  private <T> T tx(SqlWork<T> work) {
    if (closed) {
      throw new SyncException(ErrorCode.INTERNAL, "the local store is closed");
    }
    try {
      conn.setAutoCommit(false);
      try {
        T result = work.run();
        conn.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        reloadMirrors();
        throw e;
      } finally {
        conn.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new SyncException(ErrorCode.INTERNAL, "local store failure: " + e.getMessage(), e);
    }
  }

  private void reloadMirrors() throws SQLException {
    outbox.clear();
    for (OutboxEntry e : rows.loadOutbox()) {
      outbox.add(e);
    }
    for (String c : new ArrayList<>(views.keySet())) {
      views.put(c, rows.loadView(c));
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      rows.close();
      conn.close();
    } catch (SQLException e) {
      // closing: nothing left to protect
    }
  }
}
