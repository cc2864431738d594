package io.livesync.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livesync.core.config.ConfigException;
import io.livesync.core.config.ConfigLoader;
import io.livesync.core.config.SyncConfig;
import io.livesync.server.SyncServer;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server refuses to start rather than run without working authentication. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartupRefusalTest {
  @TempDir
  Path tmp;

  private Map<String, String> env(String... kv) {
    Map<String, String> env = new HashMap<>();
    env.put("SYNC_PORT", "0");
    env.put("SYNC_DATA_DIR", tmp.toString());
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return env;
  }

  @Test
  void authOnWithoutAKeyRefusesToStart() {
    assertThatThrownBy(() -> ConfigLoader.load(null, env("SYNC_AUTH", "on")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no key is configured")
        .hasMessageContaining("SYNC_JWT_SECRET").hasMessageContaining("SYNC_JWT_JWKS");
  }

  @Test
  void nonLoopbackBindWithoutKeysRefusesToStart() {
    for (String bind : new String[] {"0.0.0.0", "::", "10.1.2.3", "example.com", "[::]"}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, env("SYNC_BIND", bind)))
          .as(bind).isInstanceOf(ConfigException.class)
          .hasMessageContaining("set SYNC_JWT_SECRET").hasMessageContaining("bind 127.0.0.1");
    }
    assertThatThrownBy(() -> ConfigLoader.load(null, env("SYNC_BIND", "0.0.0.0",
        "SYNC_JWT_SECRET", Jwt.SECRET, "SYNC_AUTH", "off")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SYNC_AUTH=off");
  }

  @Test
  void loopbackBindsMayRunWithoutAuthentication() {
    for (String bind : new String[] {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) {
      SyncConfig c = ConfigLoader.load(null, env("SYNC_BIND", bind));
      assertThat(c.auth().enabled()).as(bind).isFalse();
    }
    SyncConfig keyed = ConfigLoader.load(null, env("SYNC_BIND", "0.0.0.0",
        "SYNC_JWT_SECRET", Jwt.SECRET));
    assertThat(keyed.auth().enabled()).isTrue();
  }

  @Test
  void weakSecretsAndCleartextJwksAreRefused() {
    assertThatThrownBy(() -> ConfigLoader.load(null, env("SYNC_JWT_SECRET", "secret")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("32");
    assertThatThrownBy(() -> ConfigLoader.load(null, env("SYNC_JWT_JWKS",
        "http://idp.example.com/jwks.json")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("https://");
    assertThat(ConfigLoader.load(null, env("SYNC_JWT_JWKS", "http://127.0.0.1:1/jwks.json"))
        .auth().enabled()).isTrue();
  }

  @Test
  void describeNeverShowsTheSecret() {
    SyncConfig c = ConfigLoader.load(null, env("SYNC_JWT_SECRET", Jwt.SECRET,
        "SYNC_JWT_JWKS", "https://idp.example.com/jwks.json?api_key=hush"));
    String described = ConfigLoader.describe(c);
    assertThat(described).doesNotContain(Jwt.SECRET).doesNotContain("hush")
        .contains("jwtSecret=***");
    assertThat(c.auth().toString()).doesNotContain(Jwt.SECRET);
  }

  @Test
  void unusableKeyMaterialFailsTheStartWithItsReason() throws Exception {
    Path notAKey = Files.writeString(tmp.resolve("key.pem"), "hello");
    SyncConfig config = ConfigLoader.load(null, env("SYNC_JWT_PUBLIC_KEY", notAKey.toString()));
    Vertx vertx = Vertx.vertx();
    try {
      assertThatThrownBy(() -> SyncServer.start(vertx, config).await(30, TimeUnit.SECONDS))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("SYNC_JWT_PUBLIC_KEY holds no -----BEGIN PUBLIC KEY----- block");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
