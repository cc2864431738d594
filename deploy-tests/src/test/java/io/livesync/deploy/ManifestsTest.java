package io.livesync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.livesync.core.config.ConfigLoader;
import io.livesync.core.config.SyncConfig;
import io.livesync.protocol.Limits;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes manifests, rendered by {@code kubectl kustomize} for each overlay and parsed
 * typed, against what the server really reads and does: {@link ConfigLoader#ENV}, its default
 * port, its health paths, its drain timeout, and the image's user and writable paths.
 */
@Timeout(120)
class ManifestsTest {

  private static final Pattern SYNC_NAME = Pattern.compile("\\bSYNC_[A-Z0-9_]*[A-Z0-9]\\b");
  /** Variables the JVM itself reads; allowed next to the server's own. */
  private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");
  private static final String COMPONENT = "app.kubernetes.io/component";

  // ---- the objects ---------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void rendersEveryPartOfTheDeployment(String overlay) {
    Rendered r = new Rendered(overlay);
    r.one(Deployment.class, "sync-gateway");
    r.one(Deployment.class, "sync-worker");
    r.one(StatefulSet.class, "sync-redis");
    r.one(Service.class, "sync-gateway");
    r.one(Service.class, "sync-redis");
    r.one(Ingress.class, "sync-gateway");
    r.one(HorizontalPodAutoscaler.class, "sync-gateway");
    r.one(HorizontalPodAutoscaler.class, "sync-worker");
    r.one(PodDisruptionBudget.class, "sync-gateway");
    r.one(PodDisruptionBudget.class, "sync-worker");
    assertThat(r.all(NetworkPolicy.class)).hasSizeGreaterThanOrEqualTo(3);
    assertThat(r.all(ConfigMap.class)).isNotEmpty();
    assertThat(r.objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace())
        .as("%s/%s is namespaced by the overlay", o.getKind(), o.getMetadata().getName())
        .satisfiesAnyOf(ns -> assertThat(o.getKind()).isEqualTo("Namespace"),
            ns -> assertThat(ns).isNotBlank()));
  }

  // ---- configuration ---------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everyVariableGivenToTheServerIsOneItReads(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.serverWorkloads()) {
      for (Container c : w.serverContainers()) {
        r.environmentNames(c).forEach((name, source) -> assertThat(
                ConfigLoader.ENV.containsKey(name) || JVM_VARIABLES.contains(name))
            .as("%s: %s (from %s) is not a variable the server reads (ConfigLoader.ENV: %s)",
                w.name(), name, source, new TreeSet<>(ConfigLoader.ENV.keySet()))
            .isTrue());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everySyncNameInTheRenderedManifestsIsOneTheServerReads(String overlay) {
    Rendered r = new Rendered(overlay);
    Set<String> used = syncNames(r.yaml);
    assertThat(used).contains("SYNC_ROLE", "SYNC_REDIS_URL");
    assertThat(unknown(used)).as("%s: SYNC_* names in the rendered manifests that are not in "
        + "ConfigLoader.ENV %s", overlay, new TreeSet<>(ConfigLoader.ENV.keySet())).isEmpty();
  }

  @Test
  void everySyncNameInTheDeploymentSourcesAndDocsIsOneTheServerReads() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(Repo.path("deploy"))) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    }
    files.add(Repo.path("Dockerfile"));
    if (Files.exists(Repo.path("docs/deploy.md"))) {
      files.add(Repo.path("docs/deploy.md"));
    }
    Map<String, Set<String>> unknownByFile = new java.util.TreeMap<>();
    for (Path f : files) {
      Set<String> unknown = unknown(syncNames(Files.readString(f)));
      if (!unknown.isEmpty()) {
        unknownByFile.put(Repo.ROOT.relativize(f).toString(), unknown);
      }
    }
    assertThat(unknownByFile).as("SYNC_* names the server does not read (ConfigLoader.ENV %s)",
        new TreeSet<>(ConfigLoader.ENV.keySet())).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void theServerAcceptsEachContainersConfigurationAndRunsItsRole(String overlay) {
    Rendered r = new Rendered(overlay);
    assertThat(r.serverWorkloads()).hasSize(2);
    for (Rendered.Workload w : r.serverWorkloads()) {
      Container c = w.serverContainers().get(0);
      SyncConfig config = load(r, w, c);
      assertThat(config.server().role().name().toLowerCase(Locale.ROOT))
          .as("%s: SYNC_ROLE against its %s label", w.name(), COMPONENT)
          .isEqualTo(w.labels().get(COMPONENT));
      assertThat(config.store().clustered()).as("%s runs in cluster mode", w.name()).isTrue();
      assertThat(config.server().bind()).as("%s listens beyond loopback", w.name())
          .isEqualTo("0.0.0.0");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void theSecretsTheServerReadsHaveOnlySettingsAsKeys(String overlay) {
    Rendered r = new Rendered(overlay);
    Set<String> secrets = new HashSet<>();
    for (Rendered.Workload w : r.serverWorkloads()) {
      for (Container c : w.serverContainers()) {
        for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of()
            : c.getEnvFrom()) {
          if (from.getSecretRef() != null) {
            assertThat(from.getSecretRef().getOptional()).as("%s: a missing Secret must stop "
                + "the pod, not start it without keys", w.name()).isNotEqualTo(Boolean.TRUE);
            secrets.add(from.getSecretRef().getName());
          }
        }
      }
    }
    assertThat(secrets).as("the gateway reads its JWT keys from a Secret").isNotEmpty();
    for (String name : secrets) {
      List<String> keys = Rendered.keys(r.secret(name));
      assertThat(keys).as("keys of Secret %s", name).isNotEmpty();
      assertThat(unknown(new TreeSet<>(keys))).as("%s: keys of Secret %s that are not in "
          + "ConfigLoader.ENV %s", overlay, name, new TreeSet<>(ConfigLoader.ENV.keySet()))
          .isEmpty();
    }
  }

  // ---- ports, probes, metrics ----------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void serverContainersListenOnTheServersPortWithItsHealthChecks(String overlay) {
    Rendered r = new Rendered(overlay);
    int port = Repo.serverDefaults().port();
    for (Rendered.Workload w : r.serverWorkloads()) {
      for (Container c : w.serverContainers()) {
        assertThat(Rendered.ports(c)).as("%s ports", w.name())
            .anySatisfy(p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(port);
            });
        assertThat(load(r, w, c).server().port()).as("%s: the port the server will use",
            w.name()).isEqualTo(port);
        assertHttpProbe(w, c.getLivenessProbe(), "/health/live", port, "liveness");
        assertHttpProbe(w, c.getReadinessProbe(), "/health/ready", port, "readiness");
        if (c.getStartupProbe() != null) {
          assertHttpProbe(w, c.getStartupProbe(), "/health/live", port, "startup");
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void prometheusScrapesEveryServerPodOnItsHttpPort(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.serverWorkloads()) {
      Map<String, String> a = w.template().getMetadata().getAnnotations();
      assertThat(a).as("%s pod annotations", w.name())
          .containsEntry("prometheus.io/scrape", "true")
          .containsEntry("prometheus.io/path", "/metrics")
          .containsEntry("prometheus.io/port", String.valueOf(Repo.serverDefaults().port()));
    }
  }

  // ---- security ------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everyContainerRunsLockedDown(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.workloads()) {
      assertThat(w.pod().getAutomountServiceAccountToken()).as("%s automount", w.name())
          .isFalse();
      assertThat(w.pod().getEnableServiceLinks()).as("%s enableServiceLinks (a Service named "
          + "like a setting would inject SYNC_* variables)", w.name()).isFalse();
      PodSecurityContext pod = w.pod().getSecurityContext();
      for (Container c : w.containers()) {
        SecurityContext s = c.getSecurityContext();
        String what = w.name() + " container " + c.getName();
        assertThat(s).as(what + " securityContext").isNotNull();
        assertThat(first(s.getRunAsNonRoot(), pod == null ? null : pod.getRunAsNonRoot()))
            .as(what + " runAsNonRoot").isTrue();
        assertThat(s.getAllowPrivilegeEscalation()).as(what + " allowPrivilegeEscalation")
            .isFalse();
        assertThat(s.getReadOnlyRootFilesystem()).as(what + " readOnlyRootFilesystem").isTrue();
        assertThat(s.getPrivileged()).as(what + " privileged").isNotEqualTo(Boolean.TRUE);
        assertThat(s.getCapabilities()).as(what + " capabilities").isNotNull();
        assertThat(s.getCapabilities().getDrop()).as(what + " capabilities.drop")
            .contains("ALL");
        assertThat(s.getCapabilities().getAdd()).as(what + " capabilities.add")
            .isNullOrEmpty();
        var seccomp = first(s.getSeccompProfile(), pod == null ? null : pod.getSeccompProfile());
        assertThat(seccomp).as(what + " seccompProfile").isNotNull();
        assertThat(seccomp.getType()).as(what + " seccompProfile").isEqualTo("RuntimeDefault");
        Long uid = first(s.getRunAsUser(), pod == null ? null : pod.getRunAsUser());
        assertThat(uid).as(what + " runAsUser").isNotNull().isNotZero();
        if (Rendered.isServer(c)) {
          assertThat(uid).as(what + " runAsUser against the image's USER")
              .isEqualTo((long) DockerfileTest.imageUid());
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void theServersWritablePathsAreEmptyDirs(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.serverWorkloads()) {
      for (Container c : w.serverContainers()) {
        String dataDir = load(r, w, c).store().dataDir();
        for (String path : List.of(DockerfileTest.imageTmpDir(), dataDir)) {
          VolumeMount m = c.getVolumeMounts() == null ? null : c.getVolumeMounts().stream()
              .filter(v -> v.getMountPath().equals(path)).findFirst().orElse(null);
          assertThat(m).as("%s mounts a writable volume at %s (root filesystem is read-only)",
              w.name(), path).isNotNull();
          assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE);
          Volume v = w.pod().getVolumes().stream().filter(x -> x.getName().equals(m.getName()))
              .findFirst().orElseThrow(() -> new AssertionError(w.name() + ": no volume "
                  + m.getName()));
          assertThat(v.getEmptyDir()).as("%s volume %s is an emptyDir", w.name(), v.getName())
              .isNotNull();
        }
      }
    }
  }

  // ---- graceful operations -------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void terminationGraceCoversPreStopPlusTheDrainTimeout(String overlay) {
    Rendered r = new Rendered(overlay);
    List<Service> services = r.all(Service.class);
    for (Rendered.Workload w : r.serverWorkloads()) {
      Container c = w.serverContainers().get(0);
      long drainMillis = load(r, w, c).server().drainTimeoutMillis();
      long preStopMillis = preStopSleepSeconds(c) * 1000L;
      Long grace = w.pod().getTerminationGracePeriodSeconds();
      assertThat(grace).as("%s terminationGracePeriodSeconds", w.name()).isNotNull();
      assertThat(grace * 1000L).as("%s: grace (%s s) must exceed preStop (%s ms) + drain "
          + "timeout (%s ms), or the kubelet kills the drain", w.name(), grace, preStopMillis,
          drainMillis).isGreaterThan(preStopMillis + drainMillis);
      boolean behindService = services.stream().anyMatch(s ->
          LabelSelectors.matches(s.getSpec().getSelector(), w.labels()));
      if (behindService) {
        assertThat(preStopMillis).as("%s is behind a Service: a preStop sleep lets endpoints "
            + "be removed before the drain refuses connections", w.name())
            .isBetween(1000L, 15_000L);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void rollingUpdatesNeverReduceCapacityAndTheAutoscalerOwnsReplicas(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Deployment d : r.all(Deployment.class)) {
      var rolling = d.getSpec().getStrategy().getRollingUpdate();
      assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
      assertThat(rolling.getMaxUnavailable().getIntVal()).as("%s maxUnavailable",
          d.getMetadata().getName()).isZero();
      boolean scaled = r.all(HorizontalPodAutoscaler.class).stream().anyMatch(h ->
          h.getSpec().getScaleTargetRef().getName().equals(d.getMetadata().getName()));
      if (scaled) {
        assertThat(d.getSpec().getReplicas()).as("%s has an HPA: replicas in the manifest "
            + "would reset its count on every apply", d.getMetadata().getName()).isNull();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everyContainerHasResourceRequestsAndLimits(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.workloads()) {
      for (Container c : w.containers()) {
        var res = c.getResources();
        String what = w.name() + " container " + c.getName();
        assertThat(res).as(what + " resources").isNotNull();
        assertThat(res.getRequests()).as(what + " requests").containsKeys("cpu", "memory");
        assertThat(res.getLimits()).as(what + " limits").containsKey("memory");
        BigDecimal request = Quantity.getAmountInBytes(res.getRequests().get("memory"));
        BigDecimal limit = Quantity.getAmountInBytes(res.getLimits().get("memory"));
        assertThat(request).as(what + " memory request <= limit").isLessThanOrEqualTo(limit);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void podsSpreadOverZonesAndNodes(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.serverWorkloads()) {
      List<TopologySpreadConstraint> spread = w.pod().getTopologySpreadConstraints();
      assertThat(spread).as("%s topologySpreadConstraints", w.name()).isNotEmpty();
      assertThat(spread).extracting(TopologySpreadConstraint::getTopologyKey)
          .contains("topology.kubernetes.io/zone", "kubernetes.io/hostname");
      assertThat(spread).allSatisfy(t -> assertThat(LabelSelectors.matches(
          t.getLabelSelector(), w.labels())).as("%s spreads its own pods", w.name()).isTrue());
    }
  }

  // ---- wiring --------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void selectorsAndReferencesPointAtRealPods(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.workloads()) {
      assertThat(LabelSelectors.matches(w.selector(), w.labels()))
          .as("%s selector matches its own template", w.name()).isTrue();
    }
    for (Service s : r.all(Service.class)) {
      List<Rendered.Workload> backends = r.workloads().stream()
          .filter(w -> LabelSelectors.matches(s.getSpec().getSelector(), w.labels())).toList();
      assertThat(backends).as("Service %s selects existing pods", s.getMetadata().getName())
          .hasSize(1);
      for (ServicePort p : s.getSpec().getPorts()) {
        assertThat(backends.get(0).resolvePort(p.getTargetPort()))
            .as("Service %s targetPort %s exists on %s", s.getMetadata().getName(),
                p.getTargetPort(), backends.get(0).name()).isPresent();
      }
    }
    Service gateway = r.one(Service.class, "sync-gateway");
    assertThat(gateway.getSpec().getSessionAffinity()).as("no sticky sessions needed")
        .isIn(null, "None");
    Rendered.Workload gw = r.workload("Deployment/sync-gateway");
    assertThat(gateway.getSpec().getPorts()).allSatisfy(p -> assertThat(
        gw.resolvePort(p.getTargetPort())).contains(Repo.serverDefaults().port()));

    for (Ingress i : r.all(Ingress.class)) {
      for (IngressRule rule : i.getSpec().getRules()) {
        for (HTTPIngressPath path : rule.getHttp().getPaths()) {
          IngressServiceBackend b = path.getBackend().getService();
          Service s = r.one(Service.class, b.getName());
          assertThat(s.getSpec().getPorts()).as("Ingress %s backend port",
              i.getMetadata().getName()).anySatisfy(p -> {
                if (b.getPort().getName() != null) {
                  assertThat(p.getName()).isEqualTo(b.getPort().getName());
                } else {
                  assertThat(p.getPort()).isEqualTo(b.getPort().getNumber());
                }
              });
        }
      }
    }
    for (HorizontalPodAutoscaler h : r.all(HorizontalPodAutoscaler.class)) {
      var ref = h.getSpec().getScaleTargetRef();
      assertThat(r.workloads()).extracting(Rendered.Workload::name)
          .as("HPA %s target", h.getMetadata().getName())
          .contains(ref.getKind() + "/" + ref.getName());
      assertThat(h.getSpec().getMinReplicas()).isPositive()
          .isLessThanOrEqualTo(h.getSpec().getMaxReplicas());
    }
    for (PodDisruptionBudget p : r.all(PodDisruptionBudget.class)) {
      assertThat(r.workloads().stream().filter(w -> LabelSelectors.matches(
          p.getSpec().getSelector(), w.labels())).toList())
          .as("PDB %s selects one workload", p.getMetadata().getName()).hasSize(1);
      assertThat(p.getSpec().getMaxUnavailable()).as("PDB %s lets one pod go at a time",
          p.getMetadata().getName()).isNotNull();
      assertThat(p.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    }
    for (String name : List.of("sync-gateway", "sync-worker")) {
      assertThat(r.all(PodDisruptionBudget.class).stream().anyMatch(p -> LabelSelectors.matches(
          p.getSpec().getSelector(), r.workload("Deployment/" + name).labels())))
          .as("%s has a PodDisruptionBudget", name).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void theIngressKeepsWebSocketsOpenAndLetsTheServerJudgeBodies(String overlay) {
    Rendered r = new Rendered(overlay);
    Ingress i = r.one(Ingress.class, "sync-gateway");
    Map<String, String> a = i.getMetadata().getAnnotations();
    assertThat(i.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(a).containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "3600")
        .doesNotContainKey("nginx.ingress.kubernetes.io/affinity");
    String body = a.get("nginx.ingress.kubernetes.io/proxy-body-size");
    assertThat(body).as("proxy-body-size (nginx default 1m is below the server's limit)")
        .isNotNull();
    assertThat(nginxSize(body)).as("proxy-body-size %s >= limits.maxHttpBodyBytes", body)
        .isGreaterThanOrEqualTo(Limits.DEFAULTS.maxHttpBodyBytes());
  }

  // ---- network policy ------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void onlyGatewaysAndWorkersReachRedis(String overlay) {
    Rendered r = new Rendered(overlay);
    Rendered.Workload redis = r.workload("StatefulSet/sync-redis");
    List<NetworkPolicyIngressRule> rules = ingressRules(r, redis);
    for (Rendered.Workload source : r.workloads()) {
      String component = source.labels().get(COMPONENT);
      boolean expected = Set.of("gateway", "worker").contains(component)
          && !source.serverContainers().isEmpty();
      assertThat(allowsFromSameNamespace(rules, source))
          .as("%s may reach Redis", source.name()).isEqualTo(expected);
    }
    assertThat(rules).allSatisfy(rule -> {
      assertThat(rule.getFrom()).as("Redis rules name their peers").isNotEmpty();
      assertThat(rule.getFrom()).allSatisfy(peer -> {
        assertThat(peer.getNamespaceSelector()).as("Redis: no other namespace").isNull();
        assertThat(peer.getIpBlock()).as("Redis: no address ranges").isNull();
      });
      assertThat(policyPorts(redis, rule)).containsOnly(6379);
    });
    assertThat(redis.resolvePort(new io.fabric8.kubernetes.api.model.IntOrString(6379)))
        .isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void onlyTheGatewayIsReachableFromOutsideAndOnlyOnItsHttpPort(String overlay) {
    Rendered r = new Rendered(overlay);
    int http = Repo.serverDefaults().port();
    for (Rendered.Workload w : r.workloads()) {
      List<NetworkPolicyIngressRule> rules = ingressRules(r, w);
      boolean fromOutside = rules.stream().anyMatch(rule -> rule.getFrom() == null
          || rule.getFrom().isEmpty() || rule.getFrom().stream().anyMatch(p ->
              p.getNamespaceSelector() != null || p.getIpBlock() != null));
      String component = w.labels().get(COMPONENT);
      if ("gateway".equals(component)) {
        assertThat(fromOutside).as("the ingress controller reaches the gateway").isTrue();
        assertThat(rules).allSatisfy(rule -> assertThat(policyPorts(w, rule))
            .as("gateway ports").containsOnly(http));
      } else if ("worker".equals(component)) {
        assertThat(rules).as("workers accept only Prometheus on their HTTP port")
            .allSatisfy(rule -> {
              assertThat(policyPorts(w, rule)).containsOnly(http);
              assertThat(rule.getFrom()).isNotEmpty().allSatisfy(peer -> {
                assertThat(peer.getIpBlock()).isNull();
                assertThat(LabelSelectors.matches(peer.getPodSelector(),
                    Map.of("app.kubernetes.io/name", "prometheus")))
                    .as("worker peer %s is Prometheus", peer).isTrue();
              });
            });
        assertThat(rules).as("Prometheus scrapes workers").isNotEmpty();
        assertThat(r.workloads()).as("no pod of the deployment reaches a worker")
            .noneMatch(source -> allowsFromSameNamespace(rules, source));
      } else {
        assertThat(fromOutside).as("%s is not reachable from outside", w.name()).isFalse();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everyPodIsCoveredByAnIngressPolicy(String overlay) {
    Rendered r = new Rendered(overlay);
    for (Rendered.Workload w : r.workloads()) {
      assertThat(r.all(NetworkPolicy.class).stream().anyMatch(p -> isIngressPolicy(p)
          && LabelSelectors.matches(p.getSpec().getPodSelector(), w.labels())))
          .as("%s is selected by a NetworkPolicy (else it accepts anything)", w.name())
          .isTrue();
    }
  }

  // ---- Redis ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void redisKeepsAnAppendOnlyFileOnAVolumeAndTheServerFindsIt(String overlay) {
    Rendered r = new Rendered(overlay);
    StatefulSet sts = r.one(StatefulSet.class, "sync-redis");
    Rendered.Workload redis = r.workload("StatefulSet/sync-redis");
    Container c = redis.containers().get(0);

    String confMap = redis.pod().getVolumes().stream().filter(v -> v.getConfigMap() != null)
        .map(v -> v.getConfigMap().getName()).findFirst()
        .orElseThrow(() -> new AssertionError("redis.conf comes from a ConfigMap"));
    Map<String, String> conf = redisConf(r.one(ConfigMap.class, confMap).getData()
        .get("redis.conf"));
    assertThat(conf).containsEntry("appendonly", "yes")
        .containsEntry("maxmemory-policy", "noeviction");
    assertThat(conf.get("appendfsync")).isIn("everysec", "always");
    assertThat(c.getCommand()).as("redis-server reads the mounted redis.conf")
        .contains("/etc/redis/redis.conf");

    List<String> claims = sts.getSpec().getVolumeClaimTemplates().stream()
        .map(PersistentVolumeClaim::getMetadata).map(m -> m.getName()).toList();
    assertThat(c.getVolumeMounts()).as("Redis' dir %s is on a PersistentVolumeClaim",
        conf.get("dir")).anySatisfy(m -> {
          assertThat(m.getMountPath()).isEqualTo(conf.get("dir"));
          assertThat(claims).contains(m.getName());
        });

    Service svc = r.one(Service.class, sts.getSpec().getServiceName());
    assertThat(svc.getSpec().getClusterIP()).as("the StatefulSet's Service is headless")
        .isEqualTo("None");
    int redisPort = svc.getSpec().getPorts().get(0).getPort();
    for (Rendered.Workload w : r.serverWorkloads()) {
      URI url = URI.create(load(r, w, w.serverContainers().get(0)).store().redisUrl());
      assertThat(url.getScheme()).isIn("redis", "rediss");
      String podDns = sts.getMetadata().getName() + "-0." + svc.getMetadata().getName();
      assertThat(url.getHost()).as("%s SYNC_REDIS_URL host", w.name())
          .isIn(podDns, svc.getMetadata().getName(),
              svc.getMetadata().getName() + "." + sts.getMetadata().getNamespace() + ".svc",
              podDns + "." + sts.getMetadata().getNamespace() + ".svc");
      assertThat(url.getPort()).as("%s SYNC_REDIS_URL port", w.name()).isEqualTo(redisPort);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static SyncConfig load(Rendered r, Rendered.Workload w, Container c) {
    Map<String, String> env = r.environment(c);
    try {
      return ConfigLoader.load(null, env);
    } catch (RuntimeException e) {
      throw new AssertionError(r.overlay + " " + w.name() + ": the server would refuse to start "
          + "with this environment: " + e.getMessage(), e);
    }
  }

  private static void assertHttpProbe(Rendered.Workload w, Probe probe, String path, int port,
      String kind) {
    assertThat(probe).as("%s %s probe", w.name(), kind).isNotNull();
    HTTPGetAction get = probe.getHttpGet();
    assertThat(get).as("%s %s probe is an HTTP GET", w.name(), kind).isNotNull();
    assertThat(get.getPath()).as("%s %s probe path", w.name(), kind).isEqualTo(path);
    assertThat(w.resolvePort(get.getPort())).as("%s %s probe port", w.name(), kind)
        .contains(port);
  }

  private static long preStopSleepSeconds(Container c) {
    if (c.getLifecycle() == null || c.getLifecycle().getPreStop() == null) {
      return 0;
    }
    LifecycleHandler h = c.getLifecycle().getPreStop();
    if (h.getSleep() != null) {
      return h.getSleep().getSeconds();
    }
    if (h.getExec() != null) {
      List<String> cmd = h.getExec().getCommand();
      if (cmd.size() == 2 && cmd.get(0).equals("sleep")) {
        return Long.parseLong(cmd.get(1));
      }
    }
    throw new AssertionError("cannot tell how long preStop takes: " + h);
  }

  private static boolean isIngressPolicy(NetworkPolicy p) {
    List<String> types = p.getSpec().getPolicyTypes();
    return types == null || types.isEmpty() || types.contains("Ingress");
  }

  /** The union of ingress rules of every policy that selects the workload's pods. */
  private static List<NetworkPolicyIngressRule> ingressRules(Rendered r, Rendered.Workload w) {
    List<NetworkPolicy> selecting = r.all(NetworkPolicy.class).stream()
        .filter(ManifestsTest::isIngressPolicy)
        .filter(p -> LabelSelectors.matches(p.getSpec().getPodSelector(), w.labels())).toList();
    assertThat(selecting).as("%s is selected by an ingress NetworkPolicy", w.name())
        .isNotEmpty();
    return selecting.stream().flatMap(p -> p.getSpec().getIngress() == null
        ? Stream.<NetworkPolicyIngressRule>empty() : p.getSpec().getIngress().stream()).toList();
  }

  /** Whether a pod of the same namespace with the source's labels is allowed in. */
  private static boolean allowsFromSameNamespace(List<NetworkPolicyIngressRule> rules,
      Rendered.Workload source) {
    for (NetworkPolicyIngressRule rule : rules) {
      if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
        return true;
      }
      for (NetworkPolicyPeer peer : rule.getFrom()) {
        if (peer.getNamespaceSelector() == null && peer.getIpBlock() == null
            && LabelSelectors.matches(peer.getPodSelector(), source.labels())) {
          return true;
        }
      }
    }
    return false;
  }

  /** The numeric ports a rule opens on the target pods; no ports means all of them. */
  private static List<Integer> policyPorts(Rendered.Workload target,
      NetworkPolicyIngressRule rule) {
    assertThat(rule.getPorts()).as("a rule on %s names its ports", target.name()).isNotEmpty();
    List<Integer> out = new ArrayList<>();
    for (NetworkPolicyPort p : rule.getPorts()) {
      assertThat(p.getEndPort()).as("no port ranges").isNull();
      out.add(target.resolvePort(p.getPort()).orElseThrow(() -> new AssertionError(
          target.name() + " has no container port " + p.getPort())));
    }
    return out;
  }

  private static Set<String> unknown(Set<String> names) {
    Set<String> out = new TreeSet<>(names);
    out.removeAll(ConfigLoader.ENV.keySet());
    return out;
  }

  private static Set<String> syncNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = SYNC_NAME.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  private static Map<String, String> redisConf(String text) {
    assertThat(text).as("redis.conf").isNotNull();
    Map<String, String> conf = new java.util.LinkedHashMap<>();
    text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .forEach(l -> {
          String[] kv = l.split("\\s+", 2);
          conf.put(kv[0].toLowerCase(Locale.ROOT), kv.length > 1 ? kv[1] : "");
        });
    return conf;
  }

  /** An nginx size: bytes, or with a k/m/g suffix. */
  private static long nginxSize(String v) {
    String s = v.strip().toLowerCase(Locale.ROOT);
    long unit = switch (s.charAt(s.length() - 1)) {
      case 'k' -> 1L << 10;
      case 'm' -> 1L << 20;
      case 'g' -> 1L << 30;
      default -> 1;
    };
    String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
    long n = Long.parseLong(digits);
    return n == 0 ? Long.MAX_VALUE : n * unit;
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    return Stream.of(values).filter(Objects::nonNull).findFirst().orElse(null);
  }

}
