package io.livesync.core.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.Prior;
import io.livesync.core.spi.RecordsPage;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Json;
import io.livesync.protocol.Write;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read queries, run on a read-only pooled connection that is in auto-commit mode between
 * calls. Blocking; called from the store's reader threads.
 */
final class SqliteReads {
  private SqliteReads() {
  }

  static final String GET = "SELECT " + SqliteRows.RECORD_COLUMNS
      + " FROM records WHERE collection = ? AND id = ?";
  static final String FIND_OP = "SELECT op_id, fingerprint, ack, created_at FROM ops"
      + " WHERE op_id = ?";

  /**
   * The reads of one record, of one opId and of a batch's priors, prepared once per reader
   * connection: preparing costs more than running them. Closing each result set resets its
   * statement, so no read transaction (and no old snapshot) outlives a call.
   */
  static final class Prepared {
    final PreparedStatement get;
    final PreparedStatement findOp;
    final PreparedStatement records;
    final PreparedStatement ops;

    Prepared(Connection c) throws SQLException {
      this.get = c.prepareStatement(GET);
      this.findOp = c.prepareStatement(FIND_OP);
      this.records = c.prepareStatement(RECORDS_OF_KEYS);
      this.ops = c.prepareStatement(OPS_OF_IDS);
    }
  }

  /**
   * The records of a JSON array of [collection, id] pairs, and the opIds of a JSON array of
   * strings: one statement per batch instead of two per write. SQLite sorts the keys of the
   * {@code IN} list and seeks them in order, and the driver's cost per statement (bind, step,
   * a new result set) is paid once; in a stand-alone program this read 128 writes' priors in
   * 3.8 us per write against 24.2 for two statements per write (docs/benchmarks.md, item 30).
   */
  static final String RECORDS_OF_KEYS = "SELECT " + SqliteRows.RECORD_COLUMNS
      + " FROM records WHERE (collection, id) IN"
      + " (SELECT value ->> 0, value ->> 1 FROM json_each(?))";
  static final String OPS_OF_IDS = "SELECT op_id, fingerprint, ack, created_at FROM ops"
      + " WHERE op_id IN (SELECT value FROM json_each(?))";

  /**
   * The prior of each write, in order: the same answers as {@link #get} and {@link #findOp}
   * for each, read with two statements for the whole list. Not in one read transaction: like
   * the per-write reads, each statement sees the commits that finished before it began.
   */
  static List<Prior> priors(Prepared ps, List<Write> writes) throws SQLException {
    ArrayNode keys = JsonNodeFactory.instance.arrayNode();
    ArrayNode opIds = JsonNodeFactory.instance.arrayNode();
    for (Write w : writes) {
      keys.addArray().add(w.collection()).add(w.id());
      opIds.add(w.opId());
    }
    Map<String, StoredRecord> records = new HashMap<>();
    ps.records.setString(1, Json.write(keys));
    try (ResultSet rs = ps.records.executeQuery()) {
      while (rs.next()) {
        StoredRecord r = SqliteRows.record(rs);
        records.put(recordKey(r.collection(), r.id()), r);
      }
    }
    Map<String, OpRecord> ops = new HashMap<>();
    ps.ops.setString(1, Json.write(opIds));
    try (ResultSet rs = ps.ops.executeQuery()) {
      while (rs.next()) {
        OpRecord op = SqliteRows.op(rs);
        ops.put(op.opId(), op);
      }
    }
    List<Prior> out = new ArrayList<>(writes.size());
    for (Write w : writes) {
      out.add(new Prior(records.get(recordKey(w.collection(), w.id())), ops.get(w.opId())));
    }
    return out;
  }

  /** A record's key as the worker's batcher and the Redis bus write it. */
  private static String recordKey(String collection, String id) {
    return collection + '\u0000' + id;
  }

  static StoredRecord get(PreparedStatement ps, String collection, String id)
      throws SQLException {
    ps.setString(1, collection);
    ps.setString(2, id);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? SqliteRows.record(rs) : null;
    }
  }

  static OpRecord findOp(PreparedStatement ps, String opId) throws SQLException {
    ps.setString(1, opId);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? SqliteRows.op(rs) : null;
    }
  }

  /** The collection's markers, or null when it has no history yet. */
  static CollectionInfo collection(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT name, epoch, seq, horizon FROM collections WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? SqliteRows.collection(rs) : null;
      }
    }
  }

  /**
   * One catch-up page and the markers, read in one transaction so both come from the same WAL
   * snapshot; null when the collection has no history yet.
   */
  static ChangesPage changesSince(Connection c, String collection, long since, int limit)
      throws SQLException {
    try (Statement tx = c.createStatement()) {
      tx.execute("BEGIN");
      try {
        ChangesPage page = changesInSnapshot(c, collection, since, limit);
        tx.execute("COMMIT");
        return page;
      } catch (SQLException | RuntimeException e) {
        rollback(tx, e);
        throw e;
      }
    }
  }

  private static ChangesPage changesInSnapshot(Connection c, String collection, long since,
      int limit) throws SQLException {
    // The first read opens the snapshot; reading markers first means no record can be newer.
    CollectionInfo info = collection(c, collection);
    if (info == null) {
      return null;
    }
    List<StoredRecord> records = new ArrayList<>(Math.min(limit, 1024));
    boolean hasMore = false;
    try (PreparedStatement ps = c.prepareStatement("SELECT " + SqliteRows.RECORD_COLUMNS
        + " FROM records WHERE collection = ? AND seq > ? ORDER BY seq LIMIT ?")) {
      ps.setString(1, collection);
      ps.setLong(2, since);
      ps.setLong(3, (long) limit + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (records.size() == limit) {
            hasMore = true;
            break;
          }
          records.add(SqliteRows.record(rs));
        }
      }
    }
    long cursor = hasMore ? records.get(records.size() - 1).seq() : info.seq();
    return new ChangesPage(records, cursor, hasMore, info);
  }

  static RecordsPage list(Connection c, String collection, String afterId, int limit)
      throws SQLException {
    List<StoredRecord> records = new ArrayList<>(Math.min(limit, 1024));
    boolean hasMore = false;
    try (PreparedStatement ps = c.prepareStatement("SELECT " + SqliteRows.RECORD_COLUMNS
        + " FROM records WHERE collection = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?")) {
      ps.setString(1, collection);
      ps.setString(2, afterId == null ? "" : afterId);
      ps.setLong(3, (long) limit + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (records.size() == limit) {
            hasMore = true;
            break;
          }
          records.add(SqliteRows.record(rs));
        }
      }
    }
    return new RecordsPage(records, hasMore ? records.get(records.size() - 1).id() : null);
  }

  static void ping(Connection c) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
        "SELECT count(*) FROM sqlite_master")) {
      rs.next();
    }
  }

  static void rollback(Statement tx, Throwable cause) {
    try {
      tx.execute("ROLLBACK");
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
