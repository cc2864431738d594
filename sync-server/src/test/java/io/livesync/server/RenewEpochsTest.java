package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.config.ConfigLoader;
import io.livesync.core.config.SyncConfig;
import io.livesync.protocol.Json;
import io.livesync.server.testing.Pull;
import io.livesync.server.testing.TestServer;
import io.livesync.server.testing.WsClient;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --new-epochs} on an embedded store, as after restoring a backup: refused while a server
 * has the store open; then every collection gets a new epoch with its seq kept, and a client
 * whose cursor names the old epoch is told to {@code reset} instead of being trusted.
 */
class RenewEpochsTest {

  @Test
  void everyCollectionGetsANewEpochAndAnOldCursorIsReset() throws Exception {
    Path dir = Files.createTempDirectory("livesync-renew");
    Map<String, String> env = Map.of("SYNC_DATA_DIR", dir.toString());
    try {
      TestServer before = TestServer.start(env, null);
      String oldEpoch;
      long seq;
      try (WsClient c = WsClient.connectWelcomed(before.vertx(), before.port())) {
        for (String collection : new String[] {"restored-a", "restored-b"}) {
          for (int i = 0; i < 3; i++) {
            assertThat(c.write("insert", collection, "r" + i, Json.object().put("i", i))
                .path("type").asText()).isEqualTo("ack");
          }
        }
        ObjectNode synced = c.subscribe("restored-a", 0, null);
        oldEpoch = synced.path("epoch").asText();
        seq = synced.path("seq").asLong();
      }
      String oldEpochB = Pull.page(before.httpUrl(), "restored-b", 0).path("epoch").asText();

      // the command an operator runs: java -jar sync-server.jar --new-epochs
      Run refused = newEpochs(env);
      assertThat(refused.exit()).as(refused.output()).isEqualTo(1);
      assertThat(refused.output()).contains("in use by another server (process "
          + ProcessHandle.current().pid() + ",");
      assertThat(Pull.page(before.httpUrl(), "restored-a", 0).path("epoch").asText())
          .as("not renewed under the running server").isEqualTo(oldEpoch);
      before.stop();

      Run run = newEpochs(env);
      assertThat(run.exit()).as(run.output()).isZero();
      assertThat(run.output()).contains("gave 2 collections a new epoch (SQLite)");

      try (TestServer after = TestServer.start(env, null)) {
        ObjectNode page = Pull.page(after.httpUrl(), "restored-a", 0);
        assertThat(page.path("epoch").asText()).as("a new epoch").isNotEqualTo(oldEpoch);
        assertThat(page.path("seq").asLong()).as("the seq is kept").isEqualTo(seq);
        assertThat(Pull.page(after.httpUrl(), "restored-b", 0).path("epoch").asText())
            .isNotEqualTo(oldEpochB).isNotEqualTo(page.path("epoch").asText());
        try (WsClient c = WsClient.connectWelcomed(after.vertx(), after.port())) {
          c.subscribe("restored-a", seq, oldEpoch);
          assertThat(c.all()).extracting(m -> m.path("type").asText()).contains("reset");
        }
      }
    } finally {
      TestServer.deleteTree(dir);
    }
  }

  private record Run(int exit, String output) {}

  private static Run newEpochs(Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin",
        "java").toString(), "-cp", System.getProperty("java.class.path"),
        SyncServer.class.getName(), "--new-epochs").redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SYNC_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), output);
  }

  @Test
  void aDataDirectoryWithoutAStoreIsRefusedNotCreated() throws Exception {
    Path dir = Files.createTempDirectory("livesync-renew-empty");
    Vertx vertx = Vertx.vertx();
    try {
      SyncConfig config = ConfigLoader.load(null, Map.of("SYNC_DATA_DIR", dir.toString()));
      assertThatThrownBy(() -> RenewEpochs.run(vertx, config).await(30, TimeUnit.SECONDS))
          .hasMessageContaining("no store at").hasMessageContaining("SYNC_DATA_DIR");
      assertThat(dir.resolve(SyncServer.DATABASE_FILE)).doesNotExist();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      TestServer.deleteTree(dir);
    }
  }
}
