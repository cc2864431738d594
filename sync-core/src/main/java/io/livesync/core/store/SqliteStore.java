package io.livesync.core.store;

import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.Prior;
import io.livesync.core.spi.RecordsPage;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.Write;
import io.livesync.protocol.SyncException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The embedded {@link Store}: one SQLite file in WAL mode.
 *
 * <p>All writes go through one connection used only by one thread (the shared worker pool
 * {@value #WRITER_POOL} of size 1), so writes are serialized without locks and each {@link
 * #commit(List)} call is one transaction: its future succeeds only after {@code COMMIT} returned,
 * that is once the batch is durable to the configured {@code synchronous} level. Reads use a pool
 * of {@value #READERS} read-only connections on the worker pool {@value #READER_POOL}, so they
 * never wait behind writes. Futures complete on the Vert.x context of the caller (a new event
 * loop context when called from a non-Vert.x thread).
 */
public final class SqliteStore implements Store {
  public static final String WRITER_POOL = "livesync-sqlite-writer";
  public static final String READER_POOL = "livesync-sqlite-reader";
  public static final int READERS = 4;
  /** Below this many writes per reader task, a batch is read by fewer tasks. */
  private static final int PRIORS_PER_TASK = 32;
  public static final int DEFAULT_BUSY_TIMEOUT_MILLIS = 5_000;
  private static final long CLOSE_WAIT_SECONDS = 30;

  private final Path file;
  private final SqliteOwner owner;
  private final WorkerExecutor writerPool;
  private final WorkerExecutor readerPool;
  private final SqliteWriter writer;
  private final BlockingQueue<Connection> readers;
  /** Each reader's prepared per-write statements; fixed at open, read-only after. */
  private final Map<Connection, SqliteReads.Prepared> prepared;
  private final Object closeLock = new Object();
  private volatile Future<Void> closing;

  private SqliteStore(Path file, SqliteOwner owner, WorkerExecutor writerPool,
      WorkerExecutor readerPool, SqliteWriter writer, List<Connection> readers,
      Map<Connection, SqliteReads.Prepared> prepared) {
    this.file = file;
    this.owner = owner;
    this.writerPool = writerPool;
    this.readerPool = readerPool;
    this.writer = writer;
    this.readers = new ArrayBlockingQueue<>(readers.size(), false, readers);
    this.prepared = prepared;
  }

  /** {@link #open(Vertx, Path, String, int)} with a busy timeout of 5 s. */
  public static Future<SqliteStore> open(Vertx vertx, Path file, String synchronous) {
    return open(vertx, file, synchronous, DEFAULT_BUSY_TIMEOUT_MILLIS);
  }

  /**
   * Opens (creating the directory, file and schema when absent) the store at {@code file}.
   * One open store per file at a time, across processes: while one is open, another open of
   * the same file fails with {@code unavailable} naming the owner's pid ({@link SqliteOwner}).
   *
   * @param synchronous the SQLite {@code synchronous} pragma: FULL, NORMAL or EXTRA
   * @param busyTimeoutMillis how long a statement waits for a lock held by another connection
   *     (a backup, say) before it fails with {@code unavailable}
   */
  public static Future<SqliteStore> open(Vertx vertx, Path file, String synchronous,
      int busyTimeoutMillis) {
    String mode;
    try {
      mode = SqliteSchema.synchronousMode(synchronous);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    WorkerExecutor writerPool = vertx.createSharedWorkerExecutor(WRITER_POOL, 1);
    WorkerExecutor readerPool = vertx.createSharedWorkerExecutor(READER_POOL, READERS);
    return writerPool.executeBlocking(() -> {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      SqliteOwner owner = SqliteOwner.acquire(file);
      Connection writerConn = null;
      List<Connection> readers = new ArrayList<>(READERS);
      try {
        writerConn = SqliteSchema.openWriter(file, mode, busyTimeoutMillis);
        SqliteWriter writer = new SqliteWriter(writerConn, System::currentTimeMillis);
        Map<Connection, SqliteReads.Prepared> prepared = new IdentityHashMap<>();
        for (int i = 0; i < READERS; i++) {
          Connection reader = SqliteSchema.openReader(file, busyTimeoutMillis);
          readers.add(reader);
          prepared.put(reader, new SqliteReads.Prepared(reader));
        }
        return new SqliteStore(file, owner, writerPool, readerPool, writer, readers, prepared);
      } catch (SQLException | RuntimeException e) {
        readers.forEach(c -> SqliteSchema.closeQuietly(c, e));
        if (writerConn != null) {
          SqliteSchema.closeQuietly(writerConn, e);
        }
        SqliteSchema.closeQuietly(owner, e);
        throw e;
      }
    }, false).recover(e -> Future.join(writerPool.close(), readerPool.close()).transform(
        ignored -> Future.failedFuture(new SyncException(ErrorCode.UNAVAILABLE,
            "cannot open the SQLite store at " + file + ": " + e.getMessage()
                + (e instanceof SqliteOwner.InUse ? ""
                    : "; check that the directory is writable and not used by another server"),
            e))));
  }

  public Path file() {
    return file;
  }

  @Override
  public Future<CollectionInfo> collection(String name) {
    return read("read collection " + name, c -> SqliteReads.collection(c, name))
        .compose(info -> info != null ? Future.succeededFuture(info)
            : write("create collection " + name, () -> writer.collection(name)));
  }

  @Override
  public Future<StoredRecord> get(String collection, String id) {
    return read("read a record", c -> SqliteReads.get(prepared.get(c).get, collection, id));
  }

  @Override
  public Future<OpRecord> findOp(String opId) {
    return read("read an opId", c -> SqliteReads.findOp(prepared.get(c).findOp, opId));
  }

  /**
   * Reads a batch in at most {@value #READERS} tasks (one per reader connection), each with two
   * prepared statements for its whole part of the batch ({@code SqliteReads.priors}).
   */
  @Override
  public Future<List<Prior>> priors(List<Write> writes) {
    if (writes.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Write> all = List.copyOf(writes);
    int chunks = Math.min(READERS, (all.size() + PRIORS_PER_TASK - 1) / PRIORS_PER_TASK);
    int per = (all.size() + chunks - 1) / chunks;
    List<Future<List<Prior>>> parts = new ArrayList<>(chunks);
    for (int from = 0; from < all.size(); from += per) {
      List<Write> part = all.subList(from, Math.min(all.size(), from + per));
      parts.add(read("read the records and opIds of " + part.size() + " write(s)",
          c -> SqliteReads.priors(prepared.get(c), part)));
    }
    return Future.all(parts).map(v -> {
      List<Prior> out = new ArrayList<>(all.size());
      for (Future<List<Prior>> f : parts) {
        out.addAll(f.result());
      }
      return out;
    });
  }

  @Override
  public Future<List<CommitResult>> commit(List<Mutation> mutations) {
    for (Mutation m : mutations) {
      if (m.next() != null && (!m.next().collection().equals(m.collection())
          || !m.next().id().equals(m.ack().id()))) {
        return Future.failedFuture(new IllegalArgumentException("mutation " + m.opId()
            + " stores " + m.next().collection() + "/" + m.next().id() + " but acks "
            + m.collection() + "/" + m.ack().id()));
      }
    }
    if (mutations.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Mutation> batch = List.copyOf(mutations);
    return write("commit " + batch.size() + " write(s)", () -> writer.commit(batch));
  }

  @Override
  public Future<ChangesPage> changesSince(String collection, long since, int limit) {
    if (limit < 1 || since < 0) {
      return Future.failedFuture(new IllegalArgumentException(
          "changesSince needs since >= 0 and limit >= 1, got " + since + " and " + limit));
    }
    String what = "read changes of " + collection;
    return read(what, c -> SqliteReads.changesSince(c, collection, since, limit))
        .compose(page -> page != null ? Future.succeededFuture(page)
            : collection(collection).compose(created -> read(what, c -> {
              ChangesPage again = SqliteReads.changesSince(c, collection, since, limit);
              if (again == null) {
                throw new SQLException("collection " + collection + " vanished after creation");
              }
              return again;
            })));
  }

  @Override
  public Future<RecordsPage> list(String collection, String afterId, int limit) {
    if (limit < 1) {
      return Future.failedFuture(new IllegalArgumentException("list needs limit >= 1"));
    }
    return read("list " + collection, c -> SqliteReads.list(c, collection, afterId, limit));
  }

  /**
   * Gives every collection a new epoch (see {@code SqliteWriter.renewEpochs}); for a store
   * restored from a backup, before any server uses it. Returns the number of collections.
   */
  public Future<Integer> renewEpochs() {
    return write("renew epochs", writer::renewEpochs);
  }

  @Override
  public Future<Long> purgeTombstones(long olderThanMillis) {
    return write("purge tombstones", () -> writer.purgeTombstones(olderThanMillis));
  }

  @Override
  public Future<Long> purgeOps(long olderThanMillis) {
    return write("purge opIds", () -> writer.purgeOps(olderThanMillis));
  }

  @Override
  public Future<Void> ping() {
    return read("ping", c -> {
      SqliteReads.ping(c);
      return null;
    }).compose(v -> write("ping", () -> {
      writer.ping();
      return null;
    }));
  }

  /**
   * Refuses new operations, lets queued writes and running reads finish, then closes the
   * connections and releases the worker pools. Idempotent.
   */
  @Override
  public Future<Void> close() {
    synchronized (closeLock) {
      if (closing == null) {
        // Queued behind every write already submitted: the writer thread runs tasks in order.
        closing = writerPool.executeBlocking(() -> {
          SQLException failure = new SQLException("closing " + file);
          SqliteSchema.closeQuietly(writer, failure);
          closeReaders(failure);
          SqliteSchema.closeQuietly(owner, failure);
          if (failure.getSuppressed().length > 0) {
            throw failure;
          }
          return (Void) null;
        }, false).eventually(() -> Future.join(writerPool.close(), readerPool.close()))
            .recover(e -> Future.failedFuture(failure("close", e)));
      }
      return closing;
    }
  }

  /** Waits for each reader connection to come back from its running read, then closes it. */
  private void closeReaders(SQLException failure) throws InterruptedException {
    List<Connection> taken = new ArrayList<>(READERS);
    while (taken.size() < READERS) {
      Connection c = readers.poll(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
      if (c == null) {
        failure.addSuppressed(new SQLException("a read did not finish within "
            + CLOSE_WAIT_SECONDS + " s; closing anyway"));
        break;
      }
      taken.add(c);
    }
    taken.forEach(c -> SqliteSchema.closeQuietly(c, failure));
    // Closed connections go back so that a read racing with close fails fast, not waits.
    readers.addAll(taken);
  }

  private <T> Future<T> write(String what, Callable<T> work) {
    if (closing != null) {
      return Future.failedFuture(closed());
    }
    try {
      // Unordered on purpose: the pool is one thread with a FIFO queue, so tasks already run in
      // submission order across all callers; per-context ordering would add nothing.
      return writerPool.executeBlocking(() -> {
        try {
          return work.call();
        } catch (Exception e) {
          throw failure(what, e);
        }
      }, false);
    } catch (RuntimeException e) {
      return Future.failedFuture(closed()); // the worker pool was closed under us
    }
  }

  private <T> Future<T> read(String what, SqlRead<T> work) {
    if (closing != null) {
      return Future.failedFuture(closed());
    }
    try {
      return readerPool.executeBlocking(() -> {
        Connection c = readers.poll(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        if (c == null) {
          throw new SyncException(ErrorCode.UNAVAILABLE, "no SQLite read connection became free"
              + " within " + CLOSE_WAIT_SECONDS + " s; retry later");
        }
        try {
          return work.read(c);
        } catch (Exception e) {
          throw failure(what, e);
        } finally {
          readers.add(c);
        }
      }, false);
    } catch (RuntimeException e) {
      return Future.failedFuture(closed()); // the worker pool was closed under us
    }
  }

  private SyncException closed() {
    return new SyncException(ErrorCode.UNAVAILABLE, "the SQLite store at " + file
        + " is closed; retry later");
  }

  private SyncException failure(String what, Throwable e) {
    if (e instanceof SyncException se) {
      return se;
    }
    if (e instanceof SQLException) {
      return new SyncException(ErrorCode.UNAVAILABLE, "the SQLite store at " + file
          + " could not " + what + " (" + e.getMessage() + "); nothing was changed, retry later",
          e);
    }
    return new SyncException(ErrorCode.INTERNAL, "the SQLite store at " + file + " failed to "
        + what + "; nothing was changed", e);
  }

  @FunctionalInterface
  private interface SqlRead<T> {
    T read(Connection c) throws Exception;
  }
}
