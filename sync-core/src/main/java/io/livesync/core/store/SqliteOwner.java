package io.livesync.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one process that may open a SQLite store: an exclusive lock on {@code <file>.lock},
 * held from before the schema is read until the store's connections are closed.
 *
 * <p>SQLite itself lets several processes share a file and serializes their transactions, so
 * nothing would be corrupted, but a second server on the same file would still be wrong: each
 * server fans out only the changes its own worker committed, so subscribers of one would miss
 * the other's changes until they reconnect, and {@code --new-epochs} under a running server
 * would leave it serving the old epochs. The lock is an OS file lock ({@code fcntl} on Linux),
 * so a process that dies, even by {@code kill -9}, releases it; the file stays and holds the
 * owner's pid for the error message of the next one.
 *
 * <p>A lock this process holds is also recorded in {@link #HELD}, and checked there before the
 * file is opened again: POSIX releases every lock a process holds on a file when any of its
 * descriptors of that file is closed, so a second open of the lock file in this JVM, refused
 * and closed, would silently drop the first store's lock.
 */
final class SqliteOwner implements AutoCloseable {
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private SqliteOwner(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** {@code <store>.lock} beside the store, its directory resolved (the directory must exist). */
  static Path lockFile(Path store) throws IOException {
    Path absolute = store.toAbsolutePath().normalize();
    Path dir = absolute.getParent().toRealPath();
    return dir.resolve(absolute.getFileName() + ".lock");
  }

  /**
   * Takes the lock of {@code store} without waiting.
   *
   * @throws InUse naming the owner's pid when another process (or another open store of this
   *     process) holds it
   * @throws IOException when the lock file cannot be opened
   */
  static SqliteOwner acquire(Path store) throws IOException {
    Path file = lockFile(store);
    if (!HELD.add(file)) {
      throw inUse(Long.toString(ProcessHandle.current().pid()), file);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      // HELD keeps this JVM from reaching here twice for one file, so tryLock cannot throw
      // OverlappingFileLockException; null means another process holds the lock.
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw inUse(owner(channel), file);
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII)), 0);
      channel.force(false);
      return new SqliteOwner(file, channel, lock);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException closing) {
          e.addSuppressed(closing);
        }
      }
      HELD.remove(file);
      throw e;
    }
  }

  private static InUse inUse(String pid, Path file) {
    return new InUse("the store is in use by another server (process " + pid + ", which holds "
        + file + "); stop it first");
  }

  /** The store is open elsewhere; the message says where and what to do. */
  static final class InUse extends IOException {
    InUse(String message) {
      super(message);
    }
  }

  /** The pid the owner wrote, or "unknown" before it wrote one. */
  private static String owner(FileChannel channel) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(32);
      channel.read(buf, 0);
      String pid = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
      return pid.matches("[0-9]{1,19}") ? pid : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Releases the lock; the file stays, since removing it would race with the next owner. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      try {
        channel.close();
      } finally {
        HELD.remove(file);
      }
    }
  }
}
