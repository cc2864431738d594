package io.livesync.server.cluster;

import io.livesync.core.redis.RedisServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers shared by the cluster tests: writer threads, HTTP probes, Redis inspection. */
final class Load {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  private static final Pattern CONSUMER =
      Pattern.compile("name, ([^,\\]]+), pending, (\\d+)");

  private Load() {
  }

  /** One writer thread per peer running {@link SyncPeer#writeFor}. */
  static List<Thread> startWriters(List<SyncPeer> peers, long millis, long paceMillis,
      int window, long drainMillis) {
    List<Thread> threads = new ArrayList<>();
    for (SyncPeer p : peers) {
      Thread t = new Thread(() -> p.writeFor(millis, paceMillis, window, drainMillis),
          "writer-" + p.name);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    return threads;
  }

  static void join(List<Thread> threads, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " still writing after " + timeoutMillis + " ms");
      }
    }
  }

  static int totalAcks(List<SyncPeer> peers) {
    return peers.stream().mapToInt(SyncPeer::ackCount).sum();
  }

  /** Waits (woken by the first peer's messages, at least once a second) for a condition. */
  static void awaitPeers(List<SyncPeer> peers, String what, long timeoutMillis,
      BooleanSupplier condition) {
    peers.get(0).await(what, timeoutMillis, condition);
  }

  /** The HTTP status of a GET, or -1 when the connection failed. */
  static int status(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static HttpResponse<String> send(String method, String url, String body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30)).method(method, body == null
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (body != null) {
      b.header("content-type", "application/json");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Pending entries of the write stream per consumer whose name ends with {@code -<pid>}. */
  static int pendingOf(RedisServerProcess redis, long pid) {
    String reply = redis.command("XINFO", "CONSUMERS", "ls:writes", "workers");
    Matcher m = CONSUMER.matcher(reply);
    while (m.find()) {
      if (m.group(1).endsWith("-" + pid)) {
        return Integer.parseInt(m.group(2));
      }
    }
    return 0;
  }

  /** Entries of the write stream delivered and not yet acknowledged, all consumers. */
  static long pendingTotal(RedisServerProcess redis) {
    String reply = redis.command("XPENDING", "ls:writes", "workers");
    // [count, smallest id, greatest id, consumers]
    return Long.parseLong(reply.substring(1, reply.indexOf(',') > 0 ? reply.indexOf(',')
        : reply.length() - 1).trim());
  }

  /** Ack times of all peers, sorted, in nanoseconds. */
  static List<Long> ackTimes(List<SyncPeer> peers) {
    List<Long> times = new ArrayList<>();
    for (SyncPeer p : peers) {
      p.ackEvents().forEach(e -> times.add(e.nanos()));
    }
    Collections.sort(times);
    return times;
  }

  /** The longest interval without any ack between {@code from} and {@code to} (nanos). */
  static long longestAckGapMillis(List<Long> sortedTimes, long from, long to) {
    long prev = from;
    long longest = 0;
    for (long t : sortedTimes) {
      if (t < from) {
        continue;
      }
      if (t > to) {
        break;
      }
      longest = Math.max(longest, t - prev);
      prev = t;
    }
    longest = Math.max(longest, to - prev);
    return TimeUnit.NANOSECONDS.toMillis(longest);
  }
}
