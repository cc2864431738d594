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
import io.livesync.protocol.Write;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster store: records, histories and opId outcomes in Redis ({@link RedisKeys} has the
 * layout). A Lua script ({@code commit.lua}, one call per collection of a batch) takes each
 * mutation in order and, atomically for it, dedupes the opId, checks the version
 * (compare-and-set), stores the record, takes the collection's next seq (INCR), updates the
 * indexes, remembers the outcome and PUBLISHes the change; so this store also publishes, and
 * {@code RedisSyncBus.publish} has nothing left to do.
 *
 * <p>Durability is Redis's: an acknowledged commit survives a Redis crash only with {@code
 * appendonly yes} and {@code appendfsync always}, and eviction must be off ({@code
 * maxmemory-policy noeviction}). A Redis that lost its data gets new epochs, so clients reset
 * rather than receive a wrong tail.
 *
 * <p>opIds: the outcome lives in the collection's slot ({@code ls:{c}:op:<opId>}), checked inside
 * the script; a second key {@code ls:opref:<opId>} names the collection that owns the opId, so
 * {@link #findOp} works without a collection and an opId re-used for another collection is
 * answered {@code DUPLICATE} with that collection's outcome (whose fingerprint differs, which
 * the worker answers with {@code bad_request}). The claim is made before the script runs; two
 * writes racing with the same opId to two collections in the same instant could both apply.
 * Outcomes expire by TTL after {@code opRetentionMillis}; {@link #purgeOps} forgets earlier ones.
 *
 * <p>All failures to reach Redis fail the future with {@code unavailable}; the link reconnects
 * by itself. Thread-safe; futures complete on the Redis connection's context.
 */
public final class RedisStore implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);
  static final RedisScript COMMIT = RedisScript.load("commit");
  static final RedisScript PRIORS = RedisScript.load("priors");
  static final RedisScript COLLECTION = RedisScript.load("collection");
  static final RedisScript CHANGES = RedisScript.load("changes");
  static final RedisScript LIST = RedisScript.load("list");
  static final RedisScript OP = RedisScript.load("op");
  static final List<RedisScript> SCRIPTS = List.of(COMMIT, PRIORS, COLLECTION, CHANGES, LIST, OP,
      RedisPurge.PURGE_TOMBSTONES, RedisPurge.PURGE_OPS, RedisPurge.PURGE_OP_KEYS);

  /** How long one Redis command may take before the store reports {@code unavailable}. */
  public static final long REQUEST_TIMEOUT_MILLIS = 5_000;
  /** Most writes one {@code priors.lua} or {@code commit.lua} call carries. */
  static final int CHUNK = 128;

  private final RedisLink link;
  private final long opRetentionMillis;
  private final RedisInFlight inFlight = new RedisInFlight();
  private final RedisPurge purge;
  private final RedisWitness witnesses = new RedisWitness();

  RedisStore(RedisLink link, long opRetentionMillis) {
    this.link = link;
    this.purge = new RedisPurge(link);
    this.opRetentionMillis = opRetentionMillis;
  }

  /**
   * Connects to Redis and loads the scripts; fails with {@code unavailable} when Redis cannot be
   * reached now (later outages are survived).
   *
   * @param opRetentionMillis how long opId outcomes are kept (their TTL)
   */
  public static Future<RedisStore> connect(Vertx vertx, String redisUrl, long opRetentionMillis) {
    RedisLink link = RedisLink.create(vertx, redisUrl, SCRIPTS, REQUEST_TIMEOUT_MILLIS);
    RedisStore store = new RedisStore(link, opRetentionMillis);
    return store.ping().map(store).onFailure(err -> link.close());
  }

  @Override
  public Future<CollectionInfo> collection(String name) {
    return inFlight.track(() -> {
      Future<Response> registered =
          link.send(Request.cmd(Command.SADD).arg(RedisKeys.COLLECTIONS).arg(name));
      Future<Response> markers = link.eval(COLLECTION,
          List.of(RedisKeys.meta(name), RedisKeys.seq(name)), List.of(newEpoch()));
      return Future.all(registered, markers).map(v -> {
        Response r = markers.result();
        return new CollectionInfo(name, r.get(0).toString(), num(r.get(1)), num(r.get(2)));
      });
    });
  }

  @Override
  public Future<StoredRecord> get(String collection, String id) {
    return inFlight.track(() -> {
      return link.send(Request.cmd(Command.HMGET).arg(RedisKeys.record(collection, id))
          .arg("s").arg("j")).map(r -> r.get(1) == null ? null
              : RedisCodec.record(collection, id, num(r.get(0)), r.get(1).toString()));
    });
  }

  @Override
  public Future<OpRecord> findOp(String opId) {
    return inFlight.track(() -> {
      return link.send(Request.cmd(Command.GET).arg(RedisKeys.opRef(opId)))
          .compose(owner -> owner == null ? Future.succeededFuture(null)
              : opIn(owner.toString(), opId));
    });
  }

  private Future<OpRecord> opIn(String collection, String opId) {
    return link.eval(OP, List.of(RedisKeys.op(collection, opId)), List.of())
        .map(r -> RedisCodec.op(opId, r, 0));
  }

  /**
   * One round trip in the common case: per collection (in chunks of {@value #CHUNK}) one {@code
   * priors.lua} reads the records and the opIds' outcomes in that collection, and each opId's
   * owner ({@code ls:opref}, another slot) is read beside it; only an opId owned by another
   * collection costs a second read, of that collection's outcome.
   */
  @Override
  public Future<List<Prior>> priors(List<Write> writes) {
    return inFlight.track(() -> {
      if (writes.isEmpty()) {
        return Future.succeededFuture(List.of());
      }
      List<Future<Response>> owners = new ArrayList<>(writes.size());
      for (Write w : writes) {
        owners.add(link.send(Request.cmd(Command.GET).arg(RedisKeys.opRef(w.opId()))));
      }
      Response[] read = new Response[writes.size()];
      int[] offset = new int[writes.size()];
      List<Future<?>> reads = new ArrayList<>(owners);
      for (List<Integer> chunk : RedisBatches.chunksByCollection(writes, Write::collection, CHUNK)) {
        String c = writes.get(chunk.get(0)).collection();
        List<String> keys = new ArrayList<>(2 * chunk.size());
        for (int i : chunk) {
          keys.add(RedisKeys.record(c, writes.get(i).id()));
          keys.add(RedisKeys.op(c, writes.get(i).opId()));
        }
        reads.add(link.eval(PRIORS, keys, List.of()).onSuccess(r -> {
          for (int k = 0; k < chunk.size(); k++) {
            read[chunk.get(k)] = r;
            offset[chunk.get(k)] = 7 * k;
          }
        }));
      }
      return Future.all(reads).compose(v -> {
        List<Future<Prior>> priors = new ArrayList<>(writes.size());
        for (int i = 0; i < writes.size(); i++) {
          Write w = writes.get(i);
          Response r = read[i];
          int o = offset[i];
          StoredRecord record = r.get(o + 1) == null ? null
              : RedisCodec.record(w.collection(), w.id(), num(r.get(o)), r.get(o + 1).toString());
          Response owner = owners.get(i).result();
          if (owner == null) {
            priors.add(Future.succeededFuture(new Prior(record, null)));
          } else if (owner.toString().equals(w.collection())) {
            OpRecord op = RedisCodec.op(w.opId(), r, o + 2);
            priors.add(Future.succeededFuture(new Prior(record, op)));
          } else {
            priors.add(opIn(owner.toString(), w.opId()).map(op -> new Prior(record, op)));
          }
        }
        return Future.all(priors).map(all -> {
          List<Prior> out = new ArrayList<>(priors.size());
          priors.forEach(f -> out.add(f.result()));
          return out;
        });
      });
    });
  }

  /**
   * Two round trips whatever the list's length: first every opId is claimed for its collection
   * ({@code SET NX GET}) and every collection registered, then the mutations of each collection
   * go to one {@code commit.lua} per chunk of {@value #CHUNK}, sent without waiting for each
   * other. Mutations of one collection keep their list order (one script, and one connection
   * for consecutive chunks); order across collections is not observable.
   */
  @Override
  public Future<List<CommitResult>> commit(List<Mutation> mutations) {
    return inFlight.track(() -> {
      if (mutations.isEmpty()) {
        return Future.succeededFuture(List.of());
      }
      Set<String> collections = new LinkedHashSet<>();
      Map<String, Future<Response>> owners = new HashMap<>();
      List<Future<?>> claims = new ArrayList<>();
      for (Mutation m : mutations) {
        if (collections.add(m.collection())) {
          claims.add(link.send(Request.cmd(Command.SADD).arg(RedisKeys.COLLECTIONS)
              .arg(m.collection())));
        }
        if (!owners.containsKey(m.opId())) {
          // the previous owner, or null when this call claimed the opId
          Future<Response> owner = link.send(Request.cmd(Command.SET)
              .arg(RedisKeys.opRef(m.opId())).arg(m.collection()).arg("NX")
              .arg("PX").arg(opRetentionMillis).arg("GET"));
          owners.put(m.opId(), owner);
          claims.add(owner);
        }
      }
      return Future.all(claims).compose(v -> {
        long now = System.currentTimeMillis();
        @SuppressWarnings("unchecked")
        Future<CommitResult>[] results = new Future[mutations.size()];
        List<Mutation> own = new ArrayList<>(mutations.size());
        List<Integer> ownIndex = new ArrayList<>(mutations.size());
        for (int i = 0; i < mutations.size(); i++) {
          Mutation m = mutations.get(i);
          Response owner = owners.get(m.opId()).result();
          if (owner != null && !owner.toString().equals(m.collection())) {
            results[i] = foreignOp(m, owner.toString());
          } else {
            own.add(m);
            ownIndex.add(i);
          }
        }
        for (List<Integer> chunk : RedisBatches.chunksByCollection(own, Mutation::collection, CHUNK)) {
          String collection = own.get(chunk.get(0)).collection();
          RedisWitness.Seen witness = witnesses.of(collection);
          Future<Response> answered =
              link.eval(COMMIT, RedisBatches.commitKeys(own, chunk), RedisBatches.commitArgs(
                  own, chunk, now, opRetentionMillis, newEpoch(), witness))
                  .onSuccess(r -> witnessed(collection, witness, r, chunk.size()));
          for (int k = 0; k < chunk.size(); k++) {
            Mutation m = own.get(chunk.get(k));
            int at = 5 * k;
            results[ownIndex.get(chunk.get(k))] =
                answered.map(r -> RedisBatches.commitResult(m, r, at));
          }
        }
        return Future.all(Arrays.asList(results)).map(all -> {
          List<CommitResult> out = new ArrayList<>(results.length);
          for (Future<CommitResult> f : results) {
            out.add(f.result());
          }
          return out;
        });
      });
    });
  }

  /**
   * What a gateway saw of a collection: the last {@code seq} its change feed delivered in {@code
   * epoch}. Raises this store's witness of that epoch (see {@link RedisWitness#heard}), so a
   * commit notices a lost tail even when the process that committed it is gone.
   */
  public void heard(String collection, String epoch, long seq) {
    witnesses.heard(collection, epoch, seq);
  }

  /**
   * Gives every collection (the members of {@code ls:collections}) a new epoch, keeping its seq
   * and horizon: for a Redis restored from a backup, so that every client resets instead of
   * trusting a cursor from a history Redis no longer has. Running gateways notice at their next
   * poll and reset their subscribers. Returns the number of collections.
   */
  public Future<Integer> renewEpochs() {
    return inFlight.track(() -> link.send(
        Request.cmd(Command.SMEMBERS).arg(RedisKeys.COLLECTIONS)).compose(members -> {
          List<Future<?>> renewed = new ArrayList<>(members.size());
          for (Response name : members) {
            renewed.add(link.send(Request.cmd(Command.HSET)
                .arg(RedisKeys.meta(name.toString())).arg("epoch").arg(newEpoch())));
          }
          return Future.all(renewed).map(members.size());
        }));
  }

  /** Remembers what a commit call committed, and reports a lost tail it found. */
  private void witnessed(String collection, RedisWitness.Seen witness, Response r, int count) {
    String epoch = RedisBatches.commitEpoch(r, count);
    long lostAt = RedisBatches.lostTailAt(r, count);
    if (lostAt >= 0) {
      LOG.warn("collection {} lost its history after seq {}: it had reached seq {} in epoch {}"
          + " (committed by this process, or delivered by a gateway's change feed), so Redis came"
          + " back without acknowledged writes (appendfsync everysec, or an older snapshot); the"
          + " collection now has epoch {} and goes on from seq {}, and every client of it resets",
          collection, lostAt, witness.seq(), witness.epoch(), epoch, witness.seq());
    }
    witnesses.saw(collection, epoch, RedisBatches.lastSeq(r, count));
  }

  /** The opId belongs to another collection: answer with that collection's outcome. */
  private Future<CommitResult> foreignOp(Mutation m, String owner) {
    return opIn(owner, m.opId()).map(known -> CommitResult.duplicate(known != null ? known
        : new OpRecord(m.opId(), "opId in use by collection " + owner, null, 0)));
  }

  @Override
  public Future<ChangesPage> changesSince(String collection, long since, int limit) {
    return inFlight.track(() -> {
      List<String> keys = List.of(RedisKeys.index(collection), RedisKeys.meta(collection),
          RedisKeys.seq(collection));
      return link.eval(CHANGES, keys, List.of(Long.toString(since),
              Integer.toString(Math.max(1, limit)), newEpoch(), RedisKeys.recordPrefix(collection)))
          .map(r -> {
            CollectionInfo info = new CollectionInfo(collection, r.get(0).toString(),
                num(r.get(1)), num(r.get(2)));
            boolean hasMore = num(r.get(3)) == 1;
            List<StoredRecord> records = records(collection, r, 4);
            long cursor = hasMore ? records.get(records.size() - 1).seq() : info.seq();
            return new ChangesPage(records, cursor, hasMore, info);
          });
    });
  }

  @Override
  public Future<RecordsPage> list(String collection, String afterId, int limit) {
    return inFlight.track(() -> {
      return link.eval(LIST, List.of(RedisKeys.live(collection)), List.of(
              afterId == null ? "" : afterId, Integer.toString(Math.max(1, limit)),
              RedisKeys.recordPrefix(collection)))
          .map(r -> {
            List<StoredRecord> records = records(collection, r, 1);
            boolean hasMore = num(r.get(0)) == 1;
            return new RecordsPage(records,
                hasMore ? records.get(records.size() - 1).id() : null);
          });
    });
  }

  private static List<StoredRecord> records(String collection, Response r, int from) {
    List<StoredRecord> out = new ArrayList<>((r.size() - from) / 3);
    for (int i = from; i + 2 < r.size(); i += 3) {
      String json = str(r.get(i + 2), "");
      if (!json.isEmpty()) {
        out.add(RedisCodec.record(collection, r.get(i).toString(), num(r.get(i + 1)), json));
      }
    }
    return out;
  }

  @Override
  public Future<Long> purgeTombstones(long olderThanMillis) {
    return inFlight.track(() -> purge.tombstones(olderThanMillis));
  }

  @Override
  public Future<Long> purgeOps(long olderThanMillis) {
    return inFlight.track(() -> purge.ops(olderThanMillis));
  }

  @Override
  public Future<Void> ping() {
    return link.send(Request.cmd(Command.PING)).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return inFlight.close().eventually(link::close);
  }

  /** A fresh epoch, used only if the collection has none yet (HSETNX in the scripts). */
  private static String newEpoch() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private static long num(Response r) {
    return r == null ? 0 : Long.parseLong(r.toString());
  }

  private static String str(Response r, String absent) {
    return r == null ? absent : r.toString();
  }
}
