package io.livesync.client.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server as a child process on a free port with its own data directory, for tests that
 * kill it. The child runs {@code io.livesync.server.SyncServer} from this test's class path,
 * or {@code java -jar} the jar named by the system property {@code livesync.serverJar} (e.g.
 * {@code -Dlivesync.serverJar=sync-server/target/sync-server.jar}) to test the shipped artifact.
 * Always {@link #kill()} it (tests do so in @AfterEach).
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("LiveSync listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final Process process;
  private final int port;
  private final List<String> output;

  private ServerProcess(Process process, int port, List<String> output) {
    this.process = process;
    this.port = port;
    this.output = output;
  }

  /** Starts the server and waits until it prints that it listens. */
  public static ServerProcess start(Path dataDir, int port) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = System.getProperty("livesync.serverJar");
    ProcessBuilder pb = jar != null
        ? new ProcessBuilder(javaBin, "-Xmx256m", "-jar", jar)
        : new ProcessBuilder(javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
            "io.livesync.server.SyncServer");
    pb.environment().put("SYNC_PORT", Integer.toString(port));
    pb.environment().put("SYNC_DATA_DIR", dataDir.toString());
    pb.environment().put("SYNC_BIND", "127.0.0.1");
    pb.environment().put("SYNC_GATEWAY_INSTANCES", "1");
    pb.redirectErrorStream(true);
    Process process = pb.start();
    List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Integer> listening = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            listening.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        // the process died
      }
      listening.completeExceptionally(new IllegalStateException(
          "the server exited before listening: " + String.join("\n", output)));
    }, "server-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new ServerProcess(process, listening.get(60, TimeUnit.SECONDS), output);
    } catch (Exception e) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** SIGKILL: no drain, no shutdown hook. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
