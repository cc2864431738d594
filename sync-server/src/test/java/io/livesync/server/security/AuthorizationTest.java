package io.livesync.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sync claim is enforced on subscribe, every write, pull, push and every REST call; a refused
 * write stores nothing (checked afterwards with a token that may read everything).
 * alice reads {@code todos} and {@code user:alice:*}, writes {@code user:alice:*} only.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthorizationTest {
  private static TestServer server;
  private static Vertx client;

  @BeforeAll
  static void start() throws Exception {
    server = SecureServer.start(Map.of(), null);
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close();
  }

  private static SecureServer.Response call(HttpMethod m, String uri, String token, String body)
      throws Exception {
    return SecureServer.http(server, m, uri, token, body);
  }

  /** Nothing of {@code collection} is stored: no record, and pull from 0 is empty. */
  private static void nothingStored(String collection, String id) throws Exception {
    assertThat(call(HttpMethod.GET, "/v1/collections/" + collection + "/records/" + id,
        Jwt.admin(), null).status()).isEqualTo(404);
    SecureServer.Response pull = call(HttpMethod.GET, "/v1/sync/pull?collection=" + collection
        + "&since=0", Jwt.admin(), null);
    assertThat(pull.status()).isEqualTo(200);
    assertThat(json(pull).path("items").size()).isZero();
  }

  private static ObjectNode json(SecureServer.Response r) {
    try {
      return Json.parseObject(r.body());
    } catch (RuntimeException e) {
      throw new AssertionError("status " + r.status() + " with a body that is not a JSON object: "
          + r.body(), e);
    }
  }

  private static void forbidden(ObjectNode reply, String collection) {
    assertThat(reply.path("type").asText()).isEqualTo("error");
    assertThat(reply.path("code").asText()).isEqualTo("forbidden");
    assertThat(reply.path("collection").asText()).isEqualTo(collection);
  }

  @Test
  void forbiddenWebSocketOperationsAreRefusedAndStoreNothing() throws Exception {
    try (WsClient c = SecureServer.connect(client, server, Jwt.alice())) {
      c.send(Json.object().put("type", "subscribe").put("collection", "secret"));
      forbidden(c.await(m -> m.path("type").asText().equals("error")), "secret");
      c.send(Json.object().put("type", "subscribe").put("collection", "user:bob:todos"));
      forbidden(c.await(m -> m.path("type").asText().equals("error")), "user:bob:todos");

      ObjectNode data = Json.object().put("title", "pwned");
      forbidden(c.write("insert", "todos", "w1", data), "todos");
      forbidden(c.write("update", "todos", "w1", data), "todos");
      forbidden(c.write("delete", "todos", "w1", null), "todos");
      forbidden(c.write("insert", "user:bob:todos", "w1", data), "user:bob:todos");
      forbidden(c.write("insert", "user:alicex:todos", "w1", data), "user:alicex:todos");

      // the connection stays open and allowed work goes on
      c.send(Json.object().put("type", "ping"));
      c.awaitType("pong");
      assertThat(c.write("insert", "user:alice:todos", "ok1", data).path("type").asText())
          .isEqualTo("ack");
      c.subscribe("todos", 0, null);
    }
    nothingStored("todos", "w1");
    nothingStored("user:bob:todos", "w1");
    nothingStored("user:alicex:todos", "w1");
    assertThat(call(HttpMethod.GET, "/v1/collections/user:alice:todos/records/ok1",
        Jwt.admin(), null).status()).isEqualTo(200);
  }

  @Test
  void forbiddenHttpOperationsAreRefusedAndStoreNothing() throws Exception {
    String alice = Jwt.alice();
    String doc = "{\"title\":\"pwned\"}";
    for (HttpMethod m : List.of(HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE)) {
      SecureServer.Response r = call(m, "/v1/collections/todos/records/h1", alice,
          m == HttpMethod.DELETE ? null : doc);
      assertThat(r.status()).as(m.name() + " " + r.body()).isEqualTo(403);
      assertThat(json(r).path("error").path("code").asText())
          .isEqualTo("forbidden");
    }
    String push = "{\"writes\":[{\"type\":\"insert\",\"opId\":\"" + UUID.randomUUID()
        + "\",\"collection\":\"todos\",\"id\":\"h2\",\"data\":{\"a\":1}},"
        + "{\"type\":\"insert\",\"opId\":\"" + UUID.randomUUID()
        + "\",\"collection\":\"user:bob:x\",\"id\":\"h2\",\"data\":{\"a\":1}},"
        + "{\"type\":\"insert\",\"opId\":\"" + UUID.randomUUID()
        + "\",\"collection\":\"user:alice:x\",\"id\":\"h2\",\"data\":{\"a\":1}}]}";
    SecureServer.Response r = call(HttpMethod.POST, "/v1/sync/push", alice, push);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    var results = json(r).path("results");
    assertThat(results.get(0).path("code").asText()).isEqualTo("forbidden");
    assertThat(results.get(1).path("code").asText()).isEqualTo("forbidden");
    assertThat(results.get(2).path("status").asText()).isEqualTo("applied");

    for (String uri : List.of("/v1/collections/secret/records/x", "/v1/collections/secret/records",
        "/v1/sync/pull?collection=secret&since=0", "/v1/collections/user:bob:x/records")) {
      SecureServer.Response read = call(HttpMethod.GET, uri, alice, null);
      assertThat(read.status()).as(uri).isEqualTo(403);
    }
    assertThat(call(HttpMethod.GET, "/v1/sync/pull?collection=todos&since=0", alice, null)
        .status()).isEqualTo(200);

    nothingStored("todos", "h1");
    nothingStored("todos", "h2");
    nothingStored("user:bob:x", "h2");
  }

  @Test
  void aTokenWithoutTheClaimMayDoNothing() throws Exception {
    String nobody = Jwt.hs256(Jwt.claims("nobody"));
    try (WsClient c = SecureServer.connect(client, server, nobody)) {
      forbidden(c.write("insert", "user:nobody:x", "n1", Json.object().put("a", 1)),
          "user:nobody:x");
      c.send(Json.object().put("type", "subscribe").put("collection", "todos"));
      forbidden(c.await(m -> m.path("type").asText().equals("error")), "todos");
    }
    assertThat(call(HttpMethod.GET, "/v1/collections/todos/records", nobody, null).status())
        .isEqualTo(403);
    nothingStored("user:nobody:x", "n1");
  }
}
