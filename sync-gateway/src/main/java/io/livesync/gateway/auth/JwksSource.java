package io.livesync.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where a JWKS document comes from: inline JSON, a file, or an {@code https://} URL. Reads are
 * bounded to {@link #MAX_BYTES}; a URL is fetched with a fresh client each time, with connect
 * and request time-outs, and never follows redirects. Thread-safe.
 */
final class JwksSource {
  static final int MAX_BYTES = 1 << 20;
  private static final long TIMEOUT_MILLIS = 10_000;

  private final Vertx vertx;
  private final String location;
  private final Kind kind;

  enum Kind { INLINE, FILE, URL }

  JwksSource(Vertx vertx, String location) {
    this.vertx = vertx;
    this.location = location.trim();
    String lower = this.location.toLowerCase(Locale.ROOT);
    this.kind = lower.startsWith("{") ? Kind.INLINE
        : lower.startsWith("http://") || lower.startsWith("https://") ? Kind.URL : Kind.FILE;
  }

  Kind kind() {
    return kind;
  }

  boolean refreshable() {
    return kind != Kind.INLINE;
  }

  /** Where the document comes from, fit for a log line (an inline document is not shown). */
  String shown() {
    if (kind == Kind.INLINE) {
      return "inline JWKS";
    }
    int q = location.indexOf('?');
    return q < 0 ? location : location.substring(0, q);
  }

  /** Reads an inline or file document at once (start-up); blocking for a file. */
  String readNow() throws IOException {
    if (kind == Kind.INLINE) {
      return location;
    }
    Path path = Path.of(location);
    if (Files.size(path) > MAX_BYTES) {
      throw new IOException("larger than " + MAX_BYTES + " bytes");
    }
    return Files.readString(path);
  }

  Future<String> fetch() {
    switch (kind) {
      case INLINE:
        return Future.succeededFuture(location);
      case FILE:
        return vertx.fileSystem().props(location).compose(props -> props.size() > MAX_BYTES
            ? Future.failedFuture("larger than " + MAX_BYTES + " bytes")
            : vertx.fileSystem().readFile(location).map(Buffer::toString));
      default:
        return fetchUrl();
    }
  }

  private Future<String> fetchUrl() {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) TIMEOUT_MILLIS).setMaxRedirects(0).setVerifyHost(true));
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(location).setFollowRedirects(false).setTimeout(TIMEOUT_MILLIS)
        .putHeader("Accept", "application/json");
    // the response is handled inside send's callback, on the connection's event loop, so no
    // chunk can arrive before its handler is set (vert.x#5904)
    return client.request(request).compose(req -> req.send().compose(resp -> {
      if (resp.statusCode() != 200) {
        resp.request().connection().close();
        return Future.failedFuture("HTTP status " + resp.statusCode());
      }
      Promise<String> body = Promise.promise();
      Buffer acc = Buffer.buffer();
      resp.handler(chunk -> {
        if (acc.length() + chunk.length() > MAX_BYTES) {
          body.tryFail("larger than " + MAX_BYTES + " bytes");
          resp.request().connection().close();
        } else {
          acc.appendBuffer(chunk);
        }
      });
      resp.exceptionHandler(body::tryFail);
      resp.endHandler(v -> body.tryComplete(acc.toString()));
      return body.future();
    })).eventually(() -> client.close());
  }
}
