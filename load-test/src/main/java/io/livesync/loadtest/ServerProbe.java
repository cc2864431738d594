package io.livesync.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reads the server from outside: its Prometheus {@code /metrics} (heap in use, open
 * connections), a pull probe, and a forced full GC through {@code jcmd} when the process id is
 * known. Blocking; called from the main thread.
 */
final class ServerProbe {
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final long pid;

  ServerProbe(String base, long pid) {
    this.base = base;
    this.pid = pid;
  }

  String get(String path, String bearer) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30)).GET();
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  String metrics() throws IOException, InterruptedException {
    return get("/metrics", null);
  }

  /** Forces a full GC in the server (twice) when its pid is known; false when it could not. */
  boolean forceGc() {
    if (pid <= 0) {
      return false;
    }
    for (int i = 0; i < 2; i++) {
      try {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return false;
        }
        if (p.exitValue() != 0) {
          return false;
        }
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Sum of {@code jvm_memory_used_bytes{area="heap"}}, or -1 when the server has no JVM meters. */
  static long heapUsed(String metrics) {
    return sum(metrics, "jvm_memory_used_bytes", "area=\"heap\"");
  }

  /** Sum of every sample of {@code name} whose labels contain {@code labelFilter}, or -1. */
  static long sum(String metrics, String name, String labelFilter) {
    double total = 0;
    boolean found = false;
    for (String line : metrics.split("\n")) {
      if (!line.startsWith(name) || line.startsWith("#")) {
        continue;
      }
      String rest = line.substring(name.length());
      if (!(rest.startsWith("{") || rest.startsWith(" "))) {
        continue;
      }
      if (labelFilter != null && !rest.contains(labelFilter)) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      try {
        total += Double.parseDouble(line.substring(sp + 1));
        found = true;
      } catch (NumberFormatException ignored) {
        // not a sample line
      }
    }
    return found ? (long) total : -1;
  }
}
