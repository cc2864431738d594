package io.livesync.client.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TokenManagerTest {
  private static String jwt(String payload) {
    Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
    return e.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + e.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".sig";
  }

  @Test
  void readsExpiry() {
    assertThat(TokenManager.expiryMillis(jwt("{\"sub\":\"a\",\"exp\":1700000000}")))
        .isEqualTo(1_700_000_000_000L);
    assertThat(TokenManager.expiryMillis(jwt("{\"sub\":\"a\"}"))).isEqualTo(-1);
    assertThat(TokenManager.expiryMillis("not a jwt")).isEqualTo(-1);
    assertThat(TokenManager.expiryMillis("a.%%%.b")).isEqualTo(-1);
    assertThat(TokenManager.expiryMillis(null)).isEqualTo(-1);
  }

  @Test
  void refreshesBeforeExpiry() {
    long now = 1_700_000_000_000L;
    // one hour left: at 80%, which is well before exp - 30 s
    assertThat(TokenManager.refreshAtMillis(jwt("{\"exp\":" + (now / 1000 + 3600) + "}"), now))
        .isEqualTo(now + 2_880_000);
    // 60 s left: 30 s before exp
    assertThat(TokenManager.refreshAtMillis(jwt("{\"exp\":" + (now / 1000 + 60) + "}"), now))
        .isEqualTo(now + 30_000);
    assertThat(TokenManager.refreshAtMillis(jwt("{}"), now)).isEqualTo(-1);
  }

  @Test
  void asksTheProviderOnceUntilRefreshed() {
    AtomicInteger calls = new AtomicInteger();
    TokenManager t = new TokenManager(() -> "t" + calls.incrementAndGet());
    assertThat(t.current()).isEqualTo("t1");
    assertThat(t.current()).isEqualTo("t1");
    assertThat(t.refresh()).isEqualTo("t2");
    assertThat(new TokenManager(null).current()).isNull();
  }
}
