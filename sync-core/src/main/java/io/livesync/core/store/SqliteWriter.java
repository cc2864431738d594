package io.livesync.core.store;

import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Ack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Every write of the store, each in one {@code BEGIN IMMEDIATE} transaction that is rolled back
 * whole on any exception. Not thread-safe: owned by the store's single writer thread.
 */
final class SqliteWriter implements AutoCloseable {
  private final Connection conn;
  private final LongSupplier clock;
  private final Statement tx;
  private final PreparedStatement findOp;
  private final PreparedStatement claimOp;
  private final PreparedStatement forgetOp;
  private final PreparedStatement insertRecord;
  private final PreparedStatement updateRecord;
  private final PreparedStatement findSeq;
  private final PreparedStatement createCollection;
  private final PreparedStatement updateSeq;

  SqliteWriter(Connection conn, LongSupplier clock) throws SQLException {
    this.conn = conn;
    this.clock = clock;
    this.tx = conn.createStatement();
    this.findOp = conn.prepareStatement(
        "SELECT op_id, fingerprint, ack, created_at FROM ops WHERE op_id = ?");
    // The opId claim and the record's compare-and-set each take one statement whose change
    // count is the check: no SELECT before them.
    this.claimOp = conn.prepareStatement("INSERT INTO ops (op_id, fingerprint, ack, created_at)"
        + " VALUES (?, ?, ?, ?) ON CONFLICT (op_id) DO NOTHING");
    this.forgetOp = conn.prepareStatement("DELETE FROM ops WHERE op_id = ?");
    this.insertRecord = conn.prepareStatement("INSERT INTO records ("
        + SqliteRows.RECORD_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (collection, id) DO NOTHING");
    this.updateRecord = conn.prepareStatement("UPDATE records SET version = ?3, seq = ?4,"
        + " ts = ?5, deleted = ?6, data = ?7, meta = ?8, updated_at = ?9"
        + " WHERE collection = ?1 AND id = ?2 AND version = ?10");
    this.findSeq = conn.prepareStatement("SELECT seq FROM collections WHERE name = ?");
    this.createCollection = conn.prepareStatement(
        "INSERT OR IGNORE INTO collections (name, epoch, seq, horizon) VALUES (?, ?, 0, 0)");
    this.updateSeq = conn.prepareStatement("UPDATE collections SET seq = ? WHERE name = ?");
  }

  /** Applies all mutations in one transaction (group commit), in list order. */
  List<CommitResult> commit(List<Mutation> mutations) throws SQLException {
    return inTransaction(() -> {
      long now = clock.getAsLong();
      Map<String, long[]> seqs = new LinkedHashMap<>();
      List<CommitResult> results = new ArrayList<>(mutations.size());
      for (Mutation m : mutations) {
        results.add(apply(m, now, seqs));
      }
      for (Map.Entry<String, long[]> e : seqs.entrySet()) {
        updateSeq.setLong(1, e.getValue()[0]);
        updateSeq.setString(2, e.getKey());
        updateSeq.executeUpdate();
      }
      return results;
    });
  }

  /**
   * Claims the opId first (a known opId is a duplicate and changes nothing), then stores the
   * record only if its version is still the expected one; on a conflict the claim is undone, so
   * the transaction ends as if the mutation had not been there.
   */
  private CommitResult apply(Mutation m, long now, Map<String, long[]> seqs)
      throws SQLException {
    if (m.next() == null) {
      return claimOp(m.opId(), m.fingerprint(), m.ack(), now)
          ? CommitResult.committed(m.ack(), null) : duplicate(m.opId());
    }
    StoredRecord next = m.next();
    long[] seq = seqs.get(next.collection());
    if (seq == null) {
      seq = new long[] {loadSeq(next.collection())};
      seqs.put(next.collection(), seq);
    }
    long assigned = seq[0] + 1;
    Ack ack = m.ack().withSeq(assigned);
    if (!claimOp(m.opId(), m.fingerprint(), ack, now)) {
      return duplicate(m.opId());
    }
    if (!storeRecord(next, assigned, m.expectedVersion())) {
      forgetOp.setString(1, m.opId());
      forgetOp.executeUpdate();
      return CommitResult.conflict();
    }
    seq[0] = assigned;
    return CommitResult.committed(ack, m.change().withSeq(assigned));
  }

  /** Inserts or updates the record; false when its version is not {@code expectedVersion}. */
  private boolean storeRecord(StoredRecord next, long seq, long expectedVersion)
      throws SQLException {
    if (expectedVersion == 0) {
      // stored versions start at 1: any existing row is a conflict
      SqliteRows.bindRecord(insertRecord, next, seq);
      return insertRecord.executeUpdate() == 1;
    }
    SqliteRows.bindRecord(updateRecord, next, seq);
    updateRecord.setLong(10, expectedVersion);
    return updateRecord.executeUpdate() == 1;
  }

  private CommitResult duplicate(String opId) throws SQLException {
    findOp.setString(1, opId);
    try (ResultSet rs = findOp.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("opId " + opId + " was claimed but cannot be read back");
      }
      return CommitResult.duplicate(SqliteRows.op(rs));
    }
  }

  /** Remembers the opId's outcome; false when the opId is already known. */
  private boolean claimOp(String opId, String fingerprint, Ack ack, long now)
      throws SQLException {
    claimOp.setString(1, opId);
    claimOp.setString(2, fingerprint);
    claimOp.setString(3, SqliteRows.encodeAck(ack));
    claimOp.setLong(4, now);
    return claimOp.executeUpdate() == 1;
  }

  /** The collection's seq inside the open transaction, creating its history when absent. */
  private long loadSeq(String collection) throws SQLException {
    createIfAbsent(collection);
    findSeq.setString(1, collection);
    try (ResultSet rs = findSeq.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void createIfAbsent(String collection) throws SQLException {
    createCollection.setString(1, collection);
    createCollection.setString(2, newEpoch());
    createCollection.executeUpdate();
  }

  /** Creates the collection's history when it has none, then reads its markers. */
  CollectionInfo collection(String name) throws SQLException {
    return inTransaction(() -> {
      createIfAbsent(name);
      return SqliteReads.collection(conn, name);
    });
  }

  /**
   * Gives every collection a new epoch, in one transaction, keeping its seq and horizon: after
   * a restore from a backup, every client resets instead of trusting a cursor from a history
   * the store no longer has. Returns how many collections there are.
   */
  int renewEpochs() throws SQLException {
    return inTransaction(() -> {
      List<String> names = new ArrayList<>();
      try (Statement s = conn.createStatement();
          ResultSet rs = s.executeQuery("SELECT name FROM collections")) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
      try (PreparedStatement renew = conn.prepareStatement(
          "UPDATE collections SET epoch = ? WHERE name = ?")) {
        for (String name : names) {
          renew.setString(1, newEpoch());
          renew.setString(2, name);
          renew.executeUpdate();
        }
      }
      return names.size();
    });
  }

  /** Removes old tombstones and raises each affected collection's horizon, in one transaction. */
  long purgeTombstones(long olderThanMillis) throws SQLException {
    return inTransaction(() -> {
      try (PreparedStatement raise = conn.prepareStatement("UPDATE collections"
          + " SET horizon = max(horizon, (SELECT max(r.seq) FROM records r"
          + "   WHERE r.collection = collections.name AND r.deleted = 1 AND r.updated_at < ?))"
          + " WHERE name IN (SELECT DISTINCT collection FROM records"
          + "   WHERE deleted = 1 AND updated_at < ?)");
          PreparedStatement delete = conn.prepareStatement(
              "DELETE FROM records WHERE deleted = 1 AND updated_at < ?")) {
        raise.setLong(1, olderThanMillis);
        raise.setLong(2, olderThanMillis);
        raise.executeUpdate();
        delete.setLong(1, olderThanMillis);
        return (long) delete.executeUpdate();
      }
    });
  }

  long purgeOps(long olderThanMillis) throws SQLException {
    return inTransaction(() -> {
      try (PreparedStatement delete = conn.prepareStatement(
          "DELETE FROM ops WHERE created_at < ?")) {
        delete.setLong(1, olderThanMillis);
        return (long) delete.executeUpdate();
      }
    });
  }

  /** Proves the writer connection can take the write lock, without changing anything. */
  void ping() throws SQLException {
    inTransaction(() -> null);
  }

  private <T> T inTransaction(SqlWork<T> work) throws SQLException {
    tx.execute("BEGIN IMMEDIATE");
    try {
      T result = work.run();
      tx.execute("COMMIT");
      return result;
    } catch (SQLException | RuntimeException e) {
      SqliteReads.rollback(tx, e);
      throw e;
    }
  }

  static String newEpoch() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  @Override
  public void close() throws SQLException {
    conn.close();
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run() throws SQLException;
  }
}
