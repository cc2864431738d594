package io.livesync.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.protocol.Limits;
import io.livesync.protocol.SyncException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds {@link SyncConfig} from an optional JSON file plus {@code SYNC_*} environment variables.
 * This is the one place environment variables are read into configuration: {@link #ENV} maps
 * each variable to the JSON path it overrides, and a variable wins over the file.
 */
public final class ConfigLoader {

  /** Environment variable → JSON path in the configuration file. */
  public static final Map<String, String> ENV = envTable();

  private static Map<String, String> envTable() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("SYNC_BIND", "server.bind");
    m.put("SYNC_PORT", "server.port");
    m.put("SYNC_ROLE", "server.role");
    m.put("SYNC_GATEWAY_INSTANCES", "server.gatewayInstances");
    m.put("SYNC_DRAIN_TIMEOUT_MS", "server.drainTimeoutMillis");
    m.put("SYNC_NODE_ID", "server.nodeId");
    m.put("SYNC_DEMO", "server.demo");
    m.put("SYNC_NATIVE_TRANSPORT", "server.nativeTransport");
    m.put("SYNC_DATA_DIR", "store.dataDir");
    m.put("SYNC_SQLITE_SYNCHRONOUS", "store.sqliteSynchronous");
    m.put("SYNC_REDIS_URL", "store.redisUrl");
    m.put("SYNC_ALLOWED_ORIGINS", "websocket.allowedOrigins");
    m.put("SYNC_WS_COMPRESSION", "websocket.compression");
    m.put("SYNC_PING_INTERVAL_MS", "websocket.pingIntervalMillis");
    m.put("SYNC_MAX_CONNECTIONS", "websocket.maxConnections");
    m.put("SYNC_DEFAULT_STRATEGY", "worker.defaultStrategy");
    m.put("SYNC_AUTH", "auth.enabled");
    m.put("SYNC_JWT_SECRET", "auth.jwtSecret");
    m.put("SYNC_JWT_PREVIOUS_SECRET", "auth.previousJwtSecret");
    m.put("SYNC_JWT_PUBLIC_KEY", "auth.publicKey");
    m.put("SYNC_JWT_JWKS", "auth.jwks");
    m.put("SYNC_JWT_ISSUER", "auth.issuer");
    m.put("SYNC_JWT_AUDIENCE", "auth.audience");
    m.put("SYNC_JWT_CLAIM", "auth.claim");
    m.put("SYNC_JWT_LEEWAY_SECONDS", "auth.leewaySeconds");
    m.put("SYNC_MAX_CONNECTIONS_PER_USER", "auth.maxConnectionsPerUser");
    return Map.copyOf(m);
  }

  private ConfigLoader() {
  }

  /** Reads the file (when non-null), applies the environment, validates. */
  public static SyncConfig load(Path file, Map<String, String> env) {
    ObjectNode root = Json.object();
    if (file != null) {
      try {
        root = Json.parseObject(Files.readString(file));
      } catch (IOException e) {
        throw new ConfigException("cannot read configuration file " + file + ": " + e);
      } catch (SyncException e) {
        throw new ConfigException("configuration file " + file + " is not a JSON object: "
            + e.getMessage());
      }
    }
    applyEnv(root, env);
    return bind(root);
  }

  static void applyEnv(ObjectNode root, Map<String, String> env) {
    for (Map.Entry<String, String> e : ENV.entrySet()) {
      String value = env.get(e.getKey());
      if (value == null) {
        continue;
      }
      String[] path = e.getValue().split("\\.");
      ObjectNode parent = root;
      for (int i = 0; i < path.length - 1; i++) {
        parent = parent.has(path[i]) && parent.get(path[i]).isObject()
            ? (ObjectNode) parent.get(path[i]) : parent.putObject(path[i]);
      }
      parent.put(path[path.length - 1], value);
    }
  }

  static SyncConfig bind(ObjectNode root) {
    Section s = new Section(root, "server");
    int cores = Runtime.getRuntime().availableProcessors();
    ServerConfig server = new ServerConfig(
        s.text("bind", "127.0.0.1"),
        s.intRange("port", 8080, 0, 65535),
        role(s.text("role", "all")),
        s.intRange("gatewayInstances", cores, 1, 256),
        s.longMin("drainTimeoutMillis", 20_000, 0),
        s.text("nodeId", "server"),
        s.bool("demo", false),
        s.bool("nativeTransport", true));

    s = new Section(root, "store");
    String sync = s.text("sqliteSynchronous", "FULL").toUpperCase(Locale.ROOT);
    if (!List.of("FULL", "NORMAL", "EXTRA").contains(sync)) {
      throw new ConfigException("store.sqliteSynchronous must be FULL, NORMAL or EXTRA, was "
          + sync);
    }
    String redisUrl = s.text("redisUrl", null);
    StoreConfig store = new StoreConfig(
        s.text("dataDir", "./data"), sync,
        redisUrl == null || redisUrl.isBlank() ? null : redisUrl,
        s.longMin("tombstoneRetentionMillis", 30L * 24 * 3600 * 1000, 1),
        s.longMin("opRetentionMillis", 24L * 3600 * 1000, 24L * 3600 * 1000),
        s.longMin("purgeIntervalMillis", 3600_000, 1000));

    s = new Section(root, "websocket");
    WebSocketConfig ws = new WebSocketConfig(
        s.longMin("pingIntervalMillis", 30_000, 100),
        s.list("allowedOrigins"),
        s.bool("compression", false),
        s.longMin("maxTotalBacklogBytes", WebSocketConfig.defaultMaxTotalBacklogBytes(), 1),
        s.intRange("maxConnections", WebSocketConfig.defaultMaxConnections(), 1,
            Integer.MAX_VALUE));

    s = new Section(root, "worker");
    List<ConflictRule> rules = new ArrayList<>();
    JsonNode rulesNode = s.node.get("rules");
    if (rulesNode != null && !rulesNode.isNull()) {
      if (!rulesNode.isArray()) {
        throw new ConfigException("worker.rules must be an array of {pattern, strategy}");
      }
      for (JsonNode r : rulesNode) {
        String pattern = r.path("pattern").asText(null);
        String strategy = r.path("strategy").asText(null);
        if (pattern == null || strategy == null) {
          throw new ConfigException("each worker.rules entry needs pattern and strategy, got "
              + r);
        }
        rules.add(new ConflictRule(pattern, strategy));
      }
    }
    WorkerConfig worker = new WorkerConfig(
        s.text("defaultStrategy", "field-lww"), List.copyOf(rules),
        s.intRange("maxBatch", 1000, 1, 100_000),
        s.intRange("maxQueuedWrites", WorkerConfig.DEFAULT_MAX_QUEUED_WRITES, 1, 10_000_000),
        s.longMin("writeTimeoutMillis", 10_000, 100));

    s = new Section(root, "limits");
    Limits d = Limits.DEFAULTS;
    Limits limits;
    try {
      limits = new Limits(
          s.intRange("maxFrameBytes", d.maxFrameBytes(), 1, Integer.MAX_VALUE),
          s.intRange("maxDataBytes", d.maxDataBytes(), 1, Integer.MAX_VALUE),
          s.intRange("maxDepth", d.maxDepth(), 1, 254),
          s.intRange("maxSubscriptions", d.maxSubscriptions(), 1, Integer.MAX_VALUE),
          s.intRange("maxWritesPerSecond", d.maxWritesPerSecond(), 1, Integer.MAX_VALUE),
          s.longMin("maxBacklogBytes", d.maxBacklogBytes(), 1),
          s.longMin("maxHttpBodyBytes", d.maxHttpBodyBytes(), 1),
          s.intRange("maxPushWrites", d.maxPushWrites(), 1, 100_000),
          s.longMin("maxClockSkewMillis", d.maxClockSkewMillis(), 1),
          s.intRange("maxPageSize", d.maxPageSize(), 1, 100_000));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    AuthConfig auth = AuthRules.bind(new Section(root, "auth"));
    SyncConfig config = new SyncConfig(server, store, ws, worker, limits, auth);
    validate(config);
    return config;
  }

  private static void validate(SyncConfig c) {
    AuthRules.validate(c.server(), c.auth());
    if (!c.server().role().equals(Role.ALL) && !c.store().clustered()) {
      throw new ConfigException("server.role " + c.server().role().name().toLowerCase(Locale.ROOT)
          + " needs Redis: set SYNC_REDIS_URL (for example redis://127.0.0.1:6379), or run "
          + "role all for embedded mode");
    }
  }

  private static Role role(String value) {
    try {
      return Role.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("server.role must be all, gateway or worker, was '" + value
          + "'");
    }
  }

  /** Prints the effective configuration, one setting per line; secrets are redacted. */
  public static String describe(SyncConfig c) {
    StringBuilder sb = new StringBuilder("effective configuration:\n");
    line(sb, "server.bind", c.server().bind());
    line(sb, "server.port", c.server().port());
    line(sb, "server.role", c.server().role().name().toLowerCase(Locale.ROOT));
    line(sb, "server.gatewayInstances", c.server().gatewayInstances());
    line(sb, "server.drainTimeoutMillis", c.server().drainTimeoutMillis());
    line(sb, "server.nodeId", c.server().nodeId());
    line(sb, "server.demo", c.server().demo());
    line(sb, "server.nativeTransport", c.server().nativeTransport());
    line(sb, "store.mode", c.store().clustered() ? "redis" : "sqlite");
    line(sb, "store.dataDir", c.store().dataDir());
    line(sb, "store.sqliteSynchronous", c.store().sqliteSynchronous());
    line(sb, "store.redisUrl", redactUrl(c.store().redisUrl()));
    line(sb, "store.tombstoneRetentionMillis", c.store().tombstoneRetentionMillis());
    line(sb, "store.opRetentionMillis", c.store().opRetentionMillis());
    line(sb, "websocket.pingIntervalMillis", c.websocket().pingIntervalMillis());
    line(sb, "websocket.allowedOrigins", c.websocket().allowedOrigins().isEmpty()
        ? "(any)" : String.join(",", c.websocket().allowedOrigins()));
    line(sb, "websocket.compression", c.websocket().compression());
    line(sb, "websocket.maxTotalBacklogBytes", c.websocket().maxTotalBacklogBytes());
    line(sb, "websocket.maxConnections", c.websocket().maxConnections());
    line(sb, "worker.defaultStrategy", c.worker().defaultStrategy());
    line(sb, "worker.rules", c.worker().rules());
    line(sb, "worker.maxBatch", c.worker().maxBatch());
    line(sb, "worker.maxQueuedWrites", c.worker().maxQueuedWrites());
    line(sb, "limits", c.limits());
    line(sb, "auth", c.auth());
    return sb.toString();
  }

  private static void line(StringBuilder sb, String key, Object value) {
    sb.append("  ").append(key).append(" = ").append(value).append('\n');
  }

  /**
   * Hides the credentials of a URL such as {@code redis://user:secret@host:6379}: everything
   * between {@code //} and the LAST {@code @} is user information, so a password holding a raw
   * {@code @} is hidden whole.
   */
  public static String redactUrl(String url) {
    if (url == null) {
      return "(none)";
    }
    int start = url.indexOf("//");
    int at = url.lastIndexOf('@');
    if (start < 0 || at < start) {
      return url;
    }
    String userInfo = url.substring(start + 2, at);
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? "" : userInfo.substring(0, colon);
    return url.substring(0, start + 2) + user + ":***" + url.substring(at);
  }

  /** Typed reads of one object of the configuration, with the path in every message. */
  static final class Section {
    final ObjectNode node;
    final String name;

    Section(ObjectNode root, String name) {
      JsonNode n = root.get(name);
      if (n != null && !n.isObject()) {
        throw new ConfigException(name + " must be a JSON object");
      }
      this.node = n == null ? Json.object() : (ObjectNode) n;
      this.name = name;
    }

    String text(String key, String def) {
      JsonNode n = node.get(key);
      return n == null || n.isNull() ? def : n.asText();
    }

    boolean bool(String key, boolean def) {
      JsonNode n = node.get(key);
      if (n == null || n.isNull()) {
        return def;
      }
      if (n.isBoolean()) {
        return n.asBoolean();
      }
      String t = n.asText().trim().toLowerCase(Locale.ROOT);
      if (t.equals("true") || t.equals("1") || t.equals("yes")) {
        return true;
      }
      if (t.equals("false") || t.equals("0") || t.equals("no")) {
        return false;
      }
      throw new ConfigException(name + "." + key + " must be true or false, was '" + t + "'");
    }

    long longMin(String key, long def, long min) {
      JsonNode n = node.get(key);
      long v;
      if (n == null || n.isNull()) {
        v = def;
      } else if (n.isIntegralNumber()) {
        v = n.asLong();
      } else {
        try {
          v = Long.parseLong(n.asText().trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(name + "." + key + " must be a whole number, was '"
              + n.asText() + "'");
        }
      }
      if (v < min) {
        throw new ConfigException(name + "." + key + " must be at least " + min + ", was " + v);
      }
      return v;
    }

    int intRange(String key, int def, int min, int max) {
      long v = longMin(key, def, min);
      if (v > max) {
        throw new ConfigException(name + "." + key + " must be at most " + max + ", was " + v);
      }
      return (int) v;
    }

    List<String> list(String key) {
      JsonNode n = node.get(key);
      List<String> out = new ArrayList<>();
      if (n == null || n.isNull()) {
        return List.of();
      }
      if (n.isArray()) {
        for (JsonNode e : (ArrayNode) n) {
          out.add(e.asText().trim());
        }
      } else {
        for (String part : n.asText().split(",")) {
          if (!part.isBlank()) {
            out.add(part.trim());
          }
        }
      }
      return List.copyOf(out);
    }
  }
}
