package io.livesync.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;
import io.livesync.protocol.Limits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConfigLoader}: defaults, the file, environment variables over the file, that every
 * {@link ConfigLoader#ENV} entry reaches a real setting, that bad values stop the start with a
 * message naming the setting, and that {@link ConfigLoader#describe} shows no secret.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigLoaderTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-hs256";

  @TempDir
  Path dir;

  @Test
  void defaultsAreTheDocumentedOnes() {
    SyncConfig c = ConfigLoader.load(null, Map.of());
    assertThat(c.server().bind()).isEqualTo("127.0.0.1");
    assertThat(c.server().port()).isEqualTo(8080);
    assertThat(c.server().role()).isEqualTo(Role.ALL);
    assertThat(c.server().demo()).isFalse();
    assertThat(c.server().nativeTransport()).isTrue();
    assertThat(c.store().dataDir()).isEqualTo("./data");
    assertThat(c.store().sqliteSynchronous()).isEqualTo("FULL");
    assertThat(c.store().clustered()).isFalse();
    assertThat(c.store().tombstoneRetentionMillis()).isEqualTo(30L * 24 * 3600 * 1000);
    assertThat(c.store().opRetentionMillis()).isEqualTo(24L * 3600 * 1000);
    assertThat(c.websocket().pingIntervalMillis()).isEqualTo(30_000);
    assertThat(c.websocket().allowedOrigins()).isEmpty();
    assertThat(c.websocket().compression()).isFalse();
    assertThat(c.websocket().maxConnections()).isEqualTo((int) Math.max(1_000,
        Runtime.getRuntime().maxMemory() / (16 * 1024)));
    assertThat(c.worker().defaultStrategy()).isEqualTo("field-lww");
    assertThat(c.worker().rules()).isEmpty();
    assertThat(c.worker().maxBatch()).isEqualTo(1000);
    assertThat(c.worker().maxQueuedWrites()).isEqualTo(10_000);
    assertThat(c.worker().writeTimeoutMillis()).isEqualTo(10_000);
    assertThat(c.limits()).isEqualTo(Limits.DEFAULTS);
    assertThat(SyncConfig.defaults()).isEqualTo(c);
  }

  @Test
  void fileSettingsAreRead() throws Exception {
    SyncConfig c = ConfigLoader.load(file("{"
        + "\"server\":{\"port\":9000,\"nodeId\":\"n1\",\"demo\":true},"
        + "\"store\":{\"dataDir\":\"/var/lib/livesync\",\"sqliteSynchronous\":\"normal\"},"
        + "\"websocket\":{\"allowedOrigins\":[\"https://a.example\",\"https://b.example\"]},"
        + "\"worker\":{\"defaultStrategy\":\"record-lww\",\"rules\":["
        + "{\"pattern\":\"ver*\",\"strategy\":\"version\"},{\"pattern\":\"x\",\"strategy\":"
        + "\"client-wins\"}],\"maxQueuedWrites\":50},"
        + "\"limits\":{\"maxPageSize\":7,\"maxPushWrites\":10}}"), Map.of());
    assertThat(c.server().port()).isEqualTo(9000);
    assertThat(c.server().nodeId()).isEqualTo("n1");
    assertThat(c.server().demo()).isTrue();
    assertThat(c.store().dataDir()).isEqualTo("/var/lib/livesync");
    assertThat(c.store().sqliteSynchronous()).isEqualTo("NORMAL");
    assertThat(c.websocket().allowedOrigins())
        .containsExactly("https://a.example", "https://b.example");
    assertThat(c.worker().rules()).containsExactly(new ConflictRule("ver*", "version"),
        new ConflictRule("x", "client-wins"));
    assertThat(c.worker().strategyFor("versions")).isEqualTo("version");
    assertThat(c.worker().strategyFor("x")).isEqualTo("client-wins");
    assertThat(c.worker().strategyFor("xy")).isEqualTo("record-lww");
    assertThat(c.worker().maxQueuedWrites()).isEqualTo(50);
    assertThat(c.limits().maxPageSize()).isEqualTo(7);
    assertThat(c.limits().maxPushWrites()).isEqualTo(10);
    assertThat(c.limits().maxFrameBytes()).isEqualTo(Limits.DEFAULTS.maxFrameBytes());
  }

  @Test
  void environmentWinsOverTheFileSettingBySetting() throws Exception {
    Path f = file("{\"server\":{\"port\":9000,\"nodeId\":\"from-file\"},"
        + "\"store\":{\"dataDir\":\"/from/file\"}}");
    SyncConfig c = ConfigLoader.load(f, Map.of("SYNC_PORT", "9100",
        "SYNC_PING_INTERVAL_MS", "5000", "UNRELATED", "x"));
    assertThat(c.server().port()).as("env over file").isEqualTo(9100);
    assertThat(c.server().nodeId()).as("file where env is silent").isEqualTo("from-file");
    assertThat(c.store().dataDir()).isEqualTo("/from/file");
    assertThat(c.websocket().pingIntervalMillis()).as("env where the file is silent")
        .isEqualTo(5000);

    SyncConfig noFile = ConfigLoader.load(null, Map.of("SYNC_PORT", "9100"));
    assertThat(noFile.server().port()).isEqualTo(9100);
    SyncConfig emptyRedis = ConfigLoader.load(null, Map.of("SYNC_REDIS_URL", ""));
    assertThat(emptyRedis.store().clustered()).as("an empty variable is unset").isFalse();
  }

  @Test
  void everyEnvironmentVariableSetsARealSetting() {
    JsonNode defaults = Json.MAPPER.valueToTree(ConfigLoader.load(null, Map.of()));
    Map<String, String> samples = samples();
    assertThat(ConfigLoader.ENV).isNotEmpty();
    for (Map.Entry<String, String> e : ConfigLoader.ENV.entrySet()) {
      String var = e.getKey();
      String path = e.getValue();
      assertThat(var).startsWith("SYNC_");
      String[] parts = path.split("\\.");
      assertThat(parts).as("%s -> %s: section.setting", var, path).hasSize(2);
      assertThat(defaults.has(parts[0])).as("%s: section %s exists", var, parts[0]).isTrue();
      assertThat(defaults.get(parts[0]).has(parts[1]))
          .as("%s -> %s names a setting of the configuration", var, path).isTrue();
      JsonNode before = defaults.get(parts[0]).get(parts[1]);

      String value = samples.getOrDefault(var, generic(before));
      Map<String, String> env = new HashMap<>(companions(var));
      env.put(var, value);
      SyncConfig c;
      try {
        c = ConfigLoader.load(null, env);
      } catch (ConfigException ex) {
        throw new AssertionError(var + "=" + value + " was refused: " + ex.getMessage()
            + " (add a valid sample for it to this test)", ex);
      }
      JsonNode after = Json.MAPPER.<JsonNode>valueToTree(c).get(parts[0]).get(parts[1]);
      assertThat(after).as("%s=%s changes %s", var, value, path).isNotEqualTo(before);
      assertThat(shown(after)).as("%s=%s sets %s", var, value, path)
          .isEqualToIgnoringCase(value);
    }
  }

  @Test
  void badValuesFailNamingTheSetting() throws Exception {
    assertRefused(Map.of("SYNC_PORT", "70000"), "server.port", "65535");
    assertRefused(Map.of("SYNC_PORT", "-1"), "server.port");
    assertRefused(Map.of("SYNC_PORT", "eighty"), "server.port", "whole number");
    assertRefused(Map.of("SYNC_ROLE", "foo"), "server.role", "foo");
    assertRefused(Map.of("SYNC_ROLE", "worker"), "server.role", "SYNC_REDIS_URL");
    assertRefused(Map.of("SYNC_ROLE", "gateway"), "server.role", "SYNC_REDIS_URL");
    assertRefused(Map.of("SYNC_GATEWAY_INSTANCES", "0"), "server.gatewayInstances");
    assertRefused(Map.of("SYNC_DEMO", "maybe"), "server.demo");
    assertRefused(Map.of("SYNC_NATIVE_TRANSPORT", "epoll"), "server.nativeTransport");
    assertRefused(Map.of("SYNC_SQLITE_SYNCHRONOUS", "fast"), "store.sqliteSynchronous");
    assertRefused(Map.of("SYNC_PING_INTERVAL_MS", "5"), "websocket.pingIntervalMillis");
    assertRefused(Map.of("SYNC_DRAIN_TIMEOUT_MS", "-5"), "server.drainTimeoutMillis");
    assertRefused(Map.of("SYNC_JWT_PREVIOUS_SECRET", SECRET), "SYNC_JWT_PREVIOUS_SECRET",
        "SYNC_JWT_SECRET");
    assertRefused(Map.of("SYNC_JWT_SECRET", SECRET, "SYNC_JWT_PREVIOUS_SECRET", "short"),
        "SYNC_JWT_PREVIOUS_SECRET", "32 bytes");
    for (String limit : List.of("maxFrameBytes", "maxDataBytes", "maxDepth", "maxSubscriptions",
        "maxWritesPerSecond", "maxBacklogBytes", "maxHttpBodyBytes", "maxPushWrites",
        "maxClockSkewMillis", "maxPageSize")) {
      assertRefusedFile("{\"limits\":{\"" + limit + "\":-1}}", "limits." + limit);
      assertRefusedFile("{\"limits\":{\"" + limit + "\":0}}", "limits." + limit);
    }
    assertRefusedFile("{\"limits\":{\"maxDepth\":300}}", "limits.maxDepth");
    assertRefusedFile("{\"store\":{\"opRetentionMillis\":1000}}", "store.opRetentionMillis");
    assertRefusedFile("{\"store\":{\"purgeIntervalMillis\":1}}", "store.purgeIntervalMillis");
    assertRefusedFile("{\"store\":{\"tombstoneRetentionMillis\":0}}",
        "store.tombstoneRetentionMillis");
    assertRefusedFile("{\"worker\":{\"rules\":{}}}", "worker.rules");
    assertRefusedFile("{\"worker\":{\"rules\":[{\"pattern\":\"x\"}]}}", "worker.rules");
    assertRefusedFile("{\"worker\":{\"maxBatch\":0}}", "worker.maxBatch");
    assertRefusedFile("{\"worker\":{\"maxQueuedWrites\":0}}", "worker.maxQueuedWrites");
    assertRefusedFile("{\"server\":5}", "server");
    assertRefusedFile("[1,2]", "not a JSON object");
    assertRefusedFile("{\"server\":", "not a JSON object");
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.json"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("missing.json");
  }

  @Test
  void describeShowsEverySettingButNoSecret() {
    SyncConfig c = ConfigLoader.load(null, Map.of(
        "SYNC_REDIS_URL", "redis://:s3cr3t-pw@redis.internal:6379/0",
        "SYNC_PORT", "9001"));
    String text = ConfigLoader.describe(c);
    assertThat(text).doesNotContain("s3cr3t-pw");
    assertThat(text).contains("redis://:***@redis.internal:6379/0");
    assertThat(text).contains("server.port = 9001");
    assertThat(text).contains("store.mode = redis");
    for (String key : List.of("server.bind", "server.role", "store.dataDir",
        "websocket.pingIntervalMillis", "worker.defaultStrategy", "limits")) {
      assertThat(text).contains(key + " = ");
    }

    String withUser = ConfigLoader.describe(ConfigLoader.load(null, Map.of(
        "SYNC_REDIS_URL", "rediss://app:An0ther-pw@redis.internal:6380")));
    assertThat(withUser).doesNotContain("An0ther-pw").contains("rediss://app:***@redis.internal");
    assertThat(ConfigLoader.redactUrl("redis://redis.internal:6379"))
        .isEqualTo("redis://redis.internal:6379");
    assertThat(ConfigLoader.redactUrl(null)).isEqualTo("(none)");
    assertThat(ConfigLoader.redactUrl("redis://:p@ss@host:6379/0"))
        .isEqualTo("redis://:***@host:6379/0");
    assertThat(ConfigLoader.redactUrl("redis://admin:s3cret@host:6379"))
        .isEqualTo("redis://admin:***@host:6379");
    assertThat(ConfigLoader.redactUrl("redis://s3cret@host")).isEqualTo("redis://:***@host");

    String withJwt = ConfigLoader.describe(ConfigLoader.load(null, Map.of(
        "SYNC_JWT_SECRET", SECRET, "SYNC_JWT_PREVIOUS_SECRET", "previous-" + SECRET)));
    assertThat(withJwt).doesNotContain(SECRET).contains("previousJwtSecret=***");
    assertThat(ConfigLoader.describe(ConfigLoader.load(null, Map.of()))).contains("(none)");
  }

  // ------------------------------------------------------------------ helpers

  /** Valid values, differing from the defaults, for settings a generic value would not fit. */
  private static Map<String, String> samples() {
    Map<String, String> m = new HashMap<>();
    m.put("SYNC_BIND", "localhost");
    m.put("SYNC_PORT", "9123");
    m.put("SYNC_ROLE", "gateway");
    m.put("SYNC_GATEWAY_INSTANCES", "3");
    m.put("SYNC_DRAIN_TIMEOUT_MS", "1234");
    m.put("SYNC_NODE_ID", "node-7");
    m.put("SYNC_DEMO", "true");
    m.put("SYNC_NATIVE_TRANSPORT", "false");
    m.put("SYNC_DATA_DIR", "/tmp/livesync-data");
    m.put("SYNC_SQLITE_SYNCHRONOUS", "NORMAL");
    m.put("SYNC_REDIS_URL", "redis://127.0.0.1:6390");
    m.put("SYNC_ALLOWED_ORIGINS", "https://a.example,https://b.example");
    m.put("SYNC_WS_COMPRESSION", "true");
    m.put("SYNC_PING_INTERVAL_MS", "5000");
    m.put("SYNC_MAX_CONNECTIONS", "1234");
    m.put("SYNC_DEFAULT_STRATEGY", "record-lww");
    m.put("SYNC_AUTH", "true");
    m.put("SYNC_JWT_SECRET", SECRET);
    m.put("SYNC_JWT_PREVIOUS_SECRET", SECRET + "-previous");
    m.put("SYNC_JWT_PUBLIC_KEY", "/etc/livesync/jwt-public.pem");
    m.put("SYNC_JWT_JWKS", "https://id.example/.well-known/jwks.json");
    m.put("SYNC_JWT_ISSUER", "https://id.example/");
    m.put("SYNC_JWT_AUDIENCE", "livesync");
    m.put("SYNC_JWT_CLAIM", "perms");
    m.put("SYNC_JWT_LEEWAY_SECONDS", "10");
    m.put("SYNC_MAX_CONNECTIONS_PER_USER", "7");
    return m;
  }

  /** Other variables a sample needs to be a valid configuration. */
  private static Map<String, String> companions(String var) {
    switch (var) {
      case "SYNC_ROLE":
        return Map.of("SYNC_REDIS_URL", "redis://127.0.0.1:6379");
      case "SYNC_AUTH":
      case "SYNC_JWT_PREVIOUS_SECRET":
        return Map.of("SYNC_JWT_SECRET", SECRET);
      default:
        return Map.of();
    }
  }

  /** A value of the default's type that differs from it, for variables without a sample. */
  private static String generic(JsonNode def) {
    if (def.isBoolean()) {
      return Boolean.toString(!def.asBoolean());
    }
    if (def.isIntegralNumber()) {
      return Long.toString(def.asLong() + 1);
    }
    return "sample-value";
  }

  /** A setting as text, the way it would be written in an environment variable. */
  private static String shown(JsonNode n) {
    if (n.isArray()) {
      StringBuilder sb = new StringBuilder();
      n.forEach(e -> sb.append(sb.length() == 0 ? "" : ",").append(e.asText()));
      return sb.toString();
    }
    return n.asText();
  }

  private static void assertRefused(Map<String, String> env, String... mentions) {
    assertThatThrownBy(() -> ConfigLoader.load(null, env)).as("%s", env)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> {
          for (String m : mentions) {
            assertThat(e.getMessage()).as("message for %s", env).contains(m);
          }
        });
  }

  private void assertRefusedFile(String json, String mention) throws Exception {
    Path f = file(json);
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of())).as("%s", json)
        .isInstanceOf(ConfigException.class).hasMessageContaining(mention);
  }

  private Path file(String json) throws Exception {
    Path f = Files.createTempFile(dir, "config", ".json");
    Files.writeString(f, json);
    return f;
  }
}
