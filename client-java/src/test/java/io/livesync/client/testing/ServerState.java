package io.livesync.client.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.client.CollectionRef;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** Reads a collection from the server over plain HTTP, independent of the client under test. */
public final class ServerState {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  /** The collection's live records (pull from 0, tombstones dropped) and its seq. */
  public record Snapshot(Map<String, SyncRecord> records, long seq) {
  }

  public static Snapshot pull(URI server, String collection) throws Exception {
    Map<String, SyncRecord> out = new TreeMap<>();
    long since = 0;
    while (true) {
      HttpRequest req = HttpRequest.newBuilder(URI.create(server + "/v1/sync/pull?collection="
          + collection + "&since=" + since + "&limit=500")).GET().build();
      HttpResponse<String> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        throw new AssertionError("pull answered " + resp.statusCode() + ": " + resp.body());
      }
      ObjectNode page = Json.parseObject(resp.body());
      for (JsonNode item : page.path("items")) {
        Change c = Codec.decodeChange(item);
        if (c.op() == Op.DELETE) {
          out.remove(c.id());
        } else {
          out.put(c.id(), new SyncRecord(collection, c.id(), c.data(), c.version(), c.seq(),
              c.ts(), false));
        }
      }
      since = page.path("seq").asLong();
      if (!page.path("hasMore").asBoolean()) {
        return new Snapshot(out, since);
      }
    }
  }

  /** A meter's value from the server's {@code /metrics} (Prometheus text), 0 when absent. */
  public static double metric(URI server, String name) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(server.resolve("/metrics")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
    for (String line : body.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** id → canonical data and version: what must be equal between replicas. */
  public static Map<String, String> comparable(Map<String, SyncRecord> records) {
    Map<String, String> out = new TreeMap<>();
    records.forEach((id, r) -> out.put(id, "v" + r.version() + " " + Json.canonical(r.data())));
    return out;
  }

  public static Map<String, String> comparable(CollectionRef ref) {
    Map<String, SyncRecord> m = new TreeMap<>();
    for (SyncRecord r : ref.list()) {
      m.put(r.id(), r);
    }
    return comparable(m);
  }

  /**
   * The server's collection once every replica equals it, polling for at most {@code timeout};
   * after that, the server's collection as it is (the caller's comparison then shows the
   * difference). A synced client has its own writes acked, but another client's last changes
   * may still be on their way to it: they travel on its socket, not the writer's.
   */
  public static Map<String, String> awaitConverged(URI server, String collection,
      Duration timeout, CollectionRef... replicas) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, String> expected = comparable(pull(server, collection).records());
      boolean all = true;
      for (CollectionRef replica : replicas) {
        all &= comparable(replica).equals(expected);
      }
      if (all || System.nanoTime() > deadline) {
        return expected;
      }
      Thread.sleep(50);
    }
  }

  private ServerState() {
  }
}
