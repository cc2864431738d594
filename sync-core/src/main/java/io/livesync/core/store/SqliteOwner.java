package io.livesync.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
 */
final class SqliteOwner implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private SqliteOwner(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static Path lockFile(Path store) {
    Path absolute = store.toAbsolutePath();
    return absolute.resolveSibling(absolute.getFileName() + ".lock");
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
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by another open store in this JVM
      }
      if (lock == null) {
        throw new InUse("the store is in use by another server (process "
            + owner(channel) + ", which holds " + file + "); stop it first");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII)), 0);
      channel.force(false);
      return new SqliteOwner(channel, lock);
    } catch (IOException | RuntimeException e) {
      try {
        channel.close();
      } catch (IOException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
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
      channel.close();
    }
  }
}
