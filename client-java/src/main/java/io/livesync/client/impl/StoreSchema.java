package io.livesync.client.impl;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The local SQLite schema.
 *
 * <ul>
 *   <li>{@code meta}: node id, last issued HLC timestamp, schema version.
 *   <li>{@code server_records}: the server's state of each record as last received (tombstones
 *       included; {@code gen} marks the records reloaded during a collection reset).
 *   <li>{@code local_records}: the local view (server state with pending writes replayed),
 *       live records only; written in the same transaction as the change that moves it.
 *   <li>{@code cursors}: per collection, the (epoch, seq) cursor; {@code reset_gen} is set while
 *       a reset's reload is in progress.
 *   <li>{@code outbox}: local writes not yet confirmed, in write order.
 *   <li>{@code dead_letters}: writes the server refused for good.
 * </ul>
 */
final class StoreSchema {
  static final int VERSION = 1;

  private StoreSchema() {
  }

  static void create(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS server_records (collection TEXT NOT NULL,"
          + " id TEXT NOT NULL, data TEXT NOT NULL, version INTEGER NOT NULL,"
          + " seq INTEGER NOT NULL, ts TEXT, deleted INTEGER NOT NULL,"
          + " gen INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (collection, id)) WITHOUT ROWID");
      s.execute("CREATE TABLE IF NOT EXISTS local_records (collection TEXT NOT NULL,"
          + " id TEXT NOT NULL, data TEXT NOT NULL, version INTEGER NOT NULL,"
          + " seq INTEGER NOT NULL, ts TEXT, PRIMARY KEY (collection, id)) WITHOUT ROWID");
      s.execute("CREATE TABLE IF NOT EXISTS cursors (collection TEXT PRIMARY KEY, epoch TEXT,"
          + " seq INTEGER NOT NULL, reset_gen INTEGER)");
      s.execute("CREATE TABLE IF NOT EXISTS outbox (n INTEGER PRIMARY KEY AUTOINCREMENT,"
          + " op_id TEXT NOT NULL UNIQUE, collection TEXT NOT NULL, id TEXT NOT NULL,"
          + " op TEXT NOT NULL, data TEXT, ts TEXT NOT NULL, base_version INTEGER,"
          + " acked_version INTEGER, acked_seq INTEGER, created_at INTEGER NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS dead_letters (n INTEGER PRIMARY KEY AUTOINCREMENT,"
          + " op_id TEXT NOT NULL, collection TEXT NOT NULL, id TEXT NOT NULL, op TEXT NOT NULL,"
          + " data TEXT, ts TEXT, base_version INTEGER, status TEXT, error_code TEXT,"
          + " message TEXT, current TEXT, at INTEGER NOT NULL)");
      s.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '" + VERSION + "')");
    }
  }
}
