package io.livesync.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes the protocol's JSON messages. Decoding checks types and names; limits that
 * depend on the server's clock and configuration are checked by {@link Validation}. Stateless and
 * thread-safe.
 */
public final class Codec {
  public static final int PROTOCOL_VERSION = 1;

  private Codec() {
  }

  // ---------------------------------------------------------------- client -> server

  /** Decodes one client frame; a {@link MessageException} names the opId when it was readable. */
  public static ClientMessage decodeClient(String text) {
    ObjectNode obj;
    try {
      obj = Json.parseObject(text);
    } catch (SyncException e) {
      throw new MessageException(e, null, null);
    }
    return decodeClient(obj);
  }

  public static ClientMessage decodeClient(ObjectNode obj) {
    String opId = peekText(obj, "opId");
    String collection = peekText(obj, "collection");
    try {
      String type = text(obj, "type", true);
      switch (type) {
        case "subscribe": {
          long since = obj.has("since") && !obj.get("since").isNull()
              ? nonNegativeLong(obj, "since") : 0;
          String epoch = text(obj, "epoch", false);
          return new ClientMessage.Subscribe(
              Validation.collection(text(obj, "collection", true)), since, epoch);
        }
        case "unsubscribe":
          return new ClientMessage.Unsubscribe(
              Validation.collection(text(obj, "collection", true)));
        case "insert":
        case "update":
        case "delete":
          return new ClientMessage.WriteOp(decodeWrite(obj));
        case "auth":
          return new ClientMessage.Auth(text(obj, "token", true));
        case "ping":
          return new ClientMessage.Ping();
        default:
          throw SyncException.badRequest("unknown message type '" + truncate(type)
              + "'; expected subscribe, unsubscribe, insert, update, delete, auth or ping");
      }
    } catch (MessageException e) {
      throw e;
    } catch (SyncException e) {
      throw new MessageException(e, opId, collection);
    }
  }

  /** Decodes a write message (the form of 2.3, also used in each entry of a push body). */
  public static Write decodeWrite(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new MessageException(SyncException.badRequest("a write must be a JSON object"),
          null, null);
    }
    ObjectNode obj = (ObjectNode) node;
    String opId = peekText(obj, "opId");
    String collection = peekText(obj, "collection");
    try {
      String type = text(obj, "type", true);
      Op op = Op.fromWire(type);
      if (op == null) {
        throw SyncException.badRequest("write type '" + truncate(type)
            + "' is unknown; expected insert, update or delete");
      }
      ObjectNode data = null;
      JsonNode d = obj.get("data");
      if (d != null && !d.isNull()) {
        if (!d.isObject()) {
          throw SyncException.badRequest("data must be a JSON object");
        }
        data = (ObjectNode) d;
      }
      Long baseVersion = obj.has("baseVersion") && !obj.get("baseVersion").isNull()
          ? nonNegativeLong(obj, "baseVersion") : null;
      return new Write(op, Validation.opId(text(obj, "opId", true)),
          Validation.collection(text(obj, "collection", true)),
          Validation.id(text(obj, "id", true)), data, text(obj, "ts", false), baseVersion);
    } catch (SyncException e) {
      throw new MessageException(e, opId, collection);
    }
  }

  public static String encodeClient(ClientMessage m) {
    ObjectNode o = Json.object();
    if (m instanceof ClientMessage.Subscribe s) {
      o.put("type", "subscribe").put("collection", s.collection()).put("since", s.since());
      if (s.epoch() != null) {
        o.put("epoch", s.epoch());
      }
    } else if (m instanceof ClientMessage.Unsubscribe u) {
      o.put("type", "unsubscribe").put("collection", u.collection());
    } else if (m instanceof ClientMessage.WriteOp w) {
      return Json.write(writeNode(w.write()));
    } else if (m instanceof ClientMessage.Auth a) {
      o.put("type", "auth").put("token", a.token());
    } else {
      o.put("type", "ping");
    }
    return Json.write(o);
  }

  public static ObjectNode writeNode(Write w) {
    ObjectNode o = Json.object();
    o.put("type", w.op().wire()).put("opId", w.opId()).put("collection", w.collection())
        .put("id", w.id());
    if (w.data() != null) {
      o.set("data", w.data());
    }
    if (w.ts() != null) {
      o.put("ts", w.ts());
    }
    if (w.baseVersion() != null) {
      o.put("baseVersion", w.baseVersion());
    }
    return o;
  }

  // ---------------------------------------------------------------- server -> client

  public static String welcome(String connectionId, String user, long time) {
    return Json.write(Json.object().put("type", "welcome").put("protocol", PROTOCOL_VERSION)
        .put("connectionId", connectionId).put("user", user).put("time", time));
  }

  public static String reset(String collection) {
    return Json.write(Json.object().put("type", "reset").put("collection", collection));
  }

  public static String changes(String collection, List<Change> items) {
    ObjectNode o = Json.object().put("type", "changes").put("collection", collection);
    ArrayNode arr = o.putArray("items");
    for (Change c : items) {
      arr.add(changeNode(c, false));
    }
    return Json.write(o);
  }

  public static String synced(String collection, long seq, String epoch) {
    return Json.write(Json.object().put("type", "synced").put("collection", collection)
        .put("seq", seq).put("epoch", epoch));
  }

  /** The change frame: {@link #changeNode} with type, written without building the tree. */
  public static String change(Change c) {
    StringBuilder sb = new StringBuilder(256).append("{\"type\":\"change\",\"collection\":");
    JsonText.stringOrNull(sb, c.collection()).append(",\"id\":");
    JsonText.stringOrNull(sb, c.id()).append(",\"op\":\"").append(c.op().wire()).append('"');
    if (c.data() != null && c.op() != Op.DELETE) {
      JsonText.value(sb.append(",\"data\":"), c.data());
    }
    sb.append(",\"version\":").append(c.version()).append(",\"seq\":").append(c.seq())
        .append(",\"ts\":");
    JsonText.stringOrNull(sb, c.ts());
    if (c.origin() != null) {
      JsonText.string(sb.append(",\"origin\":"), c.origin());
    }
    if (c.opId() != null) {
      JsonText.string(sb.append(",\"opId\":"), c.opId());
    }
    return sb.append('}').toString();
  }

  public static String ack(Ack a) {
    return ackJson(a, true);
  }

  /**
   * The ack as JSON text, the same as {@link #ackNode} written (with {@code "type":"ack"} last
   * when {@code withType}), written without building a tree: acks are encoded once or twice for
   * every write.
   */
  public static String ackJson(Ack a, boolean withType) {
    StringBuilder sb = new StringBuilder(a.record() == null ? 160 : 320).append("{\"opId\":");
    JsonText.stringOrNull(sb, a.opId()).append(",\"collection\":");
    JsonText.stringOrNull(sb, a.collection()).append(",\"id\":");
    JsonText.stringOrNull(sb, a.id()).append(",\"status\":\"").append(a.status().wire())
        .append("\",\"version\":").append(a.version()).append(",\"seq\":").append(a.seq());
    if (a.record() != null) {
      JsonText.value(sb.append(",\"record\":"), recordNode(a.record()));
    }
    if (withType) {
      sb.append(",\"type\":\"ack\"");
    }
    return sb.append('}').toString();
  }

  public static String error(ErrorInfo e) {
    ObjectNode o = Json.object().put("type", "error");
    return Json.write(errorFields(o, e));
  }

  public static String unsubscribed(String collection) {
    return Json.write(Json.object().put("type", "unsubscribed").put("collection", collection));
  }

  public static String pong(long time) {
    return Json.write(Json.object().put("type", "pong").put("time", time));
  }

  public static String authed(long exp) {
    return Json.write(Json.object().put("type", "authed").put("exp", exp));
  }

  public static ObjectNode changeNode(Change c, boolean withType) {
    ObjectNode o = Json.object();
    if (withType) {
      o.put("type", "change");
    }
    o.put("collection", c.collection()).put("id", c.id()).put("op", c.op().wire());
    if (c.data() != null && c.op() != Op.DELETE) {
      o.set("data", c.data());
    }
    o.put("version", c.version()).put("seq", c.seq()).put("ts", c.ts());
    if (c.origin() != null) {
      o.put("origin", c.origin());
    }
    if (c.opId() != null) {
      o.put("opId", c.opId());
    }
    return o;
  }

  /** The ack as an object without {@code type} (the form used in push results and REST). */
  public static ObjectNode ackNode(Ack a) {
    ObjectNode o = Json.object();
    o.put("opId", a.opId()).put("collection", a.collection()).put("id", a.id())
        .put("status", a.status().wire()).put("version", a.version()).put("seq", a.seq());
    if (a.record() != null) {
      o.set("record", recordNode(a.record()));
    }
    return o;
  }

  /** The error as an object with {@code code}, {@code message} and context, without type. */
  public static ObjectNode errorNode(ErrorInfo e) {
    return errorFields(Json.object(), e);
  }

  private static ObjectNode errorFields(ObjectNode o, ErrorInfo e) {
    o.put("code", e.code().wire()).put("message", e.message());
    if (e.opId() != null) {
      o.put("opId", e.opId());
    }
    if (e.collection() != null) {
      o.put("collection", e.collection());
    }
    return o;
  }

  public static ObjectNode recordNode(SyncRecord r) {
    ObjectNode o = Json.object();
    o.put("collection", r.collection()).put("id", r.id()).put("version", r.version())
        .put("seq", r.seq()).put("ts", r.ts()).put("deleted", r.deleted());
    o.set("data", r.data());
    return o;
  }

  // ---------------------------------------------------------------- decoding server messages

  /** Decodes one server frame (for clients). */
  public static ServerMessage decodeServer(String text) {
    ObjectNode o = Json.parseObject(text);
    String type = text(o, "type", true);
    switch (type) {
      case "welcome":
        return new ServerMessage.Welcome(o.path("protocol").asInt(), o.path("connectionId")
            .asText(), o.path("user").asText(), o.path("time").asLong());
      case "reset":
        return new ServerMessage.Reset(text(o, "collection", true));
      case "changes": {
        List<Change> items = new ArrayList<>();
        for (JsonNode item : o.path("items")) {
          items.add(decodeChange(item));
        }
        return new ServerMessage.Changes(text(o, "collection", true), items);
      }
      case "synced":
        return new ServerMessage.Synced(text(o, "collection", true), o.path("seq").asLong(),
            text(o, "epoch", false));
      case "change":
        return new ServerMessage.ChangeEvent(decodeChange(o));
      case "ack":
        return new ServerMessage.AckEvent(decodeAck(o));
      case "error":
        return new ServerMessage.Error(decodeError(o));
      case "unsubscribed":
        return new ServerMessage.Unsubscribed(text(o, "collection", true));
      case "pong":
        return new ServerMessage.Pong(o.path("time").asLong());
      case "authed":
        return new ServerMessage.Authed(o.path("exp").asLong());
      default:
        throw SyncException.badRequest("unknown server message type '" + truncate(type) + "'");
    }
  }

  public static Change decodeChange(JsonNode o) {
    JsonNode d = o.get("data");
    return new Change(o.path("collection").asText(), o.path("id").asText(),
        Op.fromWire(o.path("op").asText()), d != null && d.isObject() ? (ObjectNode) d : null,
        o.path("version").asLong(), o.path("seq").asLong(), o.path("ts").asText(null),
        o.path("origin").asText(null), o.path("opId").asText(null));
  }

  public static SyncRecord decodeRecord(JsonNode o) {
    JsonNode d = o.get("data");
    return new SyncRecord(o.path("collection").asText(), o.path("id").asText(),
        d != null && d.isObject() ? (ObjectNode) d : Json.object(), o.path("version").asLong(),
        o.path("seq").asLong(), o.path("ts").asText(null), o.path("deleted").asBoolean());
  }

  public static Ack decodeAck(JsonNode o) {
    JsonNode r = o.get("record");
    return new Ack(o.path("opId").asText(), o.path("collection").asText(), o.path("id").asText(),
        WriteStatus.fromWire(o.path("status").asText()), o.path("version").asLong(),
        o.path("seq").asLong(), r != null && r.isObject() ? decodeRecord(r) : null);
  }

  public static ErrorInfo decodeError(JsonNode o) {
    return new ErrorInfo(ErrorCode.fromWire(o.path("code").asText()),
        o.path("message").asText(), o.path("opId").asText(null),
        o.path("collection").asText(null));
  }

  /** Decodes one entry of push results or a REST write answer: an ack or an error. */
  public static WriteResult decodeResult(JsonNode o) {
    if (o.has("status")) {
      return WriteResult.ack(decodeAck(o));
    }
    JsonNode err = o.has("error") ? o.get("error") : o;
    return WriteResult.error(decodeError(err));
  }

  // ---------------------------------------------------------------- field helpers

  private static String peekText(ObjectNode obj, String field) {
    JsonNode n = obj.get(field);
    return n != null && n.isTextual() && n.asText().length() <= 128 ? n.asText() : null;
  }

  private static String text(ObjectNode obj, String field, boolean required) {
    JsonNode n = obj.get(field);
    if (n == null || n.isNull()) {
      if (required) {
        throw SyncException.badRequest("field '" + field + "' is required");
      }
      return null;
    }
    if (!n.isTextual()) {
      throw SyncException.badRequest("field '" + field + "' must be a string");
    }
    return n.asText();
  }

  private static long nonNegativeLong(ObjectNode obj, String field) {
    JsonNode n = obj.get(field);
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
      throw SyncException.badRequest("field '" + field + "' must be an integer >= 0");
    }
    return n.asLong();
  }

  private static String truncate(String s) {
    return s.length() > 32 ? s.substring(0, 32) + "…" : s;
  }
}
