package io.livesync.core.store;

import io.livesync.core.spi.CommitResult;
import io.livesync.core.spi.Mutation;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How {@link RedisStore} cuts a batch into per-collection script calls, and the {@code
 * commit.lua} call format (KEYS, ARGV, answer; the script's header documents the same). Stateless.
 */
final class RedisBatches {
  private RedisBatches() {
  }

  /**
   * Indexes of {@code items} grouped by collection, in list order, at most {@code chunkSize}
   * per group.
   */
  static <T> List<List<Integer>> chunksByCollection(List<T> items,
      Function<T, String> collection, int chunkSize) {
    Map<String, List<Integer>> open = new HashMap<>();
    List<List<Integer>> chunks = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String c = collection.apply(items.get(i));
      List<Integer> chunk = open.get(c);
      if (chunk == null || chunk.size() >= chunkSize) {
        chunk = new ArrayList<>();
        open.put(c, chunk);
        chunks.add(chunk);
      }
      chunk.add(i);
    }
    return chunks;
  }

  /** The KEYS of one {@code commit.lua} call for the mutations at {@code chunk}. */
  static List<String> commitKeys(List<Mutation> ms, List<Integer> chunk) {
    String c = ms.get(chunk.get(0)).collection();
    List<String> keys = new ArrayList<>(5 + 2 * chunk.size());
    keys.add(RedisKeys.seq(c));
    keys.add(RedisKeys.index(c));
    keys.add(RedisKeys.live(c));
    keys.add(RedisKeys.tombstones(c));
    keys.add(RedisKeys.meta(c));
    for (int i : chunk) {
      Mutation m = ms.get(i);
      keys.add(RedisKeys.record(c, m.ack().id()));
      keys.add(RedisKeys.op(c, m.opId()));
    }
    return keys;
  }

  /** The ARGV of one {@code commit.lua} call for the mutations at {@code chunk}. */
  static List<String> commitArgs(List<Mutation> ms, List<Integer> chunk, long now,
      long opRetentionMillis, String epochCandidate, RedisWitness.Seen witness) {
    String c = ms.get(chunk.get(0)).collection();
    List<String> args = new ArrayList<>(6 + 9 * chunk.size());
    args.add(Long.toString(now));
    args.add(Long.toString(opRetentionMillis));
    args.add(epochCandidate);
    args.add(RedisKeys.changes(c));
    args.add(witness == null ? "" : witness.epoch());
    args.add(witness == null ? "0" : Long.toString(witness.seq()));
    for (int i : chunk) {
      Mutation m = ms.get(i);
      StoredRecord next = m.next();
      boolean changes = next != null;
      args.add(RedisCodec.outcomeTail(m.fingerprint(), RedisCodec.ack(m.ack())));
      args.add(Long.toString(m.expectedVersion()));
      args.add(changes ? "1" : "0");
      args.add(changes ? Long.toString(next.version()) : "");
      args.add(changes && next.deleted() ? "1" : "0");
      args.add(changes ? Long.toString(next.updatedAt()) : "");
      args.add(changes ? RedisCodec.record(next) : "");
      args.add(changes ? RedisCodec.openChange(m.change()) : "");
      args.add(m.ack().id());
    }
    return args;
  }

  /** The result of one mutation, at {@code at} in a {@code commit.lua} answer. */
  static CommitResult commitResult(Mutation m, Response r, int at) {
    switch (r.get(at).toString()) {
      case "dup":
        return CommitResult.duplicate(RedisCodec.op(m.opId(), r.get(at + 1).toString()));
      case "duph":
        return CommitResult.duplicate(RedisCodec.opFromHash(m.opId(), r, at + 1));
      case "conflict":
        return CommitResult.conflict();
      default:
        long seq = num(r.get(at + 1));
        if (m.next() == null) {
          return CommitResult.committed(m.ack(), null);
        }
        Ack ack = m.ack().withSeq(seq);
        Change change = m.change().withSeq(seq);
        return CommitResult.committed(ack, change);
    }
  }

  /** The epoch a {@code commit.lua} answer of {@code count} mutations committed in, or "". */
  static String commitEpoch(Response r, int count) {
    return r.get(5 * count).toString();
  }

  /** The last seq a {@code commit.lua} answer of {@code count} mutations assigned, or 0. */
  static long lastSeq(Response r, int count) {
    return num(r.get(5 * count + 1));
  }

  /** The seq found below the witness when the answer reports a lost tail, else -1. */
  static long lostTailAt(Response r, int count) {
    String at = r.get(5 * count + 2).toString();
    return at.isEmpty() ? -1 : Long.parseLong(at);
  }

  private static long num(Response r) {
    return r == null ? 0 : Long.parseLong(r.toString());
  }
}
