package io.livesync.loadtest;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The command line, parsed once and validated: every option has a default sized for a small
 * machine. Durations take a unit ({@code 60s}, {@code 500ms}, {@code 2m}); a bare number is
 * seconds.
 *
 * @param rate total writes per second across all writers (open loop); 0 with {@code closedLoop}
 * @param closedLoop each writer keeps {@code inflight} writes outstanding instead of a rate
 * @param records catch-up: records the collection must hold before the reconnect storm
 * @param since catch-up: the cursor the reconnecting clients present (0 = full history)
 * @param serverPids the server's process ids (gateway first): CPU is summed over them, and the
 *     first is the one whose GC is forced with jcmd before heap readings
 */
public record Options(
    String scenario, URI url, int subscribers, int writers, int collections, double rate,
    boolean closedLoop, int inflight, long durationMillis, long warmupMillis, int dataBytes,
    String jwtSecret, String reportDir, int connections, int records, long since,
    long[] serverPids, String prefix, int ids, long drainMillis, boolean quiet) {

  public static final String USAGE = String.join("\n",
      "usage: java -jar load-test.jar <scenario> [options]",
      "scenarios:",
      "  fanout       few writers, many subscribers per collection (deliveries/s, fan-out latency)",
      "  writes       many writers, few subscribers (acked writes/s, ack latency)",
      "  connections  N idle connections; server heap per connection from its /metrics",
      "  catchup      M clients reconnect at once with old cursors (records/s delivered)",
      "  mixed        writers, subscribers and subscribers that reconnect every second",
      "options:",
      "  --url ws://127.0.0.1:8080   server (the /v1/ws path is added when absent)",
      "  --subscribers N             subscribing connections (fanout 1000, writes 10, mixed 200,",
      "                              catchup: clients reconnecting at once, 1)",
      "  --writers N                 writing connections (fanout 1, writes 50, mixed and catchup",
      "                              prefill 10)",
      "  --collections N             collections the load is spread over (fanout 1, writes 10)",
      "  --rate R                    open loop: R writes/s in total, paced from intended times",
      "  --closed-loop               each writer keeps --inflight writes outstanding (saturation)",
      "  --inflight N                closed loop window per writer (default 16)",
      "  --duration 60s              measured run length (after the warm-up)",
      "  --warmup 5s                 load before measuring; histograms start after it",
      "  --data-bytes 100            serialized size of each written document",
      "  --jwt-secret S              sign HS256 tokens (sub, exp, sync read/write *)",
      "  --report-dir DIR            where report.json and report.html go (default ./load-report)",
      "  --connections N             connections scenario: idle connections (default 1000)",
      "  --records N                 catchup: records in the collection (default 100000)",
      "  --since N                   catchup: cursor of the reconnecting clients (default 0)",
      "  --server-pid PID[,PID]      the server's pids (gateway first): CPU per operation from",
      "                              /proc; connections:",
      "                              jcmd PID GC.run before each heap reading",
      "  --prefix P                  collection name prefix (default lt-<scenario>)",
      "  --ids N                     distinct record ids per writer (default 1000)",
      "  --drain 10s                 after the run, wait this long for outstanding acks/changes",
      "  --quiet                     no progress line");

  /** Parses {@code args} (the scenario first); throws IllegalArgumentException with a hint. */
  public static Options parse(String[] args) {
    if (args.length == 0 || args[0].startsWith("-")) {
      throw new IllegalArgumentException("name a scenario first\n" + USAGE);
    }
    String scenario = args[0].toLowerCase(Locale.ROOT);
    if (!java.util.List.of("fanout", "writes", "connections", "catchup", "mixed")
        .contains(scenario)) {
      throw new IllegalArgumentException("unknown scenario '" + args[0] + "'\n" + USAGE);
    }
    Map<String, String> v = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + USAGE);
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (!name.equals("closed-loop") && !name.equals("quiet")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option --" + name + " needs a value");
        }
        value = args[++i];
      }
      v.put(name, value == null ? "true" : value);
    }
    boolean fanout = scenario.equals("fanout");
    boolean writes = scenario.equals("writes");
    boolean catchup = scenario.equals("catchup");
    int subs = intOpt(v, "subscribers", fanout ? 1000 : writes ? 10 : catchup ? 1 : 200, 0);
    int writers = intOpt(v, "writers", fanout ? 1 : writes ? 50 : 10, 0);
    int collections = intOpt(v, "collections", writes ? 10 : 1, 1);
    boolean closed = v.containsKey("closed-loop") && !"false".equals(v.get("closed-loop"));
    double rate = v.containsKey("rate") ? Double.parseDouble(v.get("rate")) : 0;
    if (!closed && rate <= 0) {
      rate = fanout ? 1000 : writes ? 10_000 : 1000;
    }
    if (closed && v.containsKey("rate")) {
      throw new IllegalArgumentException("--rate and --closed-loop exclude each other");
    }
    Options o = new Options(scenario, wsUrl(v.getOrDefault("url", "ws://127.0.0.1:8080")),
        subs, writers, collections, rate, closed, intOpt(v, "inflight", 16, 1),
        durationOpt(v, "duration", 60_000), durationOpt(v, "warmup", 5_000),
        intOpt(v, "data-bytes", 100, 20), v.get("jwt-secret"),
        v.getOrDefault("report-dir", "load-report"), intOpt(v, "connections", 1000, 1),
        intOpt(v, "records", 100_000, 0), longOpt(v, "since", 0),
        pids(v.get("server-pid")), v.getOrDefault("prefix", "lt-" + scenario),
        intOpt(v, "ids", 1000, 1), durationOpt(v, "drain", 10_000), v.containsKey("quiet"));
    for (String k : v.keySet()) {
      if (!KNOWN.contains(k)) {
        throw new IllegalArgumentException("unknown option --" + k + "\n" + USAGE);
      }
    }
    return o;
  }

  private static final java.util.Set<String> KNOWN = java.util.Set.of("url", "subscribers",
      "writers", "collections", "rate", "closed-loop", "inflight", "duration", "warmup",
      "data-bytes", "jwt-secret", "report-dir", "connections", "records", "since",
      "server-pid", "prefix", "ids", "drain", "quiet");

  /** Parses {@code 60s}, {@code 500ms}, {@code 2m}, {@code 1h} or a bare number of seconds. */
  public static long parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Long.parseLong(t.substring(0, t.length() - 2));
      }
      double n = Double.parseDouble(t.replaceAll("[smh]$", ""));
      long unit = t.endsWith("m") ? 60_000 : t.endsWith("h") ? 3_600_000 : 1000;
      return Math.round(n * unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("duration '" + s + "' is not understood; use e.g. 60s,"
          + " 500ms or 2m");
    }
  }

  static URI wsUrl(String url) {
    URI u = URI.create(url);
    if (!"ws".equals(u.getScheme()) && !"wss".equals(u.getScheme())) {
      throw new IllegalArgumentException("--url must be ws:// or wss://, was " + url);
    }
    if (u.getPath() == null || u.getPath().isEmpty() || u.getPath().equals("/")) {
      u = u.resolve("/v1/ws");
    }
    return u;
  }

  /** The HTTP base of the server (for /metrics), derived from the WebSocket URL. */
  public String httpBase() {
    String scheme = url.getScheme().equals("wss") ? "https" : "http";
    return scheme + "://" + url.getHost() + ":" + port();
  }

  public int port() {
    return url.getPort() > 0 ? url.getPort() : url.getScheme().equals("wss") ? 443 : 80;
  }

  /** The parameters as they go into the report. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", url.toString());
    m.put("subscribers", subscribers);
    m.put("writers", writers);
    m.put("collections", collections);
    m.put("mode", closedLoop ? "closed-loop" : "open-loop");
    if (closedLoop) {
      m.put("inflight", inflight);
    } else {
      m.put("rate", rate);
    }
    m.put("durationMillis", durationMillis);
    m.put("warmupMillis", warmupMillis);
    m.put("dataBytes", dataBytes);
    m.put("jwt", jwtSecret != null);
    if (scenario.equals("connections")) {
      m.put("connections", connections);
    }
    if (scenario.equals("catchup")) {
      m.put("records", records);
      m.put("since", since);
    }
    return m;
  }

  /** The first server pid, or 0 when none was given. */
  public long serverPid() {
    return serverPids.length == 0 ? 0 : serverPids[0];
  }

  private static long[] pids(String s) {
    if (s == null || s.isBlank()) {
      return new long[0];
    }
    String[] parts = s.split(",");
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Long.parseLong(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--server-pid takes process ids separated by commas,"
            + " was '" + s + "'");
      }
    }
    return out;
  }

  private static int intOpt(Map<String, String> v, String name, int def, int min) {
    long n = longOpt(v, name, def);
    if (n < min || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("--" + name + " must be at least " + min + ", was " + n);
    }
    return (int) n;
  }

  private static long longOpt(Map<String, String> v, String name, long def) {
    String s = v.get(name);
    if (s == null) {
      return def;
    }
    try {
      return Long.parseLong(s.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + s + "'");
    }
  }

  private static long durationOpt(Map<String, String> v, String name, long def) {
    String s = v.get(name);
    return s == null ? def : parseDuration(s);
  }
}
