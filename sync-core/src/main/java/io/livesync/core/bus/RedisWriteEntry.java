package io.livesync.core.bus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import io.livesync.protocol.Write;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The format of an entry of the write stream. One write: fields {@code w} (the write, {@code
 * Codec.writeNode}), {@code r} (the gateway's process id) and {@code q} (its request id). Several
 * writes of one gateway: fields {@code b}, a JSON array of {@code {"q": requestId, "w": write}},
 * and {@code r}. A worker answers each write on its own and acknowledges the entry once all of its
 * writes are answered. Stateless.
 */
final class RedisWriteEntry {
  /** Most writes one entry carries. */
  static final int MAX_WRITES = 64;

  /** One write of an entry and the request id its answer goes back under. */
  record Item(String requestId, Write write) {
  }

  /** An entry as read: the gateway to answer (null if absent), and its decodable writes. */
  record Decoded(String gateway, List<Item> items, int undecodable) {
  }

  private RedisWriteEntry() {
  }

  /** The XADD of one entry carrying {@code items} (1 to {@link #MAX_WRITES}). */
  static Request xadd(String processId, List<Item> items) {
    Request r = Request.cmd(Command.XADD).arg(RedisSyncBus.WRITES).arg("*");
    if (items.size() == 1) {
      Item only = items.get(0);
      return r.arg("w").arg(Json.write(Codec.writeNode(only.write()))).arg("r").arg(processId)
          .arg("q").arg(only.requestId());
    }
    ArrayNode batch = Json.MAPPER.createArrayNode();
    for (Item i : items) {
      batch.addObject().put("q", i.requestId()).set("w", Codec.writeNode(i.write()));
    }
    return r.arg("b").arg(Json.write(batch)).arg("r").arg(processId);
  }

  /** Reads an entry's fields; a write that cannot be decoded is counted, not returned. */
  static Decoded decode(Response fields) {
    String single = null;
    String batch = null;
    String gateway = null;
    String request = null;
    if (fields != null) {
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        Response value = fields.get(i + 1);
        switch (fields.get(i).toString()) {
          case "w": single = value == null ? null : value.toString(); break;
          case "b": batch = value == null ? null : value.toString(); break;
          case "r": gateway = value == null ? null : value.toString(); break;
          case "q": request = value == null ? null : value.toString(); break;
          default: break;
        }
      }
    }
    List<Item> items = new ArrayList<>(1);
    int undecodable = 0;
    if (batch != null) {
      JsonNode array;
      try {
        array = Json.parse(batch);
      } catch (RuntimeException e) {
        array = null;
      }
      if (array == null || !array.isArray()) {
        return new Decoded(gateway, List.of(), 1);
      }
      for (JsonNode item : array) {
        Item decoded = item(item.path("q").asText(null), item.get("w"));
        if (decoded == null) {
          undecodable++;
        } else {
          items.add(decoded);
        }
      }
    } else {
      Item decoded;
      try {
        decoded = item(request, Json.parse(single == null ? "null" : single));
      } catch (RuntimeException e) {
        decoded = null;
      }
      if (decoded == null) {
        undecodable++;
      } else {
        items.add(decoded);
      }
    }
    return new Decoded(gateway, items, undecodable);
  }

  private static Item item(String requestId, JsonNode write) {
    try {
      return new Item(requestId, Codec.decodeWrite(write));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
