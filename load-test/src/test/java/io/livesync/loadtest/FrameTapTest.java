package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketFrame;
import java.io.PrintStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A generator connection against a real WebSocket server on loopback: the frames reach the
 * client through the tap, whole and fragmented messages alike, and pings are still answered.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FrameTapTest {
  @Test
  void deliversWholeAndFragmentedMessagesAndLeavesControlFramesToVertx() {
    Vertx vertx = Vertx.vertx();
    Buffer pong = Buffer.buffer();
    io.vertx.core.Promise<Void> ponged = io.vertx.core.Promise.promise();
    HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
      ws.pongHandler(b -> {
        pong.appendBuffer(b);
        ponged.tryComplete();
      });
      ws.writeTextMessage("{\"type\":\"welcome\",\"protocol\":1}");
      ws.textMessageHandler(subscribe -> {
        ws.writeTextMessage("{\"type\":\"changes\",\"collection\":\"c\",\"items\":"
            + "[{\"seq\":1},{\"seq\":2}]}");
        ws.writeTextMessage("{\"type\":\"synced\",\"collection\":\"c\",\"seq\":2,"
            + "\"epoch\":\"e1\"}");
        ws.writeTextMessage("{\"type\":\"change\",\"collection\":\"c\",\"data\":{\"ltT\":1,"
            + "\"ltW\":0,\"p\":\"x\"},\"seq\":3}");
        ws.writeFrame(WebSocketFrame.textFrame("{\"type\":\"change\",\"collection\":\"c\","
            + "\"data\":{\"ltT\":1,", false));
        ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("\"ltW\":0,\"p\":\"x\"},"),
            false));
        ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("\"seq\":4}"), true));
        ws.writePing(Buffer.buffer("hi"));
      });
    }).listen(0, "127.0.0.1").await();
    Options opts = Options.parse(new String[] {"fanout", "--url",
        "ws://127.0.0.1:" + server.actualPort(), "--subscribers", "1", "--writers", "0"});
    try (Run run = new Run(opts, new PrintStream(OutputStream.nullOutputStream()))) {
      run.collections(new String[] {"c"}, new int[] {1});
      Client client = run.newClient();
      client.connect().await();
      assertThat(client.subscribe(0, 0, null).await()).isEqualTo(2);
      ponged.future().await();
      assertThat(pong.toString()).isEqualTo("hi");
      io.vertx.core.Promise<Long> last = io.vertx.core.Promise.promise();
      client.context().runOnContext(v -> last.complete(client.lastSeq()));
      assertThat(last.future().await()).isEqualTo(4);
      assertThat(run.stats.deliveries.sum()).isEqualTo(2);
      assertThat(run.stats.catchupItems.sum()).isEqualTo(2);
      assertThat(run.stats.gaps.sum() + run.stats.duplicates.sum()).isZero();
      assertThat(run.stats.framesIn.sum()).as("welcome, changes, synced, two changes")
          .isEqualTo(5);
      assertThat(client.tapped()).isTrue();
    } finally {
      server.close().await();
      vertx.close().await();
    }
  }
}
