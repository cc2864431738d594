package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FramesTest {
  private static byte[] b(String s) {
    return Frames.bytes(s);
  }

  @Test
  void recognisesEachServerMessageAsTheServerWritesIt() {
    String[][] cases = {
        {"{\"type\":\"change\",\"collection\":\"c\",\"seq\":3}", "CHANGE"},
        {"{\"type\":\"changes\",\"collection\":\"c\",\"items\":[]}", "CHANGES"},
        {"{\"opId\":\"x\",\"collection\":\"c\",\"id\":\"a\",\"status\":\"applied\",\"version\":1,"
            + "\"seq\":1,\"type\":\"ack\"}", "ACK"},
        {"{\"type\":\"error\",\"code\":\"bad_request\"}", "ERROR"},
        {"{\"type\":\"synced\",\"collection\":\"c\",\"seq\":0}", "SYNCED"},
        {"{\"type\":\"welcome\",\"protocol\":1}", "WELCOME"},
        {"{\"type\":\"reset\",\"collection\":\"c\"}", "RESET"},
        {"{\"type\":\"pong\",\"time\":1}", "OTHER"},
        {"[]", "OTHER"},
    };
    for (String[] c : cases) {
      byte[] bytes = b(c[0]);
      assertThat(Frames.type(bytes, bytes.length)).as(c[0]).hasToString(c[1]);
    }
  }

  @Test
  void readsStampWriterAndSeqOfAChangeWhateverTheDataKeyOrder() {
    byte[] f = b("{\"type\":\"change\",\"collection\":\"c\",\"id\":\"r1-5\",\"op\":\"insert\","
        + "\"data\":{\"ltT\":123456,\"ltW\":7,\"p\":\"xxxx\"},\"version\":2,\"seq\":42,"
        + "\"ts\":\"1-0000-a\",\"origin\":\"a\",\"opId\":\"run.7.5.123456\"}");
    int data = Frames.indexOf(f, f.length, Frames.DATA, 0);
    assertThat(Frames.longAfter(f, f.length, Frames.T, data, -1)).isEqualTo(123456);
    assertThat(Frames.longAfter(f, f.length, Frames.W, data, -1)).isEqualTo(7);
    assertThat(Frames.longAfter(f, f.length, Frames.SEQ, -1)).isEqualTo(42);
    byte[] sorted = b("{\"type\":\"change\",\"data\":{\"ltW\":3,\"ltT\":99,\"p\":\"x\"},\"seq\":1}");
    data = Frames.indexOf(sorted, sorted.length, Frames.DATA, 0);
    assertThat(Frames.longAfter(sorted, sorted.length, Frames.T, data, -1)).isEqualTo(99);
    assertThat(Frames.longAfter(sorted, sorted.length, Frames.W, data, -1)).isEqualTo(3);
  }

  @Test
  void readsAckFieldsAndCountsPageItems() {
    byte[] ack = b("{\"opId\":\"ab12.3.9.777\",\"collection\":\"c\",\"id\":\"a\",\"status\":"
        + "\"merged\",\"version\":4,\"seq\":10,\"record\":{\"seq\":10},\"type\":\"ack\"}");
    assertThat(Frames.stringAfter(ack, ack.length, Frames.OP_ID)).isEqualTo("ab12.3.9.777");
    assertThat(Frames.stringAfter(ack, ack.length, Frames.STATUS)).isEqualTo("merged");
    assertThat(Frames.longAfter(ack, ack.length, Frames.SEQ, -1)).isEqualTo(10);
    byte[] page = b("{\"type\":\"changes\",\"collection\":\"c\",\"items\":[{\"seq\":1},"
        + "{\"seq\":2},{\"seq\":3}]}");
    assertThat(Frames.count(page, page.length, Frames.SEQ)).isEqualTo(3);
    assertThat(Frames.longAfter(page, page.length, b("\"missing\":"), -1)).isEqualTo(-1);
  }
}
