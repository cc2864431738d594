package io.livesync.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;

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

}
