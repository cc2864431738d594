package io.livesync.core.redis;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} on a free loopback port with its own temporary directory, for tests
 * (no Docker, no mocks). Start waits for the server's "Ready to accept connections" log line.
 * {@link #kill9()} SIGKILLs it; {@link #restart()} starts it again on the same port and
 * directory, so an append-only file is replayed; {@link #close()} stops it and deletes the
 * directory. A JVM shutdown hook kills a server a test forgot to close.
 *
 * <p>Needs {@code /usr/bin/redis-server} (Debian package {@code redis-server}) or {@code
 * redis-server} on the PATH; {@code REDIS_SERVER} overrides the binary.
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final long START_TIMEOUT_MILLIS = 20_000;

  /** {@code appendfsync} policies; {@link #NONE} runs without an append-only file. */
  public enum Fsync { NONE, EVERYSEC, ALWAYS }

  private final Path dir;
  private final int port;
  private final Fsync fsync;
  private final Thread shutdownHook;
  private Process process;
  private boolean closed;

  private RedisServerProcess(Path dir, int port, Fsync fsync) {
    this.dir = dir;
    this.port = port;
    this.fsync = fsync;
    this.shutdownHook = new Thread(this::destroyQuietly, "redis-server-" + port + "-reaper");
  }

  /** A server without persistence. */
  public static RedisServerProcess start() {
    return start(Fsync.NONE);
  }

  /** A server with {@code appendonly yes} and the given fsync policy (unless NONE). */
  public static RedisServerProcess start(Fsync fsync) {
    try {
      RedisServerProcess p = new RedisServerProcess(
          Files.createTempDirectory("livesync-redis-"), freePort(), fsync);
      Runtime.getRuntime().addShutdownHook(p.shutdownHook);
      try {
        p.launch();
      } catch (RuntimeException e) {
        p.close();
        throw e;
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public Path dir() {
    return dir;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: no shutdown, no final fsync; whatever was not yet on disk is lost. */
  public synchronized void kill9() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit(process);
    process = null;
  }

  /** Starts again on the same port and directory (after {@link #kill9()} or by itself). */
  public synchronized void restart() {
    kill9();
    launch();
  }

  /**
   * Sends one command over a fresh plain socket and returns the reply rendered as text: simple
   * strings, integers and bulk strings as is, errors prefixed with {@code -}, nil as {@code
   * null}, arrays as {@code [a, b]}. For test set-up (FLUSHALL, CLIENT KILL, CONFIG ...).
   */
  public String command(String... args) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        req.writeBytes(b);
        req.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(req.toByteArray());
      out.flush();
      return String.valueOf(readReply(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException("redis-server on port " + port + " did not answer", e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    kill9();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to; it finds nothing left to kill
    }
    deleteDir();
  }

  private void launch() {
    List<String> cmd = new ArrayList<>(List.of(binary(),
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
        "--save", "", "--daemonize", "no", "--protected-mode", "yes",
        "--maxmemory-policy", "noeviction", "--logfile", ""));
    if (fsync != Fsync.NONE) {
      cmd.addAll(List.of("--appendonly", "yes", "--appendfsync",
          fsync == Fsync.ALWAYS ? "always" : "everysec"));
    }
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server (" + binary() + "); install "
          + "the Debian package redis-server or set REDIS_SERVER", e);
    }
    process = p;
    CompletableFuture<Void> ready = new CompletableFuture<>();
    StringBuilder log = new StringBuilder();
    Thread reader = new Thread(() -> pump(p.getInputStream(), log, ready),
        "redis-server-" + port + "-log");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(START_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      kill9();
      synchronized (log) {
        throw new IllegalStateException("redis-server on port " + port + " did not become "
            + "ready: " + e.getMessage() + "\n" + log, e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill9();
      throw new IllegalStateException("interrupted while starting redis-server", e);
    }
    String pong = command("PING");
    if (!"PONG".equals(pong)) {
      throw new IllegalStateException("redis-server on port " + port + " answered " + pong);
    }
  }

  private static void pump(InputStream in, StringBuilder log, CompletableFuture<Void> ready) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (log) {
          if (log.length() < 64_000) {
            log.append(line).append('\n');
          }
        }
        if (line.contains("Ready to accept connections")) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
    ready.completeExceptionally(new IllegalStateException("redis-server exited"));
  }

  private static Object readReply(InputStream in) throws IOException {
    String line = readLine(in);
    char type = line.charAt(0);
    String rest = line.substring(1);
    switch (type) {
      case '+':
      case ':':
        return rest;
      case '-':
        return "-" + rest;
      case '$': {
        int len = Integer.parseInt(rest);
        if (len < 0) {
          return null;
        }
        byte[] b = in.readNBytes(len + 2);
        return new String(b, 0, len, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(rest);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(readReply(in));
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP reply: " + line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read();
        break;
      }
      b.write(c);
    }
    if (c == -1 && b.size() == 0) {
      throw new IOException("connection closed by redis-server");
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private static void awaitExit(Process p) {
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server pid " + p.pid() + " survived SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized void destroyQuietly() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private void deleteDir() {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort: it is a temporary directory
    }
  }

  private static String binary() {
    String configured = System.getenv("REDIS_SERVER");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    return Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server"
        : "redis-server";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
