package io.livesync.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a collection's whole state over HTTP pull, paging until {@code hasMore} is false. */
public final class Pull {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private Pull() {
  }

  /** Every record's latest state (catch-up items, tombstones included) by id. */
  public static Map<String, JsonNode> all(String baseUrl, String collection) throws Exception {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    long since = 0;
    for (int pages = 0; pages < 100_000; pages++) {
      ObjectNode page = page(baseUrl, collection, since);
      for (JsonNode item : page.path("items")) {
        out.put(item.path("id").asText(), item);
      }
      since = page.path("seq").asLong();
      if (!page.path("hasMore").asBoolean()) {
        return out;
      }
    }
    throw new AssertionError("pull of " + collection + " did not end");
  }

  /** The collection's cursor after a full pull: its current seq. */
  public static long seq(String baseUrl, String collection) throws Exception {
    long since = 0;
    for (int pages = 0; pages < 100_000; pages++) {
      ObjectNode page = page(baseUrl, collection, since);
      since = page.path("seq").asLong();
      if (!page.path("hasMore").asBoolean()) {
        return since;
      }
    }
    throw new AssertionError("pull of " + collection + " did not end");
  }

  public static ObjectNode page(String baseUrl, String collection, long since) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl
        + "/v1/sync/pull?collection=" + collection + "&since=" + since)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("pull answered " + r.statusCode() + ": " + r.body());
    }
    return Json.parseObject(r.body());
  }
}
