package io.livesync.server;

import io.livesync.core.config.SyncConfig;
import io.livesync.core.store.RedisStore;
import io.livesync.core.store.SqliteStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code java -jar sync-server.jar --new-epochs}: gives every collection of the configured store
 * a new epoch, for a store restored from a backup. The restored data carries the epochs of the
 * backup, so a client whose cursor is past the backup's seq would otherwise be sent seqs that
 * are reused for other changes; with a new epoch it is told to {@code reset} and reloads
 * (PROTOCOL.md: a store restored from an old backup changes the epoch). Seqs and horizons are
 * kept. Embedded mode: run it while no server uses the data directory. Cluster mode: run it
 * before gateways and workers start; running gateways would also notice and reset their
 * subscribers.
 */
final class RenewEpochs {
  private RenewEpochs() {
  }

  /** Renews the epochs of the store {@code config} names; the number of collections. */
  static Future<Integer> run(Vertx vertx, SyncConfig config) {
    if (config.store().clustered()) {
      return RedisStore.connect(vertx, config.store().redisUrl(),
              config.store().opRetentionMillis())
          .compose(store -> store.renewEpochs().eventually(store::close));
    }
    Path db = Path.of(config.store().dataDir(), SyncServer.DATABASE_FILE);
    if (!Files.exists(db)) {
      return Future.failedFuture(new IllegalStateException("no store at " + db.toAbsolutePath()
          + ": set SYNC_DATA_DIR (store.dataDir) to the restored data directory"));
    }
    return SqliteStore.open(vertx, db, config.store().sqliteSynchronous())
        .compose(store -> store.renewEpochs().eventually(store::close));
  }
}
