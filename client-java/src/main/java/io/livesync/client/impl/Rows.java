package io.livesync.client.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.client.DeadLetter;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncRecord;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** The SQL of {@link LocalStore}: one method per statement, rows mapped to protocol types. */
final class Rows implements AutoCloseable {
  private final Connection c;
  private final PreparedStatement selectServer;
  private final PreparedStatement upsertServer;
  private final PreparedStatement selectLocal;
  private final PreparedStatement upsertLocal;
  private final PreparedStatement deleteLocal;
  private final PreparedStatement selectCursor;
  private final PreparedStatement upsertCursor;
  private final PreparedStatement insertOutbox;
  private final PreparedStatement deleteOutbox;

  Rows(Connection c) throws SQLException {
    this.c = c;
    selectServer = c.prepareStatement("SELECT data, version, seq, ts, deleted, gen"
        + " FROM server_records WHERE collection = ? AND id = ?");
    upsertServer = c.prepareStatement("INSERT OR REPLACE INTO server_records"
        + " (collection, id, data, version, seq, ts, deleted, gen) VALUES (?,?,?,?,?,?,?,?)");
    selectLocal = c.prepareStatement("SELECT data, version, seq, ts FROM local_records"
        + " WHERE collection = ? AND id = ?");
    upsertLocal = c.prepareStatement("INSERT OR REPLACE INTO local_records"
        + " (collection, id, data, version, seq, ts) VALUES (?,?,?,?,?,?)");
    deleteLocal = c.prepareStatement("DELETE FROM local_records WHERE collection = ? AND id = ?");
    selectCursor = c.prepareStatement("SELECT epoch, seq, reset_gen FROM cursors"
        + " WHERE collection = ?");
    upsertCursor = c.prepareStatement("INSERT OR REPLACE INTO cursors"
        + " (collection, epoch, seq, reset_gen) VALUES (?,?,?,?)");
    insertOutbox = c.prepareStatement("INSERT INTO outbox (op_id, collection, id, op, data, ts,"
        + " base_version, created_at) VALUES (?,?,?,?,?,?,?,?)",
        java.sql.Statement.RETURN_GENERATED_KEYS);
    deleteOutbox = c.prepareStatement("DELETE FROM outbox WHERE n = ?");
  }

  // ---------------------------------------------------------------- meta

  String meta(String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
      s.setString(1, key);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  void putMeta(String key, String value) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
      s.setString(1, key);
      s.setString(2, value);
      s.executeUpdate();
    }
  }

  String maxServerTs() throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT MAX(ts) FROM server_records");
         ResultSet r = s.executeQuery()) {
      return r.next() ? r.getString(1) : null;
    }
  }

  // ---------------------------------------------------------------- server records

  SyncRecord loadServer(String collection, String id) throws SQLException {
    selectServer.setString(1, collection);
    selectServer.setString(2, id);
    try (ResultSet r = selectServer.executeQuery()) {
      if (!r.next()) {
        return null;
      }
      return new SyncRecord(collection, id, parse(r.getString(1)), r.getLong(2), r.getLong(3),
          r.getString(4), r.getInt(5) != 0);
    }
  }

  long genOf(String collection, String id) throws SQLException {
    selectServer.setString(1, collection);
    selectServer.setString(2, id);
    try (ResultSet r = selectServer.executeQuery()) {
      return r.next() ? r.getLong(6) : 0;
    }
  }

  List<SyncRecord> loadServerAll(String collection) throws SQLException {
    List<SyncRecord> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT id, data, version, seq, ts, deleted"
        + " FROM server_records WHERE collection = ? ORDER BY id")) {
      s.setString(1, collection);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(new SyncRecord(collection, r.getString(1), parse(r.getString(2)),
              r.getLong(3), r.getLong(4), r.getString(5), r.getInt(6) != 0));
        }
      }
    }
    return out;
  }

  void upsertServer(SyncRecord rec, long gen) throws SQLException {
    upsertServer.setString(1, rec.collection());
    upsertServer.setString(2, rec.id());
    upsertServer.setString(3, Json.write(rec.data()));
    upsertServer.setLong(4, rec.version());
    upsertServer.setLong(5, rec.seq());
    upsertServer.setString(6, rec.ts());
    upsertServer.setInt(7, rec.deleted() ? 1 : 0);
    upsertServer.setLong(8, gen);
    upsertServer.executeUpdate();
  }

  /** Deletes the collection's records not reloaded in generation {@code gen}; returns ids. */
  List<String> deleteServerNotInGen(String collection, long gen) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT id FROM server_records WHERE collection = ? AND gen <> ?")) {
      s.setString(1, collection);
      s.setLong(2, gen);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          ids.add(r.getString(1));
        }
      }
    }
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM server_records WHERE collection = ? AND gen <> ?")) {
      s.setString(1, collection);
      s.setLong(2, gen);
      s.executeUpdate();
    }
    return ids;
  }

  long nextGen(String collection) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT COALESCE(MAX(gen), 0) + 1 FROM server_records WHERE collection = ?")) {
      s.setString(1, collection);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  // ---------------------------------------------------------------- local view

  TreeMap<String, SyncRecord> loadView(String collection) throws SQLException {
    TreeMap<String, SyncRecord> out = new TreeMap<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT id, data, version, seq, ts FROM local_records WHERE collection = ?")) {
      s.setString(1, collection);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String id = r.getString(1);
          out.put(id, new SyncRecord(collection, id, parse(r.getString(2)), r.getLong(3),
              r.getLong(4), r.getString(5), false));
        }
      }
    }
    return out;
  }

  SyncRecord loadLocal(String collection, String id) throws SQLException {
    selectLocal.setString(1, collection);
    selectLocal.setString(2, id);
    try (ResultSet r = selectLocal.executeQuery()) {
      if (!r.next()) {
        return null;
      }
      return new SyncRecord(collection, id, parse(r.getString(1)), r.getLong(2), r.getLong(3),
          r.getString(4), false);
    }
  }

  void upsertLocal(SyncRecord view) throws SQLException {
    upsertLocal.setString(1, view.collection());
    upsertLocal.setString(2, view.id());
    upsertLocal.setString(3, Json.write(view.data()));
    upsertLocal.setLong(4, view.version());
    upsertLocal.setLong(5, view.seq());
    upsertLocal.setString(6, view.ts());
    upsertLocal.executeUpdate();
  }

  void deleteLocal(String collection, String id) throws SQLException {
    deleteLocal.setString(1, collection);
    deleteLocal.setString(2, id);
    deleteLocal.executeUpdate();
  }

  // ---------------------------------------------------------------- cursors

  LocalStore.Cursor cursor(String collection) throws SQLException {
    selectCursor.setString(1, collection);
    try (ResultSet r = selectCursor.executeQuery()) {
      if (!r.next()) {
        return LocalStore.Cursor.INITIAL;
      }
      Long gen = nullableLong(r, 3);
      return new LocalStore.Cursor(r.getString(1), r.getLong(2), gen);
    }
  }

  void putCursor(String collection, LocalStore.Cursor cursor) throws SQLException {
    upsertCursor.setString(1, collection);
    upsertCursor.setString(2, cursor.epoch());
    upsertCursor.setLong(3, cursor.seq());
    if (cursor.resetGen() == null) {
      upsertCursor.setNull(4, Types.INTEGER);
    } else {
      upsertCursor.setLong(4, cursor.resetGen());
    }
    upsertCursor.executeUpdate();
  }

  // ---------------------------------------------------------------- outbox

  List<OutboxEntry> loadOutbox() throws SQLException {
    List<OutboxEntry> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT n, op_id, collection, id, op, data,"
        + " ts, base_version, acked_version, acked_seq FROM outbox ORDER BY n");
         ResultSet r = s.executeQuery()) {
      while (r.next()) {
        Write w = new Write(Op.fromWire(r.getString(5)), r.getString(2), r.getString(3),
            r.getString(4), parseOrNull(r.getString(6)), r.getString(7), nullableLong(r, 8));
        out.add(new OutboxEntry(r.getLong(1), w, nullableLong(r, 9), nullableLong(r, 10)));
      }
    }
    return out;
  }

  long insertOutbox(Write w, long nowMillis) throws SQLException {
    insertOutbox.setString(1, w.opId());
    insertOutbox.setString(2, w.collection());
    insertOutbox.setString(3, w.id());
    insertOutbox.setString(4, w.op().wire());
    insertOutbox.setString(5, w.data() == null ? null : Json.write(w.data()));
    insertOutbox.setString(6, w.ts());
    setNullableLong(insertOutbox, 7, w.baseVersion());
    insertOutbox.setLong(8, nowMillis);
    insertOutbox.executeUpdate();
    try (ResultSet keys = insertOutbox.getGeneratedKeys()) {
      keys.next();
      return keys.getLong(1);
    }
  }

  void markAcked(OutboxEntry e) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE outbox SET acked_version = ?, acked_seq = ? WHERE n = ?")) {
      s.setLong(1, e.ackedVersion());
      s.setLong(2, e.ackedSeq());
      s.setLong(3, e.n());
      s.executeUpdate();
    }
  }

  void updateBase(OutboxEntry e) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("UPDATE outbox SET base_version = ? WHERE n = ?")) {
      setNullableLong(s, 1, e.write().baseVersion());
      s.setLong(2, e.n());
      s.executeUpdate();
    }
  }

  void deleteOutbox(long n) throws SQLException {
    deleteOutbox.setLong(1, n);
    deleteOutbox.executeUpdate();
  }

  // ---------------------------------------------------------------- dead letters

  void insertDeadLetter(DeadLetter d) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO dead_letters (op_id, collection,"
        + " id, op, data, ts, base_version, status, error_code, message, current, at)"
        + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
      Write w = d.write();
      s.setString(1, w.opId());
      s.setString(2, w.collection());
      s.setString(3, w.id());
      s.setString(4, w.op().wire());
      s.setString(5, w.data() == null ? null : Json.write(w.data()));
      s.setString(6, w.ts());
      setNullableLong(s, 7, w.baseVersion());
      s.setString(8, d.status() == null ? null : d.status().wire());
      s.setString(9, d.error() == null ? null : d.error().code().wire());
      s.setString(10, d.error() == null ? null : d.error().message());
      s.setString(11, d.current() == null ? null : Json.write(Codec.recordNode(d.current())));
      s.setLong(12, d.at().toEpochMilli());
      s.executeUpdate();
    }
  }

  List<DeadLetter> deadLetters() throws SQLException {
    List<DeadLetter> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT op_id, collection, id, op, data, ts,"
        + " base_version, status, error_code, message, current, at FROM dead_letters ORDER BY n");
         ResultSet r = s.executeQuery()) {
      while (r.next()) {
        Write w = new Write(Op.fromWire(r.getString(4)), r.getString(1), r.getString(2),
            r.getString(3), parseOrNull(r.getString(5)), r.getString(6), nullableLong(r, 7));
        String status = r.getString(8);
        String code = r.getString(9);
        ErrorInfo error = code == null ? null
            : new ErrorInfo(ErrorCode.fromWire(code), r.getString(10), w.opId(), w.collection());
        String current = r.getString(11);
        out.add(new DeadLetter(w, status == null ? null : WriteStatus.fromWire(status), error,
            current == null ? null : Codec.decodeRecord(Json.parse(current)),
            Instant.ofEpochMilli(r.getLong(12))));
      }
    }
    return out;
  }

  void clearDeadLetters() throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM dead_letters")) {
      s.executeUpdate();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static ObjectNode parse(String json) {
    return Json.parseObject(json);
  }

  private static ObjectNode parseOrNull(String json) {
    return json == null ? null : Json.parseObject(json);
  }

  private static Long nullableLong(ResultSet r, int column) throws SQLException {
    long v = r.getLong(column);
    return r.wasNull() ? null : v;
  }

  private static void setNullableLong(PreparedStatement s, int index, Long value)
      throws SQLException {
    if (value == null) {
      s.setNull(index, Types.INTEGER);
    } else {
      s.setLong(index, value);
    }
  }

  @Override
  public void close() throws SQLException {
    for (PreparedStatement s : List.of(selectServer, upsertServer, selectLocal, upsertLocal,
        deleteLocal, selectCursor, upsertCursor, insertOutbox, deleteOutbox)) {
      s.close();
    }
  }
}
