package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.testing.InProcessServer;
import io.livesync.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SyncClient#refreshToken()} against a server with HS256 authentication: a token with a
 * good signature but without write grants connects, and its writes are refused; after the
 * application's provider returns a token with the grants and {@code refreshToken()} is called,
 * the client reconnects with it and writes are applied.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenRefreshTest {
  private static final String SECRET = "client-java-token-refresh-secret-0123456789";

  @TempDir
  Path dir;

  @Test
  void refreshTokenReconnectsWithTheProvidersNewToken() throws Exception {
    try (InProcessServer server = InProcessServer.start(dir.resolve("server"), null,
        Map.of("SYNC_JWT_SECRET", SECRET))) {
      AtomicReference<String> current = new AtomicReference<>(token("{\"read\":[\"notes\"]}"));
      AtomicInteger asked = new AtomicInteger();
      CompletableFuture<DeadLetter> forbidden = new CompletableFuture<>();
      try (SyncClient client = SyncClient.builder().serverUrl(server.url()).inMemoryStorage()
          .reconnectDelay(Duration.ofMillis(50))
          .eventListener(Runnable::run, e -> {
            if (e instanceof SyncEvent.DeadLettered d && d.deadLetter().error() != null
                && d.deadLetter().error().code() == ErrorCode.FORBIDDEN) {
              forbidden.complete(d.deadLetter());
            }
          })
          .tokenProvider(() -> {
            asked.incrementAndGet();
            return current.get();
          }).build()) {
        CollectionRef notes = client.collection("notes");
        notes.save("n1", Map.of("text", "not yet")).join();
        assertThat(forbidden.get(20, TimeUnit.SECONDS).write().id())
            .as("the write refused as forbidden").isEqualTo("n1");
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);

        current.set(token("{\"read\":[\"notes\"],\"write\":[\"notes\"]}"));
        client.refreshToken();
        notes.save("n2", Map.of("text", "now allowed")).join();
        assertThat(client.awaitSynced(Duration.ofSeconds(20))).isTrue();
        assertThat(asked.get()).as("the provider was asked again").isEqualTo(2);
        assertThat(notes.get("n2")).isPresent();
        assertThat(client.deadLetters()).extracting(d -> d.write().id()).containsExactly("n1");
      }
    }
  }

  /** An HS256 token for alice with the given sync grants, valid for ten minutes. */
  private static String token(String grants) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
        .getBytes(StandardCharsets.UTF_8));
    String claims = b64.encodeToString(("{\"sub\":\"alice\",\"exp\":"
        + (System.currentTimeMillis() / 1000 + 600) + ",\"sync\":" + grants + "}")
        .getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String input = header + "." + claims;
    return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
  }
}
