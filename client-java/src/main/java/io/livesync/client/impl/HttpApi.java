package io.livesync.client.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Json;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The HTTP side of the protocol used by the client: {@code push} and {@code pull}. */
final class HttpApi {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** One page of {@code GET /v1/sync/pull}. */
  record PullPage(String collection, String epoch, boolean reset, List<Change> items, long seq,
      boolean hasMore) {
  }

  /** A non-2xx answer, with the server's error when it sent one. */
  static final class HttpFailure extends SyncException {
    final int status;

    HttpFailure(int status, ErrorInfo error) {
      super(error.code(), "HTTP " + status + ": " + error.message());
      this.status = status;
    }
  }

  private final HttpClient http;
  private final ClientSettings settings;
  private final TokenManager tokens;

  HttpApi(HttpClient http, ClientSettings settings, TokenManager tokens) {
    this.http = http;
    this.settings = settings;
    this.tokens = tokens;
  }

  /** {@code POST /v1/sync/push}: one result (ack or error) per write, in order. */
  CompletableFuture<List<WriteResult>> push(List<Write> writes) {
    ObjectNode body = Json.object();
    ArrayNode arr = body.putArray("writes");
    for (Write w : writes) {
      arr.add(Codec.writeNode(w));
    }
    String json = Json.write(body);
    return send(() -> HttpRequest.newBuilder(settings.http("/v1/sync/push"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)), false)
        .thenApply(text -> {
          List<WriteResult> results = new ArrayList<>();
          for (JsonNode r : Json.parseObject(text).path("results")) {
            results.add(Codec.decodeResult(r));
          }
          if (results.size() != writes.size()) {
            throw new SyncException(ErrorCode.INTERNAL, "push answered " + results.size()
                + " results for " + writes.size() + " writes");
          }
          return results;
        });
  }

  /** {@code GET /v1/sync/pull}: one page of changes after {@code since}. */
  CompletableFuture<PullPage> pull(String collection, long since, String epoch, int limit) {
    StringBuilder q = new StringBuilder("/v1/sync/pull?collection=").append(enc(collection))
        .append("&since=").append(since).append("&limit=").append(limit);
    if (epoch != null) {
      q.append("&epoch=").append(enc(epoch));
    }
    String path = q.toString();
    return send(() -> HttpRequest.newBuilder(settings.http(path)).GET(), false)
        .thenApply(text -> {
          ObjectNode o = Json.parseObject(text);
          List<Change> items = new ArrayList<>();
          for (JsonNode item : o.path("items")) {
            Change ch = Codec.decodeChange(item);
            items.add(new Change(collection, ch.id(), ch.op(), ch.data(), ch.version(),
                ch.seq(), ch.ts(), ch.origin(), ch.opId()));
          }
          return new PullPage(collection, o.path("epoch").asText(null),
              o.path("reset").asBoolean(false), items, o.path("seq").asLong(since),
              o.path("hasMore").asBoolean(false));
        });
  }

  private CompletableFuture<String> send(java.util.function.Supplier<HttpRequest.Builder> req,
      boolean retried) {
    HttpRequest.Builder b = req.get().timeout(REQUEST_TIMEOUT);
    String token = tokens.current();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .thenCompose(resp -> {
          int status = resp.statusCode();
          if (status / 100 == 2) {
            return CompletableFuture.completedFuture(resp.body());
          }
          if (status == 401 && !retried && tokens.enabled()) {
            tokens.refresh();
            return send(req, true);
          }
          return CompletableFuture.failedFuture(new HttpFailure(status, error(status,
              resp.body())));
        });
  }

  private static ErrorInfo error(int status, String body) {
    try {
      JsonNode e = Json.parseObject(body).path("error");
      if (e.isObject()) {
        return Codec.decodeError(e);
      }
    } catch (RuntimeException ignored) {
      // not our JSON (a proxy's page): describe the status instead
    }
    ErrorCode code = switch (status) {
      case 400 -> ErrorCode.BAD_REQUEST;
      case 401 -> ErrorCode.UNAUTHORIZED;
      case 403 -> ErrorCode.FORBIDDEN;
      case 404 -> ErrorCode.NOT_FOUND;
      case 413 -> ErrorCode.TOO_LARGE;
      case 429 -> ErrorCode.RATE_LIMITED;
      case 503 -> ErrorCode.UNAVAILABLE;
      default -> ErrorCode.INTERNAL;
    };
    return new ErrorInfo(code, "HTTP " + status, null, null);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
