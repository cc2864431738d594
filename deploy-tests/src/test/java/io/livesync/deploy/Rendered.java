package io.livesync.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One rendered overlay: its typed objects and the questions the checks ask of them. */
final class Rendered {

  static final String SERVER_IMAGE = "livesync/sync-server";

  /** A pod-creating object: a Deployment or a StatefulSet. */
  record Workload(HasMetadata owner, LabelSelector selector, PodTemplateSpec template) {

    String name() {
      return owner.getKind() + "/" + owner.getMetadata().getName();
    }

    Map<String, String> labels() {
      Map<String, String> l = template.getMetadata().getLabels();
      return l == null ? Map.of() : l;
    }

    PodSpec pod() {
      return template.getSpec();
    }

    List<Container> containers() {
      return pod().getContainers();
    }

    List<Container> serverContainers() {
      return containers().stream().filter(Rendered::isServer).toList();
    }

    /** The container port a Service, probe or policy names, by number or by name. */
    Optional<Integer> resolvePort(IntOrString port) {
      if (port == null) {
        return Optional.empty();
      }
      if (port.getIntVal() != null) {
        return containers().stream().flatMap(c -> ports(c).stream())
            .map(ContainerPort::getContainerPort).filter(port.getIntVal()::equals).findFirst();
      }
      return containers().stream().flatMap(c -> ports(c).stream())
          .filter(p -> port.getStrVal().equals(p.getName()))
          .map(ContainerPort::getContainerPort).findFirst();
    }
  }

  final String overlay;
  final String yaml;
  final List<HasMetadata> objects;

  Rendered(String overlay) {
    Kustomize.Rendering r = Kustomize.overlay(overlay);
    this.overlay = overlay;
    this.yaml = r.yaml();
    this.objects = r.objects();
  }

  static boolean isServer(Container c) {
    return c.getImage() != null && (c.getImage().equals(SERVER_IMAGE)
        || c.getImage().startsWith(SERVER_IMAGE + ":")
        || c.getImage().startsWith(SERVER_IMAGE + "@"));
  }

  static List<ContainerPort> ports(Container c) {
    return c.getPorts() == null ? List.of() : c.getPorts();
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T one(Class<T> type, String name) {
    return find(type, name).orElseThrow(() -> new AssertionError(overlay + ": no "
        + type.getSimpleName() + " named " + name + " among " + names()));
  }

  List<String> names() {
    return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }

  List<Workload> workloads() {
    List<Workload> out = new ArrayList<>();
    for (Deployment d : all(Deployment.class)) {
      out.add(new Workload(d, d.getSpec().getSelector(), d.getSpec().getTemplate()));
    }
    for (StatefulSet s : all(StatefulSet.class)) {
      out.add(new Workload(s, s.getSpec().getSelector(), s.getSpec().getTemplate()));
    }
    return out;
  }

  Workload workload(String kindAndName) {
    return workloads().stream().filter(w -> w.name().equals(kindAndName)).findFirst()
        .orElseThrow(() -> new AssertionError(overlay + ": no " + kindAndName));
  }

  /** Workloads running the sync-server image. */
  List<Workload> serverWorkloads() {
    return workloads().stream().filter(w -> !w.serverContainers().isEmpty()).toList();
  }

  /**
   * The Secret an envFrom names: rendered, or for one created out of band, the example file
   * beside the overlay ({@code <name>.secret.example.yaml}) that documents its keys.
   */
  Secret secret(String name) {
    Optional<Secret> rendered = find(Secret.class, name);
    if (rendered.isPresent()) {
      return rendered.get();
    }
    String example = "deploy/k8s/overlays/" + overlay + "/" + name + ".secret.example.yaml";
    if (!Files.exists(Repo.path(example))) {
      throw new AssertionError(overlay + ": a container reads Secret " + name + ", which is "
          + "neither rendered nor documented in " + example);
    }
    List<HasMetadata> objects = StrictManifests.parseAll(Repo.read(example), example);
    if (objects.size() != 1 || !(objects.get(0) instanceof Secret s)
        || !s.getMetadata().getName().equals(name)) {
      throw new AssertionError(example + " must hold exactly the Secret " + name);
    }
    return s;
  }

  static List<String> keys(Secret s) {
    List<String> keys = new ArrayList<>();
    if (s.getData() != null) {
      keys.addAll(s.getData().keySet());
    }
    if (s.getStringData() != null) {
      keys.addAll(s.getStringData().keySet());
    }
    return keys;
  }

  /**
   * The environment the container gets, in Kubernetes' order (envFrom, then env). A Secret
   * created out of band contributes the example values of its documented shape; a downward-API
   * field is replaced by a stand-in value.
   */
  Map<String, String> environment(Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of()
        : c.getEnvFrom()) {
      if (from.getConfigMapRef() != null) {
        ConfigMap cm = one(ConfigMap.class, from.getConfigMapRef().getName());
        if (cm.getData() != null) {
          env.putAll(cm.getData());
        }
      }
      if (from.getSecretRef() != null) {
        Secret s = secret(from.getSecretRef().getName());
        if (s.getData() != null) {
          s.getData().forEach((k, v) -> env.put(k, new String(
              Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
          env.putAll(s.getStringData());
        }
      }
    }
    for (EnvVar v : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      if (v.getValue() != null) {
        env.put(v.getName(), v.getValue());
      } else if (v.getValueFrom() != null && v.getValueFrom().getFieldRef() != null) {
        env.put(v.getName(), "downward-api-" + v.getValueFrom().getFieldRef().getFieldPath()
            .replaceAll("[^a-z0-9]", "-"));
      } else if (v.getValueFrom() != null && v.getValueFrom().getConfigMapKeyRef() != null) {
        var ref = v.getValueFrom().getConfigMapKeyRef();
        env.put(v.getName(), one(ConfigMap.class, ref.getName()).getData().get(ref.getKey()));
      } else {
        env.put(v.getName(), "");
      }
    }
    return env;
  }

  /** Every environment variable name the container may get, with the source of each. */
  Map<String, String> environmentNames(Container c) {
    Map<String, String> names = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of()
        : c.getEnvFrom()) {
      if (from.getPrefix() != null && !from.getPrefix().isEmpty()) {
        throw new AssertionError(overlay + ": envFrom prefix " + from.getPrefix()
            + " would rename the settings");
      }
      if (from.getConfigMapRef() != null) {
        ConfigMap cm = one(ConfigMap.class, from.getConfigMapRef().getName());
        if (cm.getData() != null) {
          cm.getData().keySet().forEach(k -> names.put(k, "ConfigMap " + cm.getMetadata()
              .getName()));
        }
      }
      if (from.getSecretRef() != null) {
        Secret s = secret(from.getSecretRef().getName());
        keys(s).forEach(k -> names.put(k, "Secret " + s.getMetadata().getName()));
      }
    }
    for (EnvVar v : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      names.put(v.getName(), "env of container " + c.getName());
    }
    return names;
  }
}
