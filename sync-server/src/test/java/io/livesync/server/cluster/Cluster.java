package io.livesync.server.cluster;

import io.livesync.core.redis.RedisServerProcess;
import io.livesync.server.SyncServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LiveSync cluster of real processes on loopback, for tests and the benchmark: one {@code
 * redis-server} (append-only file on, the chosen {@code appendfsync}, {@code maxmemory-policy
 * noeviction}) and N gateway and M worker child JVMs ({@code SYNC_ROLE=gateway|worker},
 * {@code SYNC_REDIS_URL}), each on a free port with its output captured to {@code
 * target/cluster-logs/<label>-<time>/<node>.log}.
 *
 * <p>{@link #kill9}, {@link #sigterm}, {@link #restart} act on one node; {@link #redis()} gives
 * the Redis process ({@code kill9()}, {@code restart()}, {@code command(...)}). {@link #close}
 * always kills every child JVM and Redis, also when a test failed; a JVM shutdown hook does the
 * same if the test JVM exits without closing.
 */
public final class Cluster implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("LiveSync listening on http://127\\.0\\.0\\.1:(\\d+) \\(role gateway\\)");
  private static final String WORKER_STARTED = "LiveSync worker started";
  private static final long START_TIMEOUT_MILLIS = 90_000;

  public enum Role { GATEWAY, WORKER }

  /** One child JVM. */
  public static final class Node {
    private final String name;
    private final Role role;
    private final int port;
    private final Process process;
    private final Path log;
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<LineWatch> watches = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> outputClosed = new CompletableFuture<>();

    private record LineWatch(Predicate<String> match, CompletableFuture<String> found) {
    }

    private Node(String name, Role role, int port, Process process, Path log) {
      this.name = name;
      this.role = role;
      this.port = port;
      this.process = process;
      this.log = log;
    }

    public String name() {
      return name;
    }

    public Role role() {
      return role;
    }

    /** The HTTP port: WebSocket and API on a gateway, health and metrics on a worker. */
    public int port() {
      return port;
    }

    public String url() {
      return "http://127.0.0.1:" + port;
    }

    public Process process() {
      return process;
    }

    public long pid() {
      return process.pid();
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    public Path log() {
      return log;
    }

    /** The last lines the process printed. */
    public String tail() {
      synchronized (tail) {
        return String.join("\n", tail);
      }
    }

    /**
     * Completes with the first line (printed from now on, or among the last 500 printed) that
     * matches; fails when the process's output ends first.
     */
    public CompletableFuture<String> line(Predicate<String> match) {
      CompletableFuture<String> found = new CompletableFuture<>();
      synchronized (tail) {
        for (String l : tail) {
          if (match.test(l)) {
            found.complete(l);
            return found;
          }
        }
        if (outputClosed.isDone()) {
          found.completeExceptionally(new AssertionError(name + " exited; its output:\n"
              + String.join("\n", tail)));
          return found;
        }
        watches.add(new LineWatch(match, found));
      }
      return found;
    }

    private void pump(Path logFile) {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(
          process.getInputStream(), StandardCharsets.UTF_8));
          Writer out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          out.write(line);
          out.write('\n');
          out.flush();
          synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > 500) {
              tail.removeFirst();
            }
            for (LineWatch w : watches) {
              if (w.match().test(line)) {
                w.found().complete(line);
                watches.remove(w);
              }
            }
          }
          if (role == Role.GATEWAY ? LISTENING.matcher(line).find()
              : line.contains(WORKER_STARTED)) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // the process died; its output ends here
      } finally {
        synchronized (tail) {
          outputClosed.complete(null);
          AssertionError exited = new AssertionError(name + " exited; its output:\n"
              + String.join("\n", tail));
          watches.forEach(w -> w.found().completeExceptionally(exited));
          watches.clear();
          ready.completeExceptionally(exited);
        }
      }
    }

    @Override
    public String toString() {
      return name + "(" + role.name().toLowerCase() + ", port " + port + ", pid " + pid() + ")";
    }
  }

  /** What to start. */
  public static final class Builder {
    private final String label;
    private int gateways = 2;
    private int workers = 2;
    private RedisServerProcess.Fsync fsync = RedisServerProcess.Fsync.ALWAYS;
    private String configJson;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1"));

    private Builder(String label) {
      this.label = label;
    }

    public Builder gateways(int n) {
      this.gateways = n;
      return this;
    }

    public Builder workers(int n) {
      this.workers = n;
      return this;
    }

    public Builder fsync(RedisServerProcess.Fsync fsync) {
      this.fsync = fsync;
      return this;
    }

    /** A configuration file's content given to every node with {@code --config}. */
    public Builder config(String json) {
      this.configJson = json;
      return this;
    }

    /** An extra {@code SYNC_*} variable for every node. */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    /** Replaces the child JVMs' options (default: small heap, serial GC, C1 only). */
    public Builder jvmArgs(String... args) {
      jvmArgs.clear();
      jvmArgs.addAll(List.of(args));
      return this;
    }

    public Cluster start() {
      Cluster c = new Cluster(this);
      try {
        c.startAll();
        return c;
      } catch (RuntimeException | Error e) {
        c.close();
        throw e;
      }
    }
  }

  public static Builder builder(String label) {
    return new Builder(label);
  }

  private final Builder spec;
  private final Path logDir;
  private final Path workDir;
  private final Path configFile;
  private final List<Node> gateways = new ArrayList<>();
  private final List<Node> workers = new ArrayList<>();
  /** Every child ever started (killed ones included), for {@link #close}. */
  private final List<Node> all = new CopyOnWriteArrayList<>();
  private final Thread reaper = new Thread(this::destroyAll, "cluster-reaper");
  private RedisServerProcess redis;
  private int generation;
  private boolean closed;

  private Cluster(Builder spec) {
    this.spec = spec;
    try {
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss-SSS"));
      this.logDir = Files.createDirectories(Path.of("target", "cluster-logs",
          spec.label + "-" + stamp)).toAbsolutePath();
      this.workDir = Files.createTempDirectory("livesync-cluster-");
      if (spec.configJson != null) {
        configFile = workDir.resolve("config.json");
        Files.writeString(configFile, spec.configJson);
      } else {
        configFile = null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  private void startAll() {
    redis = RedisServerProcess.start(spec.fsync);
    List<Node> started = new ArrayList<>();
    for (int i = 0; i < spec.workers; i++) {
      started.add(launch("worker-" + (char) ('a' + i), Role.WORKER, freePort()));
    }
    for (int i = 0; i < spec.gateways; i++) {
      started.add(launch("gateway-" + (char) ('a' + i), Role.GATEWAY, freePort()));
    }
    for (Node n : started) {
      Node ready = awaitReadyOrRelaunch(n, false);
      (ready.role == Role.GATEWAY ? gateways : workers).add(ready);
    }
  }

  /**
   * Waits for the node; when it could not bind its port (another process took it meanwhile),
   * starts it again on the same port (if {@code keepPort}, once) or on another one.
   */
  private Node awaitReadyOrRelaunch(Node n, boolean keepPort) {
    for (int attempt = 1; ; attempt++) {
      try {
        awaitReady(n);
        return n;
      } catch (AssertionError e) {
        if (!n.tail().contains("Address already in use") || attempt >= 5) {
          throw e;
        }
        int port = keepPort && attempt == 1 ? n.port : freePort();
        n = launch(n.name, n.role, port);
      }
    }
  }

  public RedisServerProcess redis() {
    return redis;
  }

  public String redisUrl() {
    return redis.url();
  }

  public Node gateway(int i) {
    return gateways.get(i);
  }

  public Node worker(int i) {
    return workers.get(i);
  }

  public List<Node> gateways() {
    return List.copyOf(gateways);
  }

  public List<Node> workers() {
    return List.copyOf(workers);
  }

  public List<Integer> gatewayPorts() {
    return gateways.stream().map(Node::port).toList();
  }

  public Path logDir() {
    return logDir;
  }

  /**
   * SIGKILL: no drain, no shutdown hook; returns once the process is gone. Sent with {@code
   * kill}, not {@link Process#destroyForcibly}, which also closes our end of the process's
   * output (losing what it printed last).
   */
  public void kill9(Node node) {
    signal(node, "KILL");
    awaitExit(node, 30);
    if (node.process.exitValue() != 128 + 9) {
      throw new AssertionError(node + " exited with " + node.process.exitValue()
          + ", not by SIGKILL");
    }
  }

  /**
   * SIGTERM: the node drains and exits; returns its exit code. Sent with {@code kill}: {@link
   * Process#destroy} would close our end of its output, so the drain's log lines would be lost.
   */
  public int sigterm(Node node) {
    signal(node, "TERM");
    awaitExit(node, 60);
    return node.process.exitValue();
  }

  /** Sends a signal ({@code STOP}, {@code CONT}, {@code TERM}, {@code KILL}) with kill(1). */
  public void signal(Node node, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid()))
          .redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + signal + " " + node.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /**
   * Starts the node again (killing it first if it still runs) with the same role and port (or
   * another port if that one was taken meanwhile); returns the new node, which replaces the old
   * one in {@link #gateways()}/{@link #workers()}.
   */
  public Node restart(Node node) {
    if (node.isAlive()) {
      kill9(node);
    }
    Node fresh = awaitReadyOrRelaunch(launch(node.name, node.role, node.port), true);
    List<Node> list = node.role == Role.GATEWAY ? gateways : workers;
    int i = list.indexOf(node);
    if (i >= 0) {
      list.set(i, fresh);
    } else {
      list.add(fresh);
    }
    return fresh;
  }

  /** Starts one more node of the role. */
  public Node add(Role role) {
    List<Node> list = role == Role.GATEWAY ? gateways : workers;
    Node n = awaitReadyOrRelaunch(launch((role == Role.GATEWAY ? "gateway-" : "worker-")
        + (char) ('a' + list.size()), role, freePort()), false);
    list.add(n);
    return n;
  }

  private Node launch(String name, Role role, int port) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(spec.jvmArgs);
    // the bus's and the server's info lines (claims, reconnects, epochs, drain) go to the log
    cmd.add("-Dorg.slf4j.simpleLogger.log.io.livesync.core.bus=info");
    cmd.add("-Dorg.slf4j.simpleLogger.log.io.livesync.server=info");
    cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        SyncServer.class.getName()));
    if (configFile != null) {
      cmd.addAll(List.of("--config", configFile.toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SYNC_"));
    pb.environment().put("SYNC_REDIS_URL", redis.url());
    pb.environment().put("SYNC_ROLE", role.name().toLowerCase());
    pb.environment().put("SYNC_PORT", Integer.toString(port));
    pb.environment().put("SYNC_BIND", "127.0.0.1");
    pb.environment().put("SYNC_NODE_ID", name);
    pb.environment().put("SYNC_GATEWAY_INSTANCES", "1");
    pb.environment().put("SYNC_DATA_DIR", workDir.toString());
    pb.environment().putAll(spec.env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
    Path logFile = logDir.resolve(name + "-" + (++generation) + ".log");
    Node node = new Node(name, role, port, p, logFile);
    all.add(node);
    Thread pump = new Thread(() -> node.pump(logFile), "output-" + name + "-" + p.pid());
    pump.setDaemon(true);
    pump.start();
    return node;
  }

  private void awaitReady(Node n) {
    try {
      n.ready.get(START_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      n.process.destroyForcibly();
      throw new AssertionError(n.name + " did not start within " + START_TIMEOUT_MILLIS
          + " ms; its output (" + n.log + "):\n" + n.tail(), e);
    }
  }

  private static void awaitExit(Node node, int seconds) {
    try {
      if (!node.process.waitFor(seconds, TimeUnit.SECONDS)) {
        node.process.destroyForcibly();
        throw new AssertionError(node + " did not exit within " + seconds + " s");
      }
      // the output pump sees the end of the stream shortly after the exit
      node.outputClosed.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    } catch (Exception e) {
      // the output may stay open if a grandchild inherited it; the process is gone anyway
    }
  }

  /** Kills every child JVM and Redis and deletes the work directory; logs stay. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      destroyAll();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running
      }
      deleteTree(workDir);
    }
  }

  private void destroyAll() {
    for (Node n : all) {
      n.process.destroyForcibly();
    }
    for (Node n : all) {
      try {
        n.process.waitFor(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (redis != null) {
      redis.close();
    }
  }

  /**
   * A port that is free now, chosen below the kernel's ephemeral range when possible: ports in
   * that range are also handed to outgoing connections (the nodes' own Redis connections), which
   * could take it before the node binds it.
   */
  static int freePort() {
    int low = 32768;
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      low = Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: take the kernel's choice below
    }
    java.util.Random random = new java.util.Random();
    if (low > 12_000) {
      for (int i = 0; i < 50; i++) {
        int port = 10_000 + random.nextInt(low - 10_000);
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
          return s.getLocalPort();
        } catch (IOException taken) {
          // try another
        }
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }

  /** The port printed by a gateway, for a check that the node listens where we asked. */
  static int printedPort(String line) {
    Matcher m = LISTENING.matcher(line);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
