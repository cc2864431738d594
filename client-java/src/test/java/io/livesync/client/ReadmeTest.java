package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps README.md's code honest: every {@code java} block in it must be a tagged region
 * ({@code // tag::name[]} … {@code // end::name[]}) of a compiled example under
 * src/test/java/io/livesync/client/examples (which {@code ExamplesTest} runs), and every tagged
 * region must appear in the README.
 */
class ReadmeTest {
  private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern TAG = Pattern.compile(
      "// tag::([a-z-]+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL);

  @Test
  void everyReadmeJavaBlockIsCompiledExampleCode() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    Map<String, String> regions = regions();
    assertThat(regions).containsKeys("quickstart", "listener", "watch", "events", "deadletters");

    List<String> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(readme);
    while (m.find()) {
      blocks.add(m.group(1).stripTrailing());
    }
    assertThat(blocks).as("java blocks in README.md").isNotEmpty();
    for (String block : blocks) {
      assertThat(regions.values()).as("README block is not a tagged example region:\n" + block)
          .contains(block);
    }
    for (Map.Entry<String, String> r : regions.entrySet()) {
      assertThat(blocks).as("example region '" + r.getKey() + "' is missing from README.md")
          .contains(r.getValue());
    }
  }

  private static Map<String, String> regions() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(Path.of("src/test/java/io/livesync/client/examples"))) {
      for (Path f : files.sorted().toList()) {
        Matcher m = TAG.matcher(Files.readString(f));
        while (m.find()) {
          out.put(m.group(1), dedent(m.group(2)));
        }
      }
    }
    return out;
  }

  /** Removes the common leading indentation of the lines. */
  static String dedent(String text) {
    String[] lines = text.split("\n", -1);
    int indent = Integer.MAX_VALUE;
    for (String line : lines) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String line : lines) {
      sb.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return sb.toString().stripTrailing();
  }
}
