package io.livesync.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import io.vertx.redis.client.Response;

/**
 * The JSON the Redis store keeps. Seqs are assigned inside the commit script, so the stored
 * record JSON has no seq (it lives in the hash field {@code s}), and the published change is
 * sent without its seq and closing brace for the script to complete. Stateless.
 */
final class RedisCodec {
  private RedisCodec() {
  }

  /** The record without collection, id and seq (those come from the key and field {@code s}). */
  static String record(StoredRecord r) {
    ObjectNode o = Json.object();
    o.set("data", r.data());
    o.put("version", r.version()).put("ts", r.ts()).put("deleted", r.deleted())
        .put("updatedAt", r.updatedAt());
    if (r.meta() != null) {
      o.set("meta", r.meta());
    }
    return Json.write(o);
  }

  static StoredRecord record(String collection, String id, long seq, String json) {
    ObjectNode o = Json.parseObject(json);
    JsonNode data = o.get("data");
    JsonNode meta = o.get("meta");
    return new StoredRecord(collection, id,
        data != null && data.isObject() ? (ObjectNode) data : Json.object(),
        o.path("version").asLong(), seq, o.path("ts").asText(null), o.path("deleted").asBoolean(),
        meta != null && meta.isObject() ? (ObjectNode) meta : null, o.path("updatedAt").asLong());
  }

  /**
   * The change message without seq and without its closing brace; the commit script appends
   * {@code ,"seq":N,"epoch":"E"}}. The result decodes with {@link Codec#decodeChange}.
   */
  static String openChange(Change c) {
    ObjectNode o = Codec.changeNode(c, true);
    o.remove("seq");
    String json = Json.write(o);
    return json.substring(0, json.length() - 1);
  }

  static String ack(Ack a) {
    return Json.write(Codec.ackNode(a));
  }

  /**
   * An op outcome as stored: the ack JSON, and the seq the commit assigned ({@code ""} when the
   * write changed nothing), which also goes into the record of a merged ack.
   */
  static OpRecord op(String opId, String fingerprint, String ackJson, String createdAt,
      String assignedSeq) {
    Ack ack = Codec.decodeAck(Json.parseObject(ackJson));
    if (assignedSeq != null && !assignedSeq.isEmpty()) {
      ack = ack.withSeq(Long.parseLong(assignedSeq));
    }
    return new OpRecord(opId, fingerprint, ack, Long.parseLong(createdAt));
  }

  /**
   * The part of a stored outcome that Java knows before the commit: {@code <length of the
   * fingerprint>:<fingerprint><ack JSON>}. The commit script stores {@code
   * <createdAt>:<assigned seq or empty>:} followed by this (see {@link #op(String, String)}).
   */
  static String outcomeTail(String fingerprint, String ackJson) {
    return fingerprint.length() + ":" + fingerprint + ackJson;
  }

  /** An op outcome stored as one string by the commit script (see {@link #outcomeTail}). */
  static OpRecord op(String opId, String stored) {
    int c = stored.indexOf(':');
    int s = stored.indexOf(':', c + 1);
    int l = stored.indexOf(':', s + 1);
    int fpStart = l + 1;
    int fpEnd = fpStart + Integer.parseInt(stored.substring(s + 1, l));
    return op(opId, stored.substring(fpStart, fpEnd), stored.substring(fpEnd),
        stored.substring(0, c), stored.substring(c + 1, s));
  }

  /**
   * An outcome as the scripts answer it (priors.lua, op.lua, commit.lua's duplicates): the stored
   * string at {@code at}, or else the four fields of an outcome an earlier version stored as a
   * hash (fingerprint, ack JSON, createdAt, assigned seq) after it; null when there is neither.
   */
  static OpRecord op(String opId, Response r, int at) {
    if (r.get(at) != null) {
      return op(opId, r.get(at).toString());
    }
    return r.get(at + 1) == null ? null : opFromHash(opId, r, at + 1);
  }

  /**
   * An outcome an earlier version stored as a hash, answered as its fields fingerprint, ack
   * JSON, createdAt and assigned seq from {@code at} (the last two may be absent).
   */
  static OpRecord opFromHash(String opId, Response r, int at) {
    return op(opId, r.get(at).toString(), r.get(at + 1).toString(),
        r.get(at + 2) == null ? "0" : r.get(at + 2).toString(),
        r.get(at + 3) == null ? "" : r.get(at + 3).toString());
  }

}
