package io.livesync.core.redis;

import static io.livesync.core.StoreFixtures.doc;
import static io.livesync.core.StoreFixtures.insert;
import static io.livesync.core.StoreFixtures.outcome;
import static io.livesync.core.StoreFixtures.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.CommitResult.Kind;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.Prior;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * opId outcomes are one string key with a TTL; earlier versions stored a hash (f, a, c, s)
 * indexed in the collection's {@code ops} zset. A Redis holding outcomes of the earlier layout
 * must still dedupe them (commit, priors, findOp) and purge them.
 */
@Timeout(60)
class RedisOutcomeLayoutTest extends RedisStoreCase {
  @Test
  void anOutcomeIsOneStringKeyWithATtlAndNoIndex() throws Exception {
    Mutation m = insert("todos", "a", doc("n", 1));
    commit(m);
    String key = "ls:{todos}:op:" + m.opId();
    assertThat(redis.command("TYPE", key)).isEqualTo("string");
    long ttl = Long.parseLong(redis.command("PTTL", key));
    assertThat(ttl).isBetween(RedisStoreTest.OP_RETENTION - 60_000, RedisStoreTest.OP_RETENTION);
    assertThat(redis.command("EXISTS", "ls:{todos}:ops")).isEqualTo("0");
  }

  @Test
  void outcomesOfTheEarlierHashLayoutAreDedupedAndPurged() throws Exception {
    long before = System.currentTimeMillis();
    Mutation applied = insert("todos", "a", doc("n", 1));
    commit(applied);
    Mutation rejected = outcome("rejected-op", WriteStatus.REJECTED,
        store.get("todos", "a").await(AWAIT, TimeUnit.SECONDS));
    commit(rejected);
    OpRecord appliedOp = store.findOp(applied.opId()).await(AWAIT, TimeUnit.SECONDS);
    OpRecord rejectedOp = store.findOp(rejected.opId()).await(AWAIT, TimeUnit.SECONDS);
    assertThat(appliedOp.ack().seq()).isEqualTo(1);
    // rewrite both outcomes as the earlier version stored them
    toHashLayout("todos", applied.opId(), 1);
    toHashLayout("todos", rejected.opId(), 0);
    assertThat(redis.command("TYPE", "ls:{todos}:op:" + applied.opId())).isEqualTo("hash");
    Mutation fresh = insert("todos", "b", doc("n", 2));
    commit(fresh);

    assertThat(store.findOp(applied.opId()).await(AWAIT, TimeUnit.SECONDS)).isEqualTo(appliedOp);
    assertThat(store.findOp(rejected.opId()).await(AWAIT, TimeUnit.SECONDS))
        .isEqualTo(rejectedOp);
    List<Prior> priors = store.priors(List.of(
        new Write(Op.UPDATE, applied.opId(), "todos", "a", doc("n", 1), null, null),
        new Write(Op.UPDATE, rejected.opId(), "todos", "a", doc(), null, null),
        new Write(Op.UPDATE, fresh.opId(), "todos", "b", doc(), null, null)))
        .await(AWAIT, TimeUnit.SECONDS);
    assertThat(priors.get(0).op()).isEqualTo(appliedOp);
    assertThat(priors.get(1).op()).isEqualTo(rejectedOp);
    assertThat(priors.get(2).op())
        .isEqualTo(store.findOp(fresh.opId()).await(AWAIT, TimeUnit.SECONDS));

    List<CommitResult> retried = store.commit(List.of(applied, rejected,
        update("todos", "a", 1, doc("n", 3)))).await(AWAIT, TimeUnit.SECONDS);
    assertThat(retried.get(0).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(retried.get(0).previous()).isEqualTo(appliedOp);
    assertThat(retried.get(1).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(retried.get(1).previous()).isEqualTo(rejectedOp);
    assertThat(retried.get(2).kind()).isEqualTo(Kind.COMMITTED);
    assertThat(retried.get(2).ack().seq()).as("no seq taken by the duplicates").isEqualTo(3);

    assertThat(store.purgeOps(before).await(AWAIT, TimeUnit.SECONDS)).isZero();
    long after = System.currentTimeMillis();
    assertThat(store.purgeOps(after + 1).await(AWAIT, TimeUnit.SECONDS))
        .as("2 hash outcomes, 2 string outcomes").isEqualTo(4);
    for (String opId : List.of(applied.opId(), rejected.opId(), fresh.opId())) {
      assertThat(store.findOp(opId).await(AWAIT, TimeUnit.SECONDS)).as(opId).isNull();
    }
    assertThat(redis.command("EXISTS", "ls:{todos}:ops")).isEqualTo("0");
    assertThat(store.get("todos", "a").await(AWAIT, TimeUnit.SECONDS)).isNotNull();
  }

  @Test
  void purgeOpsWalksEveryCollectionAcrossScanPagesAndKeepsNewerOutcomes() throws Exception {
    List<Mutation> old = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) { // more outcome keys than one SCAN page examines
      old.add(insert("c" + (i % 5), "r" + i, doc("i", i)));
    }
    store.commit(old).await(AWAIT, TimeUnit.SECONDS);
    long cutoff = store.findOp(old.get(0).opId()).await(AWAIT, TimeUnit.SECONDS).createdAt() + 1;
    while (System.currentTimeMillis() < cutoff) {
      Thread.onSpinWait(); // the next outcome's createdAt must be after the cutoff
    }
    Mutation newer = insert("c0", "late", doc());
    commit(newer);

    assertThat(store.purgeOps(cutoff).await(AWAIT, TimeUnit.SECONDS)).isEqualTo(2_500);
    assertThat(store.findOp(old.get(7).opId()).await(AWAIT, TimeUnit.SECONDS)).isNull();
    assertThat(redis.command("EXISTS", "ls:opref:" + old.get(7).opId())).isEqualTo("0");
    assertThat(store.findOp(newer.opId()).await(AWAIT, TimeUnit.SECONDS)).isNotNull();
  }

  private void commit(Mutation m) throws Exception {
    CommitResult r = store.commit(List.of(m)).await(AWAIT, TimeUnit.SECONDS).get(0);
    assertThat(r.kind()).isEqualTo(Kind.COMMITTED);
  }

  /** Replaces a string outcome with the hash (f, a, c, s) plus ops zset entry of before. */
  private void toHashLayout(String collection, String opId, long seq) {
    String key = "ls:{" + collection + "}:op:" + opId;
    String v = redis.command("GET", key);
    int c = v.indexOf(':');
    int s = v.indexOf(':', c + 1);
    int l = v.indexOf(':', s + 1);
    int fpEnd = l + 1 + Integer.parseInt(v.substring(s + 1, l));
    String createdAt = v.substring(0, c);
    assertThat(v.substring(c + 1, s)).isEqualTo(seq == 0 ? "" : Long.toString(seq));
    redis.command("DEL", key);
    if (seq == 0) {
      redis.command("HSET", key, "f", v.substring(l + 1, fpEnd), "a", v.substring(fpEnd),
          "c", createdAt);
    } else {
      redis.command("HSET", key, "f", v.substring(l + 1, fpEnd), "a", v.substring(fpEnd),
          "c", createdAt, "s", Long.toString(seq));
    }
    redis.command("PEXPIRE", key, Long.toString(RedisStoreTest.OP_RETENTION));
    redis.command("ZADD", "ls:{" + collection + "}:ops", createdAt, opId);
  }
}
