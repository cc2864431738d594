package io.livesync.core.store;

/**
 * The Redis key layout. Every key of one collection carries the hash tag {@code {<collection>}},
 * so a collection lives in one Redis Cluster slot and one Lua script can touch all of its keys.
 * Collection names cannot contain braces (PROTOCOL.md 1), so the tag is always the whole name.
 *
 * <pre>
 * ls:{c}:rec:&lt;id&gt;   hash  v=version s=seq u=updatedAt d=deleted(0/1) j=record JSON (no seq)
 * ls:{c}:seq         string the collection's last seq (INCR)
 * ls:{c}:idx         zset   member=id score=seq of the record's latest change (catch-up)
 * ls:{c}:live        zset   member=id score=0 for live records (ZRANGEBYLEX: list in id order)
 * ls:{c}:tomb        zset   member=id score=updatedAt for tombstones (purge by age)
 * ls:{c}:meta        hash   epoch, horizon
 * ls:{c}:op:&lt;opId&gt;  string createdAt:assignedSeq:fingerprintLength:fingerprint ackJSON; PX
 *                    (earlier versions: hash f, a, c, s, indexed in ls:{c}:ops)
 * ls:{c}:ops         zset   member=opId score=createdAt of the hash outcomes of earlier versions
 *                    (purgeOps drains it; no longer written)
 * ls:{c}:changes     pub/sub channel of the collection's changes
 * ls:opref:&lt;opId&gt;    string the collection that owns the opId (findOp, re-use across
 *                    collections); PEXPIRE
 * ls:collections     set    every collection name (purges walk it)
 * </pre>
 */
public final class RedisKeys {
  public static final String COLLECTIONS = "ls:collections";

  private RedisKeys() {
  }

  static String tag(String collection) {
    return "ls:{" + collection + "}:";
  }

  public static String record(String collection, String id) {
    return tag(collection) + "rec:" + id;
  }

  static String recordPrefix(String collection) {
    return tag(collection) + "rec:";
  }

  public static String seq(String collection) {
    return tag(collection) + "seq";
  }

  static String index(String collection) {
    return tag(collection) + "idx";
  }

  static String live(String collection) {
    return tag(collection) + "live";
  }

  static String tombstones(String collection) {
    return tag(collection) + "tomb";
  }

  public static String meta(String collection) {
    return tag(collection) + "meta";
  }

  static String op(String collection, String opId) {
    return tag(collection) + "op:" + opId;
  }

  static String opPrefix(String collection) {
    return tag(collection) + "op:";
  }

  /** SCAN pattern of every collection's outcome keys (filter with {@link #collectionOfOp}). */
  static final String OP_PATTERN = "ls:{*}:op:*";

  /** The collection of an outcome key made by {@link #op}, or null for another key. */
  static String collectionOfOp(String key) {
    int end = key.indexOf('}');
    if (!key.startsWith("ls:{") || end < 0 || !key.startsWith("}:op:", end)) {
      return null;
    }
    return key.substring(4, end);
  }

  static String ops(String collection) {
    return tag(collection) + "ops";
  }

  /** The pub/sub channel the commit script publishes the collection's changes on. */
  public static String changes(String collection) {
    return tag(collection) + "changes";
  }

  /** The collection back from a channel name made by {@link #changes}, or null. */
  public static String collectionOfChannel(String channel) {
    if (!channel.startsWith("ls:{") || !channel.endsWith("}:changes")) {
      return null;
    }
    return channel.substring(4, channel.length() - "}:changes".length());
  }

  static String opRef(String opId) {
    return "ls:opref:" + opId;
  }
}
