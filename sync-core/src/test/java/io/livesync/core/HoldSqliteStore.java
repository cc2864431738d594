package io.livesync.core;

import io.livesync.core.store.SqliteStore;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * A child process for {@link SqliteStoreTest}: opens the store named by its argument, prints
 * {@code open}, then keeps it open until stdin closes or the process is killed.
 */
public final class HoldSqliteStore {
  private HoldSqliteStore() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    SqliteStore store = SqliteStore.open(vertx, Path.of(args[0]), "NORMAL").await();
    System.out.println("open");
    System.out.flush();
    while (System.in.read() >= 0) {
      // held until the parent closes our stdin
    }
    store.close().await();
    vertx.close().await();
  }
}
