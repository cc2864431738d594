package io.livesync.core;

import static io.livesync.core.StoreFixtures.doc;
import static io.livesync.core.StoreFixtures.insert;
import static io.livesync.core.StoreFixtures.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.CommitResult.Kind;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.Store;
import io.livesync.core.store.SqliteStore;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.SyncException;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the embedded store, plus what only a file on disk can show. */
class SqliteStoreTest extends StoreContractTest {
  @TempDir
  Path dir;

  private Path file() {
    return dir.resolve("nested/dir/livesync.db");
  }

  @Override
  protected Store newStore(Vertx vertx) throws Exception {
    return await(SqliteStore.open(vertx, file(), "FULL"));
  }

  @Test
  void committedBatchesSurviveCloseAndReopen() throws Exception {
    Mutation a = insert("todos", "a", doc("v", 1));
    await(store.commit(List.of(a, insert("todos", "b", doc("v", 1)))));
    await(store.commit(List.of(update("todos", "a", 1, doc("v", 2)))));
    CollectionInfo before = await(store.collection("todos"));
    await(store.close());

    store = await(SqliteStore.open(vertx, file(), "NORMAL"));
    assertThat(await(store.collection("todos"))).isEqualTo(before);
    assertThat(await(store.get("todos", "a")).data()).isEqualTo(doc("v", 2));
    assertThat(await(store.findOp(a.opId())).ack().seq()).isEqualTo(1);
    assertThat(commitOne(a).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(commitOne(insert("todos", "c", doc())).ack().seq()).isEqualTo(4);
  }

  @Test
  void aBatchWhoseTransactionFailsIsRolledBackWhole() throws Exception {
    await(store.commit(List.of(insert("todos", "before", doc()))));
    // A real failure inside SQLite, mid-batch: a trigger refuses the third record.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement st = c.createStatement()) {
      st.execute("CREATE TRIGGER refuse_boom BEFORE INSERT ON records WHEN NEW.id = 'boom'"
          + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    }
    Mutation first = insert("todos", "a", doc());
    Mutation second = insert("todos", "b", doc());
    Mutation boom = insert("todos", "boom", doc());
    Throwable failure = awaitFailure(store.commit(List.of(first, second, boom)));
    assertThat(failure).isInstanceOf(SyncException.class);
    assertThat(((SyncException) failure).code()).isEqualTo(ErrorCode.UNAVAILABLE);

    assertThat(await(store.get("todos", "a"))).isNull();
    assertThat(await(store.get("todos", "b"))).isNull();
    assertThat(await(store.findOp(first.opId()))).isNull();
    assertThat(await(store.collection("todos")).seq()).isEqualTo(1);

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER refuse_boom");
    }
    List<CommitResult> retried = await(store.commit(List.of(first, second, boom)));
    assertThat(retried).extracting(r -> r.ack().seq()).containsExactly(2L, 3L, 4L);
  }

  @Test
  void aWriteLockHeldElsewhereFailsWithUnavailableAfterTheBusyTimeout() throws Exception {
    Path other = dir.resolve("busy.db");
    Store busy = await(SqliteStore.open(vertx, other, "NORMAL", 200));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other);
        Statement st = c.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      Throwable failure = awaitFailure(busy.commit(List.of(insert("todos", "a", doc()))));
      assertThat(((SyncException) failure).code()).isEqualTo(ErrorCode.UNAVAILABLE);
      st.execute("ROLLBACK");
      assertThat(await(busy.commit(List.of(insert("todos", "a", doc())))).get(0).ack().seq())
          .isEqualTo(1);
    } finally {
      await(busy.close());
    }
  }

  @Test
  void aFileOfANewerLayoutIsRefusedAndLeftAsItIs() throws Exception {
    await(store.commit(List.of(insert("todos", "a", doc("v", 1)))));
    await(store.close());
    store = null;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement st = c.createStatement()) {
      st.execute("PRAGMA user_version=2");
    }
    Throwable failure = awaitFailure(SqliteStore.open(vertx, file(), "FULL"));
    assertThat(failure).hasStackTraceContaining("store layout 2")
        .hasStackTraceContaining("knows only up to 1");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT (SELECT user_version FROM pragma_user_version),"
            + " (SELECT count(*) FROM records)")) {
      assertThat(rs.getInt(1)).isEqualTo(2);
      assertThat(rs.getInt(2)).isEqualTo(1);
    }
  }

  @Test
  void anUnknownSynchronousModeIsRefusedWithAClearMessage() throws Exception {
    Throwable failure = awaitFailure(SqliteStore.open(vertx, dir.resolve("x.db"), "SOMETIMES"));
    assertThat(failure).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FULL");
  }

  @Test
  void aStoreOpenInThisProcessCannotBeOpenedAgainUntilClosed() throws Exception {
    await(store.commit(List.of(insert("todos", "a", doc()))));
    Throwable failure = awaitFailure(SqliteStore.open(vertx, file(), "FULL"));
    assertThat(failure).isInstanceOf(SyncException.class)
        .hasMessageContaining("in use by another server")
        .hasMessageContaining("process " + ProcessHandle.current().pid());
    assertThat(((SyncException) failure).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(commitOne(insert("todos", "b", doc())).ack().seq())
        .as("the failed open left the open store alone").isEqualTo(2);
    // and left its lock: POSIX drops a process's lock when any descriptor of the file closes
    Process other = holder(file());
    try {
      String said = new BufferedReader(new InputStreamReader(other.getInputStream(),
          StandardCharsets.UTF_8)).readLine();
      assertThat(said).as("another process, after a refused open here").isNotEqualTo("open")
          .contains("in use by another server (process " + ProcessHandle.current().pid());
    } finally {
      other.destroyForcibly();
      other.waitFor(30, TimeUnit.SECONDS);
    }

    await(store.close());
    store = await(SqliteStore.open(vertx, file(), "FULL"));
    assertThat(commitOne(insert("todos", "c", doc())).ack().seq()).isEqualTo(3);
  }

  @Test
  void aStoreHeldByAnotherProcessIsRefusedAndFreedWhenThatProcessIsKilled() throws Exception {
    Path other = dir.resolve("held.db");
    Process holder = holder(other);
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("open");

      Throwable failure = awaitFailure(SqliteStore.open(vertx, other, "NORMAL"));
      assertThat(failure).isInstanceOf(SyncException.class)
          .hasMessageContaining("in use by another server (process " + holder.pid() + ",");

      holder.destroyForcibly(); // SIGKILL: no close, no shutdown hook
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Store reopened = await(SqliteStore.open(vertx, other, "NORMAL"));
      try {
        assertThat(await(reopened.commit(List.of(insert("todos", "a", doc())))).get(0).ack()
            .seq()).isEqualTo(1);
      } finally {
        await(reopened.close());
      }
    } finally {
      holder.destroyForcibly();
      holder.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** A child JVM that opens the store at {@code file} and holds it ({@link HoldSqliteStore}). */
  private static Process holder(Path file) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", System.getProperty("java.class.path"),
        HoldSqliteStore.class.getName(), file.toString()).redirectErrorStream(true).start();
    return p;
  }
}
