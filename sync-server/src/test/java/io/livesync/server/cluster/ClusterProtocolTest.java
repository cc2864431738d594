package io.livesync.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.redis.RedisServerProcess;
import io.livesync.protocol.Json;
import io.livesync.server.testing.Pull;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3: with 2 gateways and 2 workers (separate processes sharing one Redis) the protocol
 * behaves through any gateway as in embedded mode (docs/protocol.md): a subscriber on gateway A
 * sees the writes made through gateway B as deltas in seq order, with the statuses and acks of
 * each conflict strategy; catch-up pages and {@code reset} are the same; HTTP push, pull and the
 * REST endpoints work through either gateway, with opId idempotency across gateways; workers
 * serve health and metrics.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterProtocolTest {
  private static final int PAGE = 50;
  private static final String T0 = "1700000000000-0000-dev";
  private static final String T1 = "1700000000001-0000-dev";
  private static final String T2 = "1700000000002-0000-dev";

  private static Cluster cluster;
  private static Vertx vertx;
  private static int portA;
  private static int portB;
  private static String urlA;
  private static String urlB;

  @BeforeAll
  static void start() {
    cluster = Cluster.builder("protocol").gateways(2).workers(2)
        .fsync(RedisServerProcess.Fsync.EVERYSEC)
        .config("{\"worker\":{\"rules\":["
            + "{\"pattern\":\"ver*\",\"strategy\":\"version\"},"
            + "{\"pattern\":\"rec*\",\"strategy\":\"record-lww\"},"
            + "{\"pattern\":\"cw*\",\"strategy\":\"client-wins\"}]},"
            + "\"limits\":{\"maxPageSize\":" + PAGE + "}}")
        .start();
    vertx = Vertx.vertx();
    portA = cluster.gateway(0).port();
    portB = cluster.gateway(1).port();
    urlA = cluster.gateway(0).url();
    urlB = cluster.gateway(1).url();
  }

  @AfterAll
  static void stop() {
    try {
      if (vertx != null) {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    } catch (Exception ignored) {
      // closing anyway
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void writesThroughBReachASubscriberOnAAsDeltasInSeqOrder() throws Exception {
    try (WsClient a = WsClient.connectWelcomed(vertx, portA);
        WsClient b = WsClient.connectWelcomed(vertx, portB)) {
      ObjectNode synced = a.subscribe("todos", 0, null);
      assertThat(synced.path("seq").asLong()).isZero();
      assertThat(synced.path("epoch").asText()).isNotBlank();
      assertThat(b.subscribe("todos", 0, null).path("epoch")).isEqualTo(synced.path("epoch"));

      ObjectNode ack = b.write("insert", "todos", "t1",
          Json.object().put("title", "milk").put("n", 1));
      assertThat(ack.path("type").asText()).isEqualTo("ack");
      assertThat(ack.path("status").asText()).isEqualTo("applied");
      assertThat(ack.path("version").asLong()).isEqualTo(1);
      assertThat(ack.path("seq").asLong()).isEqualTo(1);
      assertThat(ack.has("record")).isFalse();
      ObjectNode change = a.awaitType("change");
      assertThat(change.path("op").asText()).isEqualTo("insert");
      assertThat(change.path("data")).isEqualTo(Json.object().put("title", "milk").put("n", 1));
      assertThat(change.path("seq").asLong()).isEqualTo(1);
      assertThat(change.path("version").asLong()).isEqualTo(1);
      assertThat(change.path("opId").asText()).isEqualTo(ack.path("opId").asText());
      // stamped by gateway B's clock: its node id is the origin
      assertThat(change.path("origin").asText()).isEqualTo("gateway-b");
      assertThat(change.path("ts").asText()).matches("\\d{13}-[0-9a-f]{4}-gateway-b");
      assertThat(b.awaitType("change").path("seq").asLong()).as("the writer's own connection")
          .isEqualTo(1);

      ObjectNode update = Json.object().put("done", true).putNull("n");
      ack = b.write("update", "todos", "t1", update);
      assertThat(ack.path("version").asLong()).isEqualTo(2);
      change = a.awaitType("change");
      assertThat(change.path("op").asText()).isEqualTo("update");
      assertThat(change.path("data")).isEqualTo(update);
      assertThat(change.path("seq").asLong()).isEqualTo(2);

      ack = b.write("delete", "todos", "t1", null);
      assertThat(ack.path("status").asText()).isEqualTo("applied");
      change = a.awaitType("change");
      assertThat(change.path("op").asText()).isEqualTo("delete");
      assertThat(change.has("data")).isFalse();
      assertThat(change.path("seq").asLong()).isEqualTo(3);
      assertThat(change.path("version").asLong()).isEqualTo(3);

      // and the other way round: a write through A reaches B
      ack = a.write("insert", "todos", "t2", Json.object().put("x", 1));
      assertThat(ack.path("seq").asLong()).isEqualTo(4);
      assertThat(b.await(m -> m.path("type").asText().equals("change")
          && m.path("seq").asLong() == 4).path("origin").asText()).isEqualTo("gateway-a");
    }
  }

  @Test
  void concurrentWritersOnBothGatewaysAreSeenInOneSeqOrderByEverySubscriber() throws Exception {
    String c = "concurrent";
    int perWriter = 150;
    try (WsClient wa = WsClient.connectWelcomed(vertx, portA);
        WsClient wb = WsClient.connectWelcomed(vertx, portB);
        WsClient ra = WsClient.connectWelcomed(vertx, portA);
        WsClient rb = WsClient.connectWelcomed(vertx, portB)) {
      ra.subscribe(c, 0, null);
      rb.subscribe(c, 0, null);
      List<String> opIds = new ArrayList<>();
      for (int i = 0; i < perWriter; i++) {
        for (WsClient w : List.of(wa, wb)) {
          String opId = UUID.randomUUID().toString();
          opIds.add(opId);
          // each writer its own records: no conflict, so every write is applied
          w.send(WsClient.writeMessage(i % 2 == 0 ? "insert" : "update", opId, c,
              (w == wa ? "a" : "b") + (i % 7), Json.object().put("i", i)));
        }
      }
      Map<Long, String> ackedSeqs = new HashMap<>();
      for (String opId : opIds) {
        WsClient w = opIds.indexOf(opId) % 2 == 0 ? wa : wb;
        ObjectNode ack = w.awaitReply(opId);
        assertThat(ack.path("type").asText()).as("reply %s", ack).isEqualTo("ack");
        assertThat(ack.path("status").asText()).as("ack %s", ack).isEqualTo("applied");
        assertThat(ackedSeqs.put(ack.path("seq").asLong(), opId)).isNull();
      }
      int total = 2 * perWriter;
      assertThat(ackedSeqs.keySet()).hasSize(total);
      List<ObjectNode> seenA = ra.awaitCount("change", total);
      List<ObjectNode> seenB = rb.awaitCount("change", total);
      assertThat(seenA).hasSize(total);
      for (int i = 0; i < total; i++) {
        long seq = i + 1;
        assertThat(seenA.get(i).path("seq").asLong()).as("A's change %d", i).isEqualTo(seq);
        assertThat(seenB.get(i).path("seq").asLong()).as("B's change %d", i).isEqualTo(seq);
        assertThat(seenA.get(i).path("opId").asText()).isEqualTo(ackedSeqs.get(seq));
        assertThat(seenB.get(i)).isEqualTo(seenA.get(i));
      }
      assertThat(ra.all().stream().filter(m -> m.path("type").asText().equals("synced")))
          .as("no catch-up was needed").hasSize(1);
    }
  }

  /**
   * docs/protocol.md 1.3: under client-wins "every write is applied in arrival order". Writes
   * pipelined on one connection to one record must be applied in the order they were sent, as
   * the embedded server does (one worker, one queue).
   */
  @Test
  void clientWinsAppliesOneConnectionsWritesInArrivalOrder() throws Exception {
    String c = "cw-order";
    int n = 200;
    try (WsClient w = WsClient.connectWelcomed(vertx, portA)) {
      List<String> opIds = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String opId = "cw-" + i + "-" + UUID.randomUUID();
        opIds.add(opId);
        w.send(WsClient.writeMessage("update", opId, c, "r", Json.object().put("n", i)));
      }
      List<Long> versions = new ArrayList<>();
      for (String opId : opIds) {
        ObjectNode ack = w.awaitReply(opId);
        assertThat(ack.path("status").asText()).as("ack %s", ack).isEqualTo("applied");
        versions.add(ack.path("version").asLong());
      }
      ObjectNode rec = Json.parseObject(Load.send("GET", urlB + "/v1/collections/" + c
          + "/records/r", null).body());
      assertThat(rec.path("data").path("n").asInt()).as("the last write sent wins")
          .isEqualTo(n - 1);
      assertThat(versions).as("versions in the order the writes were sent")
          .isEqualTo(java.util.stream.LongStream.rangeClosed(1, n).boxed().toList());
    }
  }

  @Test
  void conflictStatusesAndAcksAreTheSameThroughEitherGateway() throws Exception {
    try (WsClient a = WsClient.connectWelcomed(vertx, portA);
        WsClient b = WsClient.connectWelcomed(vertx, portB)) {
      // field-lww: merged and superseded, the ack carries the record
      String c = "flw-statuses";
      a.subscribe(c, 0, null);
      assertAck(write(b, "update", c, "r1", Json.object().put("x", "new"), T2, null),
          "applied", 1, 1);
      ObjectNode merged = write(b, "insert", c, "r1",
          Json.object().put("x", "old").put("y", "old"), T1, null);
      assertAck(merged, "merged", 2, 2);
      assertThat(merged.path("record").path("data"))
          .isEqualTo(Json.object().put("x", "new").put("y", "old"));
      assertThat(merged.path("record").path("ts").asText()).isEqualTo(T2);
      ObjectNode superseded = write(b, "update", c, "r1", Json.object().put("x", 0), T0, null);
      assertAck(superseded, "superseded", 2, 2);
      assertThat(superseded.path("record").path("data"))
          .isEqualTo(Json.object().put("x", "new").put("y", "old"));
      ObjectNode next = write(b, "update", c, "r1", Json.object().put("z", 1), null, null);
      assertAck(next, "applied", 3, 3);
      List<ObjectNode> changes = a.awaitCount("change", 3);
      assertThat(changes).extracting(m -> m.path("seq").asLong()).containsExactly(1L, 2L, 3L);
      assertThat(changes.get(1).path("opId").asText()).isEqualTo(merged.path("opId").asText());
      assertThat(changes.get(2).path("opId").asText()).as("no change for the superseded write")
          .isEqualTo(next.path("opId").asText());

      // record-lww: an older write is superseded
      String r = "rec-statuses";
      assertAck(write(a, "insert", r, "r1", Json.object().put("x", 2), T2, null), "applied", 1,
          1);
      assertAck(write(b, "update", r, "r1", Json.object().put("y", 1), T1, null), "superseded",
          1, 1);

      // version: a missing or stale baseVersion is rejected, with the current record
      String v = "ver-statuses";
      assertAck(write(a, "insert", v, "r1", Json.object().put("v", 1), null, null), "applied", 1,
          1);
      ObjectNode rejected = write(b, "update", v, "r1", Json.object().put("v", 2), null, 0L);
      assertAck(rejected, "rejected", 1, 1);
      assertThat(rejected.path("record").path("data")).isEqualTo(Json.object().put("v", 1));
      assertAck(write(b, "update", v, "r1", Json.object().put("v", 2), null, 1L), "applied", 2,
          2);
      HttpResponse<String> conflict = Load.send("PUT", urlA + "/v1/collections/" + v
          + "/records/r1?baseVersion=1", "{\"v\":3}");
      assertThat(conflict.statusCode()).as("REST rejected: %s", conflict.body()).isEqualTo(409);
      assertThat(Json.parseObject(conflict.body()).path("status").asText()).isEqualTo("rejected");

      // a known opId re-used for another write is refused through the other gateway too
      ObjectNode reuse = WsClient.writeMessage("insert", next.path("opId").asText(), c, "other",
          Json.object());
      a.send(reuse);
      ObjectNode error = a.awaitReply(next.path("opId").asText());
      assertThat(error.path("type").asText()).isEqualTo("error");
      assertThat(error.path("code").asText()).isEqualTo("bad_request");
    }
  }

  @Test
  void catchUpThroughAnyGatewayGivesLatestStatePagesThenSyncedAndResetsForeignCursors()
      throws Exception {
    String c = "catchup";
    // 120 records, a third of them updated, every 10th deleted: pushed through B
    List<ObjectNode> writes = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      writes.add(WsClient.writeMessage("insert", "ins-" + i, c, "r" + i,
          Json.object().put("i", i)));
    }
    for (int i = 0; i < 120; i += 3) {
      writes.add(WsClient.writeMessage("update", "upd-" + i, c, "r" + i,
          Json.object().put("u", true)));
    }
    for (int i = 0; i < 120; i += 10) {
      writes.add(WsClient.writeMessage("delete", "del-" + i, c, "r" + i, null));
    }
    List<JsonNode> results = push(urlB, writes);
    long seq = 0;
    for (JsonNode res : results) {
      assertThat(res.path("type").asText()).as("push result %s", res).isEqualTo("ack");
      seq = Math.max(seq, res.path("seq").asLong());
    }
    assertThat(seq).isEqualTo(writes.size());
    Map<String, JsonNode> pulled = Pull.all(urlA, c);
    assertThat(pulled).hasSize(120);

    try (WsClient a = WsClient.connectWelcomed(vertx, portA)) {
      a.send(Json.object().put("type", "subscribe").put("collection", c));
      ObjectNode synced = a.awaitType("synced");
      assertThat(synced.path("seq").asLong()).isEqualTo(seq);
      List<ObjectNode> pages = a.all().stream()
          .filter(m -> m.path("type").asText().equals("changes")).toList();
      assertThat(pages).hasSize(120 / PAGE + 1);
      Map<String, JsonNode> items = new HashMap<>();
      long last = 0;
      for (ObjectNode page : pages) {
        assertThat(page.path("items").size()).isLessThanOrEqualTo(PAGE);
        for (JsonNode item : page.path("items")) {
          assertThat(item.path("seq").asLong()).as("items in seq order").isGreaterThan(last);
          last = item.path("seq").asLong();
          assertThat(item.has("opId")).isFalse();
          items.put(item.path("id").asText(), item);
        }
      }
      assertThat(items).isEqualTo(pulled);
      assertThat(items.get("r10").path("op").asText()).isEqualTo("delete");
      assertThat(items.get("r3").path("data")).isEqualTo(Json.object().put("i", 3)
          .put("u", true));

      // from a cursor, through the other gateway: only what changed after it
      String epoch = synced.path("epoch").asText();
      try (WsClient b = WsClient.connectWelcomed(vertx, portB)) {
        b.send(Json.object().put("type", "subscribe").put("collection", c).put("since", 150)
            .put("epoch", epoch));
        ObjectNode again = b.awaitType("synced");
        assertThat(again.path("seq").asLong()).isEqualTo(seq);
        List<JsonNode> tail = new ArrayList<>();
        b.all().stream().filter(m -> m.path("type").asText().equals("changes"))
            .forEach(p -> p.path("items").forEach(tail::add));
        assertThat(tail).as("the latest state of each record changed after 150")
            .containsExactlyElementsOf(pulled.values().stream()
                .filter(i -> i.path("seq").asLong() > 150)
                .sorted(java.util.Comparator.comparingLong(i -> i.path("seq").asLong()))
                .toList());
        assertThat(b.all()).noneMatch(m -> m.path("type").asText().equals("reset"));
      }

      // a foreign epoch, or a cursor beyond the collection's seq: reset, then from 0
      for (ObjectNode sub : List.of(
          Json.object().put("since", 5).put("epoch", "some-other-epoch"),
          Json.object().put("since", seq + 100).put("epoch", epoch))) {
        try (WsClient b = WsClient.connectWelcomed(vertx, portB)) {
          sub.put("type", "subscribe").put("collection", c);
          b.send(sub);
          ObjectNode done = b.awaitType("synced");
          List<ObjectNode> before = b.all();
          assertThat(before.get(1).path("type").asText()).as("after %s", sub).isEqualTo("reset");
          assertThat(before.get(1).path("collection").asText()).isEqualTo(c);
          assertThat(done.path("seq").asLong()).isEqualTo(seq);
          int n = before.stream().filter(m -> m.path("type").asText().equals("changes"))
              .mapToInt(m -> m.path("items").size()).sum();
          assertThat(n).as("full catch-up after the reset").isEqualTo(120);
        }
      }

      HttpResponse<String> foreign = Load.send("GET", urlB + "/v1/sync/pull?collection=" + c
          + "&since=5&epoch=some-other-epoch", null);
      ObjectNode page = Json.parseObject(foreign.body());
      assertThat(page.path("reset").asBoolean()).isTrue();
      assertThat(page.path("epoch").asText()).isEqualTo(epoch);
    }
  }

  @Test
  void httpPushPullAndRestWorkThroughEitherGatewayWithIdempotencyAcrossThem() throws Exception {
    String c = "http-" + UUID.randomUUID().toString().substring(0, 8);
    List<ObjectNode> writes = List.of(
        WsClient.writeMessage("insert", "h1-" + c, c, "a", Json.object().put("x", 1)),
        WsClient.writeMessage("insert", "h2-" + c, c, "b", Json.object().put("x", 2)),
        WsClient.writeMessage("update", "h3-" + c, c, "a", Json.object().put("y", 3)));
    List<JsonNode> first = push(urlA, writes);
    // writes to different records may be applied in any order; to one record, in push order
    assertThat(first).extracting(r -> r.path("seq").asLong())
        .containsExactlyInAnyOrder(1L, 2L, 3L);
    assertThat(first.get(2).path("seq").asLong()).isGreaterThan(first.get(0).path("seq")
        .asLong());
    // the same opIds through the other gateway: the original acks, nothing applied again
    assertThat(push(urlB, writes)).isEqualTo(first);
    assertThat(Pull.seq(urlB, c)).isEqualTo(3);
    Map<String, JsonNode> pulled = Pull.all(urlB, c);
    assertThat(pulled.get("a").path("data")).isEqualTo(Json.object().put("x", 1).put("y", 3));
    assertThat(Pull.all(urlA, c)).isEqualTo(pulled);

    String rec = urlB + "/v1/collections/" + c + "/records/";
    HttpResponse<String> put = Load.send("PUT", rec + "d", "{\"k\":\"v\"}",
        "Idempotency-Key", "key-" + c);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    ObjectNode putAck = Json.parseObject(put.body());
    assertThat(putAck.path("seq").asLong()).isEqualTo(4);
    HttpResponse<String> retry = Load.send("PUT", urlA + "/v1/collections/" + c + "/records/d",
        "{\"k\":\"v\"}", "Idempotency-Key", "key-" + c);
    assertThat(Json.parseObject(retry.body())).as("retry through A").isEqualTo(putAck);

    HttpResponse<String> patch = Load.send("PATCH", urlA + "/v1/collections/" + c
        + "/records/d", "{\"k2\":2}");
    assertThat(Json.parseObject(patch.body()).path("version").asLong()).isEqualTo(2);
    HttpResponse<String> got = Load.send("GET", rec + "d", null);
    assertThat(got.statusCode()).isEqualTo(200);
    ObjectNode record = Json.parseObject(got.body());
    assertThat(record.path("data")).isEqualTo(Json.object().put("k", "v").put("k2", 2));
    assertThat(record.path("version").asLong()).isEqualTo(2);
    assertThat(record.path("seq").asLong()).isEqualTo(5);

    assertThat(Load.send("DELETE", rec + "b", null).statusCode()).isEqualTo(200);
    ObjectNode tomb = Json.parseObject(Load.send("GET", urlA + "/v1/collections/" + c
        + "/records/b", null).body());
    assertThat(tomb.path("deleted").asBoolean()).isTrue();
    assertThat(Load.send("GET", urlA + "/v1/collections/" + c + "/records/nope", null)
        .statusCode()).isEqualTo(404);
    ObjectNode list = Json.parseObject(Load.send("GET", urlA + "/v1/collections/" + c
        + "/records", null).body());
    assertThat(list.path("items")).extracting(i -> i.path("id").asText())
        .containsExactly("a", "d");
  }

  @Test
  void gatewaysAndWorkersServeHealthAndMetrics() {
    for (Cluster.Node n : List.of(cluster.gateway(0), cluster.gateway(1), cluster.worker(0),
        cluster.worker(1))) {
      assertThat(Load.status(n.url() + "/health/live")).as("%s live", n).isEqualTo(200);
      assertThat(Load.status(n.url() + "/health/ready")).as("%s ready", n).isEqualTo(200);
      assertThat(Load.status(n.url() + "/metrics")).as("%s metrics", n).isEqualTo(200);
    }
    assertThat(Load.status(cluster.worker(0).url() + "/v1/sync/pull?collection=x"))
        .as("a worker serves no API").isEqualTo(404);
  }

  @Test
  void aWorkerStoppedWithSigtermDrainsAndTheOtherKeepsAcking() throws Exception {
    Cluster.Node worker = cluster.worker(1);
    try (WsClient w = WsClient.connectWelcomed(vertx, portB)) {
      assertThat(cluster.sigterm(worker)).as("exit status after SIGTERM (128 + 15)")
          .isEqualTo(143);
      assertThat(worker.line(l -> l.contains("shutting down: draining")).get(5,
          TimeUnit.SECONDS)).isNotNull();
      for (int i = 0; i < 20; i++) {
        assertThat(w.write("insert", "after-sigterm", "r" + i, Json.object().put("i", i))
            .path("status").asText()).isEqualTo("applied");
      }
      assertThat(Load.status(urlB + "/health/ready")).isEqualTo(200);
    } finally {
      Cluster.Node again = cluster.restart(worker);
      assertThat(Load.status(again.url() + "/health/ready")).isEqualTo(200);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static ObjectNode write(WsClient via, String type, String collection, String id,
      ObjectNode data, String ts, Long baseVersion) {
    ObjectNode reply = via.write(type, collection, id, data, ts, baseVersion);
    assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("ack");
    return reply;
  }

  private static void assertAck(ObjectNode ack, String status, long version, long seq) {
    assertThat(ack.path("status").asText()).as("ack %s", ack).isEqualTo(status);
    assertThat(ack.path("version").asLong()).as("version in %s", ack).isEqualTo(version);
    assertThat(ack.path("seq").asLong()).as("seq in %s", ack).isEqualTo(seq);
  }

  private static List<JsonNode> push(String url, List<ObjectNode> writes) throws Exception {
    ArrayNode arr = Json.MAPPER.createArrayNode();
    writes.forEach(arr::add);
    ObjectNode body = Json.object();
    body.set("writes", arr);
    HttpResponse<String> r = Load.send("POST", url + "/v1/sync/push", Json.write(body));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    Json.parseObject(r.body()).path("results").forEach(out::add);
    assertThat(out).hasSize(writes.size());
    return out;
  }
}
