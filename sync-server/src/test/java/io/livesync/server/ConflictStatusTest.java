package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The four write outcomes of PROTOCOL.md 1.3 over WebSocket, under each conflict strategy: the
 * ack's fields and the live {@code change} (or its absence) at a subscriber. Writes carry explicit
 * HLC timestamps so the conflicts are deterministic.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConflictStatusTest {
  private static final String T0 = "1700000000000-0000-c";
  private static final String T1 = "1700000000001-0000-b";
  private static final String T2 = "1700000000002-0000-a";
  private static final String T3 = "1700000000003-0000-a";
  private static final AtomicInteger COLLECTIONS = new AtomicInteger();

  private static TestServer server;
  private WsClient writer;
  private WsClient subscriber;
  private int n;

  @BeforeAll
  static void startServer() throws Exception {
    server = TestServer.start(Map.of(), "{\"worker\":{\"rules\":["
        + "{\"pattern\":\"ver*\",\"strategy\":\"version\"},"
        + "{\"pattern\":\"rec*\",\"strategy\":\"record-lww\"},"
        + "{\"pattern\":\"cw*\",\"strategy\":\"client-wins\"}]}}");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void connect() throws Exception {
    n = COLLECTIONS.incrementAndGet();
    writer = WsClient.connectWelcomed(server.vertx(), server.port());
    subscriber = WsClient.connectWelcomed(server.vertx(), server.port());
  }

  @AfterEach
  void disconnect() {
    writer.close();
    subscriber.close();
  }

  /** A collection under a strategy's rule: prefix "ver", "rec", "cw", or "flw" (default). */
  private String collection(String prefix) {
    String c = prefix + "-" + n;
    assertThat(subscriber.subscribe(c, 0, null).path("seq").asLong()).isZero();
    return c;
  }

  @Test
  void appliedWriteIsAckedWithVersionAndSeqAndFannedOut() {
    String c = collection("flw");
    ObjectNode ack = write("insert", c, "r1", Json.object().put("x", 1), T1, null);
    assertAck(ack, "applied", 1, 1);
    assertThat(ack.has("record")).isFalse();
    JsonNode change = nextChange();
    assertChange(change, ack, "insert", Json.object().put("x", 1), T1);
    assertThat(change.path("origin").asText()).isEqualTo("b");
  }

  @Test
  void fieldLwwOlderInsertOverANewerFieldIsMergedWithTheRecordInTheAck() {
    String c = collection("flw");
    ObjectNode first = write("update", c, "r1", Json.object().put("x", "new"), T2, null);
    assertAck(first, "applied", 1, 1);
    assertChange(nextChange(), first, "update", Json.object().put("x", "new"), T2);

    ObjectNode merged = write("insert", c, "r1",
        Json.object().put("x", "old").put("y", "old"), T1, null);
    assertAck(merged, "merged", 2, 2);
    ObjectNode winner = Json.object().put("x", "new").put("y", "old");
    JsonNode record = merged.path("record");
    assertThat(record.path("collection").asText()).isEqualTo(c);
    assertThat(record.path("id").asText()).isEqualTo("r1");
    assertThat(record.path("data")).isEqualTo(winner);
    assertThat(record.path("version").asLong()).isEqualTo(2);
    assertThat(record.path("seq").asLong()).isEqualTo(2);
    assertThat(record.path("ts").asText()).as("max of the two ts").isEqualTo(T2);
    assertThat(record.path("deleted").asBoolean()).isFalse();

    JsonNode change = nextChange();
    assertThat(change.path("seq").asLong()).isEqualTo(2);
    assertThat(change.path("version").asLong()).isEqualTo(2);
    assertThat(change.path("opId").asText()).isEqualTo(merged.path("opId").asText());
    // whatever the op, applying the change to the subscriber's copy must give the winner
    ObjectNode copy = Json.object().put("x", "new");
    ObjectNode after = apply(copy, change);
    assertThat(after).isEqualTo(winner);
  }

  @Test
  void fieldLwwOlderWriteIsSupersededWithoutNewSeqOrChange() {
    String c = collection("flw");
    ObjectNode first = write("insert", c, "r1", Json.object().put("x", 2), T2, null);
    assertAck(first, "applied", 1, 1);
    nextChange();

    ObjectNode superseded = write("update", c, "r1", Json.object().put("x", 0), T0, null);
    assertSuperseded(superseded, Json.object().put("x", 2), T2);
    ObjectNode olderInsert = write("insert", c, "r1", Json.object().put("x", 1), T1, null);
    assertSuperseded(olderInsert, Json.object().put("x", 2), T2);
    ObjectNode olderDelete = write("delete", c, "r1", null, T1, null);
    assertSuperseded(olderDelete, Json.object().put("x", 2), T2);

    assertNextChangeIsTheNextWrite(c, 2, superseded, olderInsert, olderDelete);
  }

  @Test
  void recordLwwOlderWriteIsSupersededNewerIsApplied() {
    String c = collection("rec");
    ObjectNode first = write("insert", c, "r1", Json.object().put("x", 2).put("y", 2), T2,
        null);
    assertAck(first, "applied", 1, 1);
    nextChange();

    // under field-lww the older y would merge in; under record-lww the whole write loses
    ObjectNode superseded = write("update", c, "r1", Json.object().put("z", 1), T1, null);
    assertSuperseded(superseded, Json.object().put("x", 2).put("y", 2), T2);
    ObjectNode olderDelete = write("delete", c, "r1", null, T0, null);
    assertSuperseded(olderDelete, Json.object().put("x", 2).put("y", 2), T2);

    ObjectNode newer = write("update", c, "r1", Json.object().put("y", 3), T3, null);
    assertAck(newer, "applied", 2, 2);
    assertThat(newer.has("record")).isFalse();
    JsonNode change = nextChange();
    assertChange(change, newer, "update", Json.object().put("y", 3), T3);
    assertNoChangeFor(superseded, olderDelete);
  }

  @Test
  void versionStrategyRejectsMissingOrStaleBaseVersion() {
    String c = collection("ver");
    ObjectNode created = write("insert", c, "r1", Json.object().put("v", 1), null, null);
    assertAck(created, "applied", 1, 1);
    nextChange();

    ObjectNode missing = write("update", c, "r1", Json.object().put("v", 2), null, null);
    assertRejected(missing, 1, 1, Json.object().put("v", 1));
    ObjectNode stale = write("update", c, "r1", Json.object().put("v", 2), null, 0L);
    assertRejected(stale, 1, 1, Json.object().put("v", 1));
    ObjectNode ahead = write("insert", c, "r1", Json.object().put("v", 2), null, 7L);
    assertRejected(ahead, 1, 1, Json.object().put("v", 1));
    ObjectNode staleDelete = write("delete", c, "r1", null, null, 3L);
    assertRejected(staleDelete, 1, 1, Json.object().put("v", 1));

    ObjectNode current = write("update", c, "r1", Json.object().put("v", 2), null, 1L);
    assertAck(current, "applied", 2, 2);
    JsonNode change = nextChange();
    assertThat(change.path("seq").asLong()).as("no seq for rejected writes").isEqualTo(2);
    assertThat(change.path("opId").asText()).isEqualTo(current.path("opId").asText());
    assertThat(change.path("op").asText()).isEqualTo("update");
    assertThat(change.path("data")).isEqualTo(Json.object().put("v", 2));
    assertNoChangeFor(missing, stale, ahead, staleDelete);

    ObjectNode updateOfNothing = write("update", c, "absent", Json.object().put("v", 1), null,
        null);
    assertThat(updateOfNothing.path("type").asText()).isEqualTo("ack");
    assertThat(updateOfNothing.path("status").asText()).isEqualTo("rejected");
    assertThat(updateOfNothing.path("version").asLong()).isZero();
    assertThat(updateOfNothing.path("seq").asLong()).isZero();
    assertNextChangeIsTheNextWrite(c, 3, updateOfNothing);
  }

  @Test
  void clientWinsAppliesEveryWriteInArrivalOrderWhateverItsTs() {
    String c = collection("cw");
    ObjectNode first = write("insert", c, "r1", Json.object().put("x", 2), T2, null);
    assertAck(first, "applied", 1, 1);
    nextChange();
    ObjectNode older = write("insert", c, "r1", Json.object().put("x", 1), T0, 5L);
    assertAck(older, "applied", 2, 2);
    assertThat(older.has("record")).isFalse();
    assertChange(nextChange(), older, "insert", Json.object().put("x", 1), T0);
    ObjectNode del = write("delete", c, "r1", null, T1, null);
    assertAck(del, "applied", 3, 3);
    JsonNode change = nextChange();
    assertChange(change, del, "delete", null, T1);
    assertThat(change.has("data")).isFalse();
  }

  // ------------------------------------------------------------------ helpers

  private ObjectNode write(String type, String collection, String id, ObjectNode data, String ts,
      Long baseVersion) {
    ObjectNode reply = writer.write(type, collection, id, data, ts, baseVersion);
    assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("ack");
    assertThat(reply.path("collection").asText()).isEqualTo(collection);
    assertThat(reply.path("id").asText()).isEqualTo(id);
    return reply;
  }

  private JsonNode nextChange() {
    return subscriber.awaitType("change");
  }

  private static void assertAck(ObjectNode ack, String status, long version, long seq) {
    assertThat(ack.path("status").asText()).as("ack %s", ack).isEqualTo(status);
    assertThat(ack.path("version").asLong()).as("version in %s", ack).isEqualTo(version);
    assertThat(ack.path("seq").asLong()).as("seq in %s", ack).isEqualTo(seq);
  }

  private static void assertSuperseded(ObjectNode ack, ObjectNode winner, String winnerTs) {
    assertAck(ack, "superseded", 1, 1);
    JsonNode record = ack.path("record");
    assertThat(record.isObject()).as("superseded ack carries the record: %s", ack).isTrue();
    assertThat(record.path("data")).isEqualTo(winner);
    assertThat(record.path("version").asLong()).isEqualTo(1);
    assertThat(record.path("seq").asLong()).isEqualTo(1);
    assertThat(record.path("ts").asText()).isEqualTo(winnerTs);
    assertThat(record.path("deleted").asBoolean()).isFalse();
  }

  private static void assertRejected(ObjectNode ack, long version, long seq, ObjectNode data) {
    assertAck(ack, "rejected", version, seq);
    JsonNode record = ack.path("record");
    assertThat(record.isObject()).as("rejected ack carries the record: %s", ack).isTrue();
    assertThat(record.path("data")).isEqualTo(data);
    assertThat(record.path("version").asLong()).isEqualTo(version);
    assertThat(record.path("seq").asLong()).isEqualTo(seq);
  }

  private static void assertChange(JsonNode change, ObjectNode ack, String op, ObjectNode data,
      String ts) {
    assertThat(change.path("collection").asText()).isEqualTo(ack.path("collection").asText());
    assertThat(change.path("id").asText()).isEqualTo(ack.path("id").asText());
    assertThat(change.path("op").asText()).isEqualTo(op);
    if (data != null) {
      assertThat(change.path("data")).isEqualTo(data);
    }
    assertThat(change.path("version").asLong()).isEqualTo(ack.path("version").asLong());
    assertThat(change.path("seq").asLong()).isEqualTo(ack.path("seq").asLong());
    assertThat(change.path("ts").asText()).isEqualTo(ts);
    assertThat(change.path("opId").asText()).isEqualTo(ack.path("opId").asText());
  }

  /**
   * Writes one more applied change and checks it is the subscriber's next change with the next
   * seq: the writes in between produced neither a seq nor a change.
   */
  private void assertNextChangeIsTheNextWrite(String c, long expectedSeq,
      ObjectNode... noChange) {
    ObjectNode marker = write("insert", c, "marker-" + expectedSeq, Json.object().put("m", 1),
        null, null);
    assertAck(marker, "applied", 1, expectedSeq);
    JsonNode change = nextChange();
    assertThat(change.path("opId").asText()).as("next change after %s", (Object) noChange)
        .isEqualTo(marker.path("opId").asText());
    assertThat(change.path("seq").asLong()).isEqualTo(expectedSeq);
    assertNoChangeFor(noChange);
  }

  private void assertNoChangeFor(ObjectNode... acks) {
    for (ObjectNode m : subscriber.all()) {
      if (m.path("type").asText().equals("change")) {
        for (ObjectNode ack : acks) {
          assertThat(m.path("opId").asText()).isNotEqualTo(ack.path("opId").asText());
        }
      }
    }
  }

  /** Applies a live change to a local copy as a client would. */
  private static ObjectNode apply(ObjectNode copy, JsonNode change) {
    switch (change.path("op").asText()) {
      case "insert":
        return ((ObjectNode) change.path("data")).deepCopy();
      case "update": {
        ObjectNode out = copy.deepCopy();
        change.path("data").fields().forEachRemaining(e -> {
          if (e.getValue().isNull()) {
            out.remove(e.getKey());
          } else {
            out.set(e.getKey(), e.getValue());
          }
        });
        return out;
      }
      default:
        return Json.object();
    }
  }
}
