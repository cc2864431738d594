package io.livesync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.config.ConfigLoader;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The image recipe against the build and the server: no Docker engine exists on these machines,
 * so everything the image relies on is checked here instead.
 */
@Timeout(30)
class DockerfileTest {

  static final DockerfileModel DOCKERFILE = new DockerfileModel(Repo.read("Dockerfile"));
  static final String JAR_IN_IMAGE = "/app/sync-server.jar";

  @Test
  void buildsWithMavenAndRunsOnAJre17() {
    DockerfileModel.Stage build = DOCKERFILE.stage("build");
    assertThat(build.image()).startsWith("maven:3.9-eclipse-temurin-17");
    String run = build.last("RUN").args();
    assertThat(run).contains("mvn").contains(" package").contains("-DskipTests").contains("-B");
    if (run.contains("-pl ")) {
      String module = run.replaceAll(".*-pl\\s+(\\S+).*", "$1");
      assertThat(Repo.reactorModules()).as("the module built with -pl").contains(module);
    }
    assertThat(DOCKERFILE.runtime().image()).isEqualTo("eclipse-temurin:17-jre");
  }

  @Test
  void copiesTheJarTheServerModuleBuilds() {
    String jar = Repo.serverJarFileName();
    DockerfileModel.Stage build = DOCKERFILE.stage("build");
    String expectedSource = build.workdir().replaceAll("/$", "") + "/sync-server/target/" + jar;

    List<DockerfileModel.Instruction> copies = DOCKERFILE.runtime().all("COPY").stream()
        .filter(c -> "build".equals(DockerfileModel.flags(c).get("from"))).toList();
    assertThat(copies).as("one COPY --from=build into the runtime stage").hasSize(1);
    List<String> operands = DockerfileModel.operands(copies.get(0));
    assertThat(operands).as("COPY --from=build <jar> " + JAR_IN_IMAGE
            + "; the build writes sync-server/target/" + jar
            + " (sync-server/pom.xml <build><finalName>, else artifactId-version)")
        .containsExactly(expectedSource, JAR_IN_IMAGE);
  }

  /**
   * The runtime image is published for amd64 and arm64; without the native library of the
   * node's architecture the server falls back to Java NIO (it works, at more CPU per socket
   * write), so the jar carries Netty's epoll library for both.
   */
  @Test
  void theJarCarriesNativeEpollForBothArchitecturesOfTheRuntimeImage() {
    assertThat(Repo.dependencyClassifiers("sync-server/pom.xml", "io.netty",
        "netty-transport-native-epoll"))
        .as("sync-server/pom.xml: netty-transport-native-epoll, one dependency per classifier")
        .contains("linux-x86_64", "linux-aarch_64");
  }

  @Test
  void entrypointRunsTheJarAsPid1WithContainerAwareMemory() {
    List<String> entrypoint = DockerfileModel.execForm(DOCKERFILE.runtime().last("ENTRYPOINT"));
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint).contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError");
    assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size()))
        .containsExactly("-jar", JAR_IN_IMAGE);
    assertThat(DOCKERFILE.runtime().all("CMD")).as("no CMD overriding the role").isEmpty();
  }

  @Test
  void runsAsTheNonRootUserTheManifestsExpect() {
    assertThat(imageUid()).isNotZero().isEqualTo(10001);
  }

  @Test
  void exposesTheServersDefaultPortAndListensOnAllInterfaces() {
    String expose = DOCKERFILE.runtime().last("EXPOSE").args().replace("/tcp", "").strip();
    assertThat(Integer.parseInt(expose)).isEqualTo(Repo.serverDefaults().port());
    Map<String, String> env = DOCKERFILE.runtime().env();
    assertThat(env).containsEntry("SYNC_BIND", "0.0.0.0");
    if (env.containsKey("SYNC_PORT")) {
      assertThat(env.get("SYNC_PORT")).isEqualTo(expose);
    }
  }

  @Test
  void everySyncVariableOfTheImageIsOneTheServerReads() {
    assertThat(DOCKERFILE.runtime().env().keySet().stream()
            .filter(k -> k.startsWith("SYNC_")).toList())
        .isNotEmpty()
        .allSatisfy(k -> assertThat(ConfigLoader.ENV).as("ConfigLoader.ENV").containsKey(k));
  }

  @Test
  void writablePathsAreVolumesSoTheRootFilesystemCanBeReadOnly() {
    List<String> volumes = DockerfileModel.paths(DOCKERFILE.runtime().last("VOLUME"));
    assertThat(volumes).contains(imageTmpDir(), imageDataDir());
  }

  @Test
  void dockerignoreKeepsEveryReactorModule() {
    List<PathMatcher> ignored = Repo.read(".dockerignore").lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("!"))
        .map(l -> FileSystems.getDefault().getPathMatcher("glob:" + l.replaceAll("/$", "")))
        .toList();
    List<String> modules = Repo.reactorModules();
    assertThat(modules).isNotEmpty();
    for (String module : modules) {
      for (String p : List.of(module, module + "/pom.xml", module + "/src")) {
        assertThat(ignored).as(".dockerignore must keep %s (Maven reads every module)", p)
            .noneMatch(m -> m.matches(Path.of(p)));
      }
      // Resources a module takes from outside itself, e.g. <directory>../client-js/src.
      Matcher outside = Pattern.compile("<directory>\\.\\./([^<]+)</directory>")
          .matcher(Repo.read(module + "/pom.xml"));
      while (outside.find()) {
        String dir = outside.group(1).replaceAll("/$", "");
        String top = dir.split("/")[0];
        for (String p : List.of(top, dir)) {
          assertThat(ignored).as(".dockerignore must keep %s (%s/pom.xml builds from it)", p,
              module).noneMatch(m -> m.matches(Path.of(p)));
        }
      }
    }
  }

  static int imageUid() {
    String user = DOCKERFILE.runtime().last("USER").args().split(":")[0];
    try {
      return Integer.parseInt(user);
    } catch (NumberFormatException e) {
      throw new AssertionError("USER must be numeric so runAsNonRoot can verify it, was " + user);
    }
  }

  /** -Djava.io.tmpdir of the entrypoint. */
  static String imageTmpDir() {
    return DockerfileModel.execForm(DOCKERFILE.runtime().last("ENTRYPOINT")).stream()
        .filter(a -> a.startsWith("-Djava.io.tmpdir=")).map(a -> a.substring(17)).findFirst()
        .orElseThrow(() -> new AssertionError("the entrypoint must set -Djava.io.tmpdir"));
  }

  static String imageDataDir() {
    String dir = DOCKERFILE.runtime().env().get("SYNC_DATA_DIR");
    assertThat(dir).as("ENV SYNC_DATA_DIR in the image").isNotBlank();
    return dir;
  }
}
