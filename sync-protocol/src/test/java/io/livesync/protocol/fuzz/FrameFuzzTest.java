package io.livesync.protocol.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.ClientMessage;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import io.livesync.protocol.Limits;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Validation;
import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Fuzzes frame decoding and validation with random text, mutated valid frames and random JSON
 * trees over the protocol's field names: the only failures ever allowed are {@link
 * SyncException}s (which become {@code error} frames), never an NPE, a ClassCastException, a
 * NumberFormatException or a StackOverflowError. Runs with the normal suite.
 */
class FrameFuzzTest {
  static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final List<String> FIELDS = List.of("type", "opId", "collection", "id", "data", "ts",
      "baseVersion", "since", "epoch", "token", "_x", "");
  static final List<String> TYPES = List.of("subscribe", "unsubscribe", "insert", "update",
      "delete", "auth", "ping", "pong", "INSERT", "", "__proto__");
  static final List<String> VALID = List.of(
      "{\"type\":\"subscribe\",\"collection\":\"todos\",\"since\":120,\"epoch\":\"e1\"}",
      "{\"type\":\"unsubscribe\",\"collection\":\"todos\"}",
      "{\"type\":\"insert\",\"opId\":\"0b5c1c0e-1\",\"collection\":\"todos\",\"id\":\"t1\","
          + "\"data\":{\"title\":\"x\",\"n\":[1,2,{\"a\":null}]},\"ts\":\"1732470000000-0000-dev\","
          + "\"baseVersion\":3}",
      "{\"type\":\"update\",\"opId\":\"op2\",\"collection\":\"user:a:todos\",\"id\":\"t1\","
          + "\"data\":{\"done\":true,\"gone\":null}}",
      "{\"type\":\"delete\",\"opId\":\"op3\",\"collection\":\"todos\",\"id\":\"t1\"}",
      "{\"type\":\"auth\",\"token\":\"a.b.c\"}",
      "{\"type\":\"ping\"}");

  /** Decodes and, for a write, validates; fails on anything but a SyncException. */
  static void decodeAndValidate(String frame) {
    try {
      ClientMessage m = Codec.decodeClient(frame);
      if (m instanceof ClientMessage.WriteOp w) {
        Validation.write(w.write(), System.currentTimeMillis(), Limits.DEFAULTS);
      }
    } catch (SyncException expected) {
      // becomes an error frame; the connection stays open
    } catch (Throwable t) {
      throw new AssertionError("frame " + shown(frame) + " threw " + t, t);
    }
  }

  static String shown(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…(" + s.length() + " chars)" : s;
  }

  @Property(tries = 2000)
  void randomText(@ForAll String text) {
    decodeAndValidate(text);
  }

  @Property(tries = 3000)
  void mutatedValidFrames(@ForAll("mutated") String frame) {
    decodeAndValidate(frame);
  }

  @Property(tries = 1500)
  void randomJsonOverProtocolFields(@ForAll("messages") JsonNode message) {
    decodeAndValidate(Json.write(message));
    try {
      Codec.decodeWrite(message);
    } catch (SyncException expected) {
      // fine
    }
  }

  /** Valid envelopes around random documents, so {@code Validation.data} sees every shape. */
  @Property(tries = 1000)
  void randomDataInValidWrites(@ForAll("documents") JsonNode data, @ForAll boolean update) {
    ObjectNode w = F.objectNode().put("type", update ? "update" : "insert").put("opId", "op-1")
        .put("collection", "todos").put("id", "t1");
    w.set("data", data);
    decodeAndValidate(Json.write(w));
  }

  @Provide
  Arbitrary<JsonNode> documents() {
    return object(scalar(), 0);
  }

  @Property(tries = 500)
  void deepAndWideDataIsRefusedCleanly(@ForAll("deep") String frame) {
    decodeAndValidate(frame);
  }

  // ------------------------------------------------------------------ generators

  @Provide
  Arbitrary<String> mutated() {
    Arbitrary<String> base = Arbitraries.of(VALID);
    Arbitrary<Integer> position = Arbitraries.integers().between(0, 10_000);
    Arbitrary<String> insert = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(8),
        Arbitraries.of("\"", "\\", "{", "}", "[", "]", ",", ":", "null", "1e999", "-0",
            "\u0000", "\uD800", "9999999999999999999999", "\"type\":\"insert\"", "{}", "[]"));
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 5);
    return Combinators.combine(base, position, insert, kind, Arbitraries.integers()
        .between(1, 4)).as((b, pos, ins, k, times) -> {
          String s = b;
          for (int t = 0; t < times; t++) {
            int p = s.isEmpty() ? 0 : pos % (s.length() + 1);
            switch (k) {
              case 0 -> s = s.substring(0, p) + ins + s.substring(p);
              case 1 -> s = p < s.length() ? s.substring(0, p) + s.substring(p + 1) : s;
              case 2 -> s = s.substring(0, p);
              case 3 -> s = p < s.length() ? s.substring(0, p) + ins + s.substring(p + 1) : s + ins;
              case 4 -> s = s.replaceFirst("\"[a-zA-Z]+\":", Matcher.quoteReplacement(
                  "\"" + ins.replace("\\", "").replace("\"", "") + "\":"));
              default -> s = s.substring(p) + s.substring(0, p);
            }
          }
          return s;
        });
  }

  @Provide
  Arbitrary<JsonNode> messages() {
    Arbitrary<JsonNode> value = scalar();
    Arbitrary<JsonNode> data = Arbitraries.lazyOf(() -> object(scalar(), 0));
    Arbitrary<Tuple.Tuple2<String, JsonNode>> field = Combinators.combine(
        Arbitraries.of(FIELDS), Arbitraries.oneOf(value, data, Arbitraries.of(TYPES)
            .map(F::textNode))).as(Tuple::of);
    return field.list().ofMaxSize(10).map(fields -> {
      ObjectNode o = F.objectNode();
      for (Tuple.Tuple2<String, JsonNode> f : fields) {
        o.set(f.get1(), f.get2());
      }
      if (!o.has("type") || Math.abs(fields.size()) % 3 != 0) {
        o.put("type", TYPES.get(Math.abs(fields.hashCode()) % TYPES.size()));
      }
      return (JsonNode) o;
    });
  }

  static Arbitrary<JsonNode> scalar() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(140).map(F::textNode),
        Arbitraries.of("todos", "user:a:b", "t1", "bad name!", "1732470000000-0000-dev",
            "9999999999999-ffff-x", "0000000000000-0000-", "_id", "").map(F::textNode),
        Arbitraries.longs().map(F::numberNode),
        Arbitraries.doubles().map(F::numberNode),
        Arbitraries.of(new BigInteger("123456789012345678901234567890"),
            BigInteger.valueOf(-1)).map(F::numberNode),
        Arbitraries.of(F.nullNode(), F.booleanNode(true), F.arrayNode(), F.objectNode()));
  }

  static Arbitrary<JsonNode> object(Arbitrary<JsonNode> leaf, int depth) {
    Arbitrary<JsonNode> child = depth >= 2 ? leaf
        : Arbitraries.oneOf(leaf, Arbitraries.lazy(() -> object(leaf, depth + 1)),
            Arbitraries.lazy(() -> array(leaf, depth + 1)));
    return Combinators.combine(Arbitraries.strings().ofMaxLength(6), child).as(Tuple::of)
        .list().ofMaxSize(5).map(entries -> {
          ObjectNode o = F.objectNode();
          entries.forEach(e -> o.set(e.get1(), e.get2()));
          return (JsonNode) o;
        });
  }

  static Arbitrary<JsonNode> array(Arbitrary<JsonNode> leaf, int depth) {
    return object(leaf, depth).list().ofMaxSize(3).map(items -> {
      ArrayNode a = F.arrayNode();
      items.forEach(a::add);
      return (JsonNode) a;
    });
  }

  @Provide
  Arbitrary<String> deep() {
    return Combinators.combine(Arbitraries.integers().between(1, 5000),
        Arbitraries.of("{\"a\":", "[", "{\"_a\":[")).as((n, open) -> {
          String close = open.equals("[") ? "]" : open.equals("{\"a\":") ? "}" : "]}";
          return "{\"type\":\"insert\",\"opId\":\"o\",\"collection\":\"c\",\"id\":\"i\","
              + "\"data\":{\"x\":" + open.repeat(n) + "1" + close.repeat(n) + "}}";
        });
  }
}
