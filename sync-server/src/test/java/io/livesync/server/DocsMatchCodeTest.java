package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table names every variable the server reads, and no other. */
class DocsMatchCodeTest {
  private static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("README.md"))) {
      dir = dir.getParent();
    }
    return dir;
  }

  @Test
  void readmeDocumentsEveryEnvironmentVariable() throws Exception {
    String readme = Files.readString(repoRoot().resolve("README.md"));
    for (var e : ConfigLoader.ENV.entrySet()) {
      assertThat(readme).as("README row for " + e.getKey())
          .contains("| `" + e.getKey() + "` | `" + e.getValue());
    }
    var mentioned = java.util.regex.Pattern.compile("`(SYNC_[A-Z_]+)`").matcher(readme);
    while (mentioned.find()) {
      assertThat(ConfigLoader.ENV).as("README mentions " + mentioned.group(1))
          .containsKey(mentioned.group(1));
    }
  }

  @Test
  void ciRunsTheReadmeTestCommand() throws Exception {
    String readme = Files.readString(repoRoot().resolve("README.md"));
    String ci = Files.readString(repoRoot().resolve(".ci/run"));
    assertThat(readme).contains("./run-tests.sh");
    assertThat(ci).contains("./run-tests.sh");
  }
}
