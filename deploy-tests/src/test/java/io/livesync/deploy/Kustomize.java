package io.livesync.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Renders an overlay with {@code kubectl kustomize}, once per overlay per test run. */
final class Kustomize {

  record Rendering(String yaml, List<HasMetadata> objects) {
  }

  private static final Map<String, Rendering> CACHE = new ConcurrentHashMap<>();
  private static volatile Boolean available;

  private Kustomize() {
  }

  /** The rendered overlay; skips the calling test (an assumption) when kubectl is absent. */
  static Rendering overlay(String name) {
    Assumptions.assumeTrue(kubectlAvailable(), "kubectl is not on the PATH: the rendered-manifest "
        + "checks need it (kubectl kustomize); install kubectl to run them");
    return CACHE.computeIfAbsent(name, n -> {
      Path dir = Repo.path("deploy/k8s/overlays/" + n);
      String yaml = run("kubectl", "kustomize", dir.toString());
      return new Rendering(yaml, StrictManifests.parseAll(yaml, "kubectl kustomize " + dir));
    });
  }

  static boolean kubectlAvailable() {
    if (available == null) {
      boolean ok;
      try {
        Process p = new ProcessBuilder("kubectl", "version", "--client")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
      } catch (IOException e) {
        ok = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ok = false;
      }
      available = ok;
    }
    return available;
  }

  private static String run(String... command) {
    Path err = null;
    try {
      err = Files.createTempFile("kustomize", ".err");
      Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue()
            + "): " + Files.readString(err));
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } finally {
      if (err != null) {
        try {
          Files.deleteIfExists(err);
        } catch (IOException ignored) {
          // a leftover temp file is harmless
        }
      }
    }
  }
}
