package io.livesync.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses Kubernetes YAML into the fabric8 model so that a misspelled field fails.
 *
 * <p>Unknown properties alone would not: every fabric8 model class collects them in an
 * {@code @JsonAnySetter} map ({@code additionalProperties}). The module below removes those any
 * setters, so with {@code FAIL_ON_UNKNOWN_PROPERTIES} a field the Kubernetes API does not know,
 * at any depth, is an error naming the field and its path.
 */
final class StrictManifests {

  /** apiVersion/kind of every object the manifests may contain; anything else is an error. */
  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
      Map.entry("v1/ConfigMap", ConfigMap.class),
      Map.entry("v1/Secret", Secret.class),
      Map.entry("v1/Service", Service.class),
      Map.entry("v1/Namespace", Namespace.class),
      Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("apps/v1/StatefulSet", StatefulSet.class),
      Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
      Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
      Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class));

  private static final YAMLMapper MAPPER = strictMapper();

  private StrictManifests() {
  }

  private static YAMLMapper strictMapper() {
    SimpleModule noAnySetters = new SimpleModule("no-any-setters");
    noAnySetters.setDeserializerModifier(new BeanDeserializerModifier() {
      @Override
      public BeanDeserializerBuilder updateBuilder(DeserializationConfig config,
          BeanDescription beanDesc, BeanDeserializerBuilder builder) {
        builder.setAnySetter(null);
        return builder;
      }
    });
    YAMLMapper mapper = new YAMLMapper();
    mapper.registerModule(noAnySetters);
    mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    return mapper;
  }

  /** Every document of a (multi-document) YAML stream, typed. */
  static List<HasMetadata> parseAll(String yaml, String source) {
    List<HasMetadata> out = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = MAPPER.readerFor(JsonNode.class).readValues(yaml)) {
      int index = 0;
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        index++;
        if (doc == null || doc.isNull() || doc.isEmpty()) {
          continue;
        }
        out.add(parse(doc, source + " document " + index));
      }
    } catch (IOException e) {
      throw new AssertionError(source + " is not valid YAML: " + e.getMessage(), e);
    }
    return out;
  }

  /** One object, typed by its apiVersion and kind. */
  static HasMetadata parse(JsonNode doc, String where) {
    String key = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
    Class<? extends HasMetadata> type = KINDS.get(key);
    if (type == null) {
      throw new AssertionError(where + ": " + key + " is not a kind these manifests are "
          + "expected to contain (StrictManifests.KINDS: " + KINDS.keySet() + ")");
    }
    try {
      return MAPPER.treeToValue(doc, type);
    } catch (IOException e) {
      throw new AssertionError(where + " (" + key + " " + doc.path("metadata").path("name")
          .asText() + ") does not match the Kubernetes API: " + e.getMessage(), e);
    }
  }
}
