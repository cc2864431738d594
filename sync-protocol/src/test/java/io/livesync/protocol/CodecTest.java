package io.livesync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JSON codec: every client and server message of PROTOCOL.md 2 survives encode then decode,
 * the wire shapes are the documented ones, and decode errors name the opId and collection of
 * the request when they could be read.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CodecTest {
  private static final String TS = "1732470000000-0001-deviceA";

  // ------------------------------------------------------------------ client -> server

  @Test
  void ackTextIsTheAckNodeWrittenWithTypeLast() {
    SyncRecord record = new SyncRecord("todos", "t1", Json.object().put("title", "milk"), 3, 7,
        TS, false);
    List<Ack> acks = List.of(
        new Ack("op-1", "todos", "t1", WriteStatus.APPLIED, 3, 7, null),
        new Ack("op \"quoted\" \u00e9\n", "c:1", "id@x", WriteStatus.SUPERSEDED, 0, 0, null),
        new Ack("op-2", "todos", "t1", WriteStatus.MERGED, 3, 7, record));
    for (Ack a : acks) {
      assertThat(Codec.ackJson(a, false)).isEqualTo(Json.write(Codec.ackNode(a)));
      assertThat(Codec.ack(a)).isEqualTo(Json.write(Codec.ackNode(a).put("type", "ack")));
      assertThat(Codec.decodeAck(Json.parseObject(Codec.ackJson(a, false)))).isEqualTo(a);
    }
  }

  @Test
  void everyClientMessageRoundTrips() {
    List<ClientMessage> messages = List.of(
        new ClientMessage.Subscribe("todos", 0, null),
        new ClientMessage.Subscribe("user:alice:todos", 120, "epoch-1"),
        new ClientMessage.Unsubscribe("todos"),
        new ClientMessage.WriteOp(new Write(Op.INSERT, "op-1", "todos", "t1",
            Json.object().put("title", "milk").put("n", 1), TS, 3L)),
        new ClientMessage.WriteOp(new Write(Op.UPDATE, "op-2", "todos", "t1",
            Json.object().put("done", true).putNull("n"), null, null)),
        new ClientMessage.WriteOp(new Write(Op.DELETE, "op-3", "todos", "t1", null, TS, 0L)),
        new ClientMessage.Auth("a.b.c"),
        new ClientMessage.Ping());
    for (ClientMessage m : messages) {
      String wire = Codec.encodeClient(m);
      assertThat(Codec.decodeClient(wire)).as(wire).isEqualTo(m);
      assertThat(Codec.decodeClient(Json.parseObject(wire))).isEqualTo(m);
    }
  }

  @Test
  void clientWireShapesAreTheDocumentedOnes() {
    ObjectNode sub = Json.parseObject(Codec.encodeClient(
        new ClientMessage.Subscribe("todos", 120, "e1")));
    assertThat(sub).isEqualTo(Json.object().put("type", "subscribe").put("collection", "todos")
        .put("since", 120).put("epoch", "e1"));
    ObjectNode write = Codec.writeNode(new Write(Op.UPDATE, "op-1", "todos", "t1",
        Json.object().put("done", true), TS, 3L));
    ObjectNode expected = Json.object().put("type", "update").put("opId", "op-1")
        .put("collection", "todos").put("id", "t1");
    expected.set("data", Json.object().put("done", true));
    expected.put("ts", TS).put("baseVersion", 3L);
    assertThat(write).isEqualTo(expected);
    ObjectNode delete = Codec.writeNode(new Write(Op.DELETE, "op-2", "todos", "t1", null, null,
        null));
    assertThat(delete.has("data")).isFalse();
    assertThat(delete.has("ts")).isFalse();
    assertThat(delete.has("baseVersion")).isFalse();
    assertThat(Codec.encodeClient(new ClientMessage.Ping())).isEqualTo("{\"type\":\"ping\"}");
  }

  @Test
  void subscribeDefaultsAndOptionalFields() {
    assertThat(Codec.decodeClient("{\"type\":\"subscribe\",\"collection\":\"todos\"}"))
        .isEqualTo(new ClientMessage.Subscribe("todos", 0, null));
    assertThat(Codec.decodeClient(
        "{\"type\":\"subscribe\",\"collection\":\"todos\",\"since\":null,\"epoch\":null}"))
        .isEqualTo(new ClientMessage.Subscribe("todos", 0, null));
    assertThat(Codec.decodeClient("{\"type\":\"insert\",\"opId\":\"o\",\"collection\":\"c\","
        + "\"id\":\"i\",\"data\":{},\"ts\":null,\"baseVersion\":null,\"extra\":1}"))
        .isEqualTo(new ClientMessage.WriteOp(new Write(Op.INSERT, "o", "c", "i", Json.object(),
            null, null)));
  }

  @Test
  void decodeErrorsAreBadRequestsNamingOpIdAndCollectionWhenReadable() {
    assertDecodeError("{\"type\":\"insert\",\"opId\":\"o1\",\"collection\":\"todos\","
        + "\"id\":\"bad id!\",\"data\":{}}", "o1", "todos");
    assertDecodeError("{\"type\":\"insert\",\"opId\":\"o2\",\"collection\":\"todos\","
        + "\"id\":\"t1\",\"data\":[1]}", "o2", "todos");
    assertDecodeError("{\"type\":\"update\",\"opId\":\"o3\",\"collection\":\"todos\","
        + "\"id\":\"t1\",\"data\":{},\"baseVersion\":-1}", "o3", "todos");
    assertDecodeError("{\"type\":\"update\",\"opId\":\"o4\",\"collection\":\"todos\","
        + "\"id\":\"t1\",\"data\":{},\"baseVersion\":\"3\"}", "o4", "todos");
    assertDecodeError("{\"type\":\"delete\",\"opId\":\"o5\",\"collection\":\"todos\"}", "o5",
        "todos");
    assertDecodeError("{\"type\":\"frobnicate\",\"opId\":\"o6\",\"collection\":\"todos\"}",
        "o6", "todos");
    assertDecodeError("{\"type\":\"insert\",\"opId\":\"bad op id\",\"collection\":\"todos\","
        + "\"id\":\"t1\",\"data\":{}}", "bad op id", "todos");
    assertDecodeError("{\"type\":\"subscribe\",\"collection\":\"todos\",\"since\":-1}", null,
        "todos");
    assertDecodeError("{\"type\":\"subscribe\",\"collection\":\"todos\",\"since\":\"abc\"}",
        null, "todos");
    assertDecodeError("{\"type\":\"subscribe\",\"collection\":\"todos\",\"since\":1.5}", null,
        "todos");
    assertDecodeError("{\"type\":\"subscribe\",\"collection\":\"todos\",\"epoch\":5}", null,
        "todos");
    assertDecodeError("{\"type\":\"unsubscribe\"}", null, null);
    assertDecodeError("{\"type\":\"auth\"}", null, null);
    // unreadable: not JSON, not an object, no type, opId not a string
    assertDecodeError("not json", null, null);
    assertDecodeError("[1,2]", null, null);
    assertDecodeError("42", null, null);
    assertDecodeError("{}", null, null);
    assertDecodeError("{\"type\":7}", null, null);
    assertDecodeError("{\"type\":\"insert\",\"opId\":7,\"collection\":[\"x\"],\"id\":\"t\","
        + "\"data\":{}}", null, null);
  }

  @Test
  void decodeWriteRefusesNonObjects() {
    assertThatThrownBy(() -> Codec.decodeWrite(Json.MAPPER.getNodeFactory().numberNode(1)))
        .isInstanceOf(MessageException.class)
        .satisfies(e -> assertThat(((MessageException) e).code())
            .isEqualTo(ErrorCode.BAD_REQUEST));
    assertThatThrownBy(() -> Codec.decodeWrite(null)).isInstanceOf(MessageException.class);
    assertThatThrownBy(() -> Codec.decodeWrite(Json.parseObject(
        "{\"type\":\"subscribe\",\"opId\":\"o\",\"collection\":\"c\",\"id\":\"i\"}")))
        .isInstanceOf(MessageException.class).hasMessageContaining("subscribe");
  }

  // ------------------------------------------------------------------ server -> client

  @Test
  void everyServerMessageRoundTrips() {
    SyncRecord record = new SyncRecord("todos", "t1", Json.object().put("title", "milk"), 4,
        1043, TS, false);
    SyncRecord tombstone = new SyncRecord("todos", "t2", Json.object(), 2, 1044, TS, true);
    Change live = new Change("todos", "t1", Op.UPDATE, Json.object().put("done", true)
        .putNull("n"), 4, 1043, TS, "deviceA", "op-1");
    Change catchUpInsert = Change.ofRecord(record);
    Change catchUpDelete = Change.ofRecord(tombstone);
    Ack applied = new Ack("op-1", "todos", "t1", WriteStatus.APPLIED, 4, 1043, null);
    Ack superseded = new Ack("op-2", "todos", "t1", WriteStatus.SUPERSEDED, 4, 1043, record);
    Ack rejected = new Ack("op-3", "todos", "t2", WriteStatus.REJECTED, 2, 1044, tombstone);
    ErrorInfo full = new ErrorInfo(ErrorCode.CLOCK_SKEW, "ts is ahead", "op-4", "todos");
    ErrorInfo bare = new ErrorInfo(ErrorCode.BAD_REQUEST, "malformed JSON", null, null);

    assertRoundTrip(Codec.welcome("c-1", "alice", 1732470000000L),
        new ServerMessage.Welcome(1, "c-1", "alice", 1732470000000L));
    assertRoundTrip(Codec.reset("todos"), new ServerMessage.Reset("todos"));
    assertRoundTrip(Codec.changes("todos", List.of(catchUpInsert, catchUpDelete)),
        new ServerMessage.Changes("todos", List.of(catchUpInsert, catchUpDelete)));
    assertRoundTrip(Codec.changes("todos", List.of()),
        new ServerMessage.Changes("todos", List.of()));
    assertRoundTrip(Codec.synced("todos", 1042, "e1"),
        new ServerMessage.Synced("todos", 1042, "e1"));
    assertRoundTrip(Codec.change(live), new ServerMessage.ChangeEvent(live));
    assertRoundTrip(Codec.ack(applied), new ServerMessage.AckEvent(applied));
    assertRoundTrip(Codec.ack(superseded), new ServerMessage.AckEvent(superseded));
    assertRoundTrip(Codec.ack(rejected), new ServerMessage.AckEvent(rejected));
    assertRoundTrip(Codec.error(full), new ServerMessage.Error(full));
    assertRoundTrip(Codec.error(bare), new ServerMessage.Error(bare));
    assertRoundTrip(Codec.unsubscribed("todos"), new ServerMessage.Unsubscribed("todos"));
    assertRoundTrip(Codec.pong(99), new ServerMessage.Pong(99));
    assertRoundTrip(Codec.authed(1732470600L), new ServerMessage.Authed(1732470600L));
  }

  @Test
  void serverWireShapesAreTheDocumentedOnes() {
    Change live = new Change("todos", "t1", Op.UPDATE, Json.object().put("done", true), 4, 1043,
        TS, "deviceA", "op-1");
    assertThat(Json.parseObject(Codec.change(live))).isEqualTo(Json.object()
        .put("type", "change").put("collection", "todos").put("id", "t1").put("op", "update")
        .<ObjectNode>set("data", Json.object().put("done", true)).put("version", 4)
        .put("seq", 1043).put("ts", TS).put("origin", "deviceA").put("opId", "op-1"));
    ObjectNode item = Codec.changeNode(Change.ofRecord(new SyncRecord("todos", "t1",
        Json.object().put("a", 1), 2, 7, TS, false)), false);
    assertThat(item.has("type")).as("catch-up items carry no type").isFalse();
    assertThat(item.path("op").asText()).isEqualTo("insert");
    assertThat(item.has("opId")).isFalse();
    assertThat(item.path("origin").asText()).isEqualTo("deviceA");
    ObjectNode deleted = Codec.changeNode(new Change("todos", "t1", Op.DELETE,
        Json.object().put("ignored", 1), 3, 8, TS, null, "op-9"), true);
    assertThat(deleted.has("data")).as("a delete carries no data").isFalse();
    assertThat(deleted.has("origin")).isFalse();

    ObjectNode ack = Json.parseObject(Codec.ack(new Ack("op-1", "todos", "t1",
        WriteStatus.APPLIED, 4, 1043, null)));
    assertThat(ack).isEqualTo(Json.object().put("type", "ack").put("opId", "op-1")
        .put("collection", "todos").put("id", "t1").put("status", "applied").put("version", 4)
        .put("seq", 1043));
    assertThat(Codec.ackNode(new Ack("op-1", "todos", "t1", WriteStatus.MERGED, 4, 1043,
        new SyncRecord("todos", "t1", Json.object(), 4, 1043, TS, false))).path("record")
        .path("deleted").isBoolean()).isTrue();

    ObjectNode error = Json.parseObject(Codec.error(new ErrorInfo(ErrorCode.RATE_LIMITED,
        "slow down", "op-1", "todos")));
    assertThat(error).isEqualTo(Json.object().put("type", "error").put("code", "rate_limited")
        .put("message", "slow down").put("opId", "op-1").put("collection", "todos"));
    assertThat(Json.parseObject(Codec.error(new ErrorInfo(ErrorCode.INTERNAL, "x", null, null))))
        .isEqualTo(Json.object().put("type", "error").put("code", "internal")
            .put("message", "x"));
    ObjectNode rec = Codec.recordNode(new SyncRecord("todos", "t1", Json.object().put("a", 1),
        4, 1043, TS, false));
    assertThat(rec.fieldNames()).toIterable().containsExactly("collection", "id", "version",
        "seq", "ts", "deleted", "data");
  }

  @Test
  void decodeResultReadsAcksAndBothErrorForms() {
    Ack ack = new Ack("op-1", "todos", "t1", WriteStatus.APPLIED, 1, 1, null);
    assertThat(Codec.decodeResult(Codec.ackNode(ack))).isEqualTo(WriteResult.ack(ack));
    ErrorInfo e = new ErrorInfo(ErrorCode.NOT_FOUND, "no such record", null, null);
    assertThat(Codec.decodeResult(Codec.errorNode(e))).isEqualTo(WriteResult.error(e));
    ObjectNode httpError = Json.object();
    httpError.set("error", Codec.errorNode(e));
    assertThat(Codec.decodeResult(httpError)).isEqualTo(WriteResult.error(e));
  }

  @Test
  void unknownServerTypeAndStatusAreRefused() {
    assertThatThrownBy(() -> Codec.decodeServer("{\"type\":\"gossip\"}"))
        .isInstanceOf(SyncException.class);
    assertThatThrownBy(() -> WriteStatus.fromWire("won")).isInstanceOf(SyncException.class);
  }

  @Test
  void errorCodesAreTheProtocolsWithTheirHttpStatus() {
    assertThat(List.of(ErrorCode.values())).extracting(ErrorCode::wire).containsExactly(
        "bad_request", "unauthorized", "forbidden", "not_found", "too_large", "rate_limited",
        "clock_skew", "unavailable", "internal");
    assertThat(ErrorCode.BAD_REQUEST.httpStatus()).isEqualTo(400);
    assertThat(ErrorCode.UNAUTHORIZED.httpStatus()).isEqualTo(401);
    assertThat(ErrorCode.FORBIDDEN.httpStatus()).isEqualTo(403);
    assertThat(ErrorCode.NOT_FOUND.httpStatus()).isEqualTo(404);
    assertThat(ErrorCode.TOO_LARGE.httpStatus()).isEqualTo(413);
    assertThat(ErrorCode.RATE_LIMITED.httpStatus()).isEqualTo(429);
    assertThat(ErrorCode.UNAVAILABLE.httpStatus()).isEqualTo(503);
    for (ErrorCode c : ErrorCode.values()) {
      assertThat(ErrorCode.fromWire(c.wire())).isEqualTo(c);
    }
    assertThat(ErrorCode.fromWire("something_new")).isEqualTo(ErrorCode.INTERNAL);
    for (WriteStatus s : WriteStatus.values()) {
      assertThat(WriteStatus.fromWire(s.wire())).isEqualTo(s);
    }
    assertThat(List.of(WriteStatus.values())).filteredOn(WriteStatus::changed)
        .containsExactly(WriteStatus.APPLIED, WriteStatus.MERGED);
  }

  @Test
  void fingerprintIgnoresTsAndKeyOrderButNotTheWrite() {
    Write a = new Write(Op.INSERT, "o", "c", "i", Json.parseObject("{\"x\":1,\"y\":{\"b\":2,"
        + "\"a\":1}}"), TS, null);
    Write sameOtherOrder = new Write(Op.INSERT, "o", "c", "i", Json.parseObject(
        "{\"y\":{\"a\":1,\"b\":2},\"x\":1}"), "1732470000001-0000-deviceB", 5L);
    assertThat(sameOtherOrder.fingerprint()).isEqualTo(a.fingerprint());
    assertThat(new Write(Op.UPDATE, "o", "c", "i", a.data(), TS, null).fingerprint())
        .isNotEqualTo(a.fingerprint());
    assertThat(new Write(Op.INSERT, "o", "c2", "i", a.data(), TS, null).fingerprint())
        .isNotEqualTo(a.fingerprint());
    assertThat(new Write(Op.INSERT, "o", "c", "i2", a.data(), TS, null).fingerprint())
        .isNotEqualTo(a.fingerprint());
    assertThat(new Write(Op.INSERT, "o", "c", "i", Json.object().put("x", 2), TS, null)
        .fingerprint()).isNotEqualTo(a.fingerprint());
  }

  // ------------------------------------------------------------------ helpers

  private static void assertRoundTrip(String wire, ServerMessage expected) {
    assertThat(Codec.decodeServer(wire)).as(wire).isEqualTo(expected);
    assertThat(Json.parseObject(wire).path("type").asText()).isNotBlank();
  }

  private static void assertDecodeError(String text, String opId, String collection) {
    assertThatThrownBy(() -> Codec.decodeClient(text)).as(text)
        .isInstanceOf(MessageException.class)
        .satisfies(t -> {
          MessageException e = (MessageException) t;
          assertThat(e.code()).as(text).isEqualTo(ErrorCode.BAD_REQUEST);
          assertThat(e.getMessage()).isNotBlank();
          assertThat(e.opId()).as("opId of %s", text).isEqualTo(opId);
          assertThat(e.collection()).as("collection of %s", text).isEqualTo(collection);
          ErrorInfo info = e.toErrorInfo();
          assertThat(info.opId()).isEqualTo(opId);
          assertThat(info.collection()).isEqualTo(collection);
        });
  }
}
