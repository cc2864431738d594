package io.livesync.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.ClientMessage;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import io.livesync.protocol.Limits;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Validation;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short fuzz against a live server: mutated and random frames over one connection. The
 * connection stays open and answers, and the only records stored are those of frames that are
 * valid writes (decided offline with the same codec).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LiveFuzzTest {
  static final int FRAMES = 1500;
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

  static String base(int i, Random rnd) {
    String[] ops = {"insert", "update", "delete"};
    String op = ops[rnd.nextInt(ops.length)];
    String data = op.equals("delete") ? "" : ",\"data\":{\"n\":" + i + ",\"s\":\"v" + i + "\"}";
    return "{\"type\":\"" + op + "\",\"opId\":\"op" + i + "\",\"collection\":\"fuzz\",\"id\":\"r"
        + i + "\"" + data + "}";
  }

  static String mutate(String s, Random rnd) {
    String[] inserts = {"\"", "\\", "{", "}", "[", "]", ",", ":", "null", "1e999", "-1", "\u0000",
        "\"_x\":1,", "{\"a\":".repeat(40), "true", "\"type\":\"ping\","};
    int rounds = rnd.nextInt(3);
    for (int r = 0; r < rounds; r++) {
      int p = rnd.nextInt(s.length() + 1);
      switch (rnd.nextInt(4)) {
        case 0 -> s = s.substring(0, p) + inserts[rnd.nextInt(inserts.length)] + s.substring(p);
        case 1 -> s = p < s.length() ? s.substring(0, p) + s.substring(p + 1) : s;
        case 2 -> s = s.substring(0, p);
        default -> {
          byte[] junk = new byte[rnd.nextInt(20)];
          rnd.nextBytes(junk);
          s = s.substring(0, p) + new String(junk, java.nio.charset.StandardCharsets.ISO_8859_1)
              + s.substring(p);
        }
      }
    }
    return s;
  }

  /** The id a frame would store, or null when the server must refuse it. */
  static String validWriteId(String frame) {
    try {
      ClientMessage m = Codec.decodeClient(frame);
      if (m instanceof ClientMessage.WriteOp w && w.write().collection().equals("fuzz")) {
        Validation.write(w.write(), System.currentTimeMillis(), Limits.DEFAULTS);
        return w.write().op().wire().equals("delete") ? null : w.write().id();
      }
    } catch (SyncException refused) {
      // the server answers an error
    }
    return null;
  }

  static boolean isWrite(String frame) {
    try {
      return Codec.decodeClient(frame) instanceof ClientMessage.WriteOp w
          && w.write().collection().equals("fuzz");
    } catch (SyncException e) {
      return false;
    }
  }

  @Test
  void randomFramesAreAnsweredAndOnlyValidWritesAreStored() throws Exception {
    Random rnd = new Random(42);
    Set<String> mayStore = new HashSet<>();
    List<String> validOpIds = new ArrayList<>();
    int expectedErrors = 0;
    try (WsClient c = SecureServer.connect(client, server, Jwt.admin())) {
      for (int i = 0; i < FRAMES; i++) {
        String frame = rnd.nextInt(10) == 0 ? randomText(rnd) : mutate(base(i, rnd), rnd);
        String id = validWriteId(frame);
        if (id != null) {
          mayStore.add(id);
        }
        if (isWrite(frame)) {
          validOpIds.add(((ClientMessage.WriteOp) Codec.decodeClient(frame)).write().opId());
        }
        c.socket().writeTextMessage(frame);
        if (i % 100 == 99) {
          c.send(Json.object().put("type", "ping"));
          c.awaitType("pong");
        }
      }
      for (String opId : validOpIds) {
        c.awaitReply(opId);
      }
      c.send(Json.object().put("type", "ping"));
      c.awaitType("pong");
      assertThat(c.isClosed()).isFalse();
      List<ObjectNode> all = c.all();
      long errors = all.stream().filter(m -> m.path("type").asText().equals("error")).count();
      assertThat(errors).isGreaterThan(FRAMES / 4);
      assertThat(all).allSatisfy(m -> assertThat(m.path("code").asText())
          .isNotIn("internal"));
    }
    SecureServer.Response r = SecureServer.http(server, HttpMethod.GET,
        "/v1/collections/fuzz/records?limit=500", Jwt.admin(), null);
    Set<String> stored = new HashSet<>();
    Json.parseObject(r.body()).path("items").forEach(i -> stored.add(i.path("id").asText()));
    assertThat(mayStore).as("some fuzzed frames were still valid writes").isNotEmpty();
    assertThat(stored).isSubsetOf(mayStore);
  }

  static String randomText(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(64);
    for (int i = 0; i < n; i++) {
      sb.append((char) (rnd.nextInt(0x2FF)));
    }
    return sb.toString();
  }
}
