package io.livesync.core.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@link RedisStore}'s purges of tombstones and opId outcomes, collection by collection in
 * bounded rounds so that no script blocks Redis for long.
 */
final class RedisPurge {
  static final RedisScript PURGE_TOMBSTONES = RedisScript.load("purge_tombstones");
  static final RedisScript PURGE_OPS = RedisScript.load("purge_ops");
  static final RedisScript PURGE_OP_KEYS = RedisScript.load("purge_op_keys");

  private static final int BATCH = 500;
  private static final int MAX_ROUNDS = 10_000;
  /** SCAN's COUNT hint when looking for outcome keys. */
  private static final int SCAN_COUNT = 1000;
  private static final int SCAN_MAX_ROUNDS = 1_000_000;

  private final RedisLink link;

  RedisPurge(RedisLink link) {
    this.link = link;
  }

  Future<Long> tombstones(long olderThanMillis) {
    return forEachCollection(c -> rounds(PURGE_TOMBSTONES,
        List.of(RedisKeys.tombstones(c), RedisKeys.index(c), RedisKeys.meta(c)),
        List.of(Long.toString(olderThanMillis), Integer.toString(BATCH),
            RedisKeys.recordPrefix(c)), r -> num(r.get(0)), r -> num(r.get(1)), 0, 0));
  }

  /**
   * Outcomes are one string key each ({@code commit.lua}) with a TTL, found here by one SCAN of
   * the keyspace (the purge runs rarely; the TTL forgets them anyway). Outcomes an earlier
   * version stored as hashes are indexed in the collection's {@code ops} zset and purged
   * through it, until it is empty.
   */
  Future<Long> ops(long olderThanMillis) {
    Future<Long> legacy = forEachCollection(c -> rounds(PURGE_OPS, List.of(RedisKeys.ops(c)),
        List.of(Long.toString(olderThanMillis), Integer.toString(BATCH), RedisKeys.opPrefix(c)),
        r -> {
          for (int i = 1; i < r.size(); i++) {
            dropOpRef(r.get(i).toString());
          }
          return num(r.get(0));
        }, r -> r.size() - 1L, 0, 0));
    return legacy.compose(n -> scanOps("0", olderThanMillis, n, 0));
  }

  /** One SCAN step over the outcome keys, then the next from its cursor until it is back at 0. */
  private Future<Long> scanOps(String cursor, long olderThanMillis, long total, int round) {
    return link.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(RedisKeys.OP_PATTERN)
        .arg("COUNT").arg(SCAN_COUNT).arg("TYPE").arg("string")).compose(r -> {
          String next = r.get(0).toString();
          Map<String, List<String>> keysOf = new HashMap<>();
          for (Response key : r.get(1)) {
            String k = key.toString();
            String c = RedisKeys.collectionOfOp(k);
            if (c != null) {
              keysOf.computeIfAbsent(c, x -> new ArrayList<>()).add(k);
            }
          }
          List<Future<Integer>> deleted = new ArrayList<>();
          keysOf.forEach((c, keys) -> deleted.add(link.eval(PURGE_OP_KEYS, keys,
              List.of(Long.toString(olderThanMillis))).map(d -> {
                int prefix = RedisKeys.opPrefix(c).length();
                for (Response i : d) {
                  dropOpRef(keys.get(Integer.parseInt(i.toString()) - 1).substring(prefix));
                }
                return d.size();
              })));
          return Future.all(deleted).compose(v -> {
            long sum = total;
            for (Future<Integer> f : deleted) {
              sum += f.result();
            }
            if (next.equals("0") || round >= SCAN_MAX_ROUNDS) {
              return Future.succeededFuture(sum);
            }
            return scanOps(next, olderThanMillis, sum, round + 1);
          });
        });
  }

  /** An expired claim is harmless; this keeps findOp from naming a purged outcome. */
  private void dropOpRef(String opId) {
    link.send(Request.cmd(Command.DEL).arg(RedisKeys.opRef(opId)));
  }

  /** Runs a purge script on one collection until a round examines less than a full batch. */
  private Future<Long> rounds(RedisScript script, List<String> keys, List<String> args,
      Function<Response, Long> removed, Function<Response, Long> examined, long total,
      int round) {
    return link.eval(script, keys, args).compose(r -> {
      long sum = total + removed.apply(r);
      if (examined.apply(r) < BATCH || round >= MAX_ROUNDS) {
        return Future.succeededFuture(sum);
      }
      return rounds(script, keys, args, removed, examined, sum, round + 1);
    });
  }

  private Future<Long> forEachCollection(Function<String, Future<Long>> purge) {
    return link.send(Request.cmd(Command.SMEMBERS).arg(RedisKeys.COLLECTIONS)).compose(names -> {
      List<Future<Long>> counts = new ArrayList<>();
      if (names != null) {
        for (Response name : names) {
          counts.add(purge.apply(name.toString()));
        }
      }
      return Future.all(counts).map(v -> counts.stream().mapToLong(Future::result).sum());
    });
  }

  private static long num(Response r) {
    return r == null ? 0 : Long.parseLong(r.toString());
  }
}
