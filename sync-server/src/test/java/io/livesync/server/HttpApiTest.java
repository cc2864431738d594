package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every HTTP endpoint of PROTOCOL.md 3 against a real in-process server, through the JDK HTTP
 * client. One server for the class; each test works in its own collections. After every error
 * case the stored state is read back through the API: a refused request stores nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpApiTest {
  private static final AtomicInteger COLLECTIONS = new AtomicInteger();
  private static TestServer server;
  private static HttpClient http;

  /** A fresh collection name for the current test (default strategy field-lww). */
  private String col;

  @BeforeAll
  static void startServer() throws Exception {
    server = TestServer.start(Map.of(),
        "{\"worker\":{\"rules\":[{\"pattern\":\"ver*\",\"strategy\":\"version\"}]}}");
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void freshCollection() {
    col = "http-" + COLLECTIONS.incrementAndGet();
  }

  // ------------------------------------------------------------------ push

  @Test
  void pushAcksEveryWriteInTheOrderSent() throws Exception {
    ArrayNode writes = Json.MAPPER.createArrayNode();
    List<String> opIds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String opId = UUID.randomUUID().toString();
      opIds.add(opId);
      writes.add(write("insert", opId, col, "r" + i, Json.object().put("n", i)));
    }
    Resp r = post("/v1/sync/push", body(writes));
    assertThat(r.status).isEqualTo(200);
    assertThat(r.contentType).startsWith("application/json");
    JsonNode results = r.json().path("results");
    assertThat(results).hasSize(5);
    Set<Long> seqs = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      JsonNode ack = results.get(i);
      assertThat(ack.path("type").asText()).isEqualTo("ack");
      assertThat(ack.path("opId").asText()).isEqualTo(opIds.get(i));
      assertThat(ack.path("collection").asText()).isEqualTo(col);
      assertThat(ack.path("id").asText()).isEqualTo("r" + i);
      assertThat(ack.path("status").asText()).isEqualTo("applied");
      assertThat(ack.path("version").asLong()).isEqualTo(1);
      seqs.add(ack.path("seq").asLong());
    }
    assertThat(seqs).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    for (int i = 0; i < 5; i++) {
      ObjectNode rec = get(recordPath(col, "r" + i)).json();
      assertThat(rec.path("data")).isEqualTo(Json.object().put("n", i));
      assertThat(rec.path("seq").asLong()).isEqualTo(results.get(i).path("seq").asLong());
    }
  }

  @Test
  void pushOfTwoWritesToOneRecordAppliesBoth() throws Exception {
    ArrayNode writes = Json.MAPPER.createArrayNode();
    writes.add(write("insert", UUID.randomUUID().toString(), col, "a",
        Json.object().put("x", 1).put("y", 1)));
    writes.add(write("update", UUID.randomUUID().toString(), col, "a",
        Json.object().put("y", 2)));
    JsonNode results = post("/v1/sync/push", body(writes)).json().path("results");
    assertThat(results.get(0).path("status").asText()).isEqualTo("applied");
    assertThat(results.get(1).path("status").asText()).isEqualTo("applied");
    ObjectNode rec = get(recordPath(col, "a")).json();
    assertThat(rec.path("version").asLong()).isEqualTo(2);
    assertThat(rec.path("data")).isEqualTo(Json.object().put("x", 1).put("y", 2));
  }

  @Test
  void pushMixesAcksAndErrorsAndStoresOnlyTheValidWrites() throws Exception {
    String goodA = UUID.randomUUID().toString();
    String badName = UUID.randomUUID().toString();
    String reserved = UUID.randomUUID().toString();
    String goodB = UUID.randomUUID().toString();
    ArrayNode writes = Json.MAPPER.createArrayNode();
    writes.add(write("insert", goodA, col, "a", Json.object().put("v", 1)));
    writes.add(write("insert", badName, "bad name!", "b", Json.object().put("v", 2)));
    writes.add(write("insert", reserved, col, "c", Json.object().put("_secret", 3)));
    writes.add(write("insert", goodB, col, "d", Json.object().put("v", 4)));
    Resp r = post("/v1/sync/push", body(writes));
    assertThat(r.status).isEqualTo(200);
    JsonNode results = r.json().path("results");
    assertThat(results).hasSize(4);
    assertThat(results.get(0).path("type").asText()).isEqualTo("ack");
    assertThat(results.get(0).path("opId").asText()).isEqualTo(goodA);
    assertError(results.get(1), "bad_request", badName);
    assertError(results.get(2), "bad_request", reserved);
    assertThat(results.get(2).path("collection").asText()).isEqualTo(col);
    assertThat(results.get(3).path("type").asText()).isEqualTo("ack");
    assertThat(results.get(3).path("opId").asText()).isEqualTo(goodB);

    assertThat(get(recordPath(col, "a")).status).isEqualTo(200);
    assertThat(get(recordPath(col, "c")).status).isEqualTo(404);
    assertThat(get(recordPath(col, "d")).status).isEqualTo(200);
    assertThat(pullAll(col, 0)).extracting(n -> n.path("id").asText())
        .containsExactlyInAnyOrder("a", "d");
  }

  @Test
  void pushAnswersEachKindOfBadEntryWithItsOwnError() throws Exception {
    ObjectNode deep = Json.object();
    ObjectNode at = deep;
    for (int depth = 1; depth < 33; depth++) {
      at = at.putObject("n");
    }
    String future = String.format("%013d-0000-dev", System.currentTimeMillis() + 3_600_000);
    String reusedOpId = UUID.randomUUID().toString();
    assertThat(post("/v1/sync/push", body(Json.MAPPER.createArrayNode().add(
        write("insert", reusedOpId, col, "first", Json.object().put("v", 1))))).json()
        .path("results").get(0).path("status").asText()).isEqualTo("applied");

    List<ObjectNode> bad = new ArrayList<>();
    List<String> codes = new ArrayList<>();
    bad.add(write("subscribe", UUID.randomUUID().toString(), col, "x", Json.object()));
    codes.add("bad_request");
    bad.add(write("insert", UUID.randomUUID().toString(), col, "has space",
        Json.object().put("v", 1)));
    codes.add("bad_request");
    bad.add(write("insert", UUID.randomUUID().toString(), col, "x", null));
    codes.add("bad_request");
    ObjectNode notObject = write("insert", UUID.randomUUID().toString(), col, "x", null);
    notObject.putArray("data").add(1);
    bad.add(notObject);
    codes.add("bad_request");
    bad.add(write("insert", UUID.randomUUID().toString(), col, "x", deep));
    codes.add("too_large");
    ObjectNode big = Json.object().put("blob", "x".repeat(300 * 1024));
    bad.add(write("insert", UUID.randomUUID().toString(), col, "x", big));
    codes.add("too_large");
    bad.add(write("insert", UUID.randomUUID().toString(), col, "x", Json.object().put("v", 1))
        .put("ts", "yesterday"));
    codes.add("bad_request");
    bad.add(write("insert", UUID.randomUUID().toString(), col, "x", Json.object().put("v", 1))
        .put("ts", future));
    codes.add("clock_skew");
    bad.add(write("insert", UUID.randomUUID().toString(), col, "x", Json.object().put("v", 1))
        .put("baseVersion", -1));
    codes.add("bad_request");
    bad.add(write("insert", reusedOpId, col, "x", Json.object().put("v", 2)));
    codes.add("bad_request");
    bad.add(write("delete", UUID.randomUUID().toString(), col, "x", Json.object().put("v", 1)));
    codes.add("bad_request");

    ArrayNode writes = Json.MAPPER.createArrayNode();
    bad.forEach(writes::add);
    writes.add(42);
    codes.add("bad_request");
    JsonNode results = post("/v1/sync/push", body(writes)).json().path("results");
    assertThat(results).hasSize(codes.size());
    for (int i = 0; i < codes.size(); i++) {
      JsonNode res = results.get(i);
      assertThat(res.path("type").asText()).as("result %d: %s", i, res).isEqualTo("error");
      assertThat(res.path("code").asText()).as("result %d: %s", i, res).isEqualTo(codes.get(i));
      assertThat(res.path("message").asText()).isNotBlank();
      if (i < bad.size()) {
        assertThat(res.path("opId").asText()).as("result %d", i)
            .isEqualTo(bad.get(i).path("opId").asText());
      }
    }
    assertThat(get(recordPath(col, "x")).status).isEqualTo(404);
    List<JsonNode> stored = pullAll(col, 0);
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).path("id").asText()).isEqualTo("first");
    assertThat(stored.get(0).path("data")).isEqualTo(Json.object().put("v", 1));
  }

  @Test
  void pushOfMoreThanMaxPushWritesIsTooLargeAndStoresNothing() throws Exception {
    int max = server.server().config().limits().maxPushWrites();
    ArrayNode writes = Json.MAPPER.createArrayNode();
    for (int i = 0; i <= max; i++) {
      writes.add(write("insert", UUID.randomUUID().toString(), col, "r" + i,
          Json.object().put("i", i)));
    }
    Resp r = post("/v1/sync/push", body(writes));
    assertHttpError(r, 413, "too_large");
    assertNothingStored(col);
  }

  @Test
  void pushWithMalformedBodyIsBadRequest() throws Exception {
    for (String bad : List.of("not json", "{\"writes\":[", "[]", "{}", "{\"writes\":{}}",
        "{\"writes\":\"x\"}", "")) {
      assertHttpError(post("/v1/sync/push", bad), 400, "bad_request");
    }
    assertNothingStored(col);
  }

  // ------------------------------------------------------------------ pull

  @Test
  void pullPagesUntilHasMoreIsFalseGivingTheLatestStatePerRecord() throws Exception {
    int records = 10;
    Map<String, JsonNode> latest = new HashMap<>();
    for (int round = 0; round < 3; round++) {
      ArrayNode writes = Json.MAPPER.createArrayNode();
      for (int i = 0; i < records; i++) {
        ObjectNode data = Json.object().put("round", round).put("i", i);
        writes.add(write("insert", UUID.randomUUID().toString(), col, "r" + i, data));
        latest.put("r" + i, data);
      }
      assertThat(post("/v1/sync/push", body(writes)).status).isEqualTo(200);
    }
    ArrayNode del = Json.MAPPER.createArrayNode()
        .add(write("delete", UUID.randomUUID().toString(), col, "r3", null));
    post("/v1/sync/push", body(del));

    long cursor = 0;
    String epoch = null;
    List<JsonNode> items = new ArrayList<>();
    int pages = 0;
    boolean more = true;
    while (more) {
      assertThat(++pages).as("pages").isLessThan(50);
      ObjectNode page = get("/v1/sync/pull?collection=" + col + "&since=" + cursor
          + "&limit=3" + (epoch == null ? "" : "&epoch=" + epoch)).json();
      assertThat(page.path("collection").asText()).isEqualTo(col);
      assertThat(page.path("reset").asBoolean()).isFalse();
      assertThat(page.path("items").size()).isLessThanOrEqualTo(3);
      if (epoch != null) {
        assertThat(page.path("epoch").asText()).isEqualTo(epoch);
      }
      epoch = page.path("epoch").asText();
      page.path("items").forEach(items::add);
      assertThat(page.path("seq").asLong()).isGreaterThanOrEqualTo(cursor);
      cursor = page.path("seq").asLong();
      more = page.path("hasMore").asBoolean();
    }
    assertThat(pages).isGreaterThan(3);
    assertThat(cursor).isEqualTo(3L * records + 1);
    assertThat(items).hasSize(records);
    long prev = 0;
    Set<String> ids = new HashSet<>();
    for (JsonNode item : items) {
      assertThat(item.path("seq").asLong()).isGreaterThan(prev);
      prev = item.path("seq").asLong();
      String id = item.path("id").asText();
      assertThat(ids.add(id)).as("each record once").isTrue();
      if (id.equals("r3")) {
        assertThat(item.path("op").asText()).isEqualTo("delete");
        assertThat(item.has("data")).isFalse();
        assertThat(item.path("version").asLong()).isEqualTo(4);
        assertThat(item.path("seq").asLong()).isEqualTo(3L * records + 1);
      } else {
        assertThat(item.path("op").asText()).isEqualTo("insert");
        assertThat(item.path("data")).isEqualTo(latest.get(id));
        assertThat(item.path("version").asLong()).isEqualTo(3);
      }
      assertThat(item.path("ts").asText()).matches("\\d{13}-[0-9a-f]{4}-.+");
    }
  }

  @Test
  void pullFromTheCursorReturnsOnlyLaterChanges() throws Exception {
    put(col, "a", Json.object().put("v", 1), Map.of());
    put(col, "b", Json.object().put("v", 1), Map.of());
    ObjectNode page = get("/v1/sync/pull?collection=" + col + "&since=0").json();
    long cursor = page.path("seq").asLong();
    String epoch = page.path("epoch").asText();
    assertThat(cursor).isEqualTo(2);
    assertThat(page.path("hasMore").asBoolean()).isFalse();

    ObjectNode empty = get("/v1/sync/pull?collection=" + col + "&since=" + cursor + "&epoch="
        + epoch).json();
    assertThat(empty.path("items")).isEmpty();
    assertThat(empty.path("seq").asLong()).isEqualTo(cursor);
    assertThat(empty.path("reset").asBoolean()).isFalse();
    assertThat(empty.path("hasMore").asBoolean()).isFalse();

    patch(col, "a", Json.object().put("w", 2), Map.of());
    ObjectNode next = get("/v1/sync/pull?collection=" + col + "&since=" + cursor + "&epoch="
        + epoch).json();
    assertThat(next.path("items")).hasSize(1);
    JsonNode item = next.path("items").get(0);
    assertThat(item.path("id").asText()).isEqualTo("a");
    assertThat(item.path("op").asText()).isEqualTo("insert");
    assertThat(item.path("data")).isEqualTo(Json.object().put("v", 1).put("w", 2));
    assertThat(item.path("seq").asLong()).isEqualTo(3);
    assertThat(next.path("seq").asLong()).isEqualTo(3);
  }

  @Test
  void pullWithAForeignEpochResetsAndStartsFromZero() throws Exception {
    put(col, "a", Json.object().put("v", 1), Map.of());
    put(col, "b", Json.object().put("v", 2), Map.of());
    ObjectNode page = get("/v1/sync/pull?collection=" + col + "&since=1&epoch=someOtherEpoch")
        .json();
    assertThat(page.path("reset").asBoolean()).isTrue();
    assertThat(page.path("epoch").asText()).isNotEqualTo("someOtherEpoch").isNotBlank();
    assertThat(page.path("items")).extracting(n -> n.path("id").asText())
        .containsExactly("a", "b");
    assertThat(page.path("seq").asLong()).isEqualTo(2);
    assertThat(page.path("hasMore").asBoolean()).isFalse();

    ObjectNode beyond = get("/v1/sync/pull?collection=" + col + "&since=99&epoch="
        + page.path("epoch").asText()).json();
    assertThat(beyond.path("reset").asBoolean()).as("a cursor beyond the seq").isTrue();
    assertThat(beyond.path("items")).hasSize(2);
  }

  @Test
  void pullWithABadCursorOrLimitIsBadRequest() throws Exception {
    put(col, "a", Json.object().put("v", 1), Map.of());
    for (String query : List.of("since=-1", "since=abc", "since=1.5", "limit=0", "limit=-3",
        "limit=x")) {
      Resp r = get("/v1/sync/pull?collection=" + col + "&" + query);
      assertHttpError(r, 400, "bad_request");
    }
    assertHttpError(get("/v1/sync/pull"), 400, "bad_request");
    assertHttpError(get("/v1/sync/pull?collection=" + enc("bad name!")), 400, "bad_request");
  }

  // ------------------------------------------------------------------ GET record

  @Test
  void getRecordReturnsItOr404() throws Exception {
    ObjectNode ack = put(col, "r1", Json.object().put("title", "milk"), Map.of()).json();
    Resp r = get(recordPath(col, "r1"));
    assertThat(r.status).isEqualTo(200);
    assertThat(r.contentType).startsWith("application/json");
    ObjectNode rec = r.json();
    assertThat(rec.path("collection").asText()).isEqualTo(col);
    assertThat(rec.path("id").asText()).isEqualTo("r1");
    assertThat(rec.path("version").asLong()).isEqualTo(1);
    assertThat(rec.path("seq").asLong()).isEqualTo(ack.path("seq").asLong());
    assertThat(rec.path("ts").asText()).matches("\\d{13}-[0-9a-f]{4}-server");
    assertThat(rec.path("deleted").asBoolean()).isFalse();
    assertThat(rec.path("data")).isEqualTo(Json.object().put("title", "milk"));

    Resp missing = get(recordPath(col, "nope"));
    assertHttpError(missing, 404, "not_found");
    assertThat(missing.json().size()).isEqualTo(1);
    assertThat(missing.json().path("error").has("message")).isTrue();
    assertHttpError(get(recordPath("never-written-" + col, "r1")), 404, "not_found");
    assertHttpError(get("/v1/collections/" + col + "/records/" + enc("bad id!")), 400,
        "bad_request");
  }

  @Test
  void getOfADeletedRecordReturnsTheTombstone() throws Exception {
    put(col, "r1", Json.object().put("title", "milk"), Map.of());
    ObjectNode ack = delete(col, "r1", Map.of()).json();
    assertThat(ack.path("status").asText()).isEqualTo("applied");
    ObjectNode rec = get(recordPath(col, "r1")).json();
    assertThat(rec.path("deleted").asBoolean()).isTrue();
    assertThat(rec.path("data")).isEqualTo(Json.object());
    assertThat(rec.path("version").asLong()).isEqualTo(2);
    assertThat(rec.path("seq").asLong()).isEqualTo(ack.path("seq").asLong());
  }

  // ------------------------------------------------------------------ list

  @Test
  void listPagesLiveRecordsInIdOrderWithoutTombstones() throws Exception {
    List<String> ids = List.of("e", "b", "g", "a", "d", "c", "f");
    for (String id : ids) {
      put(col, id, Json.object().put("id", id), Map.of());
    }
    delete(col, "d", Map.of());

    List<String> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      assertThat(++pages).isLessThan(20);
      Resp r = get("/v1/collections/" + col + "/records?limit=2"
          + (after == null ? "" : "&after=" + after));
      assertThat(r.status).isEqualTo(200);
      ObjectNode page = r.json();
      assertThat(page.has("next")).isTrue();
      assertThat(page.path("items").size()).isLessThanOrEqualTo(2);
      for (JsonNode rec : page.path("items")) {
        assertThat(rec.path("deleted").asBoolean()).isFalse();
        assertThat(rec.path("collection").asText()).isEqualTo(col);
        assertThat(rec.path("data").path("id").asText()).isEqualTo(rec.path("id").asText());
        assertThat(rec.path("version").asLong()).isEqualTo(1);
        seen.add(rec.path("id").asText());
      }
      after = page.path("next").isNull() ? null : page.path("next").asText();
    } while (after != null);
    assertThat(seen).containsExactly("a", "b", "c", "e", "f", "g");
    assertThat(pages).isEqualTo(3);

    ObjectNode all = get("/v1/collections/" + col + "/records").json();
    assertThat(all.path("next").isNull()).isTrue();
    assertThat(all.path("items")).extracting(n -> n.path("id").asText())
        .containsExactly("a", "b", "c", "e", "f", "g");
    ObjectNode tail = get("/v1/collections/" + col + "/records?after=e").json();
    assertThat(tail.path("items")).extracting(n -> n.path("id").asText())
        .containsExactly("f", "g");
    ObjectNode none = get("/v1/collections/empty-" + col + "/records").json();
    assertThat(none.path("items")).isEmpty();
    assertThat(none.path("next").isNull()).isTrue();
    assertHttpError(get("/v1/collections/" + col + "/records?limit=0"), 400, "bad_request");
    assertHttpError(get("/v1/collections/" + col + "/records?limit=abc"), 400, "bad_request");
  }

  // ------------------------------------------------------------------ PUT / PATCH / DELETE

  @Test
  void putPatchDeleteAnswerWithTheAck() throws Exception {
    Resp put = put(col, "r1", Json.object().put("a", 1).put("b", 1), Map.of());
    assertThat(put.status).isEqualTo(200);
    assertThat(put.contentType).startsWith("application/json");
    ObjectNode ack = put.json();
    assertThat(ack.path("opId").asText()).isNotBlank();
    assertThat(ack.path("collection").asText()).isEqualTo(col);
    assertThat(ack.path("id").asText()).isEqualTo("r1");
    assertThat(ack.path("status").asText()).isEqualTo("applied");
    assertThat(ack.path("version").asLong()).isEqualTo(1);
    assertThat(ack.path("seq").asLong()).isEqualTo(1);

    ObjectNode patched = patch(col, "r1", Json.object().put("b", 2).putNull("a")
        .put("c", 3), Map.of()).json();
    assertThat(patched.path("status").asText()).isEqualTo("applied");
    assertThat(patched.path("version").asLong()).isEqualTo(2);
    assertThat(patched.path("seq").asLong()).isEqualTo(2);
    assertThat(get(recordPath(col, "r1")).json().path("data"))
        .isEqualTo(Json.object().put("b", 2).put("c", 3));

    ObjectNode replaced = put(col, "r1", Json.object().put("z", 9), Map.of()).json();
    assertThat(replaced.path("version").asLong()).isEqualTo(3);
    assertThat(get(recordPath(col, "r1")).json().path("data"))
        .isEqualTo(Json.object().put("z", 9));

    Resp del = delete(col, "r1", Map.of());
    assertThat(del.status).isEqualTo(200);
    assertThat(del.json().path("status").asText()).isEqualTo("applied");
    assertThat(del.json().path("version").asLong()).isEqualTo(4);
    assertThat(del.json().path("seq").asLong()).isEqualTo(4);

    ObjectNode created = patch(col, "new", Json.object().put("x", 1), Map.of()).json();
    assertThat(created.path("status").asText()).as("an update creates under LWW")
        .isEqualTo("applied");
    assertThat(created.path("version").asLong()).isEqualTo(1);
  }

  @Test
  void idempotencyKeyMakesARetryReturnTheSameAckAndApplyOnce() throws Exception {
    String key = UUID.randomUUID().toString();
    ObjectNode first = put(col, "r1", Json.object().put("v", 1),
        Map.of("Idempotency-Key", key)).json();
    assertThat(first.path("opId").asText()).isEqualTo(key);
    assertThat(first.path("status").asText()).isEqualTo("applied");
    Resp retry = put(col, "r1", Json.object().put("v", 1), Map.of("Idempotency-Key", key));
    assertThat(retry.status).isEqualTo(200);
    assertThat(retry.json()).isEqualTo(first);
    assertThat(get(recordPath(col, "r1")).json().path("version").asLong()).isEqualTo(1);

    String patchKey = UUID.randomUUID().toString();
    ObjectNode p1 = patch(col, "r1", Json.object().put("w", 2),
        Map.of("Idempotency-Key", patchKey)).json();
    ObjectNode p2 = patch(col, "r1", Json.object().put("w", 2),
        Map.of("Idempotency-Key", patchKey)).json();
    assertThat(p2).isEqualTo(p1);
    String delKey = UUID.randomUUID().toString();
    ObjectNode d1 = delete(col, "r1", Map.of("Idempotency-Key", delKey)).json();
    ObjectNode d2 = delete(col, "r1", Map.of("Idempotency-Key", delKey)).json();
    assertThat(d2).isEqualTo(d1);
    assertThat(d1.path("version").asLong()).isEqualTo(3);

    ObjectNode page = get("/v1/sync/pull?collection=" + col + "&since=0").json();
    assertThat(page.path("seq").asLong()).as("three changes, each applied once").isEqualTo(3);

    Resp reused = put(col, "r1", Json.object().put("v", 99), Map.of("Idempotency-Key", key));
    assertHttpError(reused, 400, "bad_request");
    ObjectNode rec = get(recordPath(col, "r1")).json();
    assertThat(rec.path("version").asLong()).isEqualTo(3);
    assertThat(rec.path("deleted").asBoolean()).isTrue();
  }

  @Test
  void baseVersionOnAVersionCollectionIsRejectedWith409UnlessCurrent() throws Exception {
    String ver = "ver-" + col;
    ObjectNode created = put(ver, "r1", Json.object().put("v", 1), Map.of()).json();
    assertThat(created.path("status").asText()).isEqualTo("applied");
    assertThat(created.path("version").asLong()).isEqualTo(1);

    Resp noBase = put(ver, "r1", Json.object().put("v", 2), Map.of());
    assertRejected(noBase, 1, Json.object().put("v", 1));
    Resp stale = putQuery(ver, "r1", "?baseVersion=0", Json.object().put("v", 2));
    assertRejected(stale, 1, Json.object().put("v", 1));
    Resp stalePatch = send("PATCH", recordPath(ver, "r1") + "?baseVersion=5",
        Json.write(Json.object().put("v", 3)), Map.of());
    assertRejected(stalePatch, 1, Json.object().put("v", 1));
    Resp staleDelete = send("DELETE", recordPath(ver, "r1") + "?baseVersion=2", null, Map.of());
    assertRejected(staleDelete, 1, Json.object().put("v", 1));
    assertThat(get(recordPath(ver, "r1")).json().path("version").asLong()).isEqualTo(1);

    Resp current = putQuery(ver, "r1", "?baseVersion=1", Json.object().put("v", 2));
    assertThat(current.status).isEqualTo(200);
    assertThat(current.json().path("status").asText()).isEqualTo("applied");
    assertThat(current.json().path("version").asLong()).isEqualTo(2);
    Resp del = send("DELETE", recordPath(ver, "r1") + "?baseVersion=2", null, Map.of());
    assertThat(del.status).isEqualTo(200);
    assertThat(del.json().path("version").asLong()).isEqualTo(3);
    assertThat(get(recordPath(ver, "r1")).json().path("deleted").asBoolean()).isTrue();

    // a rejected write retried with its Idempotency-Key gets the original answer, even though
    // the record moved on
    String key = UUID.randomUUID().toString();
    Resp rejected = send("PUT", recordPath(ver, "r1"), "{\"v\":9}",
        Map.of("Idempotency-Key", key));
    assertRejected(rejected, 3, Json.object());
    assertThat(send("DELETE", recordPath(ver, "r1") + "?baseVersion=3", null, Map.of()).status)
        .isEqualTo(200);
    Resp retried = send("PUT", recordPath(ver, "r1"), "{\"v\":9}",
        Map.of("Idempotency-Key", key));
    assertThat(retried.status).isEqualTo(409);
    assertThat(retried.json()).isEqualTo(rejected.json());
    assertThat(get(recordPath(ver, "r1")).json().path("version").asLong()).isEqualTo(4);

    assertHttpError(putQuery(ver, "r2", "?baseVersion=abc", Json.object().put("v", 1)), 400,
        "bad_request");
    assertHttpError(putQuery(ver, "r2", "?baseVersion=-1", Json.object().put("v", 1)), 400,
        "bad_request");
    assertHttpError(get(recordPath(ver, "r2")), 404, "not_found");
  }

  @Test
  void invalidRestWritesAreAnsweredWithErrorsAndStoreNothing() throws Exception {
    assertHttpError(send("PUT", recordPath(col, "r1"), "[1,2]", Map.of()), 400, "bad_request");
    assertHttpError(send("PUT", recordPath(col, "r1"), "{not json", Map.of()), 400,
        "bad_request");
    assertHttpError(send("PUT", recordPath(col, "r1"), "", Map.of()), 400, "bad_request");
    assertHttpError(send("PATCH", recordPath(col, "r1"), "", Map.of()), 400, "bad_request");
    assertHttpError(put(col, "r1", Json.object().put("_rev", 1), Map.of()), 400, "bad_request");
    ObjectNode deep = Json.object();
    ObjectNode at = deep;
    for (int depth = 1; depth < 33; depth++) {
      at = at.putObject("n");
    }
    assertHttpError(put(col, "r1", deep, Map.of()), 413, "too_large");
    assertHttpError(put(col, "r1", Json.object().put("blob", "x".repeat(300 * 1024)),
        Map.of()), 413, "too_large");
    assertHttpError(send("PUT", "/v1/collections/" + enc("bad name!") + "/records/r1",
        "{\"v\":1}", Map.of()), 400, "bad_request");
    assertHttpError(send("PUT", "/v1/collections/" + col + "/records/" + enc("bad id!"),
        "{\"v\":1}", Map.of()), 400, "bad_request");
    assertHttpError(put(col, "r1", Json.object().put("v", 1),
        Map.of("Idempotency-Key", "not a valid key!")), 400, "bad_request");
    assertHttpError(get(recordPath(col, "r1")), 404, "not_found");
    assertNothingStored(col);
  }

  @Test
  void bodyOverTheHttpLimitIsTooLarge() throws Exception {
    long limit = server.server().config().limits().maxHttpBodyBytes();
    String body = "{\"blob\":\"" + "x".repeat((int) limit) + "\"}";
    assertHttpError(send("PUT", recordPath(col, "big"), body, Map.of()), 413, "too_large");
    String push = "{\"writes\":[" + Json.write(write("insert", UUID.randomUUID().toString(), col,
        "big", Json.object().put("blob", "x".repeat((int) limit)))) + "]}";
    assertHttpError(post("/v1/sync/push", push), 413, "too_large");
    assertHttpError(get(recordPath(col, "big")), 404, "not_found");
    assertNothingStored(col);
  }

  // ------------------------------------------------------------------ the rest

  @Test
  void unknownPathsAre404Json() throws Exception {
    for (String path : List.of("/v1/nope", "/nope", "/v1/collections/" + col,
        "/v1/sync/pushy")) {
      assertHttpError(get(path), 404, "not_found");
    }
    assertHttpError(post("/v1/unknown", "{}"), 404, "not_found");
  }

  @Test
  void healthEndpointsAnswer200() throws Exception {
    Resp live = get("/health/live");
    assertThat(live.status).isEqualTo(200);
    Resp ready = get("/health/ready");
    assertThat(ready.status).isEqualTo(200);
    assertThat(ready.json().path("status").asText()).isEqualTo("UP");
  }

  @Test
  void metricsAreInPrometheusTextWithLivesyncMeters() throws Exception {
    try (WsClient ws = WsClient.connectWelcomed(server.vertx(), server.port())) {
      assertThat(ws.write("insert", col, "m1", Json.object().put("v", 1)).path("status")
          .asText()).isEqualTo("applied");
      put(col, "m2", Json.object().put("v", 1), Map.of());
      put(col, "m3", Json.object().put("_bad", 1), Map.of());
      Resp r = get("/metrics");
      assertThat(r.status).isEqualTo(200);
      assertThat(r.contentType).startsWith("text/plain");
      String text = r.body;
      assertThat(text).contains("# TYPE livesync_connections gauge");
      assertThat(text).contains("# TYPE livesync_writes_queued gauge");
      assertThat(gauge(text, "livesync_writes_queued")).isZero();
      assertThat(text).contains("# TYPE livesync_writes_shed_total counter");
      assertThat(gauge(text, "livesync_connections")).isGreaterThanOrEqualTo(1.0);
      ws.subscribe(col, 0, null);
      text = get("/metrics").body;
      assertThat(gauge(text, "livesync_subscriptions")).isGreaterThanOrEqualTo(1.0);
      assertThat(gauge(text, "livesync_messages_in_total")).isGreaterThanOrEqualTo(2.0);
      assertThat(gauge(text, "livesync_messages_out_total")).isGreaterThanOrEqualTo(3.0);
      assertThat(text).contains("# TYPE livesync_write_latency_seconds");
      assertThat(text).containsPattern("(?m)^livesync_write_latency_seconds_count(\\{[^}]*\\})? "
          + "[1-9]");
      assertThat(text).containsPattern(
          "(?m)^livesync_gateway_write_outcomes_total\\{[^}]*outcome=\"applied\"[^}]*\\} [1-9]");
      assertThat(text).containsPattern("(?m)^livesync_gateway_write_outcomes_total\\{[^}]*"
          + "outcome=\"bad_request\"[^}]*\\} [1-9]");
      for (String line : text.split("\n")) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          assertThat(line).as("sample line").matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})? \\S+");
        }
      }
    }
  }

  @Test
  void metricsReportTheFanOutBacklog() throws Exception {
    try (WsClient ws = WsClient.connectWelcomed(server.vertx(), server.port())) {
      ws.subscribe(col, 0, null);
      assertThat(get("/metrics").body).containsPattern("(?m)^livesync_\\w*backlog\\w* ");
    }
  }

  // ------------------------------------------------------------------ helpers

  private static double gauge(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no sample for " + name);
  }

  private static void assertRejected(Resp r, long version, ObjectNode data) {
    assertThat(r.status).as("status of %s", r.body).isEqualTo(409);
    ObjectNode ack = r.json();
    assertThat(ack.path("status").asText()).isEqualTo("rejected");
    assertThat(ack.path("version").asLong()).isEqualTo(version);
    assertThat(ack.path("record").path("version").asLong()).isEqualTo(version);
    assertThat(ack.path("record").path("data")).isEqualTo(data);
  }

  private void assertNothingStored(String collection) throws Exception {
    ObjectNode page = get("/v1/sync/pull?collection=" + collection + "&since=0").json();
    assertThat(page.path("items")).as("stored items").isEmpty();
    assertThat(page.path("seq").asLong()).as("collection seq").isZero();
    assertThat(get("/v1/collections/" + collection + "/records").json().path("items"))
        .isEmpty();
  }

  private static void assertError(JsonNode res, String code, String opId) {
    assertThat(res.path("type").asText()).as("%s", res).isEqualTo("error");
    assertThat(res.path("code").asText()).as("%s", res).isEqualTo(code);
    assertThat(res.path("message").asText()).isNotBlank();
    assertThat(res.path("opId").asText()).isEqualTo(opId);
  }

  private static void assertHttpError(Resp r, int status, String code) {
    assertThat(r.status).as("status of %s", r.body).isEqualTo(status);
    assertThat(r.contentType).startsWith("application/json");
    ObjectNode body = r.json();
    assertThat(body.path("error").isObject()).as("body %s", r.body).isTrue();
    assertThat(body.path("error").path("code").asText()).as("body %s", r.body).isEqualTo(code);
    assertThat(body.path("error").path("message").asText()).isNotBlank();
  }

  /** Every item from a full pull starting at {@code since}. */
  private List<JsonNode> pullAll(String collection, long since) throws Exception {
    List<JsonNode> items = new ArrayList<>();
    long cursor = since;
    for (int pages = 0; pages < 100; pages++) {
      ObjectNode page = get("/v1/sync/pull?collection=" + collection + "&since=" + cursor)
          .json();
      page.path("items").forEach(items::add);
      cursor = page.path("seq").asLong();
      if (!page.path("hasMore").asBoolean()) {
        return items;
      }
    }
    throw new AssertionError("pull did not finish in 100 pages");
  }

  static ObjectNode write(String type, String opId, String collection, String id,
      ObjectNode data) {
    return WsClient.writeMessage(type, opId, collection, id, data);
  }

  private static String body(ArrayNode writes) {
    ObjectNode b = Json.object();
    b.set("writes", writes);
    return Json.write(b);
  }

  private static String recordPath(String collection, String id) {
    return "/v1/collections/" + collection + "/records/" + id;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private Resp put(String collection, String id, ObjectNode data, Map<String, String> headers)
      throws Exception {
    return send("PUT", recordPath(collection, id), Json.write(data), headers);
  }

  private Resp putQuery(String collection, String id, String query, ObjectNode data)
      throws Exception {
    return send("PUT", recordPath(collection, id) + query, Json.write(data), Map.of());
  }

  private Resp patch(String collection, String id, ObjectNode data, Map<String, String> headers)
      throws Exception {
    return send("PATCH", recordPath(collection, id), Json.write(data), headers);
  }

  private Resp delete(String collection, String id, Map<String, String> headers)
      throws Exception {
    return send("DELETE", recordPath(collection, id), null, headers);
  }

  private static Resp get(String path) throws Exception {
    return send("GET", path, null, Map.of());
  }

  private static Resp post(String path, String body) throws Exception {
    return send("POST", path, body, Map.of());
  }

  static Resp send(String method, String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.httpUrl() + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Resp(r.statusCode(), r.headers().firstValue("content-type").orElse(""),
        r.body());
  }

  record Resp(int status, String contentType, String body) {
    ObjectNode json() {
      return Json.parseObject(body);
    }
  }
}
