package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.server.testing.RawWs;
import io.livesync.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The WebSocket framing the gateway handles itself once Vert.x has done the upgrade: fragmented
 * messages, control frames, the closing handshake, and messages sent right after the upgrade.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketFramingTest {
  private static final int MAX_FRAME = 4096;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(Map.of(), "{\"limits\": {\"maxFrameBytes\": " + MAX_FRAME + "}}");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static RawWs welcomed() throws Exception {
    RawWs ws = new RawWs(server.port());
    assertThat(ws.readText()).contains("\"welcome\"");
    return ws;
  }

  @Test
  void aMessageInSeveralFramesIsPutTogether() throws Exception {
    try (RawWs ws = welcomed()) {
      ws.sendFrame(false, 0x1, utf8("{\"ty"));
      ws.sendFrame(false, 0x0, utf8("pe\":\"pi"));
      ws.sendFrame(true, 0x0, utf8("ng\"}"));
      assertThat(ws.readText()).contains("\"type\":\"pong\"");
    }
  }

  @Test
  void aMessageOverTheLimitInSmallFramesIsDroppedAndTheSocketStaysOpen() throws Exception {
    try (RawWs ws = welcomed()) {
      byte[] part = new byte[MAX_FRAME / 2 + 1];
      java.util.Arrays.fill(part, (byte) ' ');
      ws.sendFrame(false, 0x1, utf8("{\"type\":\"ping\""));
      ws.sendFrame(false, 0x0, part);
      ws.sendFrame(true, 0x0, part);
      ws.sendText("{\"type\":\"ping\",\"n\":2}");
      assertThat(ws.readText()).contains("\"type\":\"pong\"");
    }
  }

  @Test
  void aPingFrameIsAnsweredWithItsPayload() throws Exception {
    try (RawWs ws = welcomed()) {
      ws.sendFrame(true, 0x9, utf8("are you there"));
      RawWs.Received pong = ws.readNonPingFrame();
      assertThat(pong.opcode()).isEqualTo(0xA);
      assertThat(new String(pong.payload(), StandardCharsets.UTF_8)).isEqualTo("are you there");
    }
  }

  @Test
  void aCloseFromTheClientIsEchoedThenTheConnectionEnds() throws Exception {
    try (RawWs ws = welcomed()) {
      byte[] close = new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'};
      ws.sendFrame(true, 0x8, close);
      RawWs.Received echo = ws.readNonPingFrame();
      assertThat(echo.opcode()).isEqualTo(0x8);
      assertThat(echo.payload()).isEqualTo(close);
      assertThat(ws.endOfStream()).isTrue();
    }
  }

  @Test
  void aMessageSentRightAfterTheUpgradeIsAnswered() throws Exception {
    // sent as soon as the 101 is read, before the welcome: it reaches the gateway's handler
    // however early it arrives
    for (int i = 0; i < 20; i++) {
      try (RawWs ws = new RawWs(server.port())) {
        ws.sendText("{\"type\":\"ping\"}");
        assertThat(ws.readText()).contains("\"welcome\"");
        assertThat(ws.readText()).contains("\"type\":\"pong\"");
      }
    }
  }

  @Test
  void binaryMessagesAreRefusedWithAnError() throws Exception {
    try (RawWs ws = welcomed()) {
      ws.sendFrame(true, 0x2, new byte[] {1, 2, 3});
      assertThat(ws.readText()).contains("\"bad_request\"").contains("binary");
      ws.sendText("{\"type\":\"ping\"}");
      assertThat(ws.readText()).contains("\"type\":\"pong\"");
    }
  }
}
