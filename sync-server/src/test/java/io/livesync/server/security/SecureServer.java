package io.livesync.server.security;

import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Helpers for talking to a server with authentication on, over real sockets. */
final class SecureServer {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  private SecureServer() {
  }

  /** A server with the HS256 secret, issuer and audience of {@link Jwt}, plus {@code extra}. */
  static TestServer start(Map<String, String> extra, String configJson) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("SYNC_JWT_SECRET", Jwt.SECRET);
    env.put("SYNC_JWT_ISSUER", Jwt.ISSUER);
    env.put("SYNC_JWT_AUDIENCE", Jwt.AUDIENCE);
    env.putAll(extra);
    return TestServer.start(env, configJson);
  }

  static WebSocketConnectOptions ws(TestServer server, String token) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(server.port()).setURI("/v1/ws");
    if (token != null) {
      o.addHeader("Authorization", "Bearer " + token);
    }
    return o;
  }

  static WsClient connect(Vertx vertx, TestServer server, String token) throws Exception {
    WsClient c = WsClient.connect(vertx, ws(server, token));
    c.awaitType("welcome");
    return c;
  }

  /** The HTTP status a refused handshake got; fails when the handshake succeeds. */
  static int rejectedStatus(Vertx vertx, WebSocketConnectOptions options) {
    try {
      WsClient c = WsClient.connect(vertx, options);
      c.close();
    } catch (UpgradeRejectedException e) {
      return e.getStatus();
    } catch (Exception e) {
      if (e.getCause() instanceof UpgradeRejectedException u) {
        return u.getStatus();
      }
      throw new AssertionError("handshake failed without a status: " + e, e);
    }
    throw new AssertionError("handshake was accepted");
  }

  /**
   * Connects, retrying while the handshake is refused with {@code busy} because the server has
   * not yet seen a previous close (the client's close can complete before the server's channel
   * is closed and its slot freed); bounded.
   */
  static WsClient connectWhenFree(Vertx vertx, TestServer server, String token, int busy)
      throws Exception {
    for (int attempt = 0; attempt < 100; attempt++) {
      try {
        return connect(vertx, server, token);
      } catch (UpgradeRejectedException e) {
        if (e.getStatus() != busy) {
          throw e;
        }
        vertx.timer(50).await();
      }
    }
    throw new AssertionError("the slot was never freed");
  }

  /** {@link #connectWhenFree} with a bare-socket client. */
  static RawClient rawWhenFree(Vertx vertx, TestServer server, String token, int busy)
      throws Exception {
    for (int attempt = 0; attempt < 100; attempt++) {
      RawClient raw = new RawClient(server.port(), token, null);
      if (!raw.responseHead().startsWith("HTTP/1.1 " + busy)) {
        return raw;
      }
      raw.close();
      vertx.timer(50).await();
    }
    throw new AssertionError("the slot was never freed");
  }

  record Response(int status, String body) {
  }

  /**
   * One HTTP request with the JDK's client. Vert.x's client is not used here: a response
   * whose body arrives before {@code body()} is called from the test thread loses its body
   * (eclipse-vertx/vert.x#5904), which made these tests fail under load.
   */
  static Response http(TestServer server, HttpMethod method, String uri, String token,
      String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + uri))
        .timeout(Duration.ofSeconds(20))
        .method(method.name(), body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("content-type", "application/json");
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.body());
  }

}
