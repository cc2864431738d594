package io.livesync.server.security;

import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Helpers for talking to a server with authentication on, over real sockets. */
final class SecureServer {
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

  record Response(int status, String body) {
  }

  static Response http(HttpClient client, TestServer server, HttpMethod method, String uri,
      String token, String body) throws Exception {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1")
        .setPort(server.port()).setURI(uri);
    if (token != null) {
      o.putHeader("Authorization", "Bearer " + token);
    }
    if (body != null) {
      o.putHeader("content-type", "application/json");
    }
    return client.request(o)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), b.toString())))
        .await(20, TimeUnit.SECONDS);
  }

}
