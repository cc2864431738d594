package io.livesync.core;

import static io.livesync.core.StoreFixtures.doc;
import static io.livesync.core.StoreFixtures.insert;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.Prior;
import io.livesync.core.store.SqliteStore;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SqliteStore reads a batch's priors in a few tasks of two statements each; the answers are
 * those of get and findOp, write by write.
 */
class SqlitePriorsTest {
  @TempDir
  Path dir;

  @Test
  void priorsOfABatchEqualGetAndFindOpInOrder() throws Exception {
    Vertx vertx = Vertx.vertx();
    SqliteStore store = SqliteStore.open(vertx, dir.resolve("p.db"), "NORMAL").await();
    try {
      List<Mutation> stored = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        stored.add(insert("c" + (i % 3), "r" + i, doc("n", i)));
      }
      store.commit(stored).await();
      List<Write> writes = new ArrayList<>();
      for (int i = 0; i < 130; i++) { // known records and opIds, then unknown ones
        String opId = i < 100 ? stored.get(i).opId() : "unknown-" + i;
        writes.add(new Write(Op.UPDATE, opId, "c" + (i % 3), "r" + i, doc("n", -i), null,
            null));
      }
      for (int i = 0; i < 10; i++) { // a known id in another collection; a write twice
        writes.add(new Write(Op.UPDATE, "other-" + i, "c" + ((i + 1) % 3), "r" + i,
            doc("n", i), null, null));
        writes.add(writes.get(i * 7));
      }
      List<Prior> priors = store.priors(writes).await(20, TimeUnit.SECONDS);
      assertThat(priors).hasSize(writes.size());
      for (int i = 0; i < writes.size(); i++) {
        Write w = writes.get(i);
        assertThat(priors.get(i).record()).as("record %d", i)
            .isEqualTo(store.get(w.collection(), w.id()).await());
        assertThat(priors.get(i).op()).as("op %d", i).isEqualTo(store.findOp(w.opId()).await());
        boolean known = i < 100 || (i >= 130 && i % 2 == 1);
        assertThat(priors.get(i).record() != null).as("record %d found", i).isEqualTo(known);
        assertThat(priors.get(i).op() != null).as("op %d found", i).isEqualTo(known);
      }
      assertThat(store.priors(List.of()).await()).isEmpty();
    } finally {
      store.close().await();
      vertx.close().await();
    }
  }
}
