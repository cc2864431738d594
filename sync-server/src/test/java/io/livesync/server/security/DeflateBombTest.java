package io.livesync.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.protocol.Json;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * permessage-deflate is off unless configured; when on, a small compressed frame that inflates
 * far past the frame limit is answered with close 1009 without the server allocating the
 * inflated size, and other clients keep working.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DeflateBombTest {
  private static final int INFLATED_MIB = 512;
  private static TestServer server;
  private static Vertx client;
  private static byte[] bomb;

  @BeforeAll
  static void start() throws Exception {
    server = SecureServer.start(Map.of("SYNC_WS_COMPRESSION", "true"), null);
    client = Vertx.vertx();
    bomb = deflate(INFLATED_MIB);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.close();
  }

  /** {@code mib} MiB of spaces as one permessage-deflate payload (RFC 7692 7.2.1). */
  static byte[] deflate(int mib) {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
    byte[] chunk = new byte[1 << 20];
    Arrays.fill(chunk, (byte) ' ');
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    for (int i = 0; i < mib; i++) {
      d.setInput(chunk);
      while (!d.needsInput()) {
        out.write(buf, 0, d.deflate(buf, 0, buf.length, Deflater.NO_FLUSH));
      }
    }
    int n;
    while ((n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
      out.write(buf, 0, n);
    }
    d.end();
    byte[] all = out.toByteArray();
    return Arrays.copyOf(all, all.length - 4); // without the 00 00 ff ff tail
  }

  /** Bytes allocated so far by every thread of this JVM (the server runs in it). */
  static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      sum += Math.max(0, a);
    }
    return sum;
  }

  @Test
  void aFrameThatInflatesPastTheLimitIsClosed1009WithoutAllocatingIt() throws Exception {
    assertThat(bomb.length).as("compressed frame").isLessThan(1 << 20);
    try (RawClient raw = new RawClient(server.port(), Jwt.admin(), "permessage-deflate")) {
      assertThat(raw.responseHead()).startsWith("HTTP/1.1 101")
          .containsIgnoringCase("permessage-deflate");
      long before = allocatedBytes();
      raw.frame(0xC1, bomb); // FIN, RSV1 (compressed), text
      int code = raw.awaitCloseCode();
      long allocated = allocatedBytes() - before;
      assertThat(code).isEqualTo(1009);
      assertThat(allocated).as("bytes allocated while refusing a %d MiB bomb", INFLATED_MIB)
          .isLessThan(64L << 20);
    }
    stillServing();
  }

  @Test
  void aMessageSplitIntoFramesCannotInflatePastTheLimitEither() throws Exception {
    byte[] part = deflate(2); // each frame alone inflates past 1 MiB
    try (RawClient raw = new RawClient(server.port(), Jwt.admin(), "permessage-deflate")) {
      long before = allocatedBytes();
      raw.frame(0x41, part); // RSV1, text, not final
      for (int i = 0; i < 20; i++) {
        raw.frame(0x00, new byte[] {0x02, 0x00}); // continuation (an empty stored block)
      }
      int code = raw.awaitCloseCode();
      assertThat(code).isEqualTo(1009);
      assertThat(allocatedBytes() - before).isLessThan(64L << 20);
    }
    stillServing();
  }

  @Test
  void compressedClientsStillWorkWithinTheLimit() throws Exception {
    stillServing();
  }

  @Test
  void compressionIsNotNegotiatedUnlessConfigured() throws Exception {
    try (TestServer plain = SecureServer.start(Map.of(), null);
        RawClient raw = new RawClient(plain.port(), Jwt.admin(), "permessage-deflate")) {
      assertThat(raw.responseHead()).startsWith("HTTP/1.1 101")
          .doesNotContainIgnoringCase("permessage-deflate");
      raw.frame(0xC1, deflate(1)); // RSV1 without the extension: a protocol error
      assertThat(raw.awaitCloseCode()).isIn(1002, -1);
    }
  }

  /** A client with compression on connects, writes 200 KB of compressible data, reads it. */
  private static void stillServing() throws Exception {
    try (WsClient c = WsClient.connect(client, SecureServer.ws(server, Jwt.admin()),
        new WebSocketClientOptions().setTryUsePerMessageCompression(true))) {
      c.awaitType("welcome");
      ObjectNode data = Json.object().put("text", "a".repeat(200_000));
      ObjectNode reply = c.write("insert", "bombs", "b" + System.nanoTime(), data);
      assertThat(reply.path("type").asText()).isEqualTo("ack");
      c.subscribe("bombs", 0, null);
    }
  }
}
