package io.livesync.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The typed parse really rejects what the API server would reject or silently drop. */
@Timeout(30)
class StrictParseTest {

  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: d
      spec:
        selector:
          matchLabels: {app: d}
        template:
          metadata:
            labels: {app: d}
          spec:
            containers:
              - name: c
                image: i
                %s
      """;

  @Test
  void acceptsAValidObject() {
    List<HasMetadata> objects = StrictManifests.parseAll(
        DEPLOYMENT.formatted("readinessProbe: {httpGet: {path: /health/ready, port: http}}"),
        "test");
    assertThat(objects).singleElement().isInstanceOf(Deployment.class);
    Deployment d = (Deployment) objects.get(0);
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe()
        .getHttpGet().getPath()).isEqualTo("/health/ready");
  }

  @Test
  void rejectsAMisspelledFieldDeepInsideAPodSpec() {
    assertThatThrownBy(() -> StrictManifests.parseAll(
        DEPLOYMENT.formatted("readinesProbe: {httpGet: {path: /health/ready, port: http}}"),
        "test"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("readinesProbe");
    assertThatThrownBy(() -> StrictManifests.parseAll(
        DEPLOYMENT.formatted("securityContext: {readOnlyRootFileSystem: true}"), "test"))
        .hasMessageContaining("readOnlyRootFileSystem");
  }

  @Test
  void rejectsAKindItDoesNotKnowOrAWrongApiVersion() {
    assertThatThrownBy(() -> StrictManifests.parseAll(
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: x}\n", "test"))
        .hasMessageContaining("extensions/v1beta1/Ingress");
  }
}
