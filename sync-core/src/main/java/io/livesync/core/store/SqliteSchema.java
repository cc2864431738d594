package io.livesync.core.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/**
 * The database file's layout and how connections to it are opened. Blocking; called from the
 * store's writer thread while opening.
 */
final class SqliteSchema {
  /** Bumped when the layout changes; a file written by a newer layout is refused. */
  static final int VERSION = 1;

  static final Set<String> SYNCHRONOUS_MODES = Set.of("FULL", "NORMAL", "EXTRA");

  private static final String[] DDL = {
      "CREATE TABLE IF NOT EXISTS collections ("
          + " name TEXT PRIMARY KEY, epoch TEXT NOT NULL,"
          + " seq INTEGER NOT NULL, horizon INTEGER NOT NULL)",
      "CREATE TABLE IF NOT EXISTS records ("
          + " collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
          + " seq INTEGER NOT NULL, ts TEXT, deleted INTEGER NOT NULL, data TEXT NOT NULL,"
          + " meta TEXT, updated_at INTEGER NOT NULL, PRIMARY KEY (collection, id))",
      "CREATE INDEX IF NOT EXISTS records_by_seq ON records (collection, seq)",
      // Only tombstones are ever purged; a partial index keeps live records out of it.
      "CREATE INDEX IF NOT EXISTS tombstones_by_age ON records (updated_at) WHERE deleted = 1",
      "CREATE TABLE IF NOT EXISTS ops ("
          + " op_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, ack TEXT NOT NULL,"
          + " created_at INTEGER NOT NULL)",
      "CREATE INDEX IF NOT EXISTS ops_by_age ON ops (created_at)",
  };

  private SqliteSchema() {
  }

  /** Upper-cases and checks the {@code synchronous} pragma value. */
  static String synchronousMode(String value) {
    String mode = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
    if (!SYNCHRONOUS_MODES.contains(mode)) {
      throw new IllegalArgumentException("SQLite synchronous mode '" + value
          + "' is not supported; use FULL (survives power loss), NORMAL (survives a process"
          + " crash) or EXTRA");
    }
    return mode;
  }

  /**
   * The one writer connection: WAL journal, the given durability, and transactions begun
   * explicitly with {@code BEGIN IMMEDIATE} (the connection stays in auto-commit mode so that it
   * holds no lock between transactions).
   */
  static Connection openWriter(Path file, String synchronous, int busyTimeoutMillis)
      throws SQLException {
    Connection c = open(file, busyTimeoutMillis);
    try (Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
        if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
          throw new SQLException("cannot switch " + file + " to WAL mode");
        }
      }
      st.execute("PRAGMA synchronous=" + synchronous);
      migrate(st, file);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c, e);
      throw e;
    }
    return c;
  }

  /** A reader connection; {@code query_only} makes an accidental write fail loudly. */
  static Connection openReader(Path file, int busyTimeoutMillis) throws SQLException {
    Connection c = open(file, busyTimeoutMillis);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA query_only=1");
    } catch (SQLException e) {
      closeQuietly(c, e);
      throw e;
    }
    return c;
  }

  private static Connection open(Path file, int busyTimeoutMillis) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(busyTimeoutMillis);
    // Nothing reads generated keys; left on, the driver prepares and runs
    // "SELECT last_insert_rowid()" after every INSERT.
    config.setGetGeneratedKeys(false);
    return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
  }

  private static void migrate(Statement st, Path file) throws SQLException {
    int found;
    try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
      found = rs.next() ? rs.getInt(1) : 0;
    }
    if (found > VERSION) {
      throw new SQLException(file + " has store layout " + found + " but this server knows only"
          + " up to " + VERSION + "; run a newer server or restore a matching backup");
    }
    st.execute("BEGIN IMMEDIATE");
    try {
      for (String ddl : DDL) {
        st.execute(ddl);
      }
      st.execute("PRAGMA user_version=" + VERSION);
      st.execute("COMMIT");
    } catch (SQLException e) {
      st.execute("ROLLBACK");
      throw e;
    }
  }

  static void closeQuietly(AutoCloseable c, Throwable into) {
    try {
      c.close();
    } catch (Exception e) {
      into.addSuppressed(e);
    }
  }
}
