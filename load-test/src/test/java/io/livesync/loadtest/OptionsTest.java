package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void durationsTakeUnits() {
    assertThat(Options.parseDuration("60s")).isEqualTo(60_000);
    assertThat(Options.parseDuration("500ms")).isEqualTo(500);
    assertThat(Options.parseDuration("2m")).isEqualTo(120_000);
    assertThat(Options.parseDuration("1.5")).isEqualTo(1500);
    assertThatThrownBy(() -> Options.parseDuration("soon"))
        .hasMessageContaining("60s");
  }

  @Test
  void scenarioDefaultsAndTheWebSocketPath() {
    Options o = Options.parse(new String[] {"fanout", "--url", "ws://127.0.0.1:9000"});
    assertThat(o.subscribers()).isEqualTo(1000);
    assertThat(o.writers()).isEqualTo(1);
    assertThat(o.url().toString()).isEqualTo("ws://127.0.0.1:9000/v1/ws");
    assertThat(o.httpBase()).isEqualTo("http://127.0.0.1:9000");
    Options w = Options.parse(new String[] {"writes", "--closed-loop", "--duration", "5s"});
    assertThat(w.closedLoop()).isTrue();
    assertThat(w.writers()).isEqualTo(50);
    assertThat(w.collections()).isEqualTo(10);
    assertThat(w.durationMillis()).isEqualTo(5000);
  }

  @Test
  void mistakesAreExplained() {
    assertThatThrownBy(() -> Options.parse(new String[] {"nope"}))
        .hasMessageContaining("unknown scenario");
    assertThatThrownBy(() -> Options.parse(new String[] {"writes", "--bogus", "1"}))
        .hasMessageContaining("--bogus");
    assertThatThrownBy(() -> Options.parse(new String[] {"writes", "--rate", "5",
        "--closed-loop"})).hasMessageContaining("exclude");
    assertThatThrownBy(() -> Options.parse(new String[] {"writes", "--url", "http://x"}))
        .hasMessageContaining("ws://");
  }
}
