package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.protocol.ShallowMerge;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Catch-up over WebSocket (PROTOCOL.md 1.1, 2.3, 2.4): from any cursor, the latest state of every
 * record changed after it, once each, in seq order, in pages of at most {@code maxPageSize}, then
 * {@code synced}; {@code reset} and a full catch-up for a foreign epoch, a cursor beyond the
 * collection's seq and a cursor below the horizon.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CatchUpTest {
  private static final int PAGE = 7;
  private static final AtomicInteger COLLECTIONS = new AtomicInteger();
  private static TestServer server;

  private String col;

  /** The expected latest state of each record, from the acks of the writes that made it. */
  private final Map<String, Latest> model = new HashMap<>();

  private record Latest(String id, ObjectNode data, boolean deleted, long version, long seq) {
  }

  @BeforeAll
  static void startServer() throws Exception {
    server = TestServer.start(Map.of(), "{\"limits\":{\"maxPageSize\":" + PAGE + "}}");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void freshCollection() {
    col = "catchup-" + COLLECTIONS.incrementAndGet();
  }

  @Test
  void catchUpFromAnyCursorGivesTheLatestStateOfEachRecordChangedAfterIt() throws Exception {
    long maxSeq;
    String epoch;
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port())) {
      maxSeq = writeHistory(writer, server, col, 20, 4, 42);
      epoch = writer.subscribe(col, 0, null).path("epoch").asText();
    }
    assertThat(maxSeq).isGreaterThan(60);

    for (long cursor = 0; cursor <= maxSeq; cursor++) {
      try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
        ObjectNode synced = c.subscribe(col, cursor, cursor == 0 ? null : epoch);
        assertThat(synced.path("seq").asLong()).as("synced.seq from %d", cursor)
            .isEqualTo(maxSeq);
        assertThat(synced.path("epoch").asText()).isEqualTo(epoch);
        List<ObjectNode> before = messagesBefore(c, synced);
        assertThat(before).as("from %d: only changes pages before synced", cursor)
            .allMatch(m -> m.path("type").asText().equals("changes"));
        assertCatchUp(items(before, true), cursor, "from cursor " + cursor);
      }
    }
  }

  @Test
  void moreRecordsThanOnePageArriveInSeveralFullPagesThenSynced() throws Exception {
    int records = 3 * PAGE + 2;
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port())) {
      for (int i = 0; i < records; i++) {
        ObjectNode data = Json.object().put("i", i);
        ObjectNode ack = writer.write("insert", col, String.format("r%02d", i), data);
        remember(ack, "insert", data);
      }
    }
    try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      ObjectNode synced = c.subscribe(col, 0, null);
      List<ObjectNode> pages = messagesBefore(c, synced);
      assertThat(pages).hasSize(4);
      for (int p = 0; p < pages.size(); p++) {
        assertThat(pages.get(p).path("type").asText()).isEqualTo("changes");
        assertThat(pages.get(p).path("collection").asText()).isEqualTo(col);
        assertThat(pages.get(p).path("items")).hasSize(p < 3 ? PAGE : 2);
      }
      assertThat(synced.path("seq").asLong()).isEqualTo(records);
      assertCatchUp(items(pages, true), 0, "paged catch-up");
      // live changes follow the catch-up
      try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port())) {
        writer.write("update", col, "r00", Json.object().put("live", true));
      }
      ObjectNode live = c.awaitType("change");
      assertThat(live.path("seq").asLong()).isEqualTo(records + 1);
    }
  }

  @Test
  void foreignEpochIsResetThenCaughtUpFromZero() throws Exception {
    long maxSeq;
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port())) {
      maxSeq = writeHistory(writer, server, col, 10, 2, 7);
    }
    try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      ObjectNode synced = c.subscribe(col, maxSeq, "an-epoch-from-another-history");
      List<ObjectNode> before = messagesBefore(c, synced);
      assertThat(before.get(0).path("type").asText()).isEqualTo("reset");
      assertThat(before.get(0).path("collection").asText()).isEqualTo(col);
      List<ObjectNode> pages = before.subList(1, before.size());
      assertThat(pages).isNotEmpty()
          .allMatch(m -> m.path("type").asText().equals("changes"));
      assertCatchUp(items(pages, true), 0, "after a foreign-epoch reset");
      assertThat(synced.path("seq").asLong()).isEqualTo(maxSeq);
      assertThat(synced.path("epoch").asText()).isNotEqualTo("an-epoch-from-another-history");
    }
  }

  @Test
  void cursorBeyondTheCollectionSeqIsReset() throws Exception {
    long maxSeq;
    String epoch;
    try (WsClient writer = WsClient.connectWelcomed(server.vertx(), server.port())) {
      maxSeq = writeHistory(writer, server, col, 8, 2, 9);
      epoch = writer.subscribe(col, 0, null).path("epoch").asText();
    }
    for (String e : new String[] {epoch, null}) {
      try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
        ObjectNode synced = c.subscribe(col, maxSeq + 5, e);
        List<ObjectNode> before = messagesBefore(c, synced);
        assertThat(before.get(0).path("type").asText()).isEqualTo("reset");
        assertCatchUp(items(before.subList(1, before.size()), true), 0, "beyond the seq");
        assertThat(synced.path("seq").asLong()).isEqualTo(maxSeq);
      }
    }
    try (WsClient c = WsClient.connectWelcomed(server.vertx(), server.port())) {
      ObjectNode synced = c.subscribe(col, maxSeq, epoch);
      assertThat(messagesBefore(c, synced)).as("a cursor at the seq needs nothing").isEmpty();
    }
  }

  @Test
  void cursorBelowTheHorizonIsResetAfterTombstonesArePurged() throws Exception {
    try (TestServer purging = TestServer.start(Map.of(),
        "{\"store\":{\"tombstoneRetentionMillis\":1,\"purgeIntervalMillis\":1000}}")) {
      String epoch;
      try (WsClient w = WsClient.connectWelcomed(purging.vertx(), purging.port())) {
        for (String id : List.of("a", "b", "c")) {
          ObjectNode data = Json.object().put("id", id);
          remember(w.write("insert", col, id, data), "insert", data);       // seq 1..3
        }
        remember(w.write("delete", col, "a", null), "delete", null);        // seq 4
        remember(w.write("delete", col, "b", null), "delete", null);        // seq 5
        ObjectNode d = Json.object().put("id", "d");
        remember(w.write("insert", col, "d", d), "insert", d);              // seq 6
        epoch = w.subscribe(col, 0, null).path("epoch").asText();
      }
      awaitHorizonAbove(purging, 4, epoch);
      model.remove("a");
      model.remove("b");

      for (long below : new long[] {1, 3, 4}) {
        try (WsClient c = WsClient.connectWelcomed(purging.vertx(), purging.port())) {
          ObjectNode synced = c.subscribe(col, below, epoch);
          List<ObjectNode> before = messagesBefore(c, synced);
          assertThat(before.get(0).path("type").asText()).as("cursor %d", below)
              .isEqualTo("reset");
          List<JsonNode> items = items(before.subList(1, before.size()), true);
          assertThat(items).extracting(i -> i.path("id").asText()).containsExactly("c", "d");
          assertCatchUp(items, 0, "after a horizon reset from " + below);
          assertThat(synced.path("seq").asLong()).isEqualTo(6);
          assertThat(synced.path("epoch").asText()).isEqualTo(epoch);
        }
      }
      try (WsClient c = WsClient.connectWelcomed(purging.vertx(), purging.port())) {
        ObjectNode synced = c.subscribe(col, 5, epoch);
        List<ObjectNode> before = messagesBefore(c, synced);
        assertThat(before).extracting(m -> m.path("type").asText())
            .as("a cursor at the horizon is still valid").containsExactly("changes");
        assertThat(items(before, true)).extracting(i -> i.path("id").asText())
            .containsExactly("d");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Writes {@code rounds} passes over {@code records} ids in a shuffled order each pass: inserts,
   * updates (a field set, sometimes one removed) and deletes of live records. Returns the seq.
   */
  private long writeHistory(WsClient w, TestServer s, String collection, int records, int rounds,
      long seed) {
    Random random = new Random(seed);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      ids.add("r" + i);
    }
    long seq = 0;
    for (int round = 0; round < rounds; round++) {
      Collections.shuffle(ids, random);
      for (String id : ids) {
        Latest current = model.get(id);
        int dice = random.nextInt(10);
        ObjectNode ack;
        if (current != null && !current.deleted() && dice < 2) {
          ack = w.write("delete", collection, id, null);
          remember(ack, "delete", null);
        } else if (current != null && dice < 6) {
          ObjectNode delta = Json.object().put("round", round).put("u" + dice, dice);
          if (!current.deleted() && current.data().has("v")) {
            delta.putNull("v");
          }
          ack = w.write("update", collection, id, delta);
          remember(ack, "update", delta);
        } else {
          ObjectNode data = Json.object().put("round", round).put("v", random.nextInt(1000));
          ack = w.write("insert", collection, id, data);
          remember(ack, "insert", data);
        }
        assertThat(ack.path("seq").asLong()).isEqualTo(++seq);
      }
    }
    return seq;
  }

  private void remember(ObjectNode ack, String op, ObjectNode data) {
    assertThat(ack.path("type").asText()).as("reply %s", ack).isEqualTo("ack");
    assertThat(ack.path("status").asText()).isEqualTo("applied");
    String id = ack.path("id").asText();
    Latest current = model.get(id);
    ObjectNode base = current == null || current.deleted() ? Json.object() : current.data();
    Latest next = switch (op) {
      case "delete" -> new Latest(id, Json.object(), true, 0, 0);
      case "update" -> new Latest(id, ShallowMerge.apply(base, data), false, 0, 0);
      default -> new Latest(id, ShallowMerge.apply(Json.object(), data), false, 0, 0);
    };
    long version = ack.path("version").asLong();
    assertThat(version).isEqualTo(current == null ? 1 : current.version() + 1);
    model.put(id, new Latest(id, next.data(), next.deleted(), version, ack.path("seq").asLong()));
  }

  /** Checks catch-up items against the model: every record with seq > cursor, once, in order. */
  private void assertCatchUp(List<JsonNode> items, long cursor, String what) {
    List<Latest> expected = model.values().stream().filter(l -> l.seq() > cursor)
        .sorted(Comparator.comparingLong(Latest::seq)).toList();
    assertThat(items).as(what).hasSize(expected.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      Latest l = expected.get(i);
      assertThat(item.has("type")).as("%s: items carry no type", what).isFalse();
      assertThat(item.path("collection").asText()).isEqualTo(col);
      assertThat(item.path("id").asText()).as("%s item %d", what, i).isEqualTo(l.id());
      assertThat(seen.add(l.id())).isTrue();
      assertThat(item.path("seq").asLong()).as("%s: seq of %s", what, l.id()).isEqualTo(l.seq());
      assertThat(item.path("version").asLong()).as("%s: version of %s", what, l.id())
          .isEqualTo(l.version());
      assertThat(item.path("ts").asText()).isNotBlank();
      if (l.deleted()) {
        assertThat(item.path("op").asText()).as("%s: %s", what, item).isEqualTo("delete");
        assertThat(item.has("data")).isFalse();
      } else {
        assertThat(item.path("op").asText()).as("%s: %s", what, item).isEqualTo("insert");
        assertThat(item.path("data")).as("%s: data of %s", what, l.id()).isEqualTo(l.data());
      }
    }
  }

  /** The messages after welcome that arrived before {@code synced} (this client's only sub). */
  private static List<ObjectNode> messagesBefore(WsClient c, ObjectNode synced) {
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode m : c.all()) {
      if (m == synced) {
        return out;
      }
      if (!m.path("type").asText().equals("welcome")) {
        out.add(m);
      }
    }
    throw new AssertionError("synced not among the received messages");
  }

  /** The items of {@code changes} pages, checking page size and seq order across pages. */
  private static List<JsonNode> items(List<ObjectNode> pages, boolean checkPageSize) {
    List<JsonNode> items = new ArrayList<>();
    long last = 0;
    for (ObjectNode page : pages) {
      assertThat(page.path("type").asText()).isEqualTo("changes");
      if (checkPageSize) {
        assertThat(page.path("items").size()).isBetween(1, PAGE);
      }
      for (JsonNode item : page.path("items")) {
        assertThat(item.path("seq").asLong()).as("seq order").isGreaterThan(last);
        last = item.path("seq").asLong();
        items.add(item);
      }
    }
    return items;
  }

  /**
   * Waits for the periodic purge to raise the horizon above {@code seq}: polls pull (with the
   * current epoch, so only the horizon can cause a reset) on a Vert.x timer, without blocking.
   */
  private void awaitHorizonAbove(TestServer s, long seq, String epoch) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create(s.httpUrl() + "/v1/sync/pull?collection=" + col + "&since=" + seq
        + "&epoch=" + epoch);
    CompletableFuture<Void> raised = new CompletableFuture<>();
    AtomicInteger polls = new AtomicInteger();
    long timer = s.vertx().setPeriodic(100, id -> {
      if (polls.incrementAndGet() > 300) {
        raised.completeExceptionally(new AssertionError("the horizon did not rise in 30 s"));
        return;
      }
      http.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
          .thenAccept(r -> {
            if (Json.parseObject(r.body()).path("reset").asBoolean()) {
              raised.complete(null);
            }
          });
    });
    try {
      raised.get(40, TimeUnit.SECONDS);
    } finally {
      s.vertx().cancelTimer(timer);
    }
    Map<String, Integer> status = new LinkedHashMap<>();
    for (String id : List.of("a", "b", "c")) {
      status.put(id, http.send(HttpRequest.newBuilder(URI.create(s.httpUrl()
          + "/v1/collections/" + col + "/records/" + id)).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
    }
    assertThat(status).as("purged tombstones are gone").containsEntry("a", 404)
        .containsEntry("b", 404).containsEntry("c", 200);
  }
}
